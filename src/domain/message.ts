import {
  FAILURE_REASONS,
  judgeTransition,
  priorityRank,
  type FailureDetail,
  type FailureReason,
  type MessageEventReason,
  type MessageStatus,
  type Priority,
  type TransitionVerdict,
} from './message-status.js';

/**
 * The message lifecycle's words, in one place: the entity, what a sender reports about it (the one
 * type in), the transition rule, and the change the business hears of (the one type out). Pure: no
 * I/O, no clock; the repositories store what `applyReport` decides.
 */

/** An outbound notification. */
export interface Message {
  readonly id: string;
  readonly tenantId: string;
  readonly channelId: string;
  /** The WhatsApp message id, fixed at accept time (a resend after a crash reuses it). */
  readonly waMessageId: string;
  /** E.164 digits without '+'. */
  readonly toPhone: string;
  /** The final text (templates are rendered at accept time). */
  readonly body: string;
  readonly templateName: string | null;
  readonly templateLanguage: string | null;
  readonly priority: Priority;
  readonly urgent: boolean;
  readonly status: MessageStatus;
  readonly failureReason: FailureReason | null;
  /** What the reason alone does not say (a 463's cause, why a first contact was held back). */
  readonly failureDetail: FailureDetail | null;
  readonly errorCode: number | null;
  readonly sendAfter: Date;
  readonly expiresAt: Date | null;
  readonly attempts: number;
  readonly idempotencyKey: string | null;
  readonly metadata: Record<string, unknown>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly sentAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly readAt: Date | null;
  readonly failedAt: Date | null;
}

/** A queued message due now, as the sender reads it before deciding whether it goes now. */
export type DueMessage = Pick<
  Message,
  'id' | 'tenantId' | 'channelId' | 'waMessageId' | 'toPhone' | 'body' | 'urgent'
> & {
  /** Marketing priority: the pacing policy holds these back more. */
  readonly marketing: boolean;
};

/** A message claimed for sending (status `sending`): what the dispatcher reads of it. */
export type ClaimedMessage = DueMessage & Pick<Message, 'attempts'>;

/** One stored step of a message's history. */
export interface MessageEvent {
  readonly id: number;
  readonly messageId: string;
  readonly status: MessageStatus;
  readonly reason: MessageEventReason | null;
  readonly errorCode: number | null;
  readonly details: Record<string, unknown> | null;
  readonly at: Date;
}

/** A reply (or any text) a client sent to a business's linked number. */
export interface InboundMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly channelId: string;
  readonly waMessageId: string;
  /** E.164 digits without '+'. */
  readonly fromPhone: string;
  readonly text: string;
  readonly pushName: string | null;
  readonly receivedAt: Date;
  /** The last notification this channel sent to that phone before the reply, if any. */
  readonly inReplyToMessageId: string | null;
  readonly createdAt: Date;
}

/** Why a message failed, as a sender reports it and the message records it. */
export interface MessageFailure {
  readonly reason: FailureReason;
  /** What the reason alone does not say (a 463's cause, why a first contact was held back). */
  readonly detail?: FailureDetail;
  readonly errorCode?: number;
  /** Stored with the failure event (e.g. until when a restriction lasts). */
  readonly details?: Record<string, unknown>;
}

/**
 * THE TYPE IN: a status someone learned for a message — the channel (server ack → `sent`, receipts,
 * refusals), the sender (back to `queued`, a failure before sending) or the business (cancel).
 */
export interface StatusReport {
  readonly status: MessageStatus;
  readonly at: Date;
  /** For `failed`: why (`rejected` when not said). */
  readonly failure?: MessageFailure | undefined;
  /** For other statuses: what caused the step (server_ack, receipt, requeued). */
  readonly note?: Exclude<MessageEventReason, FailureReason> | undefined;
  /** Stored with the event (failures: `failure.details`). */
  readonly details?: Record<string, unknown> | undefined;
  /** Back to `queued` only: not before this time. */
  readonly sendAfter?: Date | undefined;
  /** Apply only from these statuses (cancel: only while queued); otherwise the verdict is `refused`. */
  readonly onlyFrom?: readonly MessageStatus[] | undefined;
}

/**
 * THE TYPE OUT: a message changed status in a way the business hears about — accepted (`queued`,
 * reason `accepted`), sent, delivered, read, failed — handed to the sinks (webhooks, integrations) in the
 * transaction that stored it. Internal steps (claimed, requeued) are stored but not handed on
 * (`isBusinessVisible`).
 */
