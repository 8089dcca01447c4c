/**
 * When to try again after a transient connection loss: exponential backoff with "equal jitter"
 * (half of the window fixed, half random), so a fleet of sessions that lost the same server does not
 * come back in one burst, and a session never retries in a tight loop. Pure: randomness is passed in.
 */

export interface ReconnectPolicy {
  /** Window for the first retry (the delay is between half of it and all of it). */
  readonly baseDelayMs: number;
  /** Upper bound of the window, reached after a few failures. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = Object.freeze({
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
});

/** The next retry: its 1-based number and how long to wait before it. */
export interface PlannedReconnect {
  readonly attempt: number;
  readonly delayMs: number;
}

// 2^30 already exceeds any sane maxDelayMs; capping the exponent keeps the arithmetic finite.
const MAX_EXPONENT = 30;

/** Throws a RangeError for a policy that cannot produce sensible delays. */
export function assertValidPolicy(policy: ReconnectPolicy): void {
  const { baseDelayMs, maxDelayMs } = policy;
  if (!Number.isFinite(baseDelayMs) || baseDelayMs <= 0) {
    throw new RangeError(`reconnect baseDelayMs must be a positive number, got ${baseDelayMs}`);
  }
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < baseDelayMs) {
    throw new RangeError(`reconnect maxDelayMs must be >= baseDelayMs, got ${maxDelayMs}`);
  }
}

/**
 * Delay before retry number `attempt` (1-based): a random value in [window/2, window], where
 * window = min(maxDelayMs, baseDelayMs * 2^(attempt-1)). `random` returns a number in [0, 1).
 */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`reconnect attempt must be an integer >= 1, got ${attempt}`);
  }
  assertValidPolicy(policy);
  const exponent = Math.min(attempt - 1, MAX_EXPONENT);
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const r = clampUnit(random());
  return Math.round(window / 2 + (r * window) / 2);
}

/** Plans the retry that follows `failuresSoFar` consecutive failed connections (0 after an open). */
export function planReconnect(
  failuresSoFar: number,
  policy: ReconnectPolicy,
  random: () => number,
): PlannedReconnect {
  const attempt = failuresSoFar + 1;
  return { attempt, delayMs: reconnectDelayMs(attempt, policy, random) };
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
