import type { Clock } from '../clock.js';

/** Node's longest timer (about 24.8 days); a longer wait re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fire` once the clock reads `atMs` (epoch ms) or later: a real timer for the wait, looked at
 * again whenever the clock is advanced (a test's ManualClock moves past the grace instead of
 * sleeping through it). Returns the cancel function.
 */
export function atClockTime(clock: Clock, atMs: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const cancel = (): void => {
    done = true;
    clearTimeout(timer);
    unsubscribe();
  };
  const check = (): void => {
    if (done) return;
    const left = atMs - clock.now().getTime();
    clearTimeout(timer);
    if (left <= 0) {
      cancel();
      fire();
      return;
    }
    timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
  };
  const unsubscribe = clock.onAdvance(check);
  timer = setTimeout(check, Math.min(Math.max(0, atMs - clock.now().getTime()), MAX_TIMER_MS));
  return cancel;
}
