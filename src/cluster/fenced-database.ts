/**
 * Writes made for a channel's session carry the fence of the lease that session runs under: each
 * write runs in a transaction that first checks, with a share lock on the lease row, that the fence
 * is still the channel's. A node that lost the lease (paused by the OS, cut off from the database,
 * killed halfway) gets StaleFenceError and changes nothing; the share lock makes a new holder's
 * acquire wait for a write already past its check, so no stale write lands after a takeover.
 *
 * The session's store (credentials, Signal keys) and its status writes are given this database in
 * place of the shared one; reads go through unchanged (a stale read harms nobody, a stale write
 * overwrites the new holder's keys).
 */
import type { Database, Queryable } from '../store/database.js';
import type { HeldLease } from './channel-leases.js';

/** A write under a fence that is no longer the channel's: another node holds it now. */
export class StaleFenceError extends Error {
  override readonly name = 'StaleFenceError';
  readonly code = 'stale_fence';
  constructor(
    readonly channelId: string,
    readonly fence: bigint,
  ) {
    super(`channel ${channelId}: lease fence ${fence} is no longer current; the write was refused`);
  }
}

/** True for a statement that may change data (anything but a plain select/show). */
export function isWriteStatement(sql: string): boolean {
  const first = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*([a-z]+)/i.exec(sql)?.[1]?.toLowerCase();
  return !(first === 'select' && !/\bfor\s+(?:update|no\s+key\s+update)\b/i.test(sql)) && first !== 'show';
}

/**
 * The fence a holder's writes carry, in the shape the channels repository takes (WriteFence):
 * `stillHeld` checks, inside the write's own transaction and with a share lock on the lease row,
 * that the lease still carries this token.
 */
export interface LeaseWriteFence {
  readonly token: bigint;
  stillHeld(tx: Queryable, channelId: string): Promise<boolean>;
}

/** The write fence of a lease this node was granted. */
export function leaseFence(lease: HeldLease): LeaseWriteFence {
  return {
    token: lease.fence,
    async stillHeld(tx, channelId) {
      const rows = await tx.query(
        'select 1 from channel_leases where channel_id = $1 and fence = $2 for share',
        [channelId, lease.fence.toString()],
      );
      return rows.length === 1;
    },
  };
}

/** Checks the fence inside `tx` (the lease row share-locked until `tx` ends); throws when stale. */
export async function assertFence(tx: Queryable, channelId: string, fence: LeaseWriteFence): Promise<void> {
  if (!(await fence.stillHeld(tx, channelId))) throw new StaleFenceError(channelId, fence.token);
}

/** `db` as seen by the session of `channelId` holding `fence`: every write fenced, reads as they are. */
export function fencedDatabase(db: Database, channelId: string, fence: LeaseWriteFence): Database {
  return {
    dialect: db.dialect,
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      if (!isWriteStatement(sql)) return db.query<Row>(sql, params);
      return db.transaction(async (tx) => {
        await assertFence(tx, channelId, fence);
        return tx.query<Row>(sql, params);
      });
    },
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        await assertFence(tx, channelId, fence);
        return work(tx);
      });
    },
    // The shared database belongs to the wiring, which closes it once.
    close: () => Promise.resolve(),
  };
}
