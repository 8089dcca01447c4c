import type { WAVersion } from 'baileys';
import type { Logger } from 'pino';
import { planReconnect, type ReconnectPolicy } from '../domain/reconnect-policy.js';
import type { ReconnectCause } from '../domain/session-close.js';
import { compareVersions, type ClientVersionSource } from './client-version.js';
import type { SessionState } from './session-events.js';

export interface ReconnectorOptions {
  readonly policy: ReconnectPolicy;
  /** Randomness for the jitter, in [0, 1). */
  readonly random: () => number;
  readonly log: Logger;
  readonly clientVersion?: ClientVersionSource;
  /** After a 405, how often the version is looked up again (default 30 s). */
  readonly versionCheckMs?: number;
  /** The session's state changes (reconnecting, then connecting). */
  readonly setState: (state: SessionState) => void;
  /** Opens a new socket. */
  readonly connect: () => void;
  /** Is the run that asked still the session's run (not stopped, not overtaken)? */
  readonly stillRunning: (run: number) => boolean;
}

/**
 * When a linked-device session connects again after a close: jittered exponential backoff for a
 * transient close (domain/reconnect-policy.ts), and for a 405 (WhatsApp refused the client
 * version) a fresh version lookup instead, with no backoff loop.
 */
export class Reconnector {
  private failures = 0;
  private versionChecks = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ReconnectorOptions) {}

  /** The connection opened (or a new run starts): the next failure is the first again. */
  reset(): void {
    this.failures = 0;
    this.versionChecks = 0;
  }

  /** No reconnect is pending any more (a stop, a logout). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A transient close: connect again after the policy's delay. */
  schedule(cause: ReconnectCause, run: number): void {
    const { attempt, delayMs } = planReconnect(this.failures, this.o.policy, this.o.random);
    this.failures = attempt;
    this.o.setState({ status: 'reconnecting', attempt, delayMs, cause });
    this.later(delayMs, run, () => this.reconnect());
  }

  /**
   * 405: WhatsApp no longer accepts the version this socket announced. The version is looked up
   * again now and then every `versionCheckMs`, and the session logs in again as soon as there is a
   * different one (a pin is retried at that pace).
   */
  versionRefused(refused: WAVersion, run: number): void {
    const source = this.o.clientVersion;
    const everyMs = this.o.versionCheckMs ?? 30_000;
    this.o.log.warn(
      { version: refused.join('.'), pinned: source?.pinned ?? true },
      'WhatsApp refused this client version (405); updating',
    );
    const check = async (): Promise<void> => {
      this.versionChecks += 1;
      this.o.setState({
        status: 'reconnecting',
        attempt: this.versionChecks,
        delayMs: everyMs,
        cause: 'version_refused',
      });
      const next = source ? await source.refresh() : refused;
      if (!this.o.stillRunning(run)) return;
      if (compareVersions(next, refused) !== 0) return this.reconnect();
      this.later(everyMs, run, () => {
        if (source && !source.pinned) void check();
        // Nothing to look up: try the same version again (WhatsApp may have changed its mind).
        else this.reconnect();
      });
    };
    void check();
  }

  private later(ms: number, run: number, then: () => void): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.o.stillRunning(run)) then();
    }, ms);
  }

  private reconnect(): void {
    this.o.setState({ status: 'connecting' });
    this.o.connect();
  }
}
