import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ConnectGate, type ConnectGateCounts } from '../../src/channels/connect-gate.js';
import type { ConnectPriority, ConnectTicket } from '../../src/whatsapp/session-options.js';
import { ConnectTurn } from '../../src/whatsapp/connect-turn.js';

/** The gate's next turns go out after the current task (see schedulePump): let them. */
const turnsGoOut = () => new Promise<void>((resolve) => setImmediate(resolve));

function gateOf(concurrency: number, holdLimitMs = 30_000) {
  const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'), { frozen: true });
  const changes: ConnectGateCounts[] = [];
  const gate = new ConnectGate({ concurrency, clock, holdLimitMs, onChange: (c) => changes.push(c) });
  const admitted: string[] = [];
  const tickets = new Map<string, ConnectTicket>();
  let inHandshake = 0;
  let most = 0;
  const ask = (name: string, priority: ConnectPriority = 'background') => {
    tickets.set(
      name,
      gate.request(priority, () => {
        admitted.push(name);
        most = Math.max(most, ++inHandshake);
      }),
    );
  };
  /** The attempt `name` is over (opened or failed): its place comes back. */
  const done = (name: string) => {
    if (admitted.includes(name)) inHandshake--;
    tickets.get(name)!.release();
  };
  /** Every place back at the end of a test, so no hold timer outlives it. */
  const releaseAll = () => {
    for (const ticket of tickets.values()) ticket.release();
  };
  return { gate, clock, changes, admitted, ask, done, releaseAll, most: () => most };
}

describe('connection gate', () => {
  test('at most K attempts are in their handshake; the others go in the order they asked', async () => {
    const g = gateOf(3);
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) g.ask(name);
    assert.deepEqual(g.admitted, ['a', 'b', 'c'], 'the first three at once');
    assert.deepEqual(g.gate.counts(), { waiting: 4, inHandshake: 3 });
    g.done('b');
    assert.deepEqual(g.admitted, ['a', 'b', 'c'], 'the next turn waits for the current task');
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['a', 'b', 'c', 'd']);
    for (const name of ['a', 'c', 'd', 'e', 'f']) {
      g.done(name);
      await turnsGoOut();
    }
    assert.deepEqual(g.admitted, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.equal(g.most(), 3, 'never more than three at once');
    g.done('g');
    assert.deepEqual(g.gate.counts(), { waiting: 0, inHandshake: 0 });
    assert.deepEqual(g.changes.at(-1), { waiting: 0, inHandshake: 0 }, 'the metrics hear the end');
  });

  test('a failed attempt gives its place back, once, however often it says so', async () => {
    const g = gateOf(1);
    g.ask('fails');
    g.ask('next');
    g.ask('last');
    g.done('fails');
    g.done('fails');
    g.done('fails');
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['fails', 'next'], 'one place came back, not three');
    assert.deepEqual(g.gate.counts(), { waiting: 1, inHandshake: 1 });
    g.releaseAll();
  });

  test('a link a person waits on goes before every restore and reconnect already waiting', async () => {
    const g = gateOf(2);
    for (const name of ['r1', 'r2', 'r3', 'r4']) g.ask(name);
    g.ask('link', 'linking');
    g.ask('r5');
    g.ask('link2', 'linking');
    g.done('r1');
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['r1', 'r2', 'link']);
    g.done('r2');
    await turnsGoOut();
    assert.deepEqual(g.admitted.at(-1), 'link2', 'links in their own order, then the rest');
    g.done('link');
    g.done('link2');
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['r1', 'r2', 'link', 'link2', 'r3', 'r4']);
    g.releaseAll();
  });

  test('a reconnect asking while a place is free but others wait does not jump the queue', async () => {
    const g = gateOf(1);
    g.ask('a');
    g.ask('b');
    g.done('a'); // a place is free until the current task ends; b is first in line
    g.ask('late');
    g.ask('link', 'linking'); // a link may take the free place: nobody it must let go first waits
    assert.deepEqual(g.admitted, ['a', 'link']);
    g.done('link');
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['a', 'link', 'b']);
    g.releaseAll();
  });

  test('a stop withdraws its waiting attempt at once: its turn never comes, nobody waits for it', async () => {
    const g = gateOf(1);
    g.ask('a');
    for (let i = 0; i < 1000; i++) g.ask(`w${i}`);
    // As the host's stop does: every session is stopped in one loop, the admitted one included.
    g.done('a');
    for (let i = 0; i < 1000; i++) g.done(`w${i}`);
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['a'], 'no socket opened only to be closed again');
    assert.deepEqual(g.gate.counts(), { waiting: 0, inHandshake: 0 });
  });

  test('closing the gate drops every waiting attempt and lets nothing new in', async () => {
    const g = gateOf(1);
    g.ask('a');
    g.ask('b');
    g.ask('link', 'linking');
    g.gate.close();
    assert.deepEqual(g.gate.counts(), { waiting: 0, inHandshake: 1 });
    g.ask('after');
    g.done('a');
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['a']);
    assert.deepEqual(g.gate.counts(), { waiting: 0, inHandshake: 0 });
  });

  test('a turn not given back within the hold limit is taken back (an attempt that hangs)', async () => {
    const g = gateOf(1, 30_000);
    g.ask('hangs');
    g.ask('next');
    g.clock.advance(29_999);
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['hangs'], 'still within its limit');
    g.clock.advance(1);
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['hangs', 'next']);
    g.done('hangs'); // its late word changes nothing: the place is next's
    g.ask('third');
    await turnsGoOut();
    assert.deepEqual(g.admitted, ['hangs', 'next']);
    assert.deepEqual(g.gate.counts(), { waiting: 1, inHandshake: 1 });
    g.releaseAll();
  });

  test('a turn whose attempt throws is given back', async () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    const gate = new ConnectGate({ concurrency: 1, clock });
    gate.request('background', () => {
      throw new Error('no socket');
    });
    assert.deepEqual(gate.counts(), { waiting: 0, inHandshake: 0 });
  });

  test('refuses a bound that is not a positive integer', () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    for (const concurrency of [0, -1, 1.5, Number.NaN])
      assert.throws(() => new ConnectGate({ concurrency, clock }), RangeError);
  });
});

