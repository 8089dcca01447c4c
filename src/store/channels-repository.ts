import type {
  ChannelStatus,
  LinkMode,
  NewChatCapFacts,
  RestrictionCause,
  StatusCause,
} from '../domain/channel-status.js';
import {
  restrictionOf,
  toChannel,
  toStoredCap,
  toChannelEvent,
  type Channel,
  type ChannelEvent,
  type ChannelEventRow,
  type ChannelRow,
  type PausedCause,
} from './channel-rows.js';
import type { Database, Queryable } from './database.js';
import { newId } from './tokens.js';

export type { Channel, ChannelEvent, PausedCause } from './channel-rows.js';

/** What a status change may also record about the linked device. */
export interface LinkedDeviceFacts {
  phone?: string | null;
  platform?: string | null;
  business?: boolean | null;
  linkedAt?: Date | null;
  /** The queue's pause, changed with the status (a removed device pauses it; a new link resumes). */
  paused?: { cause: PausedCause; at: Date } | null;
  restrictedUntil?: Date | null;
  /** What the restriction is (written with restrictedUntil). */
  restrictedBy?: RestrictionCause | null;
  /** Cleared when the device is reset (a new link may be another number). */
  newChatCap?: null;
}

/**
 * Proof that the writer still holds a channel (several gateway nodes), checked inside the status
 * write's own transaction: when `stillHeld` says no, nothing is written. `token` is the holder's
 * fence (it only grows from one holder to the next).
 */
export interface WriteFence {
  readonly token: bigint;
  stillHeld(tx: Queryable, channelId: string): Promise<boolean>;
}

/** What holds a channel's queue back, as stored: the truth the sender reads before each message. */
export interface StoredGates {
  readonly pausedCause: PausedCause | null;
  readonly restrictedUntil: Date | null;
  readonly restrictedBy: RestrictionCause | null;
}

/** A channel whose status, or queue pause, was just written, and when. */
export interface ChannelStatusChange {
  readonly channel: Channel;
  readonly at: Date;
}

/**
 * Hears every written status and pause change in the writing transaction (the webhook outbox:
 * the change and its `channel.status` webhook are stored together or not at all).
 */
export interface ChannelStatusSink {
  record(tx: Queryable, changes: readonly ChannelStatusChange[]): Promise<void>;
}

/** WhatsApp channels. Every read and write names the tenant: no query reaches another business's rows. */
export class ChannelsRepository {
  constructor(
    private readonly db: Queryable,
    private readonly statusSink?: ChannelStatusSink,
  ) {}

  /**
   * Runs a status write in the caller's transaction, or in one of its own when there is a sink to
   * write with it (so the change, its history and its webhook commit together).
   */
  private write<T>(tx: Queryable | undefined, work: (tx: Queryable) => Promise<T>): Promise<T> {
    if (tx) return work(tx);
    const db = this.db as Partial<Database>;
    return this.statusSink && db.transaction ? db.transaction(work) : work(this.db);
  }

  private async tell(tx: Queryable, changes: readonly ChannelStatusChange[]): Promise<void> {
    if (this.statusSink && changes.length > 0) await this.statusSink.record(tx, changes);
  }

  async create(tenantId: string, name: string, tx: Queryable = this.db): Promise<Channel> {
    const [row] = await tx.query<ChannelRow>(
      `insert into channels (id, tenant_id, name, status, status_cause) values ($1, $2, $3, 'not_linked', 'created') returning *`,
      [newId('chn'), tenantId, name],
    );
    await tx.query(
      `insert into channel_events (tenant_id, channel_id, status, cause) values ($1, $2, 'not_linked', 'created')`,
      [tenantId, row!.id],
    );
    return toChannel(row!);
  }

  async get(tenantId: string, channelId: string): Promise<Channel | undefined> {
    const [row] = await this.db.query<ChannelRow>(
      'select * from channels where tenant_id = $1 and id = $2 and deleted_at is null',
      [tenantId, channelId],
    );
    return row ? toChannel(row) : undefined;
  }

  async listForTenant(tenantId: string): Promise<Channel[]> {
    return (
      await this.db.query<ChannelRow>(
        'select * from channels where tenant_id = $1 and deleted_at is null order by created_at, id',
        [tenantId],
      )
    ).map(toChannel);
  }

  /**
   * How many channels the business has, counted under a lock on the business's row, so two creates
   * at once cannot both see room for one more (the lock lasts until `tx` ends).
   */
  async countForTenantLocked(tenantId: string, tx: Queryable): Promise<number> {
    await tx.query('select id from tenants where id = $1 for update', [tenantId]);
    const [row] = await tx.query<{ n: number }>(
      'select count(*)::int as n from channels where tenant_id = $1 and deleted_at is null',
      [tenantId],
    );
    return row?.n ?? 0;
  }

