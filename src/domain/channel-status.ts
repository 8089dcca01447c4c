import type { ChannelStatus } from '../shared/channel-status.js';

// The statuses and the rules the pages share (hasLinkedDevice, isEstablished, statusTone) live in
// src/shared/ so the browser runs the same code: one definition, re-exported here for the server.
export { CHANNEL_STATUSES, hasLinkedDevice, isEstablished, statusTone } from '../shared/channel-status.js';
/** Where a WhatsApp channel (one linked number) stands. */
export type { ChannelStatus };

/** How a business links its number: scanning a QR, or typing a code on the phone (switched by support). */
export type LinkMode = 'qr' | 'code';

/** Why a status changed; recorded with every change. */
export type StatusCause =
  | 'created'
  | 'viewer_opened'
  | 'link_window_ended'
  /** Everyone looking at the QR or code left (and did not come back within the grace period). */
  | 'viewers_left'
  | 'qr_refs_ended'
  | 'scanned'
  | 'code_entered'
  | 'opened'
  | 'restored'
  | 'connection_lost'
  /** WhatsApp refused the gateway's client version (405); the gateway is updating it. */
  | 'version_refused'
  | 'device_removed'
  | 'replaced'
  | 'reset'
  | 'mode_changed'
  | 'reach_out_timelock'
  /** WhatsApp asked the account for a passkey check to link; the owner must act on the phone. */
  | 'passkey_required'
  /** WhatsApp's monthly cap on new chats was reached: first contacts wait for the next cycle. */
  | 'new_chats_capped'
  | 'restriction_ended'
  | 'login_refused'
  | 'deleted';

/** Why a channel may not write to new contacts for now (stored with the restriction). */
export type RestrictionCause = 'reach_out_timelock' | 'new_chats_capped';

/** WhatsApp's word on the account's monthly new-chat cap: none, 80 %, 90 %, reached. */
export type NewChatCapState = 'none' | 'first_warning' | 'second_warning' | 'capped';

export const NEW_CHAT_CAP_STATES: readonly NewChatCapState[] = [
  'none',
  'first_warning',
  'second_warning',
  'capped',
];

/** The new-chat cap as WhatsApp last stated it for a channel's account (null fields: not said). */
export interface NewChatCapFacts {
  readonly state: NewChatCapState;
  /** First contacts started this cycle. */
  readonly used: number | null;
  /** First contacts allowed per cycle. */
  readonly quota: number | null;
  /** When the cycle ends and the count starts again. */
  readonly resetsAt: Date | null;
  /** When WhatsApp said it. */
  readonly updatedAt: Date;
}

/** The WhatsApp app a linked phone runs, from pair-success's platform: Business apps are smba / smbi. */
export function isBusinessPlatform(platform: string | undefined): boolean {
  return platform === 'smba' || platform === 'smbi';
}

/** Formats an 8-character pairing code as the phone shows it: XXXX-XXXX. */
export function formatPairingCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}