describe("a session's turn (ConnectTurn)", () => {
  test('opens at once when a place is free, and says whether the socket was made', () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    const gate = new ConnectGate({ concurrency: 1, clock });
    const turn = new ConnectTurn(gate);
    assert.equal(
      turn.take(
        'background',
        () => false,
        () => true,
      ),
      false,
    );
    assert.deepEqual(gate.counts(), { waiting: 0, inHandshake: 1 }, 'the session gives it back as it halts');
    turn.end();
    assert.deepEqual(gate.counts(), { waiting: 0, inHandshake: 0 });
  });

  test('waits behind others, opens when its turn comes, and not at all once it is no longer wanted', async () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    const gate = new ConnectGate({ concurrency: 1, clock });
    const first = new ConnectTurn(gate);
    const second = new ConnectTurn(gate);
    const third = new ConnectTurn(gate);
    const opened: string[] = [];
    let thirdWanted = true;
    first.take(
      'background',
      () => opened.push('first') > 0,
      () => true,
    );
    assert.equal(
      second.take(
        'background',
        () => opened.push('second') > 0,
        () => true,
      ),
      true,
    );
    third.take(
      'background',
      () => opened.push('third') > 0,
      () => thirdWanted,
    );
    assert.deepEqual(opened, ['first']);
    first.end(); // its socket opened
    await turnsGoOut();
    assert.deepEqual(opened, ['first', 'second']);
    thirdWanted = false; // e.g. a newer start overtook it
    second.end();
    await turnsGoOut();
    assert.deepEqual(opened, ['first', 'second'], 'an unwanted turn opens nothing');
    assert.deepEqual(gate.counts(), { waiting: 0, inHandshake: 0 }, 'and gives its place back');
  });

  test('without a gate every socket opens at once', () => {
    const turn = new ConnectTurn(undefined);
    let opened = 0;
    turn.take(
      'background',
      () => ++opened > 0,
      () => true,
    );
    turn.take(
      'linking',
      () => ++opened > 0,
      () => true,
    );
    assert.equal(opened, 2);
  });
});
