import type { Logger } from 'pino';
import type { SessionTraffic } from '../channels/channel-runtime.js';
import { AppError } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { InboundMessage, MessageStatusEvent } from '../whatsapp/session-events.js';
import type { ClaimedMessage, DispatchStore, ReportedStatus } from './dispatch-store.js';
import type { FailureDetail, MessageFailure } from './dispatch-types.js';
import type { RefusalCause } from '../whatsapp/refusal-cause.js';
import { systemClock, type Clock } from '../clock.js';

/** Most statuses recorded in one transaction. */
const STATUS_BATCH_MAX = 500;

/** A 463's cause as the business reads it on the failed message (its reason stays rejected/restricted). */
const DETAIL_BY_REFUSAL: Record<RefusalCause, FailureDetail> = {
  timelock: 'reach_out_timelock',
  misaddressed: 'misaddressed',
  no_token: 'recipient_token_missing',
};

/** What the dispatcher needs of a channel's open session. */
export interface SendingSession {
  sendText(toPhone: string, text: string, opts: { messageId: string }): Promise<void>;
  showTyping(toPhone: string, durationMs: number): Promise<void>;
  onWhatsApp(phones: string[]): Promise<Array<{ phone: string; exists: boolean }>>;
}

/** When a claimed message may go, per the pacing policy (anti-ban), or now. */
export interface PacingGate {
  /** Undefined: send now (after `typingMs` of "typing…"). A date: put it back until then. */
  decide(message: ClaimedMessage, now: Date): Promise<{ sendAt?: Date; typingMs: number; reason?: string }>;
  /** Called after each send, so the policy sees the history. */
  sent(message: ClaimedMessage, at: Date): void;
}

export interface DispatcherOptions {
  readonly store: DispatchStore;
  /** The open session of a channel on this node, or undefined. */
  readonly session: (channelId: string) => SendingSession | undefined;
  readonly pacing: PacingGate;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** How often expired messages are swept. */
  readonly sweepIntervalMs?: number;
  /** Sends that fail while the session is open are retried this many times, then fail as rejected. */
  readonly maxAttempts?: number;
  /** A message `sending` this long without a server ack is sent again (same id). */
  readonly staleSendingMs?: number;
  /** How long a send waits for its server ack before the next message goes anyway. */
  readonly ackTimeoutMs?: number;
  /**
   * Called when a 463 is a reach-out timelock: the account may not start new chats for a while
   * (until `until`, epoch ms, when WhatsApp said). Misaddressed and token 463s do not call it.
   */
  readonly onRestricted?: (channel: { tenantId: string; channelId: string }, until?: number) => void;
  /** Until when the channel may not write to new contacts (after a 463); undefined: it may. */
  readonly restrictedUntil?: (channelId: string) => Date | undefined;
  /** What holds new contacts back while restricted (undefined: not known; the timelock is assumed). */
  readonly restrictedBy?: (channelId: string) => 'reach_out_timelock' | 'new_chats_capped' | undefined;
  /** A paused channel keeps its queue and sends nothing (woken by onResumed). */
  readonly isPaused?: (channelId: string) => boolean;
  /** The scheduling clock (a manual one in tests); the system clock by default. */
  readonly clock?: Clock;
}

interface Worker {
  running: boolean;
  wake: (() => void) | undefined;
  loop: Promise<void>;
}

/**
 * Sends each channel's queue through its session, one message at a time in priority then time
 * order, paced, and turns the session's acks and receipts into message statuses. A crash leaves
 * nothing lost: claims are in the database, and an interrupted send goes again with the same id.
 */
export class Dispatcher implements SessionTraffic {
  private readonly workers = new Map<string, Worker>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Sends waiting for their server ack to be recorded, by WhatsApp id. */
  private readonly awaitingAck = new Map<string, () => void>();
  /** Sends refused as misaddressed (463 to a phone number whose LID is known): they go again to the LID. */
  private readonly misaddressed = new Set<string>();
  /** Sends already retried once to the LID: a second misaddressed refusal fails them. */
  private readonly retriedToLid = new Set<string>();
  /** Statuses reported and not yet being recorded; `statusFlush` is the loop recording them. */
  private readonly pendingStatuses: ReportedStatus[] = [];
  private statusFlush: Promise<void> | undefined;
  private stopped = false;

