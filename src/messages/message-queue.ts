import type { ReportedStatus } from '../dispatch/dispatch-store.js';
import type { FailureDetail, FailureReason, MessageStatus } from '../domain/message-status.js';
import type { Database, Queryable } from '../store/database.js';
import type {
  InboundMessage,
  InboundMessagesRepository,
  NewInboundMessage,
} from '../store/inbound-messages-repository.js';
import type {
  AppliedTransition,
  Message,
  MessagesRepository,
  SendHistory,
  StatusChange,
  TransitionOutcome,
} from '../store/messages-repository.js';
import type { RecipientCheck, RecipientChecksRepository } from '../store/recipient-checks-repository.js';
import {
  isBusinessVisible,
  toInboundReply,
  toStatusChange,
  type MessageEventSink,
} from './message-event-sink.js';

export interface MessageQueueOptions {
  readonly db: Database;
  readonly messages: MessagesRepository;
  readonly inbound: InboundMessagesRepository;
  readonly recipientChecks: RecipientChecksRepository;
  readonly sink: MessageEventSink;
  readonly now?: () => Date;
  /** How long an onWhatsApp "yes" is trusted (default 30 days). */
  readonly onWhatsAppTtlMs?: number;
  /** How long a "no" is trusted: people install WhatsApp (default 1 day). */
  readonly notOnWhatsAppTtlMs?: number;
  /** Called after a new inbound text is committed (its sink rows are now visible to other work). */
  readonly afterInbound?: () => void;
}

/** A status change as the sender reports it; `at` defaults to now. */
export type MarkStatusChange = Omit<StatusChange, 'at' | 'onlyFrom'> & { readonly at?: Date };

/** A message claimed for sending, with the flag the dispatcher's pacing reads. */
export type ClaimedMessage = Message & { readonly marketing: boolean };

/** A failure as the sender reports it. */
export interface SendFailure {
  readonly reason: FailureReason;
  readonly detail?: FailureDetail;
  readonly errorCode?: number;
  readonly details?: Record<string, unknown>;
}

const DAY_MS = 86_400_000;

/**
 * The queue as the sender (src/dispatch) sees it: claim due work, report what WhatsApp said,
 * recover after a crash, expire, store replies. Every status change is written with its event,
 * and handed to the event sink when the business should hear of it, in one transaction. Its
 * methods cover the dispatcher's `DispatchStore` (claimNext, release, markSent, …) as well.
 */
