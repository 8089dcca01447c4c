/**
 * Which channels a gateway node should hold when several share one PostgreSQL (issue 14).
 *
 * Every node runs the same rule on the same facts (read from the database), so they agree without
 * talking: each live, non-draining node's share is fixed by its rank (node ids sorted), the shares add
 * up to the number of linked channels exactly, and a node takes only FREE channels (no lease, or an
 * expired one) while under its share, and hands off (releases, after stopping the session) what it
 * holds above its share. A channel held by another node is never taken from it: rebalancing is a
 * handoff by the holder, never a fight. Which channels a node prefers comes from rendezvous hashing,
 * so a channel tends to return to the same node and a join or leave moves few channels.
 */

export interface PlacementNode {
  readonly nodeId: string;
  /** Heartbeat younger than the lease TTL on the database's clock. */
  readonly live: boolean;
  /** Handing its channels over (a rolling deploy's SIGTERM): its share is 0. */
  readonly draining: boolean;
}

export interface PlacementLease {
  readonly channelId: string;
  readonly nodeId: string;
  /** False once expires_at has passed on the database's clock: the channel is free. */
  readonly current: boolean;
}

export interface PlacementFacts {
  /** The node deciding. */
  readonly nodeId: string;
  readonly nodes: readonly PlacementNode[];
  /** Channels that have a linked device (the ones someone must hold). */
  readonly linkedChannelIds: readonly string[];
  readonly leases: readonly PlacementLease[];
  /** At most this many channels taken in one round (reconnect pacing). */
  readonly maxTakes: number;
}

export interface PlacementDecision {
  /** Free channels this node should acquire now, best first. */
  readonly take: readonly string[];
  /** Channels this node holds above its share: stop their sessions, then release. */
  readonly handOff: readonly string[];
  /** How many channels this node should hold. */
  readonly share: number;
}

/** Each eligible node's fair share: floor(C/N), one more for the first C mod N by node id. */
export function fairShares(nodes: readonly PlacementNode[], channelCount: number): Map<string, number> {
  const eligible = nodes
    .filter((node) => node.live && !node.draining)
    .map((node) => node.nodeId)
    .sort();
  const shares = new Map<string, number>();
  if (eligible.length === 0) return shares;
  const base = Math.floor(channelCount / eligible.length);
  const extra = channelCount % eligible.length;
  eligible.forEach((nodeId, rank) => shares.set(nodeId, base + (rank < extra ? 1 : 0)));
  return shares;
}

/** What `facts.nodeId` should take and hand off now. */
export function placeChannels(facts: PlacementFacts): PlacementDecision {
  const linked = new Set(facts.linkedChannelIds);
  const shares = fairShares(facts.nodes, linked.size);
  const share = shares.get(facts.nodeId) ?? 0;
  const mine: string[] = [];
  const taken = new Set<string>();
  for (const lease of facts.leases) {
    if (!linked.has(lease.channelId) || !lease.current) continue;
    taken.add(lease.channelId);
    if (lease.nodeId === facts.nodeId) mine.push(lease.channelId);
  }
  const byPreference = (ids: Iterable<string>, order: 'best' | 'worst'): string[] =>
    [...ids]
      .map((id) => ({ id, score: rendezvousScore(id, facts.nodeId) }))
      .sort((a, b) => (order === 'best' ? b.score - a.score : a.score - b.score) || (a.id < b.id ? -1 : 1))
      .map((entry) => entry.id);

  if (mine.length > share) {
    // Above the share: hand off the channels this node prefers least (another prefers them more).
    return { take: [], handOff: byPreference(mine, 'worst').slice(0, mine.length - share), share };
  }
  const free = [...linked].filter((id) => !taken.has(id));
  const room = Math.min(share - mine.length, Math.max(0, facts.maxTakes));
  return { take: byPreference(free, 'best').slice(0, room), handOff: [], share };
}

/** Rendezvous (highest random weight) score of a channel for a node: FNV-1a over both, 32 bits. */
export function rendezvousScore(channelId: string, nodeId: string): number {
  let hash = 0x811c9dc5;
  const text = `${channelId}\u0000${nodeId}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Final avalanche so ids differing in the last character still spread.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  return hash >>> 0;
}
