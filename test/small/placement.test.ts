import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fairShares,
  placeChannels,
  type PlacementFacts,
  type PlacementLease,
  type PlacementNode,
} from '../../src/domain/placement.js';

const node = (nodeId: string, over: Partial<PlacementNode> = {}): PlacementNode => ({
  nodeId,
  live: true,
  draining: false,
  ...over,
});
const channels = (n: number) => Array.from({ length: n }, (_, i) => `ch_${String(i).padStart(3, '0')}`);
const facts = (over: Partial<PlacementFacts>): PlacementFacts => ({
  nodeId: 'a',
  nodes: [node('a'), node('b'), node('c')],
  linkedChannelIds: channels(30),
  leases: [],
  maxTakes: 1_000,
  ...over,
});

/** Runs the rule on every node in turn, applying its decision, until nothing changes. */
function settle(nodes: PlacementNode[], linked: string[], start: PlacementLease[] = []): PlacementLease[] {
  let leases = [...start];
  for (let round = 0; round < 20; round++) {
    let changed = false;
    for (const { nodeId, live } of nodes) {
      if (!live) continue;
      const decision = placeChannels({ nodeId, nodes, linkedChannelIds: linked, leases, maxTakes: 1_000 });
      if (decision.take.length || decision.handOff.length) changed = true;
      leases = leases.filter((l) => !(l.nodeId === nodeId && decision.handOff.includes(l.channelId)));
      leases = leases.filter((l) => !decision.take.includes(l.channelId));
      for (const channelId of decision.take) leases.push({ channelId, nodeId, current: true });
    }
    if (!changed) return leases;
  }
  throw new Error('placement did not settle');
}
const countBy = (leases: PlacementLease[]) => {
  const counts = new Map<string, number>();
  for (const l of leases) counts.set(l.nodeId, (counts.get(l.nodeId) ?? 0) + 1);
  return counts;
};

describe('placement: fair share by lease', () => {
  test('shares add up to the channels; the first by node id get the remainder', () => {
    assert.deepEqual(
      [...fairShares([node('c'), node('a'), node('b')], 31)],
      [
        ['a', 11],
        ['b', 10],
        ['c', 10],
      ],
    );
    assert.equal(fairShares([node('a', { draining: true }), node('b', { live: false })], 5).size, 0);
  });

  test('three nodes starting together split 30 channels 10/10/10 and each channel has one holder', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const leases = settle(nodes, channels(30));
    assert.equal(leases.length, 30);
    assert.equal(new Set(leases.map((l) => l.channelId)).size, 30);
    assert.deepEqual([...countBy(leases).values()], [10, 10, 10]);
  });

  test('a channel another node holds is never taken, even when this node is under its share', () => {
    const leases = channels(30).map((channelId) => ({ channelId, nodeId: 'b', current: true }));
    const decision = placeChannels(facts({ leases }));
    assert.deepEqual(decision.take, []);
    assert.equal(decision.share, 10);
    // b, holding 30 with a share of 10, hands off 20: a handoff, not a fight.
    assert.equal(placeChannels(facts({ nodeId: 'b', leases })).handOff.length, 20);
  });

  test("a dead node's channels are free only once their leases expire", () => {
    const nodes = [node('a'), node('b'), node('c', { live: false })];
    const held = channels(30).map((channelId, i) => ({
      channelId,
      nodeId: ['a', 'b', 'c'][i % 3]!,
      current: true,
    }));
    assert.deepEqual(placeChannels(facts({ nodes, leases: held })).take, []);
    const expired = held.map((l) => (l.nodeId === 'c' ? { ...l, current: false } : l));
    const settled = settle(nodes, channels(30), expired);
    assert.deepEqual([...countBy(settled)].sort(), [
      ['a', 15],
      ['b', 15],
    ]);
  });

  test('a draining node hands everything off and the others take it', () => {
    const start = settle([node('a'), node('b'), node('c')], channels(30));
    const nodes = [node('a'), node('b', { draining: true }), node('c')];
    const drained = settle(nodes, channels(30), start);
    assert.equal(countBy(drained).get('b'), undefined);
    assert.equal(drained.length, 30);
    // Channels a and c held before stay where they were: only b's moved.
    const before = new Map(start.map((l) => [l.channelId, l.nodeId]));
    for (const l of drained)
      if (before.get(l.channelId) !== 'b') assert.equal(l.nodeId, before.get(l.channelId));
  });

  test('a joining node gets its share by handoff, and few channels move', () => {
    const start = settle([node('a'), node('b')], channels(30));
    const after = settle([node('a'), node('b'), node('c')], channels(30), start);
    assert.deepEqual([...countBy(after).values()].sort(), [10, 10, 10]);
    const before = new Map(start.map((l) => [l.channelId, l.nodeId]));
    const moved = after.filter((l) => before.get(l.channelId) !== l.nodeId).length;
    assert.equal(moved, 10);
  });

  test('takes are paced by maxTakes; unlinked channels and leases on them are ignored', () => {
    assert.equal(placeChannels(facts({ maxTakes: 3 })).take.length, 3);
    const decision = placeChannels(
      facts({
        linkedChannelIds: ['x'],
        nodes: [node('a')],
        leases: [{ channelId: 'gone', nodeId: 'a', current: true }],
      }),
    );
    assert.deepEqual(decision, { take: ['x'], handOff: [], share: 1 });
  });
});