  private readonly clock: Clock;
  private readonly unsubscribeClock: () => void;

  constructor(private readonly o: DispatcherOptions) {
    this.clock = o.clock ?? systemClock;
    // A clock that jumps forward may make parked work due: every worker looks again.
    this.unsubscribeClock = this.clock.onAdvance(() => {
      for (const worker of this.workers.values()) worker.wake?.();
      void this.sweep();
    });
  }

  private now(): Date {
    return this.clock.now();
  }

  async start(): Promise<void> {
    const requeued = await this.o.store.requeueInterrupted();
    if (requeued)
      this.o.logger.info({ requeued }, 'messages interrupted by a restart go again with the same ids');
    for (const channelId of await this.o.store.channelsWithQueuedWork()) this.ensureWorker(channelId);
    this.sweeper = setInterval(() => void this.sweep(), this.o.sweepIntervalMs ?? 5_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeClock();
    clearInterval(this.sweeper);
    const loops = [...this.workers.values()].map((w) => {
      w.running = false;
      w.wake?.();
      return w.loop;
    });
    await Promise.all(loops);
    await this.statusFlush;
  }

  /** New work for a channel (a message was accepted): wake its worker. */
  notify(channelId: string): void {
    const worker = this.ensureWorker(channelId);
    worker.wake?.();
  }

  onOpen(channel: { tenantId: string; channelId: string }): void {
    // Sends in flight on the socket that died get no ack: they go again now, with the same ids.
    this.o.store
      .requeueSending(channel.channelId)
      .catch((err: unknown) => this.backgroundError('requeue', err, { channelId: channel.channelId }))
      .finally(() => this.notify(channel.channelId));
  }

  onResumed(channel: { tenantId: string; channelId: string }): void {
    this.notify(channel.channelId);
  }

  onMessageStatus(channel: { tenantId: string; channelId: string }, event: MessageStatusEvent): void {
    const at = this.now();
    this.o.logger.debug(
      { waMessageId: event.messageId, status: event.status },
      'message status from WhatsApp',
    );
    if (event.status === 'failed') {
      this.o.logger.warn(
        { waMessageId: event.messageId, reason: event.reason, errorCode: event.errorCode },
        'WhatsApp refused a message',
      );
      if (event.refusal) this.o.metrics?.refusals.inc({ cause: event.refusal.cause });
      if (event.reason === 'restricted') this.o.onRestricted?.(channel, event.refusal?.until);
      const waiter = this.awaitingAck.get(event.messageId);
      if (event.reason === 'misaddressed' && waiter && !this.retriedToLid.has(event.messageId)) {
        // Not a failure yet: the send that waits for this ack puts it back, and it goes to the LID.
        this.misaddressed.add(event.messageId);
        waiter();
        return;
      }
      this.retriedToLid.delete(event.messageId);
    }
    const report: ReportedStatus =
      event.status === 'failed'
        ? {
            waMessageId: event.messageId,
            status: 'failed',
            at,
            failure: {
              reason: event.reason === 'restricted' ? 'restricted' : 'rejected',
              ...(event.refusal ? { detail: DETAIL_BY_REFUSAL[event.refusal.cause] } : {}),
              ...(event.errorCode ? { errorCode: event.errorCode } : {}),
              ...(event.refusal ? { details: { refusal: event.refusal.cause } } : {}),
            },
          }
        : {
            waMessageId: event.messageId,
            status: event.status === 'server_ack' ? 'sent' : event.status,
            at,
          };
    this.pendingStatuses.push(report);
    if (!this.statusFlush) this.statusFlush = this.flushStatuses();
  }

  /**
   * Records the reported statuses in batches: those that arrive while a batch is being written go
   * together in the next one (group commit; acks and receipts of many channels arrive together).
   * A send's stop-and-wait is released only once its ack is recorded (or failed to be).
   */
  private async flushStatuses(): Promise<void> {
    // Let everything that arrives in this event-loop turn join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pendingStatuses.length > 0) {
        const batch = this.pendingStatuses.splice(0, STATUS_BATCH_MAX);
        try {
          if (!this.o.store.markStatuses) throw new Error('no batch writes');
          await this.o.store.markStatuses(batch);
        } catch (err) {
          if (this.o.store.markStatuses && batch.length > 1)
            this.o.logger.warn(
              { err, statuses: batch.length },
              'recording statuses together failed; one by one',
            );
          // One at a time, so one bad status cannot lose the others.
          for (const report of batch)
            await this.recordStatus(report).catch((e: unknown) =>
              this.backgroundError('status', e, { waMessageId: report.waMessageId }),
            );
        }
        for (const report of batch)
          if (report.status === 'sent' || report.status === 'failed')
            this.awaitingAck.get(report.waMessageId)?.();
      }
    } finally {
      this.statusFlush = undefined;
    }
  }

  private async recordStatus(report: ReportedStatus): Promise<void> {
    switch (report.status) {
      case 'sent':
        return this.o.store.markSent(report.waMessageId, report.at);
      case 'delivered':
        return this.o.store.markDelivered(report.waMessageId, report.at);
      case 'read':
        return this.o.store.markRead(report.waMessageId, report.at);
      case 'failed':
        return this.o.store.markFailedByWaId(
          report.waMessageId,
          report.failure ?? { reason: 'rejected' },
          report.at,
        );
    }
  }

  onInbound(channel: { tenantId: string; channelId: string }, message: InboundMessage): void {
    this.o.store
      .recordInbound({
        tenantId: channel.tenantId,
        channelId: channel.channelId,
        waMessageId: message.id,
        fromPhone: message.fromPhone,
        text: message.text,
        receivedAt: new Date(message.timestamp),
      })
      .catch((err: unknown) => this.backgroundError('inbound', err, { channelId: channel.channelId }));
  }

  private ensureWorker(channelId: string): Worker {
    let worker = this.workers.get(channelId);
    if (worker || this.stopped) return worker ?? { running: false, wake: undefined, loop: Promise.resolve() };
    worker = { running: true, wake: undefined, loop: Promise.resolve() };
    this.workers.set(channelId, worker);
    worker.loop = this.run(channelId, worker).finally(() => this.workers.delete(channelId));
    return worker;
  }

  /** Sleeps until woken or `ms` passes (undefined: until woken). */
  private park(worker: Worker, ms: number | undefined): Promise<void> {
    // Stopped while it was busy (a query, a send): `stop` already woke it, so it must not sleep now.
    if (!worker.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        worker.wake = undefined;
        resolve();
      }
      worker.wake = done;
    });
  }

  private async run(channelId: string, worker: Worker): Promise<void> {
    while (worker.running) {
      try {
        const session = this.o.session(channelId);
        if (!session || this.o.isPaused?.(channelId)) {
          // Down or paused: its messages stay queued until it is back / resumed (which wakes us) or they expire.
          await this.park(worker, undefined);
          continue;
        }
        const claim = await this.o.store.claimNext(channelId, this.now());
        if (!('message' in claim)) {
          const wait = claim.nextDueAt ? claim.nextDueAt.getTime() - this.now().getTime() : undefined;
          await this.park(worker, wait === undefined ? undefined : Math.min(wait, 60_000));
          continue;
        }
        await this.deliver(session, claim.message, worker);
      } catch (err) {
        this.backgroundError('dispatch', err, { channelId });
        await this.park(worker, 1_000);
      }
    }
  }

  private async deliver(session: SendingSession, message: ClaimedMessage, worker: Worker): Promise<void> {
    const now = this.now();
    const known = await this.o.store.recipientOnWhatsApp(
      message.tenantId,
      message.channelId,
      message.toPhone,
    );
    let onWhatsApp = known;
    if (onWhatsApp === undefined) {
      const [result] = await session.onWhatsApp([message.toPhone]);
      onWhatsApp = result?.exists ?? false;
      await this.o.store.rememberRecipient(message.tenantId, message.channelId, message.toPhone, onWhatsApp);
    }
    if (!onWhatsApp) {
      await this.fail(message, { reason: 'not_on_whatsapp' }, now);
      return;
    }
    const restrictedUntil = this.o.restrictedUntil?.(message.channelId);
    if (restrictedUntil && !(await this.o.store.hasContacted(message.channelId, message.toPhone))) {
      // After a 463 the account may not start new chats: trying would only deepen the restriction.
      await this.fail(
        message,
        {
          reason: 'restricted',
          detail: this.o.restrictedBy?.(message.channelId) ?? 'reach_out_timelock',
          details: { restrictedUntil: restrictedUntil.toISOString(), newContact: true },
        },
        now,
      );
      return;
    }
    const decision = await this.o.pacing.decide(message, now);
    if (decision.sendAt && decision.sendAt.getTime() > now.getTime()) {
      await this.o.store.release(message, decision.sendAt);
      await this.park(worker, decision.sendAt.getTime() - this.now().getTime());
      return;
    }
    if (decision.typingMs > 0) await session.showTyping(message.toPhone, decision.typingMs);
    const started = Date.now();
    // Stop-and-wait: the next message goes only once this one's ack is recorded, so a crash can
    // catch at most one unrecorded send per channel (resent with the same id, dropped by the phone).
    const acked = new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.o.ackTimeoutMs ?? 15_000);
      const waId = message.waMessageId;
      const map = this.awaitingAck;
      function done(): void {
        clearTimeout(timer);
        map.delete(waId);
        resolve();
      }
      map.set(waId, done);
    });
    try {
      await session.sendText(message.toPhone, message.body, { messageId: message.waMessageId });
      await acked;
      if (this.misaddressed.delete(message.waMessageId)) {
        // Sent to the phone-number address of a contact WhatsApp addresses by LID: again, same id,
        // now that the LID is known (the recipient never got the first one).
        this.retriedToLid.add(message.waMessageId);
        this.o.logger.info(
          { messageId: message.id, waMessageId: message.waMessageId },
          'misaddressed (463): sending again to the contact’s LID',
        );
        await this.o.store.release(message, this.now());
        return;
      }
      this.retriedToLid.delete(message.waMessageId);
      this.o.pacing.sent(message, this.now());
      const latencyMs = Date.now() - started;
      this.o.metrics?.sendLatency.observe(latencyMs / 1000);
      this.o.logger.info(
        { messageId: message.id, waMessageId: message.waMessageId, channelId: message.channelId, latencyMs },
        'message sent',
      );
    } catch (err) {
      this.awaitingAck.get(message.waMessageId)?.();
      if (err instanceof AppError && err.code === 'session_not_open') {
        // The link dropped mid-send: back to the queue, same id, no attempt spent.
        await this.o.store.release(message, this.now());
        return;
      }
      if (message.attempts >= (this.o.maxAttempts ?? 5)) {
        await this.fail(message, { reason: 'rejected' }, this.now());
        return;
      }
      this.o.logger.warn({ err, messageId: message.id, attempts: message.attempts }, 'send failed; retrying');
      await this.o.store.release(message, new Date(this.now().getTime() + 2 ** message.attempts * 1_000));
    }
  }

  private async fail(message: ClaimedMessage, failure: MessageFailure, at: Date): Promise<void> {
    await this.o.store.markFailed(message, failure, at);
    this.o.metrics?.sends.inc({ status: 'failed', reason: failure.reason });
    this.o.logger.info(
      { messageId: message.id, channelId: message.channelId, reason: failure.reason },
      'message failed',
    );
  }

  private async sweep(): Promise<void> {
    try {
      const expired = await this.o.store.expireDue(this.now());
      // A send whose ack never came (the link dropped right after): it goes again, same id.
      const stale = await this.o.store.requeueStale(
        new Date(this.now().getTime() - (this.o.staleSendingMs ?? 120_000)),
      );
      if (stale) this.o.logger.warn({ stale }, 'unacknowledged sends requeued');
      if (expired) this.o.metrics?.sends.inc({ status: 'failed', reason: 'expired' }, expired);
      this.o.metrics?.queueDepth.set(await this.o.store.queueDepth());
    } catch (err) {
      this.backgroundError('sweep', err, {});
    }
  }

  /** Background loops never crash the process and never fail silently. */
  private backgroundError(loop: string, err: unknown, context: Record<string, unknown>): void {
    this.o.metrics?.backgroundErrors.inc({ loop });
    this.o.logger.error({ err, loop, ...context }, 'background error');
  }
}
