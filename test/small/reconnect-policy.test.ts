import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_RECONNECT_POLICY,
  planReconnect,
  reconnectDelayMs,
  type ReconnectPolicy,
} from '../../src/domain/reconnect-policy.js';

const policy: ReconnectPolicy = { baseDelayMs: 1_000, maxDelayMs: 30_000 };
const fixed = (value: number) => () => value;

describe('reconnectDelayMs', () => {
  test('first retry waits between half the base delay and the base delay', () => {
    assert.equal(reconnectDelayMs(1, policy, fixed(0)), 500);
    assert.equal(reconnectDelayMs(1, policy, fixed(0.5)), 750);
    assert.equal(reconnectDelayMs(1, policy, fixed(0.999999)), 1_000);
  });

  test('the window doubles with each attempt', () => {
    const upper = [1, 2, 3, 4].map((attempt) => reconnectDelayMs(attempt, policy, fixed(0.999999)));
    assert.deepEqual(upper, [1_000, 2_000, 4_000, 8_000]);
    const lower = [1, 2, 3, 4].map((attempt) => reconnectDelayMs(attempt, policy, fixed(0)));
    assert.deepEqual(lower, [500, 1_000, 2_000, 4_000]);
  });

  test('the window stops growing at maxDelayMs, even after very many attempts', () => {
    assert.equal(reconnectDelayMs(6, policy, fixed(0.999999)), 30_000);
    assert.equal(reconnectDelayMs(10_000, policy, fixed(0.999999)), 30_000);
    assert.equal(reconnectDelayMs(10_000, policy, fixed(0)), 15_000);
  });

  test('jitter spreads a fleet of sessions over the window', () => {
    let seed = 42;
    const lcg = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const delays = Array.from({ length: 200 }, () => reconnectDelayMs(3, policy, lcg));
    assert.ok(delays.every((d) => d >= 2_000 && d <= 4_000));
    assert.ok(new Set(delays).size > 100, 'delays should not collapse onto a few values');
  });

  test('a misbehaving random source cannot produce a delay outside the window', () => {
    assert.equal(reconnectDelayMs(1, policy, fixed(-5)), 500);
    assert.equal(reconnectDelayMs(1, policy, fixed(7)), 1_000);
    assert.equal(reconnectDelayMs(1, policy, fixed(Number.NaN)), 500);
  });

  test('rejects nonsense attempts and policies', () => {
    assert.throws(() => reconnectDelayMs(0, policy, fixed(0)), RangeError);
    assert.throws(() => reconnectDelayMs(1.5, policy, fixed(0)), RangeError);
    assert.throws(() => reconnectDelayMs(1, { baseDelayMs: 0, maxDelayMs: 10 }, fixed(0)), RangeError);
    assert.throws(() => reconnectDelayMs(1, { baseDelayMs: 100, maxDelayMs: 10 }, fixed(0)), RangeError);
  });
});

describe('planReconnect', () => {
  test('numbers attempts from the failures so far', () => {
    assert.deepEqual(planReconnect(0, policy, fixed(0)), { attempt: 1, delayMs: 500 });
    assert.deepEqual(planReconnect(2, policy, fixed(0)), { attempt: 3, delayMs: 2_000 });
  });

  test('the default policy starts around a second and caps at a minute', () => {
    assert.ok(planReconnect(0, DEFAULT_RECONNECT_POLICY, fixed(0.999999)).delayMs <= 1_000);
    assert.equal(planReconnect(50, DEFAULT_RECONNECT_POLICY, fixed(0.999999)).delayMs, 60_000);
  });
});
