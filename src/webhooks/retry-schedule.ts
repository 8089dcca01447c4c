/** When failed webhook deliveries are tried again. Pure: time and randomness are passed in. */
export interface RetryPolicy {
  /** Ceiling of the jittered wait after failed attempt n (1-based); the last entry repeats. */
  readonly delaysMs: readonly number[];
  /** No wait is longer than this. */
  readonly maxDelayMs: number;
  /** Nor shorter than this. */
  readonly minDelayMs: number;
  /** Retrying stops this long after the delivery was created (or replayed): then it is dead. */
  readonly horizonMs: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** 5 s, 30 s, 2 min, 10 min, 30 min, then hourly (each jittered down by up to half), for 24 h. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  delaysMs: Object.freeze([5 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR]),
  maxDelayMs: HOUR,
  minDelayMs: SECOND,
  horizonMs: 24 * HOUR,
});

/**
 * The time of the next attempt after failed attempt number `attempt` (1-based, counted since the
 * retry window opened at `windowStart`), or null when the window is spent and the delivery is dead.
 * The wait is uniform in [ceiling/2, ceiling], clamped to [minDelayMs, maxDelayMs]: a crowd of
 * deliveries that failed together (a receiver's outage) spreads over minutes, and the number of
 * tries stays bounded (about 30 to 55 in 24 h). Jitter over the whole [0, ceiling] would let an
 * unlucky streak retry every second. A wait that would cross the horizon becomes one last try at it.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attempt: number,
  windowStart: Date,
  now: Date,
  random: () => number,
): Date | null {
  const horizon = windowStart.getTime() + policy.horizonMs;
  if (now.getTime() >= horizon) return null;
  const index = Math.min(Math.max(attempt, 1), policy.delaysMs.length) - 1;
  const ceiling = Math.min(policy.maxDelayMs, policy.delaysMs[index] ?? policy.maxDelayMs);
  const jittered = Math.floor(ceiling / 2 + random() * (ceiling / 2));
  const wait = Math.min(ceiling, Math.max(policy.minDelayMs, jittered));
  return new Date(Math.min(now.getTime() + wait, horizon));
}