export class MessageQueue {
  private readonly now: () => Date;
  constructor(private readonly o: MessageQueueOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /**
   * Up to `limit` due messages of the channel, in priority then time order, now 'sending' (attempts
   * + 1). Concurrent claimers never get the same message (FOR UPDATE SKIP LOCKED).
   */
  async claimDue(channelId: string, now: Date, limit: number): Promise<Message[]> {
    return this.inTransaction((tx) => this.o.messages.claimDue(channelId, now, limit, tx));
  }

  /** The channel's next due message, claimed; or when the next one falls due (undefined: none queued). */
  async claimNext(
    channelId: string,
    now: Date,
  ): Promise<{ message: ClaimedMessage } | { nextDueAt: Date | undefined }> {
    const [message] = await this.claimDue(channelId, now, 1);
    if (message) return { message: { ...message, marketing: message.priority === 'marketing' } };
    return { nextDueAt: (await this.o.messages.nextDueAt(channelId, now)) ?? undefined };
  }

  /**
   * Applies a status the sender learned (server ack → 'sent', receipts, failures with their reason,
   * or back to 'queued'), following the transition rule: repeated and late receipts are harmless
   * (verdict duplicate/stale, nothing stored). Undefined when the message is not this tenant's.
   */
  async markStatus(
    tenantId: string,
    messageId: string,
    status: MessageStatus,
    change: MarkStatusChange = {},
  ): Promise<TransitionOutcome | undefined> {
    return this.o.db.transaction(async (tx) => {
      const outcome = await this.o.messages.transition(
        tenantId,
        messageId,
        status,
        { ...change, at: change.at ?? this.now() },
        tx,
      );
      if (outcome?.applied && isBusinessVisible(outcome.applied))
        await this.o.sink.record(tx, toStatusChange(outcome.applied));
      return outcome;
    });
  }

  /** markStatus for a receipt that names only WhatsApp's id; undefined for ids that are not ours. */
  async markStatusByWaId(
    waMessageId: string,
    status: MessageStatus,
    change: MarkStatusChange = {},
  ): Promise<TransitionOutcome | undefined> {
    const message = await this.o.messages.findByWaId(waMessageId);
    return message ? this.markStatus(message.tenantId, message.id, status, change) : undefined;
  }

  /**
   * markStatusByWaId for many receipts at once, in one transaction (group commit: acks and receipts
   * that arrive together cost one commit). Changes are applied in the given order, and the visible
   * ones reach the sink in that order. One outcome per item; undefined for ids that are not ours.
   */
  async markStatusesByWaId(
    items: readonly {
      readonly waMessageId: string;
      readonly status: MessageStatus;
      readonly change?: MarkStatusChange;
    }[],
  ): Promise<Array<TransitionOutcome | undefined>> {
    if (items.length === 0) return [];
    return this.o.db.transaction(async (tx) => {
      const outcomes = await this.o.messages.transitionManyByWaId(
        items.map((item) => ({
          waMessageId: item.waMessageId,
          status: item.status,
          change: { ...item.change, at: item.change?.at ?? this.now() },
        })),
        tx,
      );
      for (const outcome of outcomes)
        if (outcome?.applied && isBusinessVisible(outcome.applied))
          await this.o.sink.record(tx, toStatusChange(outcome.applied));
      return outcomes;
    });
  }

  /** The dispatcher's reported statuses (acks, receipts, refusals), recorded together. */
  async markStatuses(reports: readonly ReportedStatus[]): Promise<Array<TransitionOutcome | undefined>> {
    return this.markStatusesByWaId(
      reports.map((r) => ({
        waMessageId: r.waMessageId,
        status: r.status,
        change:
          r.status === 'failed'
            ? {
                at: r.at,
                reason: r.failure?.reason ?? 'rejected',
                errorCode: r.failure?.errorCode,
                failureDetail: r.failure?.detail,
                details: r.failure?.details,
              }
            : { at: r.at, reason: r.status === 'sent' ? 'server_ack' : 'receipt' },
      })),
    );
  }

  /** The message with this WhatsApp id, whichever business it belongs to. */
  findByWaId(waMessageId: string): Promise<Message | undefined> {
    return this.o.messages.findByWaId(waMessageId);
  }

  /** Puts a claimed message back in the queue, to go at `sendAfter` (same WhatsApp id). */
  async release(message: { tenantId: string; id: string }, sendAfter: Date): Promise<void> {
    await this.markStatus(message.tenantId, message.id, 'queued', {
      reason: 'requeued',
      sendAfter,
      details: { sendAfter: sendAfter.toISOString() },
    });
  }

  /** The server acked it. */
  async markSent(waMessageId: string, at: Date): Promise<void> {
    await this.markStatusByWaId(waMessageId, 'sent', { at, reason: 'server_ack' });
  }

  async markDelivered(waMessageId: string, at: Date): Promise<void> {
    await this.markStatusByWaId(waMessageId, 'delivered', { at, reason: 'receipt' });
  }

  async markRead(waMessageId: string, at: Date): Promise<void> {
    await this.markStatusByWaId(waMessageId, 'read', { at, reason: 'receipt' });
  }

  async markFailed(message: { tenantId: string; id: string }, failure: SendFailure, at: Date): Promise<void> {
    await this.markStatus(message.tenantId, message.id, 'failed', {
      at,
      reason: failure.reason,
      errorCode: failure.errorCode,
      failureDetail: failure.detail,
      details: failure.details,
    });
  }

  async markFailedByWaId(waMessageId: string, failure: SendFailure, at: Date): Promise<void> {
    await this.markStatusByWaId(waMessageId, 'failed', {
      at,
      reason: failure.reason,
      errorCode: failure.errorCode,
      failureDetail: failure.detail,
      details: failure.details,
    });
  }

  /** Fails queued messages past their expiry ('expired'); call periodically. Returns them. */
  async expireMessages(now: Date = this.now(), limit = 500): Promise<Message[]> {
    return this.inTransaction((tx) => this.o.messages.expireDue(now, limit, tx));
  }

  /** Fails queued messages past their expiry; returns how many (all of them, in batches). */
  async expireDue(now: Date = this.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.expireMessages(now, 500);
      total += batch.length;
      if (batch.length < 500) return total;
    }
  }

  /**
   * Crash recovery, when this node takes a channel over: its 'sending' messages go back to
   * 'queued' with their WhatsApp ids kept, so the resend is the same message.
   */
  async requeueSending(channelId: string): Promise<Message[]> {
    const at = this.now();
    return this.inTransaction((tx) => this.o.messages.requeueSending({ channelId }, at, tx));
  }

  /** After a restart (one node): every message left 'sending' goes back to 'queued'; returns how many. */
  async requeueInterrupted(): Promise<number> {
    const at = this.now();
    return (await this.inTransaction((tx) => this.o.messages.requeueSending({}, at, tx))).length;
  }

