import type { ClaimedMessage, DueMessage, MessageFailure, StatusReport } from '../domain/message.js';
import type { NewInboundMessage } from '../store/inbound-messages-repository.js';

export type { ClaimedMessage, DueMessage };

/**
 * A status the channel reported for one of our ids: the lifecycle's one report type
 * (domain/message.ts), addressed by the WhatsApp id the message was sent with.
 */
/** A client's text as the channel heard it, addressed to the tenant's channel that heard it. */
export type InboundToRecord = NewInboundMessage & { readonly tenantId: string; readonly channelId: string };

export type ReportedStatus = StatusReport & {
  readonly waMessageId: string;
  readonly status: 'sent' | 'delivered' | 'read' | 'failed';
};

/** What the dispatcher needs from the message store (src/dispatch/status-recorder.ts). */
export interface DispatchStore {
  /**
   * The channel's next due message (priority, then time), read without claiming it, or when the
   * next one is due.
   */
  nextDue(channelId: string, now: Date): Promise<{ message: DueMessage } | { nextDueAt: Date | undefined }>;
  /** Claims that message for sending; undefined when it is no longer queued and due. */
  claim(message: DueMessage, now: Date): Promise<ClaimedMessage | undefined>;
  /** Holds a due message back until `sendAfter` (pacing); it stays queued. */
  postpone(message: DueMessage, sendAfter: Date): Promise<void>;
  /** Puts a claimed message back in the queue, to go at `sendAfter`. */
  release(message: ClaimedMessage, sendAfter: Date): Promise<void>;
  markFailed(message: { tenantId: string; id: string }, failure: MessageFailure, at: Date): Promise<void>;
  /**
   * Records reported statuses (acks, receipts, refusals) in one transaction, applied in order (group
   * commit); one status is a batch of one.
   */
  markStatuses(reports: readonly ReportedStatus[]): Promise<unknown>;
  /**
   * A channel's sends in flight on a connection that died (or before a restart) go back to
   * `queued`, keeping their ids: called when the channel opens on this process.
   */
  requeueSending(channelId: string): Promise<unknown>;
  /**
   * Messages `sending` since before `claimedBefore` go back to `queued` (same id); returns how many.
   * `channelIds`: only those channels' (several nodes: the ones this node holds); absent: all.
   */
  requeueStale(claimedBefore: Date, channelIds?: readonly string[]): Promise<number>;
  /** Fails queued messages whose expiry passed; returns how many. */
  expireDue(now: Date): Promise<number>;
  /**
   * Channels with work waiting (to start their workers at boot); with `dueBy`, only those with a
   * message due by then (to wake their workers).
   */
  channelsWithQueuedWork(dueBy?: Date): Promise<string[]>;
  /** Has the channel ever been in a chat with `phone` (sent to it, or heard from it)? */
  hasContacted(channelId: string, phone: string): Promise<boolean>;
  recipientOnWhatsApp(tenantId: string, channelId: string, phone: string): Promise<boolean | undefined>;
  rememberRecipient(tenantId: string, channelId: string, phone: string, onWhatsApp: boolean): Promise<void>;
  recordInbound(input: InboundToRecord): Promise<unknown>;
  queueDepth(): Promise<number>;
}
