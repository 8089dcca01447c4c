/**
 * The time as the gateway's schedulers see it (message queue, dispatcher, an integration's reminders). The
 * system clock in production; a manual one in tests and the sandbox, so a reminder due tomorrow can
 * be tried now. Timers still run in real time: whoever sleeps until a clock time is woken on advance.
 */
export interface Clock {
  now(): Date;
  /** Called after the clock jumps forward (never for the system clock). */
  onAdvance(listener: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  onAdvance: () => () => undefined,
};

/**
 * A clock that follows real time from a start the caller chooses, and that the caller moves forward.
 * Tests pass a fixed start so nothing they assert depends on today's date; the sandbox starts at
 * the real time.
 */
export class ManualClock implements Clock {
  private offsetMs: number;
  private readonly frozenAt: number | undefined;
  private readonly listeners = new Set<() => void>();

  /**
   * `frozen`: the clock stands still between advances, so a test that asserts "not yet" just before
   * a limit cannot be overtaken by the real milliseconds a slow machine spends in between.
   */
  constructor(start: Date = new Date(), options: { frozen?: boolean } = {}) {
    if (Number.isNaN(start.getTime())) throw new RangeError('the clock needs a valid start');
    this.frozenAt = options.frozen ? start.getTime() : undefined;
    this.offsetMs = options.frozen ? 0 : start.getTime() - Date.now();
  }

  now(): Date {
    return this.frozenAt === undefined
      ? new Date(Date.now() + this.offsetMs)
      : new Date(this.frozenAt + this.offsetMs);
  }

  /** Moves the clock forward by `ms` and wakes every sleeper. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    for (const listener of this.listeners) listener();
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
