import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { BackgroundLoop } from '../background-loop.js';
import { systemClock, type Clock } from '../clock.js';
import type { Metrics } from '../metrics.js';
import type { SecretBox } from '../store/secret-box.js';
import { DEFAULT_RETRY_POLICY, nextAttemptAt, type RetryPolicy } from './retry-schedule.js';
import type { ClaimedDelivery, WebhookDeliveriesRepository } from './webhook-deliveries-repository.js';
import { openEndpointSecrets } from './webhook-endpoints-repository.js';
import { DestinationRefusedError } from './webhook-destinations.js';
import { webhookBody } from './webhook-events.js';
import type { WebhookOutbox } from './webhook-outbox.js';
import { webhookHeaders } from './webhook-signature.js';
import { httpTransport, type WebhookTransport } from './webhook-transport.js';

export interface WebhookDispatcherOptions {
  readonly deliveries: WebhookDeliveriesRepository;
  /** Its new-work signal wakes the dispatcher at once instead of at the next poll. */
  readonly outbox: WebhookOutbox;
  readonly secrets: SecretBox;
  readonly logger: Logger;
  readonly metrics?: Pick<Metrics, 'webhookDeliveries' | 'backgroundErrors'>;
  /** How deliveries are POSTed; by default over HTTP to public addresses only. */
  readonly transport?: WebhookTransport;
  /** Attempt, lease and retry times; its jumps forward wake the dispatcher. Default: the system clock. */
  readonly clock?: Clock;
  /** Uniform in [0, 1): the retry jitter. */
  readonly random?: () => number;
  readonly retry?: RetryPolicy;
  /** A receiver that has not answered after this long has failed the attempt. Default 10 s. */
  readonly timeoutMs?: number;
  /** How often the table is looked at without a wake-up (retries, other nodes' rows). Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Deliveries in flight at once on this node. Default 16. */
  readonly concurrency?: number;
  /** A claimed row is left alone by other workers this long. Default timeout + 60 s. */
  readonly leaseMs?: number;
  /** Delivered and dead deliveries are forgotten after this long. Default 30 days. */
  readonly retentionMs?: number;
  readonly userAgent?: string;
}

/** Running totals since start, for metrics and tests. */
export interface WebhookCounters {
  delivered: number;
  failedAttempts: number;
  dead: number;
  /** Errors of the loop itself (database unavailable, …), not of receivers. */
  errors: number;
}

/** New-work signals come one per enqueued event: a burst within this window costs one claim. */
const WAKE_DELAY_MS = 5;
const PRUNE_INTERVAL_MS = 3_600_000;
const STOPPING = Symbol('stopping');
const TIMED_OUT = Symbol('timed out');

/** A short reason for the delivery log: an error code (ECONNREFUSED, …) or our own refusal. */
const describeError = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof DestinationRefusedError) return err.message;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err.message;
};

/**
 * Sends the webhook outbox: claims due deliveries with `FOR UPDATE SKIP LOCKED` (so several nodes
 * can run one each), POSTs them signed, and records every attempt; failures are retried with
 * jittered exponential backoff until the retry horizon, then the delivery is dead (replayable).
 * Never throws into the process: its own errors are logged, counted, and retried after a pause.
 */
export class WebhookDispatcher {
  readonly counters: WebhookCounters = { delivered: 0, failedAttempts: 0, dead: 0, errors: 0 };
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private readonly transport: WebhookTransport;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private readonly userAgent: string;

