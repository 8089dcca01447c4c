import type { Logger } from 'pino';
import { BackgroundLoop, type PassResult } from '../../background-loop.js';
import { systemClock, type Clock } from '../../clock.js';
import { isAppError } from '../../domain/errors.js';
import { DEFAULT_RETRY_POLICY, nextAttemptAt } from '../../webhooks/retry-schedule.js';
import type { PartnerCall, PartnerCallStore } from './partner-call-store.js';

/** What an answer means for a call: done, try again later, give up, or look before deciding. */
export type CallVerdict = 'delivered' | 'retry' | 'dead' | 'check_status';

export interface PartnerCallSenderOptions {
  readonly store: PartnerCallStore;
  readonly logger: Logger;
  /** Headers of every call (partner token, ALTEGIO's API version). */
  readonly headers: Record<string, string>;
  /** Kind-specific reading of an answer; by default 2xx delivered, 408/429/5xx/network retry, else dead. */
  readonly classify?: (call: PartnerCall, status: number | 'network_error') => CallVerdict;
  /** For `check_status`: true when the call turns out to be done already. */
  readonly checkStatus?: (call: PartnerCall) => Promise<boolean>;
  /** When to try again (undefined: give up); by default the webhook schedule within `retry_until`. */
  readonly retryAt?: (call: PartnerCall, now: Date) => Date | undefined;
  /**
   * Builds the request to send for a call whose body is not stored as sent (read-modify-write, or
   * secrets sealed elsewhere), with its own headers when they differ. An AppError `not_ready`
   * (e.g. a missing user token) gives the call up at once with its message: retrying cannot help.
   */
  readonly prepare?: (
    call: PartnerCall,
  ) => Promise<{ method: string; url: string; body: unknown; headers?: Record<string, string> } | undefined>;
  /** Fills in what a stored URL leaves out (the partner token of a status-callback URL). */
  readonly expandUrl?: (url: string) => string;
  /** `statusCode`: ALTEGIO's answer (a 422 that `checkStatus` found done is not a 2xx). */
  readonly onDelivered?: (call: PartnerCall, statusCode: number | null) => Promise<void>;
  readonly onDead?: (call: PartnerCall, error: string) => Promise<void>;
  readonly timeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** The gateway's clock: due times are read against it, and its jumps wake the sender. */
  readonly clock?: Clock;
}

export const defaultVerdict = (status: number | 'network_error'): CallVerdict => {
  if (status === 'network_error') return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'dead';
};

/** A call `prepare` could not build, in our own words (stored as the call's error). */
export class CallNotSent extends Error {}

/** A short reason for a call that got no answer: the error code (ECONNREFUSED, timeout, …). */
export const networkErrorCode = (err: unknown): string => {
  if (!(err instanceof Error)) return 'network_error';
  if (err.name === 'TimeoutError') return 'timeout';
  const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'network_error';
};

/** The webhook outbox's jittered backoff, until the call's own horizon (`retry_until`). */
export function defaultRetryAt(call: PartnerCall, now: Date): Date | undefined {
  const horizonMs = call.retryUntil.getTime() - call.createdAt.getTime();
  return (
    nextAttemptAt({ ...DEFAULT_RETRY_POLICY, horizonMs }, call.attempts, call.createdAt, now, Math.random) ??
    undefined
  );
}

/**
 * Sends the partner-call outbox (altegio_calls) to ALTEGIO: due calls in order per ordering key
 * (a message's 8 → 4 → 1), each answer read by kind, failures retried with jittered backoff until
 * the call's retry horizon, then dead (kept, visible to support). Never throws into the process.
 */
export class PartnerCallSender {
  private readonly loop: BackgroundLoop;
  private readonly clock: Clock;

  constructor(private readonly o: PartnerCallSenderOptions) {
    this.clock = o.clock ?? systemClock;
    this.loop = new BackgroundLoop({
      name: 'altegio-calls',
      run: () => this.sendDue(),
      idleIntervalMs: o.pollIntervalMs ?? 1_000,
      clock: this.clock,
      onError: (err) => o.logger.error({ err }, 'ALTEGIO calls: the sender failed; retrying shortly'),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** New calls were written (the caller's transaction may commit a moment later; the poll catches it). */
  wake(): void {
    this.loop.wake();
  }

  /** One pass: send a batch of due calls; when none is due, sleep until the next one (or the poll). */
  private async sendDue(): Promise<PassResult> {
    const now = this.clock.now();
    const timeout = this.o.timeoutMs ?? 10_000;
    const calls = await this.o.store.claimDue(now, new Date(now.getTime() + timeout + 60_000), 16);
    if (calls.length) {
      await Promise.all(calls.map((call) => this.send(call)));
      return 'more';
    }
    const due = await this.o.store.nextDueAt();
    return due ? { until: due } : 'idle';
  }

  private async send(call: PartnerCall): Promise<void> {
    let status: number | 'network_error';
    let error = '';
    let cannotSend = false;
    try {
      const prepared = await this.o.prepare?.(call).catch((err: unknown) => {
        if (isAppError(err, 'not_ready')) cannotSend = true;
        throw err;
      });
      const request = prepared ?? call;
      const url = this.o.expandUrl ? this.o.expandUrl(request.url) : request.url;
      const response = await fetch(url, {
        method: request.method,
        headers: prepared?.headers ?? this.o.headers,
        ...(request.body === null || request.body === undefined || request.method === 'GET'
          ? {}
          : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        redirect: 'manual',
      });
      status = response.status;
      // The status only, as for webhooks: ALTEGIO's answer is never stored (support and the API
      // read last_error, and an answer may echo what we sent).
      if (status >= 300) error = `HTTP ${status}`;
      await response.body?.cancel();
    } catch (err) {
      status = 'network_error';
      // Our own words say what went wrong; a network failure (or an unreadable answer) only its code.
      error = err instanceof CallNotSent || isAppError(err) ? err.message : networkErrorCode(err);
    }
    let verdict = cannotSend ? 'dead' : (this.o.classify ?? ((_c, s) => defaultVerdict(s)))(call, status);
    if (verdict === 'check_status') {
      const done = await this.o.checkStatus?.(call).catch(() => false);
      verdict = done ? 'delivered' : 'retry';
    }
    const statusCode = status === 'network_error' ? null : status;
    const log = { callId: call.id, kind: call.kind, tenantId: call.tenantId, status: statusCode };
    try {
      if (verdict === 'delivered') {
        await this.o.store.finishCall(call.id, {
          status: 'delivered',
          statusCode: statusCode ?? 0,
          at: this.clock.now(),
        });
        this.o.logger.info(log, 'ALTEGIO call delivered');
        await this.o.onDelivered?.(call, statusCode);
        return;
      }
      const retryAt =
        verdict === 'retry' ? (this.o.retryAt ?? defaultRetryAt)(call, this.clock.now()) : undefined;
      if (retryAt) {
        await this.o.store.finishCall(call.id, { status: 'pending', statusCode, error, retryAt });
        this.o.logger.warn({ ...log, error, retryAt }, 'ALTEGIO call failed; will retry');
        return;
      }
      await this.o.store.finishCall(call.id, { status: 'dead', statusCode, error });
      this.o.logger.error({ ...log, error }, 'ALTEGIO call given up');
      await this.o.onDead?.(call, error);
    } catch (err) {
      this.o.logger.error({ err, ...log }, 'ALTEGIO calls: could not record an answer');
    }
  }
}
