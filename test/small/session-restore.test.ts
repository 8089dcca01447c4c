import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { ChannelDriverKind } from '../../src/channels/channel-driver.js';
import { ChannelChanges } from '../../src/channels/channel-changes.js';
import { everyLinkedChannel, type PlacedChannel } from '../../src/channels/channel-placement.js';
import type { HostedChannel } from '../../src/channels/hosted-status.js';
import { SessionRestore } from '../../src/channels/session-restore.js';
import { ManualClock } from '../../src/clock.js';
import type { ChannelStatus } from '../../src/domain/channel-status.js';
import type { ChannelsRepository } from '../../src/store/channels-repository.js';
import type { Channel } from '../../src/store/channel-rows.js';

function channelOf(i: number, status: ChannelStatus = 'connected'): Channel {
  return { id: `ch-${i}`, tenantId: `t-${i}`, status } as Channel;
}

/**
 * A restore over fake channels: each preparation (is the device linked) takes a few turns of the
 * event loop, and each opened session stays "connecting" until the test says it is open.
 */
function restoreOf(
  channels: Channel[],
  o: { restoreConcurrency: number; unlinked?: Set<string>; hosted?: Set<string> },
) {
  const seen = {
    preparing: 0,
    mostPreparing: 0,
    opened: [] as string[],
    mostOpening: 0,
    notLinked: [] as string[],
  };
  const sessions: { status: 'connecting' | 'open' }[] = [];
  const drivers = {
    isLinked: async (id: string) => {
      seen.mostPreparing = Math.max(seen.mostPreparing, ++seen.preparing);
      for (let i = 0; i < 3; i++) await nextTurn();
      seen.preparing--;
      return !o.unlinked?.has(id);
    },
  } as unknown as ChannelDriverKind;
  const repository = {
    listAllForSupport: async () => channels,
    changeStatus: async (_tenant: string, id: string, status: ChannelStatus) => {
      if (status === 'not_linked') seen.notLinked.push(id);
    },
  } as unknown as ChannelsRepository;
  const restore = new SessionRestore({
    channels: repository,
    drivers,
    placement: everyLinkedChannel,
    changes: new ChannelChanges(),
    clock: new ManualClock(new Date('2026-03-02T10:00:00Z'), { frozen: true }),
    restoreStaggerMs: 0,
    restoreConcurrency: o.restoreConcurrency,
    open: async (placed: PlacedChannel) => {
      await nextTurn(); // its "reconnecting" row
      const state = { status: 'connecting' as 'connecting' | 'open' };
      sessions.push(state);
      seen.opened.push(placed.channel.id);
      seen.mostOpening = Math.max(seen.mostOpening, sessions.filter((s) => s.status !== 'open').length);
      return { channelId: placed.channel.id, driver: { state } } as unknown as HostedChannel;
    },
    isCurrent: () => true,
    isHosted: (id) => o.hosted?.has(id) ?? false,
  });
  /** Every session opened so far opens. */
  const openAll = () => {
    for (const s of sessions) s.status = 'open';
  };
  return { restore, seen, openAll };
}

describe('restore after a restart (SessionRestore)', () => {
  test('channels are prepared several at a time, each opened once, and never more opening than allowed', async () => {
    const channels = Array.from({ length: 60 }, (_, i) => channelOf(i));
    const r = restoreOf(channels, { restoreConcurrency: 5 });
    let done = false;
    const restoring = r.restore.restoreAll().finally(() => (done = true));
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      r.openAll();
    }
    assert.equal(await restoring, 60);
    assert.deepEqual([...r.seen.opened].sort(), channels.map((c) => c.id).sort(), 'each exactly once');
    assert.ok(r.seen.mostPreparing > 1, `prepared one after another (${r.seen.mostPreparing} at most)`);
    assert.ok(r.seen.mostPreparing <= 5, `${r.seen.mostPreparing} prepared at once`);
    assert.ok(r.seen.mostOpening <= 5, `${r.seen.mostOpening} opening at once, allowed 5`);
  });

  test('a device no longer linked, or a link attempt the restart cut off, restores as not linked', async () => {
    const channels = [channelOf(0), channelOf(1), channelOf(2, 'showing_qr'), channelOf(3, 'not_linked')];
    const r = restoreOf(channels, { restoreConcurrency: 4, unlinked: new Set(['ch-1']) });
    assert.equal(await r.restore.restoreAll(), 1);
    assert.deepEqual(r.seen.opened, ['ch-0']);
    assert.deepEqual(r.seen.notLinked.sort(), ['ch-1', 'ch-2']);
  });

  test('a channel taken up since the start (a link begun while the restore waited) is left alone', async () => {
    // ch-1 showed a QR code before the restart; ch-2 was created and its QR opened after the start,
    // before the restore listed the channels: both are being linked here now.
    const channels = [channelOf(0), channelOf(1, 'showing_qr'), channelOf(2, 'showing_qr')];
    const r = restoreOf(channels, { restoreConcurrency: 4, hosted: new Set(['ch-1', 'ch-2']) });
    assert.equal(await r.restore.restoreAll(), 1);
    assert.deepEqual(r.seen.opened, ['ch-0']);
    assert.deepEqual(r.seen.notLinked, [], 'a link under way is not marked "not linked"');
  });

  test('a stop ends the restore while it waits for places: nothing more opens', async () => {
    const channels = Array.from({ length: 50 }, (_, i) => channelOf(i));
    const r = restoreOf(channels, { restoreConcurrency: 3 });
    const restoring = r.restore.restoreAll();
    while (r.seen.opened.length < 3) await nextTurn(); // the places are full; nobody opens
    r.restore.stop();
    assert.equal(await restoring, 3);
    assert.equal(r.seen.opened.length, 3);
  });
});
