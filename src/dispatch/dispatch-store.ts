import type { MessageFailure } from './dispatch-types.js';

/** A message claimed for sending (status `sending`). */
export interface ClaimedMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly channelId: string;
  /** Fixed at accept time: a resend after a crash reuses it, so the recipient sees the message once. */
  readonly waMessageId: string;
  readonly toPhone: string;
  readonly body: string;
  readonly urgent: boolean;
  readonly marketing: boolean;
  readonly attempts: number;
}

/** A status WhatsApp reported for one of our ids, as the dispatcher records it. */
export interface ReportedStatus {
  readonly waMessageId: string;
  readonly status: 'sent' | 'delivered' | 'read' | 'failed';
  readonly at: Date;
  /** For 'failed'. */
  readonly failure?: MessageFailure;
}

/** What the dispatcher needs from the message store (adapted from the messages repository). */
export interface DispatchStore {
  /** Claims the channel's next due message (priority, then time), or says when the next one is due. */
  claimNext(
    channelId: string,
    now: Date,
  ): Promise<{ message: ClaimedMessage } | { nextDueAt: Date | undefined }>;
  /** Puts a claimed message back in the queue, to go at `sendAfter`. */
  release(message: ClaimedMessage, sendAfter: Date): Promise<void>;
  markSent(waMessageId: string, at: Date): Promise<void>;
  markDelivered(waMessageId: string, at: Date): Promise<void>;
  markRead(waMessageId: string, at: Date): Promise<void>;
  markFailed(message: { tenantId: string; id: string }, failure: MessageFailure, at: Date): Promise<void>;
  markFailedByWaId(waMessageId: string, failure: MessageFailure, at: Date): Promise<void>;
  /**
   * Records many reported statuses in one transaction, applied in order (group commit). Optional:
   * without it each status is recorded alone.
   */
  markStatuses?(reports: readonly ReportedStatus[]): Promise<unknown>;
  /** A channel's sends in flight on a socket that died go back to `queued`, keeping their ids. */
  requeueSending(channelId: string): Promise<unknown>;
  /** After a crash: messages left `sending` go back to `queued`, keeping their WhatsApp id. */
  requeueInterrupted(): Promise<number>;
  /** Messages `sending` since before `claimedBefore` go back to `queued` (same id); returns how many. */
  requeueStale(claimedBefore: Date): Promise<number>;
  /** Fails queued messages whose expiry passed; returns how many. */
  expireDue(now: Date): Promise<number>;
  /** Channels with work waiting (to start their workers at boot). */
  channelsWithQueuedWork(): Promise<string[]>;
  /** Has the channel ever been in a chat with `phone` (sent to it, or heard from it)? */
  hasContacted(channelId: string, phone: string): Promise<boolean>;
  recipientOnWhatsApp(tenantId: string, channelId: string, phone: string): Promise<boolean | undefined>;
  rememberRecipient(tenantId: string, channelId: string, phone: string, onWhatsApp: boolean): Promise<void>;
  recordInbound(input: {
    tenantId: string;
    channelId: string;
    waMessageId: string;
    fromPhone: string;
    text: string;
    receivedAt: Date;
  }): Promise<void>;
  queueDepth(): Promise<number>;
}