  /** One channel of any business, by id: the session host only (it acquires channels by id). */
  async getForSessionHost(channelId: string): Promise<Channel | undefined> {
    const [row] = await this.db.query<ChannelRow>(
      'select * from channels where id = $1 and deleted_at is null',
      [channelId],
    );
    return row ? toChannel(row) : undefined;
  }

  /** Every channel of every business: support's console and the session restorer only. */
  async listAllForSupport(): Promise<Channel[]> {
    return (
      await this.db.query<ChannelRow>(
        'select * from channels where deleted_at is null order by created_at, id',
      )
    ).map(toChannel);
  }

  /**
   * Every channel of every business with its latest status event, in one query (support's console
   * lists them all; a query per business and per channel grew with the number of businesses).
   */
  async listAllWithLastEventForSupport(): Promise<{ channel: Channel; lastEvent: ChannelEvent | null }[]> {
    const rows = await this.db.query<ChannelRow & { last_event: ChannelEventRow | null }>(
      `select c.*, e.last_event
         from channels c
         left join lateral (
           select json_build_object('id', id, 'status', status, 'cause', cause, 'at', at) as last_event
             from channel_events
            where tenant_id = c.tenant_id and channel_id = c.id
            order by id desc limit 1
         ) e on true
        where c.deleted_at is null
        order by c.created_at, c.id`,
    );
    return rows.map((row) => ({
      channel: toChannel(row),
      lastEvent: row.last_event ? toChannelEvent(row.last_event) : null,
    }));
  }

  /**
   * Records a status change and its cause in one transaction (the row and its history never
   * disagree). Returns undefined when the channel is not this tenant's.
   */
  async changeStatus(
    tenantId: string,
    channelId: string,
    status: ChannelStatus,
    cause: StatusCause,
    facts: LinkedDeviceFacts = {},
    tx?: Queryable,
    fence?: WriteFence,
  ): Promise<Channel | undefined> {
    const set: string[] = ['status = $3', 'status_cause = $4', 'status_changed_at = now()'];
    const params: unknown[] = [tenantId, channelId, status, cause];
    for (const [column, value] of [
      ['phone', facts.phone],
      ['platform', facts.platform],
      ['business', facts.business],
      ['linked_at', facts.linkedAt],
      ['restricted_until', facts.restrictedUntil],
      ['restricted_by', facts.restrictedBy],
      ['new_chat_cap', facts.newChatCap],
      ...(facts.paused === undefined
        ? []
        : ([
            ['paused', facts.paused !== null],
            ['paused_cause', facts.paused?.cause ?? null],
            ['paused_at', facts.paused?.at ?? null],
          ] as const)),
    ] as const) {
      if (value === undefined) continue;
      params.push(value);
      set.push(`${column} = $${params.length}`);
    }
    return this.write(tx, async (tx) => {
      if (fence && !(await fence.stillHeld(tx, channelId))) return undefined;
      const [row] = await tx.query<ChannelRow>(
        `update channels set ${set.join(', ')} where tenant_id = $1 and id = $2 and deleted_at is null returning *`,
        params,
      );
      if (!row) return undefined;
      await tx.query(
        'insert into channel_events (tenant_id, channel_id, status, cause) values ($1, $2, $3, $4)',
        [tenantId, channelId, status, cause],
      );
      const channel = toChannel(row);
      await this.tell(tx, [{ channel, at: channel.statusChangedAt }]);
      return channel;
    });
  }

  /**
   * At start, before any session is open: every channel that had a live session says
   * "reconnecting" (cause `restored`) in one statement, so no channel reads "connected" on the last
   * word of the process that stopped while its own session is still waiting its turn to reconnect.
   * Returns the ids marked.
   */
  async markRestoring(channelIds: readonly string[]): Promise<{ tenantId: string; channelId: string }[]> {
    if (channelIds.length === 0) return [];
    return this.write(undefined, async (tx) => {
      // One statement: the rows and their history change together.
      const rows = await tx.query<ChannelRow>(
        `with marked as (
           update channels set status = 'reconnecting', status_cause = 'restored', status_changed_at = now()
           where id = any($1::text[]) and deleted_at is null and status in ('connected', 'restricted')
           returning *),
         history as (
           insert into channel_events (tenant_id, channel_id, status, cause)
           select tenant_id, id, 'reconnecting', 'restored' from marked)
         select * from marked`,
        [channelIds],
      );
      const channels = rows.map(toChannel);
      await this.tell(
        tx,
        channels.map((channel) => ({ channel, at: channel.statusChangedAt })),
      );
      return channels.map((c) => ({ tenantId: c.tenantId, channelId: c.id }));
    });
  }

