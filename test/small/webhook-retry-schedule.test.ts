import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RETRY_POLICY, nextAttemptAt, type RetryPolicy } from '../../src/webhooks/retry-schedule.js';
import { webhookUrlProblem } from '../../src/webhooks/webhook-url.js';

const HOUR = 3_600_000;

/** Every attempt time of a delivery that always fails, from creation until it is dead. */
function simulate(policy: RetryPolicy, random: () => number): number[] {
  const created = new Date('2026-03-01T12:00:00Z');
  const times = [created.getTime()];
  for (let attempt = 1; attempt < 10_000; attempt++) {
    const next = nextAttemptAt(policy, attempt, created, new Date(times.at(-1)!), random);
    if (!next) return times.map((t) => t - created.getTime());
    times.push(next.getTime());
  }
  throw new Error('never dead');
}

describe('webhook retry schedule', () => {
  test('ceilings 5 s, 30 s, 2 min, 10 min, 30 min, then 1 h; jitter over the upper half', () => {
    const created = new Date(0);
    const ceilings = [5_000, 30_000, 120_000, 600_000, 1_800_000, HOUR, HOUR, HOUR];
    ceilings.forEach((ceiling, i) => {
      const now = new Date(1_000);
      const top = nextAttemptAt(DEFAULT_RETRY_POLICY, i + 1, created, now, () => 0.999_999_9)!;
      assert.ok(Math.abs(top.getTime() - 1_000 - ceiling) <= 1, `attempt ${i + 1}`);
      const bottom = nextAttemptAt(DEFAULT_RETRY_POLICY, i + 1, created, now, () => 0)!;
      assert.equal(bottom.getTime() - 1_000, Math.floor(ceiling / 2));
      for (let k = 0; k < 50; k++) {
        const wait = nextAttemptAt(DEFAULT_RETRY_POLICY, i + 1, created, now, Math.random)!.getTime() - 1_000;
        assert.ok(wait >= ceiling / 2 - 1 && wait <= ceiling, `attempt ${i + 1}: ${wait}`);
      }
    });
  });

  test('bounded by 24 h from creation whatever the jitter, then dead', () => {
    const randoms: Array<() => number> = [() => 0, () => 0.999_999, () => 0.5, Math.random, Math.random];
    for (const random of randoms) {
      const offsets = simulate(DEFAULT_RETRY_POLICY, random);
      const last = offsets.at(-1)!;
      assert.ok(last <= 24 * HOUR, `last attempt at ${last / HOUR} h`);
      assert.equal(last, 24 * HOUR, 'one last try right at the horizon');
      for (let i = 1; i < offsets.length; i++) {
        const gap = offsets[i]! - offsets[i - 1]!;
        assert.ok(gap >= 0 && gap <= HOUR, `gap ${gap}`);
      }
      // Between hourly and half-hourly for the bulk of the day: never a storm, never a silence.
      assert.ok(offsets.length >= 25 && offsets.length <= 60, `${offsets.length} attempts`);
    }
    // With the largest waits: 5 s, 35 s, 2m35s, … then hourly, 30 tries in all.
    const slowest = simulate(DEFAULT_RETRY_POLICY, () => 0.999_999_99);
    assert.deepEqual(
      slowest.slice(1, 6).map((t) => Math.round(t / 1000)),
      [5, 35, 155, 755, 2555],
    );
    assert.equal(slowest.length, 30);
  });

  test('a replay opens a new window', () => {
    const created = new Date(0);
    const late = new Date(25 * HOUR);
    assert.equal(nextAttemptAt(DEFAULT_RETRY_POLICY, 40, created, late, Math.random), null);
    const replayed = new Date(25 * HOUR);
    assert.ok(nextAttemptAt(DEFAULT_RETRY_POLICY, 1, replayed, late, Math.random));
  });

  test('a test-sized policy keeps the same shape', () => {
    const policy: RetryPolicy = { delaysMs: [20, 40], maxDelayMs: 50, minDelayMs: 5, horizonMs: 300 };
    const offsets = simulate(policy, Math.random);
    assert.equal(offsets.at(-1), 300);
    assert.ok(offsets.length >= 7);
  });
});

describe('webhook URLs', () => {
  test('absolute http(s) only, without credentials', () => {
    assert.equal(webhookUrlProblem('https://crm.example.com/hooks/zapgate?x=1'), undefined);
    assert.equal(webhookUrlProblem('http://127.0.0.1:8080/h'), undefined);
    assert.match(webhookUrlProblem('ftp://example.com/')!, /http or https/);
    assert.match(webhookUrlProblem('javascript:alert(1)')!, /http or https/);
    assert.match(webhookUrlProblem('/relative')!, /absolute/);
    assert.match(webhookUrlProblem('not a url')!, /absolute/);
    assert.match(webhookUrlProblem('https://user:pass@example.com/')!, /credentials/);
  });
});
