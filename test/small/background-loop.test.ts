import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { BackgroundLoop, type BackgroundLoopOptions, type PassResult } from '../../src/background-loop.js';
import { ManualClock } from '../../src/clock.js';

/** Lets pending promise callbacks run (setImmediate is not mocked; only setTimeout is). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Moves the mocked timers forward and lets the passes they start run. */
const advance = async (ms: number): Promise<void> => {
  mock.timers.tick(ms);
  await settle();
};

/** A loop whose passes are counted and answer from a script (then 'idle'). */
function scripted(
  script: Array<PassResult | Error> = [],
  options: Partial<BackgroundLoopOptions> = {},
): { loop: BackgroundLoop; passes: () => number; errors: Array<{ err: unknown; streak: number }> } {
  let passes = 0;
  const errors: Array<{ err: unknown; streak: number }> = [];
  const loop = new BackgroundLoop({
    name: 'test',
    idleIntervalMs: 1_000,
    run: () => {
      const next = script[passes++] ?? 'idle';
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    onError: (err, streak) => errors.push({ err, streak }),
    ...options,
  });
  return { loop, passes: () => passes, errors };
}

describe('background loop', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('an idle loop runs once at start, then once per idle interval', async () => {
    const { loop, passes } = scripted();
    loop.start();
    assert.equal(passes(), 0, 'start() never runs a pass in its caller');
    await advance(0);
    assert.equal(passes(), 1);
    await advance(999);
    assert.equal(passes(), 1, 'no pass before the idle interval');
    await advance(1);
    assert.equal(passes(), 2);
    await advance(1_000);
    assert.equal(passes(), 3);
    await loop.stop();
  });

  test("'more' runs the next pass at once, until a pass is idle", async () => {
    const { loop, passes } = scripted(['more', 'more', 'more', 'idle']);
    loop.start();
    await advance(0);
    await advance(0);
    await advance(0);
    await advance(0);
    assert.equal(passes(), 4);
    await advance(999);
    assert.equal(passes(), 4);
    await loop.stop();
  });

  test('wake() ends an idle sleep; a burst of wake-ups costs one pass', async () => {
    const { loop, passes } = scripted();
    loop.start();
    await advance(0);
    await advance(300);
    for (let i = 0; i < 50; i++) loop.wake();
    await advance(0);
    assert.equal(passes(), 2);
    await advance(999);
    assert.equal(passes(), 2, 'after the woken pass, a full idle interval again');
    await advance(1);
    assert.equal(passes(), 3);
    await loop.stop();
  });

  test('wakeDelayMs: a wake-up runs the pass that much later, and later wake-ups do not postpone it', async () => {
    const { loop, passes } = scripted([], { wakeDelayMs: 5 });
    loop.start();
    await advance(0);
    loop.wake();
    await advance(4);
    loop.wake();
    assert.equal(passes(), 1);
    await advance(1);
    assert.equal(passes(), 2);
    await loop.stop();
  });

  test('a wake-up during a pass runs exactly one more pass right after it; passes never overlap', async () => {
    let active = 0;
    let overlapped = false;
    let passes = 0;
    let release: (() => void) | undefined;
    const loop = new BackgroundLoop({
      name: 'test',
      idleIntervalMs: 1_000,
      run: async () => {
        passes += 1;
        if (active) overlapped = true;
        active += 1;
        if (passes === 1) await new Promise<void>((resolve) => (release = resolve));
        active -= 1;
        return 'idle';
      },
      onError: () => undefined,
    });
    loop.start();
    await advance(0);
    assert.equal(passes, 1);
    loop.wake();
    loop.wake();
    loop.wake();
    await advance(0);
    assert.equal(passes, 1, 'the woken pass waits for the one under way');
    release!();
    await settle();
    await advance(0);
    assert.equal(passes, 2);
    await advance(0);
    assert.equal(passes, 2, 'three wake-ups during the pass cost one pass');
    assert.equal(overlapped, false);
    await loop.stop();
  });

  test('a failing pass backs off doubling up to the max, wake-ups do not cut it short, success resets it', async () => {
    const boom = (): Error => new Error('database unavailable');
    const { loop, passes, errors } = scripted([boom(), boom(), boom(), boom(), 'idle', boom()], {
      backoff: { initialMs: 100, maxMs: 300 },
    });
    loop.start();
    await advance(0);
    assert.equal(passes(), 1);
    loop.wake();
    await advance(99);
    assert.equal(passes(), 1, 'a wake-up does not end a backoff');
    await advance(1);
    assert.equal(passes(), 2);
    await advance(199);
    assert.equal(passes(), 2, 'second failure: 200 ms');
    await advance(1);
    assert.equal(passes(), 3);
    await advance(300);
    assert.equal(passes(), 4, 'third failure: capped at 300 ms');
    await advance(300);
    assert.equal(passes(), 5, 'fourth failure: still 300 ms');
    assert.deepEqual(
      errors.map((e) => e.streak),
      [1, 2, 3, 4],
    );
    await advance(1_000);
    assert.equal(passes(), 6, 'the idle pass succeeded: the idle interval again');
    await advance(100);
    assert.equal(passes(), 7, 'the streak was reset: the next failure backs off from the initial delay');
    assert.equal(errors.at(-1)!.streak, 1);
    await loop.stop();
  });

  test('stop() resolves only after the pass under way, and no pass starts after it', async () => {
    let release: (() => void) | undefined;
    let passes = 0;
    let finished = 0;
    const loop = new BackgroundLoop({
      name: 'test',
      idleIntervalMs: 1_000,
      run: async () => {
        passes += 1;
        await new Promise<void>((resolve) => (release = resolve));
        finished += 1;
        return 'more';
      },
      onError: () => undefined,
    });
    loop.start();
    await advance(0);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await settle();
    assert.equal(stopped, false, 'the pass under way is still running');
    release!();
    await stopping;
    assert.equal(finished, 1);
    loop.wake();
    await advance(5_000);
    assert.equal(passes, 1, "no pass after stop(), though the last one said 'more'");
  });

  test('stop() of a sleeping loop resolves at once', async () => {
    const { loop, passes } = scripted();
    loop.start();
    await advance(0);
    await loop.stop();
    await advance(10_000);
    assert.equal(passes(), 1);
  });

  test('stop() is bounded: a pass that hangs is given stopTimeoutMs, then reported', async () => {
    const reported: unknown[] = [];
    const loop = new BackgroundLoop({
      name: 'hanging',
      idleIntervalMs: 1_000,
      stopTimeoutMs: 2_000,
      run: () => new Promise<PassResult>(() => undefined),
      onError: (err) => reported.push(err),
    });
    loop.start();
    await advance(0);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await advance(1_999);
    assert.equal(stopped, false);
    await advance(1);
    await stopping;
    assert.equal(reported.length, 1);
    assert.match(String(reported[0]), /hanging: a pass was still running 2000 ms after stop\(\)/);
  });

  test('{ until }: sleeps until that clock time (at most the idle interval); advancing the clock wakes it', async () => {
    const clock = new ManualClock(new Date('2026-03-01T09:00:00Z'), { frozen: true });
    const inTwoHundredMs = new Date(clock.now().getTime() + 200);
    const { loop, passes } = scripted(
      [{ until: inTwoHundredMs }, { until: new Date('2026-03-02T09:00:00Z') }],
      {
        clock,
      },
    );
    loop.start();
    await advance(0);
    await advance(199);
    assert.equal(passes(), 1);
    // The real time has not moved (mocked timers); the manual clock has not either: 200 ms of sleep.
    await advance(1);
    assert.equal(passes(), 2);
    await advance(999);
    assert.equal(passes(), 2, 'a due time tomorrow still looks again after the idle interval');
    clock.advance(60_000);
    await advance(0);
    assert.equal(passes(), 3, 'a clock jump wakes the loop at once');
    await loop.stop();
  });
});