  private readonly loop: BackgroundLoop;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => void) | undefined;
  private readonly inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly o: WebhookDispatcherOptions) {
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? Math.random;
    this.retry = o.retry ?? DEFAULT_RETRY_POLICY;
    this.transport = o.transport ?? httpTransport();
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.concurrency = o.concurrency ?? 16;
    this.leaseMs = o.leaseMs ?? this.timeoutMs + 60_000;
    this.retentionMs = o.retentionMs ?? 30 * 24 * 3_600_000;
    this.userAgent = o.userAgent ?? 'Zapgate-Webhooks/1.0';
    const pollIntervalMs = o.pollIntervalMs ?? 1_000;
    this.loop = new BackgroundLoop({
      name: 'webhooks',
      run: () => this.claimAndLaunch(),
      idleIntervalMs: pollIntervalMs,
      backoff: { initialMs: pollIntervalMs * 2, maxMs: 30_000 },
      clock: this.clock,
      wakeDelayMs: WAKE_DELAY_MS,
      onError: (err) => this.loopError(err, 'claiming webhook deliveries failed'),
    });
  }

  start(): void {
    if (this.loop.isRunning) return;
    this.unsubscribe = this.o.outbox.onNewWork(() => this.wake());
    this.loop.start();
  }

  /** Stops claiming, aborts requests in flight (their rows go back to the queue) and clears every timer. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // A claim under way may still launch deliveries: wait for it, then abort everything in flight.
    await this.loop.stop();
    for (const flight of this.inFlight.values()) flight.controller.abort(STOPPING);
    await Promise.all([...this.inFlight.values()].map((flight) => flight.done));
    this.transport.close?.();
  }

  /** Looks for due work soon (a new event was enqueued, or a slot came free). */
  wake(): void {
    this.loop.wake();
  }

  /** Deliveries waiting to go, over every business (a gauge for metrics). */
  pendingDepth(): Promise<number> {
    return this.o.deliveries.pendingDepth();
  }

  /**
   * One pass: claims due deliveries for the free slots and launches them. 'more' when it filled every
   * slot (more may be due; a finished delivery wakes the loop when all slots are busy).
   */
  private async claimAndLaunch(): Promise<'more' | 'idle'> {
    await this.maybePrune();
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 'idle';
    const now = this.clock.now();
    const claimed = await this.o.deliveries.claim(
      now,
      new Date(now.getTime() + this.leaseMs),
      free,
      randomBytes(9).toString('base64url'),
    );
    for (const delivery of claimed) this.launch(delivery);
    return claimed.length < free ? 'idle' : 'more';
  }

  private launch(delivery: ClaimedDelivery): void {
    const controller = new AbortController();
    const done = this.deliver(delivery, controller)
      .catch((err: unknown) => this.loopError(err, 'recording a webhook attempt failed', delivery))
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.wake();
      });
    this.inFlight.set(delivery.id, { controller, done });
  }

  private async deliver(delivery: ClaimedDelivery, controller: AbortController): Promise<void> {
    const log = { deliveryId: delivery.id, endpointId: delivery.endpointId, tenantId: delivery.tenantId };
    if (!delivery.enabled) {
      await this.o.deliveries.recordAttempt(delivery, {
        kind: 'failed',
        at: this.clock.now(),
        statusCode: null,
        durationMs: 0,
        error: 'endpoint disabled',
        retryAt: null,
      });
      this.count('dead');
      return;
    }

    const sentAt = this.clock.now();
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    const timeout = setTimeout(() => controller.abort(TIMED_OUT), this.timeoutMs);
    try {
      const body = webhookBody(delivery.eventType, delivery.occurredAt, delivery.payload);
      const secrets = openEndpointSecrets(this.o.secrets, delivery.secrets, sentAt);
      const headers = {
        ...webhookHeaders(secrets, delivery.id, Math.floor(sentAt.getTime() / 1000), body),
        'content-type': 'application/json',
        'user-agent': this.userAgent,
      };
      const response = await this.transport.post({
        url: delivery.url,
        headers,
        body,
        signal: controller.signal,
      });
      statusCode = response.status;
      // The status only: a receiver's body is never stored or shown (it may be an internal
      // service's answer, and the delivery log is readable with the business's key).
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (err) {
      if (controller.signal.reason === STOPPING) {
        await this.o.deliveries.release(delivery, this.clock.now());
        return;
      }
      error =
        controller.signal.reason === TIMED_OUT ? `timeout after ${this.timeoutMs} ms` : describeError(err);
    } finally {
      clearTimeout(timeout);
    }

    const durationMs = performance.now() - started;
    const at = this.clock.now();
    if (error === null && statusCode !== null) {
      if (await this.o.deliveries.recordAttempt(delivery, { kind: 'delivered', at, statusCode, durationMs }))
        this.count('delivered');
      return;
    }
    const retryAt = nextAttemptAt(
      this.retry,
      delivery.roundAttempts + 1,
      delivery.retryFrom,
      at,
      this.random,
    );
    const recorded = await this.o.deliveries.recordAttempt(delivery, {
      kind: 'failed',
      at,
      statusCode,
      durationMs,
      error: error ?? 'no response',
      retryAt,
    });
    if (!recorded) return;
    this.count('failed');
    if (retryAt) {
      this.o.logger.info({ ...log, statusCode, error, retryAt }, 'webhook attempt failed; will retry');
    } else {
      this.count('dead');
      this.o.logger.warn({ ...log, statusCode, error }, 'webhook delivery dead after its retry window');
    }
  }

  private async maybePrune(): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - this.lastPruneAt < PRUNE_INTERVAL_MS) return;
    this.lastPruneAt = now.getTime();
    const pruned = await this.o.deliveries.pruneFinished(new Date(now.getTime() - this.retentionMs), 5_000);
    if (pruned) this.o.logger.info({ pruned }, 'old webhook deliveries forgotten');
  }

  private count(outcome: 'delivered' | 'failed' | 'dead'): void {
    if (outcome === 'delivered') this.counters.delivered += 1;
    else if (outcome === 'failed') this.counters.failedAttempts += 1;
    else this.counters.dead += 1;
    this.o.metrics?.webhookDeliveries.inc({ outcome });
  }

  private loopError(err: unknown, message: string, delivery?: ClaimedDelivery): void {
    this.counters.errors += 1;
    this.o.metrics?.backgroundErrors.inc({ loop: 'webhooks' });
    this.o.logger.error({ err, deliveryId: delivery?.id }, message);
  }
}
