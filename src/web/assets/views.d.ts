// Types of views.js, the live-markup module shared by the server and the browser.
import type { ChannelStatus } from '../../domain/channel-status.js';
import type { ChannelView, SupportRow } from '../channel-view.js';

/** Catalogue strings by key (a page's subset of the catalogue). */
export type ViewStrings = Readonly<Record<string, string>>;

/** What rendering needs besides the data: the current time and a date formatter. */
export interface ViewEnv {
  readonly lang: string;
  readonly now: number;
  fmtDate(iso: string): string;
}

/** State of a live link area that is not in the ChannelView. */
export interface LinkViewState {
  surface: 'panel' | 'page';
  /** A watch was just asked for: show "Preparing…" rather than "expired" while no link exists. */
  starting: boolean;
  /** Keeps a half-typed sending-phone number across re-renders. */
  phone?: string;
}

export function escapeHtml(value: unknown): string;
export function fill(template: string, vars?: Readonly<Record<string, string | number>>): string;
export function hasLinkedDevice(status: ChannelStatus): boolean;
export function isEstablished(status: ChannelStatus): boolean;
export function statusLabel(ch: ChannelView, S: ViewStrings): string;
export function statusNote(ch: ChannelView, S: ViewStrings): string;
export function remainingMs(expiresAt: string, now: number, ttlMs?: number): number;
export function countdownText(kind: 'qr' | 'code', ms: number, S: ViewStrings): string;
export function waBlockBody(ch: ChannelView, S: ViewStrings, env: ViewEnv): string;
export function channelCardBody(
  ch: ChannelView,
  S: ViewStrings,
  env: ViewEnv,
  opts?: { windowOpen?: boolean },
): string;
export function linkView(ch: ChannelView, S: ViewStrings, env: ViewEnv, st: LinkViewState): string;
export function linkViewKey(ch: ChannelView, st: LinkViewState): string;
export function supportRow(row: SupportRow, S: ViewStrings, env: ViewEnv): string;
export function supportRowSearchText(row: SupportRow): string;
