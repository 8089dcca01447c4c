import { ManualClock } from '../../src/clock.js';

/**
 * A gateway clock for tests that send with the default pacing: it starts at 14:00 UTC (11:00 in
 * São Paulo), inside the default sending window (08:00–21:00 in the business's zone) for every zone
 * the tests use, and follows real time from there. On the system clock, a run made at night would
 * see its messages held until morning.
 */
export function daytimeClock(): ManualClock {
  return new ManualClock(new Date('2026-03-02T14:00:00Z'));
}
