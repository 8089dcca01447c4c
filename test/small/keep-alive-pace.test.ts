import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepAlivePace } from '../../src/simulator/keep-alive-pace.js';
import { SimulatorEvents } from '../../src/simulator/simulator-events.js';

describe('KeepAlivePace (the simulator’s pings per second, for benchmarks)', () => {
  const start = Date.UTC(2026, 2, 2, 14, 0, 0);

  function paced() {
    const events = new SimulatorEvents();
    let now = start;
    const pace = new KeepAlivePace(events, () => now);
    const ping = (n = 1) => {
      for (let i = 0; i < n; i++) events.emit('keep-alive', { phone: '15550001111', device: 1 });
    };
    return { pace, ping, events, at: (ms: number) => (now = start + ms) };
  }

  it('counts pings by second, listing quiet seconds as zeros', () => {
    const { pace, ping, at } = paced();
    ping(3);
    at(1_500);
    ping(2);
    at(3_200);
    ping(7);
    assert.deepEqual(
      pace.seconds(start, start + 4_000).map((s) => [s.at - start, s.pings]),
      [
        [0, 3],
        [1_000, 2],
        [2_000, 0],
        [3_000, 7],
      ],
    );
    assert.deepEqual(
      pace.seconds(start + 1_000, start + 2_000).map((s) => s.pings),
      [2],
      'only the asked seconds',
    );
  });

  it('forgets seconds older than ten minutes, and stops counting when stopped', () => {
    const { pace, ping, at, events } = paced();
    ping(4);
    at(601_000);
    ping(1);
    const kept = pace.seconds(start, start + 602_000);
    assert.equal(kept[0]!.at, start + 2_000, 'the first kept second is ten minutes back');
    assert.equal(
      kept.reduce((sum, s) => sum + s.pings, 0),
      1,
      'the first second’s four pings are gone',
    );
    pace.stop();
    ping(5);
    assert.equal(pace.seconds(start + 601_000, start + 602_000)[0]!.pings, 1);
    assert.equal(events.listenerCount('keep-alive'), 0);
  });
});
