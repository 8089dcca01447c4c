import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ChannelRef, InboundText, SendingChannel, DeliveryReport } from '../channels/channel-driver.js';
import type { GateState } from '../channels/queue-gates.js';
import type { SessionTraffic } from '../channels/session-host.js';
import { BackgroundLoop } from '../background-loop.js';
import { AppError } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { ClaimedMessage, DispatchStore, DueMessage, ReportedStatus } from './dispatch-store.js';
import type { MessageFailure } from './dispatch-types.js';
import { systemClock, type Clock } from '../clock.js';
import { StatusBatcher } from './status-batcher.js';

/** When a due message may go, per the pacing policy (anti-ban), or now. */
export interface PacingGate {
  /** Undefined: send now (after `typingMs` of "typing…"). A date: hold it back until then. */
  decide(message: DueMessage, now: Date): Promise<{ sendAt?: Date; typingMs: number; reason?: string }>;
  /** Called after each send, so the policy sees the history. */
  sent(message: ClaimedMessage, at: Date): void;
}

export interface DispatcherOptions {
  readonly store: DispatchStore;
  /** The channel's driver when it is open on this node, or undefined. */
  readonly channel: (channelId: string) => SendingChannel | undefined;
  /**
   * Several nodes: the channels this node holds (the stale-send sweep requeues only theirs; a send
   * in flight on another node is that node's). Absent: one node, every channel is this node's.
   */
  readonly heldChannelIds?: () => readonly string[];
  /** The queue's pause and restriction as stored (read before each message). */
  readonly gates: { read(channelId: string): Promise<GateState> };
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
   * A send was refused because the account may not write to new contacts for a while (until
   * `until`, epoch ms, when said): stores the restriction. The send's stop-and-wait ends only once
   * it is stored, so the next message reads it.
   */
  readonly onRestricted?: (channel: ChannelRef, until?: number) => Promise<void>;
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
  private readonly sweeper: BackgroundLoop;
  /** Restrictions being stored after refusals; acks wait for them (see onRestricted). */
  private readonly gateWrites: Array<Promise<unknown>> = [];
  /** Sends waiting for their server ack to be recorded, by WhatsApp id. */
  private readonly awaitingAck = new Map<string, () => void>();
  /** Sends refused as misaddressed (463 to a phone number whose LID is known): they go again to the LID. */
  private readonly misaddressed = new Set<string>();
  /** Sends already retried once to the LID: a second misaddressed refusal fails them. */
  private readonly retriedToLid = new Set<string>();
  /** Reported statuses, recorded in batches (group commit). */
  private readonly statuses: StatusBatcher;
  private stopped = false;

  private readonly clock: Clock;
  private readonly unsubscribeClock: () => void;

  constructor(private readonly o: DispatcherOptions) {
    this.clock = o.clock ?? systemClock;
    // A clock that jumps forward may make parked work due: every worker looks again (the sweep
    // loop wakes by itself).
    this.unsubscribeClock = this.clock.onAdvance(() => {
      for (const worker of this.workers.values()) worker.wake?.();
    });
    this.sweeper = new BackgroundLoop({
      name: 'dispatch-sweep',
      run: async () => {
        await this.sweep();
        return 'idle';
      },
      idleIntervalMs: o.sweepIntervalMs ?? 5_000,
      clock: this.clock,
      onError: (err) => this.backgroundError('sweep', err, {}),
    });
    this.statuses = new StatusBatcher({
      record: (reports) => o.store.markStatuses(reports),
      // A send's stop-and-wait is released only once its ack is recorded (or failed to be), and a
      // refusal's restriction is stored before that (the next message reads it).
      afterBatch: async (batch) => {
        await Promise.all(this.gateWrites.splice(0));
        for (const report of batch)
          if (report.status === 'sent' || report.status === 'failed')
            this.awaitingAck.get(report.waMessageId)?.();
      },
      onError: (err, report) => this.backgroundError('status', err, { waMessageId: report.waMessageId }),
      logger: o.logger,
    });
  }

  private now(): Date {
    return this.clock.now();
  }

  /**
   * Starts a worker per channel with work waiting. Sends a restart interrupted go again with the same
   * ids when their channel opens here (onOpen): only the channels this process holds are touched.
   */
  async start(): Promise<void> {
    for (const channelId of await this.o.store.channelsWithQueuedWork()) this.ensureWorker(channelId);
    this.sweeper.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeClock();
    await this.sweeper.stop();
    const loops = [...this.workers.values()].map((w) => {
      w.running = false;
      w.wake?.();
      return w.loop;
    });
    await Promise.all(loops);
    await this.statuses.drained();
  }

  /** New work for a channel (a message was accepted): wake its worker. */
  notify(channelId: string): void {
    const worker = this.ensureWorker(channelId);
    worker.wake?.();
  }

  /**
   * A channel opened here: sends in flight on the connection that died (or before a restart) get no
   * ack, so they go again now, with the same ids.
   */
  onOpen(channel: ChannelRef): void {
    this.o.store
      .requeueSending(channel.channelId)
      .catch((err: unknown) => this.backgroundError('requeue', err, { channelId: channel.channelId }))
      .finally(() => this.notify(channel.channelId));
  }