  /** Pauses (with its cause; null resumes) a channel's queue at `at`; undefined when not this tenant's. */
  async setPaused(
    tenantId: string,
    channelId: string,
    cause: PausedCause | null,
    at: Date,
    tx?: Queryable,
  ): Promise<Channel | undefined> {
    return this.write(tx, async (tx) => {
      const [row] = await tx.query<ChannelRow>(
        `update channels set paused = $3, paused_cause = $4, paused_at = $5
         where tenant_id = $1 and id = $2 and deleted_at is null returning *`,
        [tenantId, channelId, cause !== null, cause, cause === null ? null : at],
      );
      if (!row) return undefined;
      const channel = toChannel(row);
      await this.tell(tx, [{ channel, at }]);
      return channel;
    });
  }

  /**
   * Sets (with its cause) or clears the end of a restriction without a status change (the channel
   * is down meanwhile).
   */
  async setRestrictedUntil(
    tenantId: string,
    channelId: string,
    until: Date | null,
    by: RestrictionCause | null = null,
    fence?: WriteFence,
  ): Promise<boolean> {
    return this.write(undefined, async (tx) => {
      // Several nodes: only under the lease this node holds (a stale node's late word is dropped).
      if (fence && !(await fence.stillHeld(tx, channelId))) return false;
      await tx.query(
        `update channels set restricted_until = $3, restricted_by = $4
         where tenant_id = $1 and id = $2 and deleted_at is null`,
        [tenantId, channelId, until, until ? by : null],
      );
      return true;
    });
  }

  /** Stores WhatsApp's latest word on the account's new-chat cap (no status change, no webhook). */
  async setNewChatCap(
    tenantId: string,
    channelId: string,
    cap: NewChatCapFacts,
    fence?: WriteFence,
  ): Promise<boolean> {
    return this.write(undefined, async (tx) => {
      // Several nodes: only under the lease this node holds.
      if (fence && !(await fence.stillHeld(tx, channelId))) return false;
      await tx.query(
        // Unchanged (every open asks again): no new row version, no WAL.
        `update channels set new_chat_cap = $3::jsonb
         where tenant_id = $1 and id = $2 and deleted_at is null
           and new_chat_cap is distinct from $3::jsonb`,
        [tenantId, channelId, toStoredCap(cap)],
      );
      return true;
    });
  }

  /** The channel's pause and restriction as stored (undefined: no such channel, or deleted). */
  async gates(channelId: string): Promise<StoredGates | undefined> {
    const [row] = await this.db.query<
      Pick<ChannelRow, 'paused_cause' | 'restricted_until' | 'restricted_by'>
    >(
      `select paused_cause, restricted_until, restricted_by from channels
       where id = $1 and deleted_at is null`,
      [channelId],
    );
    if (!row) return undefined;
    return {
      pausedCause: row.paused_cause,
      restrictedUntil: row.restricted_until ? new Date(row.restricted_until) : null,
      restrictedBy: restrictionOf(row),
    };
  }

  /** Deletes a channel from every list and lookup; its messages stay for the history. */
  async markDeleted(tenantId: string, channelId: string, at: Date, tx?: Queryable): Promise<boolean> {
    return this.write(tx, async (tx) => {
      const [row] = await tx.query<ChannelRow>(
        `update channels set deleted_at = $3, status = 'not_linked', status_cause = 'deleted', status_changed_at = $3,
           phone = null, platform = null, business = null, linked_at = null
         where tenant_id = $1 and id = $2 and deleted_at is null returning *`,
        [tenantId, channelId, at],
      );
      if (!row) return false;
      await tx.query(
        `insert into channel_events (tenant_id, channel_id, status, cause, at) values ($1, $2, 'not_linked', 'deleted', $3)`,
        [tenantId, channelId, at],
      );
      await this.tell(tx, [{ channel: toChannel(row), at }]);
      return true;
    });
  }

  async setLinkMode(tenantId: string, channelId: string, mode: LinkMode): Promise<Channel | undefined> {
    const [row] = await this.db.query<ChannelRow>(
      'update channels set link_mode = $3 where tenant_id = $1 and id = $2 and deleted_at is null returning *',
      [tenantId, channelId, mode],
    );
    return row ? toChannel(row) : undefined;
  }

  async setPairingPhone(
    tenantId: string,
    channelId: string,
    phone: string | null,
  ): Promise<Channel | undefined> {
    const [row] = await this.db.query<ChannelRow>(
      'update channels set pairing_phone = $3 where tenant_id = $1 and id = $2 and deleted_at is null returning *',
      [tenantId, channelId, phone],
    );
    return row ? toChannel(row) : undefined;
  }

  async events(tenantId: string, channelId: string, limit = 50): Promise<ChannelEvent[]> {
    const rows = await this.db.query<ChannelEventRow>(
      'select id, status, cause, at from channel_events where tenant_id = $1 and channel_id = $2 order by id desc limit $3',
      [tenantId, channelId, limit],
    );
    return rows.map(toChannelEvent);
  }
}
