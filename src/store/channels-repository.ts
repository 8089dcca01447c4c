import type { ChannelStatus, LinkMode, StatusCause } from '../domain/channel-status.js';
import type { Queryable } from './database.js';
import { newId } from './tokens.js';

export interface Channel {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly linkMode: LinkMode;
  readonly status: ChannelStatus;
  readonly statusCause: StatusCause | null;
  readonly statusChangedAt: Date;
  readonly phone: string | null;
  readonly pairingPhone: string | null;
  readonly platform: string | null;
  readonly business: boolean | null;
  readonly linkedAt: Date | null;
  readonly createdAt: Date;
}

export interface ChannelEvent {
  readonly id: number;
  readonly status: ChannelStatus;
  readonly cause: StatusCause | null;
  readonly at: Date;
}

interface ChannelRow {
  id: string;
  tenant_id: string;
  name: string;
  link_mode: LinkMode;
  status: ChannelStatus;
  status_cause: StatusCause | null;
  status_changed_at: Date;
  phone: string | null;
  pairing_phone: string | null;
  platform: string | null;
  business: boolean | null;
  linked_at: Date | null;
  created_at: Date;
}

const toChannel = (row: ChannelRow): Channel => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  linkMode: row.link_mode,
  status: row.status,
  statusCause: row.status_cause,
  statusChangedAt: new Date(row.status_changed_at),
  phone: row.phone,
  pairingPhone: row.pairing_phone,
  platform: row.platform,
  business: row.business,
  linkedAt: row.linked_at ? new Date(row.linked_at) : null,
  createdAt: new Date(row.created_at),
});

/** What a status change may also record about the linked device. */
export interface LinkedDeviceFacts {
  phone?: string | null;
  platform?: string | null;
  business?: boolean | null;
  linkedAt?: Date | null;
}

/** WhatsApp channels. Every read and write names the tenant: no query reaches another business's rows. */
export class ChannelsRepository {
  constructor(private readonly db: Queryable) {}

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
    const [row] = await this.db.query<ChannelRow>('select * from channels where tenant_id = $1 and id = $2', [
      tenantId,
      channelId,
    ]);
    return row ? toChannel(row) : undefined;
  }

  async listForTenant(tenantId: string): Promise<Channel[]> {
    return (
      await this.db.query<ChannelRow>('select * from channels where tenant_id = $1 order by created_at, id', [
        tenantId,
      ])
    ).map(toChannel);
  }

  /** Every channel of every business: support's console and the session restorer only. */
  async listAllForSupport(): Promise<Channel[]> {
    return (await this.db.query<ChannelRow>('select * from channels order by created_at, id')).map(toChannel);
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
    tx: Queryable = this.db,
  ): Promise<Channel | undefined> {
    const set: string[] = ['status = $3', 'status_cause = $4', 'status_changed_at = now()'];
    const params: unknown[] = [tenantId, channelId, status, cause];
    for (const [column, value] of [
      ['phone', facts.phone],
      ['platform', facts.platform],
      ['business', facts.business],
      ['linked_at', facts.linkedAt],
    ] as const) {
      if (value === undefined) continue;
      params.push(value);
      set.push(`${column} = $${params.length}`);
    }
    const [row] = await tx.query<ChannelRow>(
      `update channels set ${set.join(', ')} where tenant_id = $1 and id = $2 returning *`,
      params,
    );
    if (!row) return undefined;
    await tx.query(
      'insert into channel_events (tenant_id, channel_id, status, cause) values ($1, $2, $3, $4)',
      [tenantId, channelId, status, cause],
    );
    return toChannel(row);
  }

  async setLinkMode(tenantId: string, channelId: string, mode: LinkMode): Promise<Channel | undefined> {
    const [row] = await this.db.query<ChannelRow>(
      'update channels set link_mode = $3 where tenant_id = $1 and id = $2 returning *',
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
      'update channels set pairing_phone = $3 where tenant_id = $1 and id = $2 returning *',
      [tenantId, channelId, phone],
    );
    return row ? toChannel(row) : undefined;
  }

  async events(tenantId: string, channelId: string, limit = 50): Promise<ChannelEvent[]> {
    const rows = await this.db.query<{
      id: string;
      status: ChannelStatus;
      cause: StatusCause | null;
      at: Date;
    }>(
      'select id, status, cause, at from channel_events where tenant_id = $1 and channel_id = $2 order by id desc limit $3',
      [tenantId, channelId, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), status: r.status, cause: r.cause, at: new Date(r.at) }));
  }
}
