import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SimulatorEvents } from './simulator-events.js';

/** One second of the simulator's life, as a benchmark reads it. */
export interface PaceSecond {
  /** Start of the second, ms since the epoch. */
  readonly at: number;
  /** Keep-alive pings answered in it. */
  readonly pings: number;
  /** The simulator's own longest event-loop delay seen by the end of it (ms; 0 when not watched). */
  readonly loopMaxMs: number;
}

/** Seconds kept: a benchmark reads them after each window of a minute or less. */
const KEPT_SECONDS = 600;

/**
 * Keep-alive pings answered per second over the last ten minutes, and the simulator's own longest
 * event-loop delay in each second. A gateway whose loop stalls is either handling a herd of pings
 * (one second holding thousands where 10,000 sessions pinging every 30 s make ~330) or stalled for
 * another reason; and a simulator that stalled itself answers pongs in a burst. This tells them apart
 * from outside the gateway (bench `scale` reads it after each accept window).
 */
export class KeepAlivePace {
  readonly #pings = new Map<number, number>();
  readonly #loopMax = new Map<number, number>();
  readonly #now: () => number;
  #loop: ReturnType<typeof monitorEventLoopDelay> | undefined;
  #sampler: NodeJS.Timeout | undefined;
  readonly #onPing = () => this.#count();

  constructor(
    private readonly events: SimulatorEvents,
    now: () => number = Date.now,
  ) {
    this.#now = now;
    events.on('keep-alive', this.#onPing);
  }

  /** Also records the simulator's own event-loop delay, once a second. */
  watchLoop(): void {
    if (this.#loop) return;
    this.#loop = monitorEventLoopDelay({ resolution: 10 });
    this.#loop.enable();
    this.#sampler = setInterval(() => this.#sampleLoop(), 1_000);
    this.#sampler.unref();
  }

  /** The seconds in [fromMs, toMs), oldest first; a second with nothing in it is listed with zeros. */
  seconds(fromMs: number, toMs: number): PaceSecond[] {
    const first = Math.max(Math.floor(fromMs / 1_000), this.#second() - KEPT_SECONDS + 1);
    const last = Math.min(Math.ceil(toMs / 1_000), this.#second() + 1);
    const out: PaceSecond[] = [];
    for (let s = first; s < last; s++)
      out.push({ at: s * 1_000, pings: this.#pings.get(s) ?? 0, loopMaxMs: this.#loopMax.get(s) ?? 0 });
    return out;
  }

  stop(): void {
    this.events.off('keep-alive', this.#onPing);
    if (this.#sampler) clearInterval(this.#sampler);
    this.#loop?.disable();
  }

  #second(): number {
    return Math.floor(this.#now() / 1_000);
  }

  #count(): void {
    const s = this.#second();
    this.#pings.set(s, (this.#pings.get(s) ?? 0) + 1);
    this.#forgetBefore(s - KEPT_SECONDS);
  }

  #sampleLoop(): void {
    const loop = this.#loop!;
    const s = this.#second();
    this.#loopMax.set(s, Math.max(this.#loopMax.get(s) ?? 0, Math.round(loop.max / 1e5) / 10));
    loop.reset();
    this.#forgetBefore(s - KEPT_SECONDS);
  }

  #forgetBefore(second: number): void {
    // Maps iterate in insertion order, which is time order here.
    for (const map of [this.#pings, this.#loopMax])
      for (const key of map.keys()) {
        if (key >= second) break;
        map.delete(key);
      }
  }
}
