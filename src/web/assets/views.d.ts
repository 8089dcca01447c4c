// Types of views.js, the live-markup module shared by the server and the browser.
import type { ChannelStatus } from '../../domain/channel-status.js';
import type { FailureDetail, FailureReason, MessageStatus } from '../../domain/message-status.js';
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
/** WhatsApp's new-chat cap on a channel in words ('' when there is nothing to say). */
export function newChatsFact(ch: ChannelView, S: ViewStrings, env: ViewEnv): string;
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

/** One message as the panel's log shows it (a subset of the API's message view). */
/** Why a queued message waits and until when (null: not queued, or due now). */
export interface MessageWaitingView {
  reason:
    'paused' | 'device_removed' | 'not_linked' | 'daily_limit' | 'quiet_hours' | 'reminder' | 'scheduled';
  /** ISO 8601; null when it waits for someone (Resume, linking again). */
  until: string | null;
  /** The business's time zone: the time is shown as its clocks read. */
  timeZone: string;
  /** "08:00" says enough (later today, or the next opening); else the date is shown too. */
  timeOnly: boolean;
}

export interface MessageRowView {
  waiting?: MessageWaitingView | null;
  id: string;
  /** E.164 with '+'. */
  to: string;
  text: string;
  status: MessageStatus;
  failureReason: FailureReason | null;
  /** What the reason alone does not say (a 463's cause, a first contact held back); optional for older callers. */
  failureDetail?: FailureDetail | null;
  errorCode: number | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  failedAt: string | null;
}

/** The log's filters, as in the page's query string. */
export interface MessagesQuery {
  channel?: string;
  phone?: string;
  status?: string;
  cursor?: string;
  lang?: string;
}

export const MESSAGE_STATUSES: readonly MessageStatus[];
export function messagesHref(q: MessagesQuery): string;
export function messageReason(m: MessageRowView, S: ViewStrings): string;
export function messageWaitingText(m: MessageRowView, S: ViewStrings, env: ViewEnv): string;
export function shortText(text: string): string;
export function messageRow(m: MessageRowView, S: ViewStrings, env: ViewEnv): string;
export function messageLogEmpty(filtered: boolean, S: ViewStrings): string;
export function messageLogMore(nextCursor: string | null, q: MessagesQuery, S: ViewStrings): string;
export function queueSummary(ch: ChannelView, queueDepth: number, S: ViewStrings, env: ViewEnv): string;

/** A template rendered for a sample booking, with the variables it could not fill. */
export interface TemplatePreviewView {
  text: string;
  issues: ReadonlyArray<{ variable: string; problem: 'unknown_variable' | 'no_value' }>;
}
export function templatePreview(preview: TemplatePreviewView, S: ViewStrings): string;