  onStatus(channel: ChannelRef, report: DeliveryReport): void {
    const at = this.now();
    this.o.logger.debug({ waMessageId: report.messageId, status: report.status }, 'message status');
    if (report.status === 'failed') {
      if (report.failure?.reason === 'restricted' && this.o.onRestricted)
        this.gateWrites.push(
          this.o
            .onRestricted(channel, report.restrictedUntil)
            .catch((err: unknown) => this.backgroundError('restriction', err, { ...channel })),
        );
      const waiter = this.awaitingAck.get(report.messageId);
      if (report.resendable && waiter && !this.retriedToLid.has(report.messageId)) {
        // Not a failure yet: the send that waits for this ack puts it back, and it goes again.
        this.misaddressed.add(report.messageId);
        waiter();
        return;
      }
      this.retriedToLid.delete(report.messageId);
    }
    const reported: ReportedStatus =
      report.status === 'failed'
        ? {
            waMessageId: report.messageId,
            status: 'failed',
            at,
            failure: report.failure ?? { reason: 'rejected' },
          }
        : { waMessageId: report.messageId, status: report.status, at };
    this.statuses.add(reported);
  }

  onInbound(channel: ChannelRef, message: InboundText): void {
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
        const channel = this.o.channel(channelId);
        const gates = channel ? await this.o.gates.read(channelId) : undefined;
        if (!channel || !gates || gates.paused) {
          // Down or paused: its messages stay queued until it is back / resumed (which wakes us) or they expire.
          await this.park(worker, undefined);
          continue;
        }
        const now = this.now();
        const next = await this.o.store.nextDue(channelId, now);
        if (!('message' in next)) {
          const wait = next.nextDueAt ? next.nextDueAt.getTime() - this.now().getTime() : undefined;
          await this.park(worker, wait === undefined ? undefined : Math.min(wait, 60_000));
          continue;
        }
        // Pacing decides before the claim: a message held for quiet hours or the daily cap stays
        // 'queued' throughout (never seen as 'sending'), spends no attempt and costs no WhatsApp query.
        const decision = await this.o.pacing.decide(next.message, now);
        if (decision.sendAt && decision.sendAt.getTime() > now.getTime()) {
          await this.o.store.postpone(next.message, decision.sendAt);
          await this.park(worker, decision.sendAt.getTime() - this.now().getTime());
          continue;
        }
        const claimed = await this.o.store.claim(next.message, this.now());
        if (claimed) await this.deliver(channel, gates, claimed, decision.typingMs);
      } catch (err) {
        this.backgroundError('dispatch', err, { channelId });
        await this.park(worker, 1_000);
      }
    }
  }

  private async deliver(
    channel: SendingChannel,
    gates: GateState,
    message: ClaimedMessage,
    typingMs: number,
  ): Promise<void> {
    const now = this.now();
    const known = await this.o.store.recipientOnWhatsApp(
      message.tenantId,
      message.channelId,
      message.toPhone,
    );
    let reachable = known;
    if (reachable === undefined && channel.checkRecipients) {
      const [result] = await channel.checkRecipients([message.toPhone]);
      reachable = result?.exists ?? false;
      await this.o.store.rememberRecipient(message.tenantId, message.channelId, message.toPhone, reachable);
    }
    if (reachable === false) {
      await this.fail(message, { reason: 'not_on_whatsapp' }, now);
      return;
    }
    const restriction = gates.restriction;
    if (restriction && !(await this.o.store.hasContacted(message.channelId, message.toPhone))) {
      // While restricted the account may not start new chats: trying would only deepen it.
      await this.fail(
        message,
        {
          reason: 'restricted',
          detail: restriction.by,
          details: { restrictedUntil: restriction.until.toISOString(), newContact: true },
        },
        now,
      );
      return;
    }
    if (typingMs > 0) await channel.typing?.(message.toPhone, typingMs);
    // The send latency metric is real elapsed time (a manual clock does not move during a send):
    // the monotonic timer, not the Clock.
    const started = performance.now();
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
      await channel.send({ to: message.toPhone, text: message.body }, message.waMessageId);
      await acked;
      if (this.misaddressed.delete(message.waMessageId)) {
        // The channel asked for it again to the recipient's other address, now known: same id
        // (the recipient never got the first one).
        this.retriedToLid.add(message.waMessageId);
        this.o.logger.info(
          { messageId: message.id, waMessageId: message.waMessageId },
          'misaddressed: sending again to the recipient’s other address',
        );
        await this.o.store.release(message, this.now());
        return;
      }
      this.retriedToLid.delete(message.waMessageId);
      this.o.pacing.sent(message, this.now());
      const latencyMs = Math.round(performance.now() - started);
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

  /**
   * Expires what is overdue, requeues sends whose ack never came, and wakes the workers of channels
   * with work due (a failure backs the loop off).
   */
  private async sweep(): Promise<void> {
    const expired = await this.o.store.expireDue(this.now());
    // A send whose ack never came (the link dropped right after): it goes again, same id.
    const stale = await this.o.store.requeueStale(
      new Date(this.now().getTime() - (this.o.staleSendingMs ?? 120_000)),
      this.o.heldChannelIds?.(),
    );
    if (stale) this.o.logger.warn({ stale }, 'unacknowledged sends requeued');
    // A message can be back in the queue with nobody to wake its worker: requeued just above, or
    // put back by another node whose send failed as the channel moved here (after this node's
    // requeue on opening it). Every channel open here with a message due looks again.
    for (const channelId of await this.o.store.channelsWithQueuedWork(this.now()))
      if (this.o.channel(channelId)) this.notify(channelId);
    if (expired) this.o.metrics?.sends.inc({ status: 'failed', reason: 'expired' }, expired);
    this.o.metrics?.queueDepth.set(await this.o.store.queueDepth());
  }

  /** Background loops never crash the process and never fail silently. */
  private backgroundError(loop: string, err: unknown, context: Record<string, unknown>): void {
    this.o.metrics?.backgroundErrors.inc({ loop });
    this.o.logger.error({ err, loop, ...context }, 'background error');
  }
}
