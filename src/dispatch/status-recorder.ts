import type { Clock } from '../clock.js';
import type { FailureReason } from '../domain/message-status.js';
import {
  isBusinessVisible,
  statusChangeOf,
  type ClaimedMessage,
  type DueMessage,
  type InboundMessage,
  type Message,
  type MessageFailure,
  type MessageStatusChange,
  type StatusReport,
  type TransitionOutcome,
} from '../domain/message.js';
import { recordChanges, toInboundReply, type MessageEventSink } from '../messages/message-event-sink.js';
import type { WriteFence } from '../store/channels-repository.js';
import type { Database, Queryable } from '../store/database.js';
import type { InboundMessagesRepository } from '../store/inbound-messages-repository.js';
import type { MessageQueueRepository, MessageTarget } from '../store/message-queue-repository.js';
import type { RecipientChecksRepository } from '../store/recipient-checks-repository.js';
import type { DispatchStore, InboundToRecord, ReportedStatus } from './dispatch-store.js';

export interface StatusRecorderOptions {
  readonly db: Database;
  readonly queue: MessageQueueRepository;
  readonly inbound: InboundMessagesRepository;
  readonly recipientChecks: RecipientChecksRepository;
  readonly sink: MessageEventSink;
  readonly clock: Clock;
  /** How long an onWhatsApp "yes" is trusted (default 30 days). */
  readonly onWhatsAppTtlMs?: number;
  /** How long a "no" is trusted: people install WhatsApp (default 1 day). */
  readonly notOnWhatsAppTtlMs?: number;
  /** Called after a new inbound text is committed (its sink rows are now visible to other work). */
  readonly afterInbound?: () => void;
}

const DAY_MS = 86_400_000;
const BULK_LIMIT = 500;

/**
 * The one path by which a message's status changes are recorded — a channel's acks, receipts and
 * refusals, the sender's claims, requeues and failures, expiry, a channel's queue failed when it is
 * removed — and by which inbound texts are stored. Each change is judged by the transition rule
 * (domain/message.ts), written with its event, and handed to the sinks when the business hears of
 * it, in one transaction. Several reports at once are one transaction (group commit); one report is
 * a batch of one. Implements the dispatcher's DispatchStore.
 */
export class StatusRecorder implements DispatchStore {
  constructor(private readonly o: StatusRecorderOptions) {}

  /**
   * Records reports in the given order in one transaction (in `tx` when given, so they commit with the
   * change that causes them). One outcome per report; undefined for a message that is not there.
   */
  async record(
    items: readonly { readonly target: MessageTarget; readonly report: StatusReport }[],
    tx?: Queryable,
  ): Promise<Array<TransitionOutcome | undefined>> {
    if (items.length === 0) return [];
    return this.inTransaction(tx, async (t) => {
      const outcomes = await this.o.queue.applyReports(items, t);
      await this.tell(t, outcomes);
      return outcomes;
    });
  }

  /** The channel's reports (acks, receipts, refusals) by WhatsApp id, recorded together. */
  async markStatuses(
    reports: readonly ReportedStatus[],
    tx?: Queryable,
  ): Promise<Array<TransitionOutcome | undefined>> {
    return this.record(
      reports.map(({ waMessageId, ...report }) => ({
        target: { waMessageId },
        report: {
          ...report,
          ...(report.status === 'failed'
            ? { failure: report.failure ?? { reason: 'rejected' } }
            : { note: report.note ?? (report.status === 'sent' ? 'server_ack' : 'receipt') }),
        },
      })),
      tx,
    );
  }

  /**
   * The channel's next due message, read without claiming it (it stays `queued` while the sender
   * decides); or when the next one falls due (undefined: none queued).
   */
  async nextDue(
    channelId: string,
    now: Date,
  ): Promise<{ message: DueMessage } | { nextDueAt: Date | undefined }> {
    const due = await this.o.queue.peekDue(channelId, now);
    if (due) return { message: { ...due, marketing: due.priority === 'marketing' } };
    return { nextDueAt: (await this.o.queue.nextDueAt(channelId, now)) ?? undefined };
  }

  /**
   * Claims that message for sending (`sending`, one more attempt, its event); undefined when it is no
   * longer queued and due (cancelled, expired or postponed meanwhile).
   */
  async claim(message: DueMessage, now: Date): Promise<ClaimedMessage | undefined> {
    const [claimed] = await this.steps(undefined, (tx) =>
      this.o.queue.claimDue(message.channelId, now, 1, tx, message.id),
    );
    return claimed && { ...claimed, marketing: claimed.priority === 'marketing' };
  }

  /** Holds a due message back until `sendAfter` (pacing): it stays queued, with no event. */
  async postpone(message: DueMessage, sendAfter: Date): Promise<void> {
    await this.o.queue.postpone(message.id, sendAfter, this.o.clock.now());
  }

  /** Puts a claimed message back in the queue, to go at `sendAfter` (same WhatsApp id). */
  async release(message: { tenantId: string; id: string }, sendAfter: Date): Promise<void> {
    await this.record([
      {
        target: { tenantId: message.tenantId, messageId: message.id },
        report: {
          status: 'queued',
          at: this.o.clock.now(),
          note: 'requeued',
          sendAfter,
          details: { sendAfter: sendAfter.toISOString() },
        },
      },
    ]);
  }