  /** Messages 'sending' since before `claimedBefore` (no ack came) go back to 'queued'; returns how many. */
  async requeueStale(claimedBefore: Date): Promise<number> {
    const at = this.now();
    return (await this.inTransaction((tx) => this.o.messages.requeueSending({ claimedBefore }, at, tx)))
      .length;
  }

  /**
   * Fails every waiting message of a channel with `reason` (e.g. channel_removed), in `tx` when
   * given (so it commits with the change that causes it).
   */
  async failQueued(
    tenantId: string,
    channelId: string,
    reason: FailureReason,
    tx?: Queryable,
  ): Promise<Message[]> {
    const at = this.now();
    return this.inTransaction((t) => this.o.messages.failQueued(tenantId, channelId, reason, at, t), tx);
  }

  /**
   * Stores a client's text once (redeliveries of its WhatsApp id are ignored: `created: false`),
   * tied to the last notification this channel sent to that phone, and emits it. Undefined when
   * the channel is not this tenant's.
   */
  async storeInbound(
    tenantId: string,
    channelId: string,
    input: NewInboundMessage,
  ): Promise<{ inbound: InboundMessage; created: boolean } | undefined> {
    const at = this.now();
    const stored = await this.o.db.transaction(async (tx) => {
      const stored = await this.o.inbound.record(tenantId, channelId, input, at, tx);
      if (stored?.created) await this.o.sink.recordInbound(tx, toInboundReply(stored.inbound));
      return stored;
    });
    if (stored?.created) this.o.afterInbound?.();
    return stored;
  }

  /** The dispatcher's form of storeInbound. */
  async recordInbound(
    input: NewInboundMessage & { readonly tenantId: string; readonly channelId: string },
  ): Promise<void> {
    await this.storeInbound(input.tenantId, input.channelId, input);
  }

  /** The cached onWhatsApp answer for a phone on a channel, whatever its age. */
  recipientCheck(tenantId: string, channelId: string, phone: string): Promise<RecipientCheck | undefined> {
    return this.o.recipientChecks.get(tenantId, channelId, phone);
  }

  /** The cached onWhatsApp answer while still fresh; undefined: ask WhatsApp (and remember). */
  async recipientOnWhatsApp(
    tenantId: string,
    channelId: string,
    phone: string,
  ): Promise<boolean | undefined> {
    const check = await this.o.recipientChecks.get(tenantId, channelId, phone);
    if (!check) return undefined;
    const ttl = check.onWhatsApp
      ? (this.o.onWhatsAppTtlMs ?? 30 * DAY_MS)
      : (this.o.notOnWhatsAppTtlMs ?? DAY_MS);
    return this.now().getTime() - check.checkedAt.getTime() < ttl ? check.onWhatsApp : undefined;
  }

  rememberRecipient(
    tenantId: string,
    channelId: string,
    phone: string,
    onWhatsApp: boolean,
    checkedAt: Date = this.now(),
  ): Promise<void> {
    return this.o.recipientChecks.put(tenantId, channelId, phone, onWhatsApp, checkedAt);
  }

  /** Facts for pacing: last send, sends since `dayStart` (local midnight), sends to `phone` in the last hour. */
  sendHistory(channelId: string, phone: string, now: Date, dayStart: Date): Promise<SendHistory> {
    return this.o.messages.sendHistory(channelId, phone, now, dayStart);
  }

  /** Has the channel ever been in a chat with `phone` (sent to it, or heard from it)? */
  hasContacted(channelId: string, phone: string): Promise<boolean> {
    return this.o.messages.hasContacted(channelId, phone);
  }

  /** Messages queued or being sent on one channel, or on all. */
  queueDepth(channelId?: string): Promise<number> {
    return this.o.messages.queueDepth(channelId);
  }

  queueDepths(): Promise<Map<string, number>> {
    return this.o.messages.queueDepths();
  }

  channelsWithQueuedWork(): Promise<string[]> {
    return this.o.messages.channelsWithQueuedWork();
  }

  nextDueAt(channelId: string, now: Date = this.now()): Promise<Date | null> {
    return this.o.messages.nextDueAt(channelId, now);
  }

  /** Runs a bulk transition and hands the visible changes to the sink, in one transaction. */
  private async inTransaction(
    work: (tx: Queryable) => Promise<AppliedTransition[]>,
    outer?: Queryable,
  ): Promise<Message[]> {
    const run = async (tx: Queryable): Promise<Message[]> => {
      const applied = await work(tx);
      for (const change of applied)
        if (isBusinessVisible(change)) await this.o.sink.record(tx, toStatusChange(change));
      return applied.map((a) => a.message);
    };
    return outer ? run(outer) : this.o.db.transaction(run);
  }
}
