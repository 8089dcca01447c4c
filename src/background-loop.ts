import { systemClock, type Clock } from './clock.js';

/**
 * What one pass found, which decides when the next pass runs:
 * - `'more'`: it stopped at a batch limit; run again at once.
 * - `'idle'`: nothing left to do; run again after the idle interval (or sooner on `wake()`).
 * - `{ until }`: nothing due before this clock time; run again then, but never later than the idle
 *   interval (other nodes may add work), and at once when the clock is advanced past it.
 */
export type PassResult = 'more' | 'idle' | { readonly until: Date };

export interface BackgroundLoopOptions {
  /** Names the loop in errors and logs ("webhooks", "partner-calls", …). */
  readonly name: string;
  /** One pass: claim and do a batch of work. A throw is handed to `onError` and backed off. */
  readonly run: () => Promise<PassResult>;
  /** How long an idle loop sleeps before it looks again without a wake-up (retries, other nodes' rows). */
  readonly idleIntervalMs: number;
  /**
   * After a failed pass the loop sleeps `initialMs`, doubled on each further failure up to `maxMs`;
   * a successful pass resets it. Wake-ups do not cut a backoff short (a database that is down is not
   * hammered by every new message). Default: initial = the idle interval, max = 30 s.
   */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Where `{ until }` results are read against, and whose jumps forward wake the loop. */
  readonly clock?: Clock;
  /** A failed pass: log and count it. `streak` is 1 for the first failure in a row. */
  readonly onError: (err: unknown, streak: number) => void;
  /**
   * How long `wake()` waits before the pass, so a burst of wake-ups (one per accepted message) costs
   * one pass. Default 0 (the next macrotask).
   */
  readonly wakeDelayMs?: number;
  /** `stop()` gives a pass that hangs this long to finish, then resolves anyway. Default 10 s. */
  readonly stopTimeoutMs?: number;
}

/**
 * A background loop, modelled on pg-boss's `Worker` (fetch → work → sleep `interval`, `notify()`
 * cuts the sleep short, `stop()` ends it after the pass under way): the one shape of "poll a table,
 * wake on new work, back off on errors, stop cleanly" in the gateway. The caller supplies one pass;
 * the loop decides when the next one runs. Passes never overlap, a wake-up during a pass runs one
 * more pass right after it (wake-ups coalesce: a thousand wakes during a pass cost one), and errors
 * never escape (they go to `onError`). Timers are unref'd: a loop alone does not keep the process up.
 *
 *   const loop = new BackgroundLoop({ name: 'webhooks', run: () => pump(), idleIntervalMs: 1_000,
 *     onError: (err) => logger.error({ err }, 'webhooks failed') });
 *   loop.start(); outbox.onNewWork(() => loop.wake()); …; await loop.stop();
 */
export class BackgroundLoop {
  private readonly clock: Clock;
  private running = false;
  private loopDone: Promise<void> | undefined;
  /** A wake-up came during the pass under way (or before the first): run again without sleeping. */
  private wakeRequested = false;
  /** Ends the current sleep early; set only while sleeping. */
  private interruptSleep: (() => void) | undefined;
  /** The current sleep is a backoff after an error: wake-ups do not end it, stop() does. */
  private backingOff = false;
  private errorStreak = 0;
  private unsubscribeClock: (() => void) | undefined;

  constructor(private readonly o: BackgroundLoopOptions) {
    if (!(o.idleIntervalMs > 0)) throw new RangeError(`${o.name}: idleIntervalMs must be positive`);
    this.clock = o.clock ?? systemClock;
  }

  get name(): string {
    return this.o.name;
  }

  /** True between start() and stop(). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the loop: the first pass runs at once (in the next macrotask). Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.errorStreak = 0;
    this.unsubscribeClock = this.clock.onAdvance(() => this.wake());
    this.loopDone = this.loop();
  }

  /**
   * Asks for a pass soon (after `wakeDelayMs`): ends an idle sleep, or, during a pass, makes one more
   * pass run right after it. Does nothing when stopped or backing off after an error.
   */
  wake(): void {
    if (!this.running) return;
    this.wakeRequested = true;
    if (!this.backingOff) this.interruptSleep?.();
  }

  /**
   * Stops the loop: no pass starts after this; resolves once the pass under way has finished (or after
   * `stopTimeoutMs` if it hangs). A sleeping loop stops at once. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (!this.running) return this.loopDone;
    this.running = false;
    this.unsubscribeClock?.();
    this.unsubscribeClock = undefined;
    this.interruptSleep?.();
    const done = this.loopDone;
    if (!done) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.o.onError(
          new Error(`${this.o.name}: a pass was still running ${this.stopTimeoutMs()} ms after stop()`),
          this.errorStreak,
        );
        resolve();
      }, this.stopTimeoutMs());
      timer.unref();
    });
    await Promise.race([done, timedOut]);
    clearTimeout(timer);
  }

  private stopTimeoutMs(): number {
    return this.o.stopTimeoutMs ?? 10_000;
  }

  private async loop(): Promise<void> {
    // The first pass runs in the next macrotask, so start() never runs work in its caller's stack.
    await this.sleep(0, false);
    while (this.running) {
      this.wakeRequested = false;
      let delayMs: number;
      let backoff = false;
      try {
        delayMs = this.delayAfter(await this.o.run());
        this.errorStreak = 0;
      } catch (err) {
        this.errorStreak += 1;
        backoff = true;
        const initial = this.o.backoff?.initialMs ?? this.o.idleIntervalMs;
        const max = this.o.backoff?.maxMs ?? 30_000;
        delayMs = Math.min(initial * 2 ** (this.errorStreak - 1), max);
        try {
          this.o.onError(err, this.errorStreak);
        } catch {
          // The error handler's own failure must not end the loop.
        }
      }
      if (!this.running) break;
      if (this.wakeRequested && !backoff) delayMs = Math.min(delayMs, this.o.wakeDelayMs ?? 0);
      await this.sleep(delayMs, backoff);
    }
  }

  private delayAfter(result: PassResult): number {
    if (result === 'more') return 0;
    if (result === 'idle') return this.o.idleIntervalMs;
    const untilMs = result.until.getTime() - this.clock.now().getTime();
    return Math.min(this.o.idleIntervalMs, Math.max(0, untilMs));
  }

  /** Sleeps `ms`; a wake-up (unless `backoff`) shortens it to the wake delay, stop() ends it at once. */
  private sleep(ms: number, backoff: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        this.interruptSleep = undefined;
        this.backingOff = false;
        resolve();
      };
      const arm = (delayMs: number): void => {
        clearTimeout(timer);
        timer = setTimeout(finish, delayMs);
        timer.unref();
      };
      let woken = false;
      this.backingOff = backoff;
      this.interruptSleep = () => {
        if (!this.running) return finish();
        // The first wake-up sets the time; later ones in the same sleep must not push it back.
        if (woken) return;
        woken = true;
        const wakeDelayMs = this.o.wakeDelayMs ?? 0;
        if (wakeDelayMs < ms) arm(wakeDelayMs);
      };
      arm(ms);
    });
  }
}