export interface MessageStatusChange {
  /** The message_events row id: unique, increasing per message. */
  readonly eventId: number;
  readonly tenantId: string;
  readonly channelId: string;
  readonly messageId: string;
  readonly waMessageId: string;
  /** The recipient, E.164 digits without '+'. */
  readonly toPhone: string;
  readonly status: MessageStatus;
  /** The failure reason for 'failed'; otherwise what caused the transition (accepted, claimed…). */
  readonly reason?: MessageEventReason;
  /** For 'failed': what the reason alone does not say (a 463's cause, a first contact held back). */
  readonly failureDetail?: FailureDetail;
  /** WhatsApp's error code, when it refused the message. */
  readonly errorCode?: number;
  readonly at: Date;
  /** The business's own metadata given at accept time. */
  readonly metadata: Record<string, unknown>;
}

/**
 * What a report did to a message: the verdict (`refused`: `onlyFrom` did not allow it), the message
 * as it now is, and — when something was stored — the event written with it.
 */
export interface TransitionOutcome {
  readonly verdict: TransitionVerdict | 'refused';
  readonly message: Message;
  readonly event?: MessageEvent;
}

/** An event about to be written (its id comes from the database). */
export type EventDraft = Omit<MessageEvent, 'id'> & { readonly tenantId: string };

/** The reason a failure is stored with: a typed failure reason, 'rejected' when none was given. */
const failureReasonOf = (reason: string | undefined): FailureReason =>
  (FAILURE_REASONS as readonly string[]).includes(reason ?? '') ? (reason as FailureReason) : 'rejected';

/**
 * The transition rule applied to a message: the verdict and, when it applies, the message after it
 * (what the repository writes) and the event to store with it. Timestamps only move once: the first
 * `sent`/`delivered`/`read` time is kept, and `read` implies `delivered` implies `sent`.
 */
export function applyReport(
  current: Message,
  report: StatusReport,
): { verdict: TransitionVerdict | 'refused'; next?: Message; event?: EventDraft } {
  const { status, at } = report;
  if (report.onlyFrom && !report.onlyFrom.includes(current.status)) return { verdict: 'refused' };
  const verdict = judgeTransition(current.status, status);
  if (verdict !== 'apply') return { verdict };
  const failed = status === 'failed';
  const failureReason = failed ? failureReasonOf(report.failure?.reason) : null;
  const errorCode = failed ? (report.failure?.errorCode ?? null) : null;
  const reached = (s: MessageStatus) =>
    status === s ||
    (s === 'sent' && (status === 'delivered' || status === 'read')) ||
    (s === 'delivered' && status === 'read');
  const next: Message = {
    ...current,
    status,
    failureReason,
    failureDetail: failed ? (report.failure?.detail ?? null) : null,
    errorCode,
    updatedAt: at,
    sentAt: reached('sent') ? (current.sentAt ?? at) : current.sentAt,
    deliveredAt: reached('delivered') ? (current.deliveredAt ?? at) : current.deliveredAt,
    readAt: reached('read') ? (current.readAt ?? at) : current.readAt,
    failedAt: failed ? at : current.failedAt,
    sendAfter: status === 'queued' && report.sendAfter ? report.sendAfter : current.sendAfter,
  };
  const event: EventDraft = {
    tenantId: current.tenantId,
    messageId: current.id,
    status,
    reason: failed ? failureReason : (report.note ?? null),
    errorCode,
    details: (failed ? report.failure?.details : undefined) ?? report.details ?? null,
    at,
  };
  return { verdict, next, event };
}

/** Whether a stored step is news for the business (and so for the sinks). */
export function isBusinessVisible(event: Pick<MessageEvent, 'status' | 'reason'>): boolean {
  if (event.status === 'sending') return false;
  return event.status !== 'queued' || event.reason === 'accepted';
}

/** The sinks' view of a stored step. */
export function statusChangeOf(message: Message, event: MessageEvent): MessageStatusChange {
  return {
    eventId: event.id,
    tenantId: message.tenantId,
    channelId: message.channelId,
    messageId: message.id,
    waMessageId: message.waMessageId,
    toPhone: message.toPhone,
    status: event.status,
    ...(event.reason === null ? {} : { reason: event.reason }),
    ...(event.status === 'failed' && message.failureDetail ? { failureDetail: message.failureDetail } : {}),
    ...(event.errorCode === null ? {} : { errorCode: event.errorCode }),
    at: event.at,
    metadata: message.metadata,
  };
}

/** Queue order: priority, then send time, then arrival. */
export const queueOrder = (a: Message, b: Message): number =>
  priorityRank(a.priority) - priorityRank(b.priority) ||
  a.sendAfter.getTime() - b.sendAfter.getTime() ||
  a.createdAt.getTime() - b.createdAt.getTime() ||
  (a.id < b.id ? -1 : 1);
