import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { SessionHost } from '../../src/channels/session-host.js';
import { ManualClock } from '../../src/clock.js';
import {
  ClusterLinkWindow,
  type LinkCommand,
  type LinkCoordinator,
} from '../../src/cluster/cluster-link-window.js';
import { isAppError } from '../../src/domain/errors.js';
import type { Channel, ChannelsRepository } from '../../src/store/channels-repository.js';

/**
 * Several nodes: a Reset or a delete of a linked channel that no node holds at that moment (a
 * handoff between the old holder's release and the next holder's claim) must not wipe the device
 * on the node that was asked, where no session can log it out: it goes to the next holder once one
 * holds the channel, or answers "changing hands" with nothing wiped.
 */
const linked = { id: 'chn_1', tenantId: 'ten_1', status: 'connected', linkMode: 'qr' } as Channel;

function nodeA(holders: Array<string | undefined>) {
  const clock = new ManualClock(new Date('2030-01-15T09:00:00Z'), { frozen: true });
  const forwarded: Array<{ node: string; command: LinkCommand['kind'] }> = [];
  const wiped: string[] = [];
  let lookups = 0;
  const coordinator: LinkCoordinator = {
    // Who holds the channel, one answer per look (the last one stays).
    holderElsewhere: () => Promise.resolve(holders[Math.min(lookups++, holders.length - 1)]),
    forward: (_channel, node, command) => {
      forwarded.push({ node, command: command.kind });
      return Promise.resolve();
    },
    relayedState: () => undefined,
  };
  const host = {
    observeLinking: () => undefined,
    holds: () => false,
    logoutAndForget: (channelId: string) => {
      wiped.push(channelId);
      return Promise.resolve();
    },
    publish: () => undefined,
  } as unknown as SessionHost;
  const channels = {
    changeStatus: () => Promise.resolve({ ...linked, status: 'not_linked' }),
  } as unknown as ChannelsRepository;
  const window = new ClusterLinkWindow({
    host,
    channels,
    coordinator,
    logger: pino({ level: 'silent' }),
    clock,
    linkWindowMs: 600_000,
    takeoverWaitMs: 5_000,
  });
  return { window, clock, forwarded, wiped, lookups: () => lookups };
}

/** Lets the pending lookups and timers of a waiting reset run (no clock movement). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

for (const kind of ['reset', 'delete'] as const) {
  const run = (window: ClusterLinkWindow) =>
    kind === 'reset' ? window.reset(linked) : window.deleted(linked);

  test(`a ${kind} asked while the channel changes hands goes to the next holder, nothing wiped here`, async () => {
    const node = nodeA([undefined, undefined, 'node-b']);
    let done = false;
    const asked = run(node.window).then(() => (done = true));
    await settle();
    assert.equal(done, false, 'it waits for the next holder');
    assert.deepEqual(node.forwarded, []);
    node.clock.advance(250);
    await settle();
    assert.equal(done, false);
    node.clock.advance(250);
    await asked;
    assert.deepEqual(node.forwarded, [{ node: 'node-b', command: kind }]);
    assert.deepEqual(node.wiped, [], 'the node that does not hold the channel wiped nothing');
  });

  test(`a ${kind} of a linked channel nobody takes over answers "changing hands", nothing wiped`, async () => {
    const node = nodeA([undefined]);
    const asked = run(node.window);
    const outcome = asked.then(
      () => undefined,
      (err: unknown) => err,
    );
    for (let waited = 0; waited < 5_000; waited += 250) {
      await settle();
      node.clock.advance(250);
    }
    const err = await outcome;
    assert.ok(isAppError(err, 'not_ready'), String(err));
    assert.match(err.message, /changing hands/);
    assert.deepEqual(node.wiped, []);
    assert.deepEqual(node.forwarded, []);
    assert.ok(node.lookups() > 2, 'it looked for a holder again while it waited');
  });
}

test('a reset of a channel with no device (showing a QR) that nobody holds runs here at once', async () => {
  const node = nodeA([undefined]);
  await node.window.reset({ ...linked, status: 'showing_qr' });
  assert.deepEqual(node.wiped, ['chn_1']);
  assert.deepEqual(node.forwarded, []);
});
