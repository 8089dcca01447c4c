/**
 * Which node holds each linked channel's WhatsApp session: one lease row per channel with a fence
 * that only grows (one sequence for every grant), each expiry on the database's clock. Every
 * operation is one statement, so two nodes racing for a channel cannot both win.
 */
import type { PlacementLease } from '../domain/placement.js';
import type { Queryable } from '../store/database.js';

export interface ChannelLease {
  readonly channelId: string;
  readonly nodeId: string;
  readonly fence: bigint;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
  /** expires_at is still ahead on the database's clock. */
  readonly current: boolean;
}

/** A lease this node was granted or renewed: the fence its writes carry. */
export interface HeldLease {
  readonly channelId: string;
  readonly fence: bigint;
}

interface LeaseRow {
  channel_id: string;
  node_id: string;
  fence: string;
  acquired_at: Date;
  expires_at: Date;
  current: boolean;
}

export class ChannelLeases {
  constructor(
    private readonly db: Queryable,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes a channel that has no lease or an expired one (or re-takes one this node's earlier life
   * held), with a new fence; undefined when another node holds it. A deleted channel cannot be taken.
   */
  async acquire(channelId: string, nodeId: string): Promise<HeldLease | undefined> {
    const rows = await this.db.query<{ fence: string }>(
      `insert into channel_leases (channel_id, node_id, fence, acquired_at, expires_at)
       select c.id, $2, nextval('channel_lease_fence'), now(), now() + $3 * interval '1 millisecond'
         from channels c where c.id = $1 and c.deleted_at is null
       on conflict (channel_id) do update
         set node_id = excluded.node_id, fence = excluded.fence,
             acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         where channel_leases.expires_at <= now() or channel_leases.node_id = excluded.node_id
       returning fence`,
      [channelId, nodeId, this.ttlMs],
    );
    return rows[0] ? { channelId, fence: BigInt(rows[0].fence) } : undefined;
  }

  /**
   * Extends the leases this node holds, each only under the fence it was granted and only while it
   * has not expired. Returns the channels renewed; a channel missing from the answer is lost.
   */
  async renew(nodeId: string, held: readonly HeldLease[]): Promise<Set<string>> {
    if (held.length === 0) return new Set();
    const rows = await this.db.query<{ channel_id: string }>(
      `update channel_leases l set expires_at = now() + $2 * interval '1 millisecond'
         from unnest($3::text[], $4::bigint[]) as h(channel_id, fence)
        where l.channel_id = h.channel_id and l.fence = h.fence and l.node_id = $1
          and l.expires_at > now()
        returning l.channel_id`,
      [nodeId, this.ttlMs, held.map((h) => h.channelId), held.map((h) => h.fence.toString())],
    );
    return new Set(rows.map((row) => row.channel_id));
  }

  /**
   * Gives a channel up at once (its session already stopped): the row stays, expired, so the fence
   * keeps growing. False when the lease was no longer this fence's.
   */
  async release(lease: HeldLease, nodeId: string): Promise<boolean> {
    const rows = await this.db.query(
      `update channel_leases set expires_at = now()
        where channel_id = $1 and fence = $2 and node_id = $3 and expires_at > now()
        returning channel_id`,
      [lease.channelId, lease.fence.toString(), nodeId],
    );
    return rows.length === 1;
  }

  /** Every lease row, with whether it is current on the database's clock. */
  async list(): Promise<ChannelLease[]> {
    const rows = await this.db.query<LeaseRow>(
      `select channel_id, node_id, fence::text as fence, acquired_at, expires_at,
              expires_at > now() as current
         from channel_leases`,
    );
    return rows.map(toLease);
  }

  /** Who holds a channel now, and since when (for a status shown by a node that does not hold it). */
  async holder(channelId: string): Promise<ChannelLease | undefined> {
    const rows = await this.db.query<LeaseRow>(
      `select channel_id, node_id, fence::text as fence, acquired_at, expires_at, true as current
         from channel_leases where channel_id = $1 and expires_at > now()`,
      [channelId],
    );
    return rows.map(toLease)[0];
  }

  /** Who holds each of these channels now (a channel nobody holds is absent). */
  async holders(channelIds: readonly string[]): Promise<Map<string, string>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db.query<{ channel_id: string; node_id: string }>(
      `select channel_id, node_id from channel_leases
        where channel_id = any($1::text[]) and expires_at > now()`,
      [channelIds],
    );
    return new Map(rows.map((row) => [row.channel_id, row.node_id]));
  }

  /** The channels that must be held: linked (a device on record), not deleted. */
  async linkedChannelIds(): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `select id from channels
        where deleted_at is null and status in ('connected', 'reconnecting', 'restricted', 'pairing')`,
    );
    return rows.map((row) => row.id);
  }
}

function toLease(row: LeaseRow): ChannelLease {
  return {
    channelId: row.channel_id,
    nodeId: row.node_id,
    fence: BigInt(row.fence),
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
    current: row.current,
  };
}

/** The leases as the pure placement rule sees them. */
export function forPlacement(leases: readonly ChannelLease[]): PlacementLease[] {
  return leases.map(({ channelId, nodeId, current }) => ({ channelId, nodeId, current }));
}
