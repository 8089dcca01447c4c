import { MESSAGE_STATUSES, type MessageStatus } from '../shared/message-status.js';

// One list for the server and the browser's message log (src/shared/ is served to the pages as-is).
export { MESSAGE_STATUSES };
/** Where an outbound notification stands (queued → sending → sent → delivered → read, or failed). */
export type { MessageStatus };

/** Why a message failed: what the CRM acts on (e.g. `not_on_whatsapp` → fall back to SMS). */
export type FailureReason =
  /** The recipient's number cannot be a phone number WhatsApp knows. */
  | 'invalid_number'
  /** The onWhatsApp check says the number has no WhatsApp account. */
  | 'not_on_whatsapp'
  /** WhatsApp's 463: the sending account may not start new chats for now (reach-out timelock). */
  | 'restricted'
  /** Its expiry passed before it could be sent. */
  | 'expired'
  /** The business cancelled it while it was still queued. */
  | 'cancelled'
  /** The channel it was queued on is gone. */
  | 'channel_removed'
  /** WhatsApp refused it with another error code (see `errorCode`). */
  | 'rejected';

export const FAILURE_REASONS = [
  'invalid_number',
  'not_on_whatsapp',
  'restricted',
  'expired',
  'cancelled',
  'channel_removed',
  'rejected',
] as const satisfies readonly FailureReason[];

/**
 * What a failure's reason alone does not say, where the gateway knows more (null otherwise). The
 * reason stays as it was (`rejected`, `restricted`) so integrations that switch on it keep working:
 * - `recipient_token_missing`: WhatsApp's 463 with no timelock: the contact expects a trusted-contact
 *   token this device does not have (only this message fails; it may work once the contact writes);
 * - `misaddressed`: a 463 for a contact WhatsApp addresses by LID, refused at its LID as well;
 * - `reach_out_timelock`: WhatsApp's reach-out timelock (a 463 it confirmed, or a first contact the
 *   gateway held back under it);
 * - `new_chats_capped`: a first contact held back because the monthly new-chat cap was reached.
 */
export type FailureDetail =
  'recipient_token_missing' | 'misaddressed' | 'reach_out_timelock' | 'new_chats_capped';

export const FAILURE_DETAILS = [
  'recipient_token_missing',
  'misaddressed',
  'reach_out_timelock',
  'new_chats_capped',
] as const satisfies readonly FailureDetail[];

/** Why a non-failure transition happened; stored with the event for the history. */
export type TransitionNote =
  | 'accepted'
  | 'claimed'
  /** Put back in the queue: the channel went down before the send, or a crash caught it mid-send. */
  | 'requeued'
  | 'server_ack'
  | 'receipt';

export type MessageEventReason = FailureReason | TransitionNote;

/** Transactional messages (reminders, confirmations) go before marketing ones on the same channel. */
export type Priority = 'transactional' | 'marketing';

export const PRIORITIES = ['transactional', 'marketing'] as const satisfies readonly Priority[];

/** The stored rank: lower goes first. */
export function priorityRank(priority: Priority): 0 | 1 {
  return priority === 'transactional' ? 0 : 1;
}

export function priorityFromRank(rank: number): Priority {
  return rank === 0 ? 'transactional' : 'marketing';
}

/** Statuses nothing moves out of. */
export function isTerminal(status: MessageStatus): boolean {
  return status === 'read' || status === 'failed';
}

/** A business may cancel only what has not been picked up for sending yet. */
export function isCancellable(status: MessageStatus): boolean {
  return status === 'queued';
}

/** Whether a message in this status may be claimed by the sender (the queue's "due work"). */
export function isPending(status: MessageStatus): boolean {
  return status === 'queued' || status === 'sending';
}

/**
 * What to do with a requested transition:
 * - `apply`: store it (and its event);
 * - `duplicate`: already there (a repeated receipt) — nothing to do, not an error;
 * - `stale`: behind what we know (a late "delivered" after "read") — ignore;
 * - `terminal`: the message is read or failed; nothing moves it any more.
 */
export type TransitionVerdict = 'apply' | 'duplicate' | 'stale' | 'terminal';

const PROGRESS: Record<Exclude<MessageStatus, 'failed'>, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
};

/**
 * The one transition rule. Receipts arrive out of order and more than once, so progress only moves
 * forward ("read" implies "delivered" and "sent"), repeats are harmless, and terminal states stay.
 * Exceptions, on purpose:
 * - sending → queued: a claimed message goes back to the queue (channel down, crash recovery);
 * - queued → sent/delivered/read: a message requeued after a crash can still receive the receipts
 *   of the send that happened before the crash (its WhatsApp id is fixed), and must not go again;
 * - sent → failed: the positive ack and an error ack may race; the error wins until delivery.
 */
export function judgeTransition(from: MessageStatus, to: MessageStatus): TransitionVerdict {
  if (from === to) return 'duplicate';
  if (from === 'failed' || from === 'read') return 'terminal';
  if (to === 'failed') return from === 'delivered' ? 'stale' : 'apply';
  if (to === 'queued') return from === 'sending' ? 'apply' : 'stale';
  return PROGRESS[to] > PROGRESS[from] ? 'apply' : 'stale';
}

/** Longest text a notification may carry (WhatsApp allows more; a booking notice never needs it). */
export const MESSAGE_TEXT_MAX_LENGTH = 4096;