  /** A message that failed before (or instead of) reaching the channel. */
  async markFailed(
    message: { tenantId: string; id: string },
    failure: MessageFailure,
    at: Date,
  ): Promise<void> {
    await this.record([
      {
        target: { tenantId: message.tenantId, messageId: message.id },
        report: { status: 'failed', at, failure },
      },
    ]);
  }

  /** Fails queued messages past their expiry ('expired'), all of them in batches; returns how many. */
  async expireDue(now: Date = this.o.clock.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.steps(undefined, (tx) => this.o.queue.expireDue(now, BULK_LIMIT, tx));
      total += batch.length;
      if (batch.length < BULK_LIMIT) return total;
    }
  }

  /**
   * Crash recovery, when this node takes a channel over: its 'sending' messages go back to
   * 'queued' with their WhatsApp ids kept, so the resend is the same message.
   */
  requeueSending(channelId: string): Promise<Message[]> {
    const at = this.o.clock.now();
    return this.steps(undefined, (tx) => this.o.queue.requeueSending({ channelId }, at, tx));
  }

  /** Messages 'sending' since before `claimedBefore` (no ack came) go back to 'queued'; returns how many. */
  async requeueStale(claimedBefore: Date, channelIds?: readonly string[]): Promise<number> {
    const at = this.o.clock.now();
    const filter = { claimedBefore, ...(channelIds ? { channelIds } : {}) };
    return (await this.steps(undefined, (tx) => this.o.queue.requeueSending(filter, at, tx))).length;
  }

  /**
   * Fails every waiting message of a channel with `reason` (e.g. channel_removed), in `tx` when
   * given (so it commits with the change that causes it).
   */
  failQueued(tenantId: string, channelId: string, reason: FailureReason, tx?: Queryable): Promise<Message[]> {
    const at = this.o.clock.now();
    return this.steps(tx, (t) => this.o.queue.failQueued(tenantId, channelId, reason, at, t));
  }

  /**
   * Stores a client's text once (redeliveries of its WhatsApp id are ignored: `created: false`),
   * tied to the last notification this channel sent to that phone, and hands it to the sinks.
   * Undefined when the channel is not this tenant's.
   */
  async recordInbound(
    input: InboundToRecord,
    fence?: WriteFence,
  ): Promise<{ inbound: InboundMessage; created: boolean } | undefined> {
    const at = this.o.clock.now();
    const stored = await this.o.db.transaction(async (tx) => {
      // Several nodes: written only under the lease this node holds (the new holder hears it too).
      if (fence && !(await fence.stillHeld(tx, input.channelId))) return undefined;
      const stored = await this.o.inbound.record(input.tenantId, input.channelId, input, at, tx);
      if (stored?.created) await this.o.sink.recordInbound(tx, toInboundReply(stored.inbound));
      return stored;
    });
    if (stored?.created) this.o.afterInbound?.();
    return stored;
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
    return this.o.clock.now().getTime() - check.checkedAt.getTime() < ttl ? check.onWhatsApp : undefined;
  }

  rememberRecipient(tenantId: string, channelId: string, phone: string, onWhatsApp: boolean): Promise<void> {
    return this.o.recipientChecks.put(tenantId, channelId, phone, onWhatsApp, this.o.clock.now());
  }

  // The dispatcher's reads of the queue (its DispatchStore port): the repository answers them.
  channelsWithQueuedWork(dueBy?: Date): Promise<string[]> {
    return this.o.queue.channelsWithQueuedWork(dueBy);
  }

  hasContacted(channelId: string, phone: string): Promise<boolean> {
    return this.o.queue.hasContacted(channelId, phone);
  }

  queueDepth(): Promise<number> {
    return this.o.queue.queueDepth();
  }

  /** Runs a bulk step (claim, expire, requeue, fail) and hands its visible changes to the sinks. */
  private steps(
    outer: Queryable | undefined,
    work: (tx: Queryable) => Promise<TransitionOutcome[]>,
  ): Promise<Message[]> {
    return this.inTransaction(outer, async (tx) => {
      const outcomes = await work(tx);
      await this.tell(tx, outcomes);
      return outcomes.map((o) => o.message);
    });
  }

  /** Hands the business-visible changes among `outcomes` to the sinks, in order, in `tx`. */
  private async tell(tx: Queryable, outcomes: ReadonlyArray<TransitionOutcome | undefined>): Promise<void> {
    const changes: MessageStatusChange[] = [];
    for (const outcome of outcomes)
      if (outcome?.event && isBusinessVisible(outcome.event))
        changes.push(statusChangeOf(outcome.message, outcome.event));
    await recordChanges(this.o.sink, tx, changes);
  }

  private inTransaction<T>(outer: Queryable | undefined, work: (tx: Queryable) => Promise<T>): Promise<T> {
    return outer ? work(outer) : this.o.db.transaction(work);
  }
}
