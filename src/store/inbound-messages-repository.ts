import type { InboundMessage } from '../domain/message.js';
import type { Queryable } from './database.js';
import { newId } from './tokens.js';

// The stored inbound text is the lifecycle's (domain/message.ts).
export type { InboundMessage };

export interface NewInboundMessage {
  readonly waMessageId: string;
  readonly fromPhone: string;
  readonly text: string;
  readonly pushName?: string | null | undefined;
  readonly receivedAt: Date;
}

interface InboundRow {
  id: string;
  tenant_id: string;
  channel_id: string;
  wa_message_id: string;
  from_phone: string;
  text: string;
  push_name: string | null;
  received_at: Date;
  in_reply_to_message_id: string | null;
  created_at: Date;
}

const toInbound = (row: InboundRow): InboundMessage => ({
  id: row.id,
  tenantId: row.tenant_id,
  channelId: row.channel_id,
  waMessageId: row.wa_message_id,
  fromPhone: row.from_phone,
  text: row.text,
  pushName: row.push_name,
  receivedAt: new Date(row.received_at),
  inReplyToMessageId: row.in_reply_to_message_id,
  createdAt: new Date(row.created_at),
});

/** Inbound texts, de-duplicated by WhatsApp id per channel, threaded to the last notification sent. */
export class InboundMessagesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores an inbound text once: a redelivery of the same WhatsApp id returns the stored one with
   * `created: false`. It is tied to the last message this channel sent to the sender. Undefined
   * when the channel is not this tenant's.
   */
  async record(
    tenantId: string,
    channelId: string,
    input: NewInboundMessage,
    at: Date,
    tx: Queryable = this.db,
  ): Promise<{ inbound: InboundMessage; created: boolean } | undefined> {
    const [row] = await tx.query<InboundRow>(
      `insert into inbound_messages (id, tenant_id, channel_id, wa_message_id, from_phone, text, push_name,
         received_at, in_reply_to_message_id, created_at)
       select $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::timestamptz,
         (select id from messages where channel_id = $3 and to_phone = $5 and tenant_id = $2 and sent_at is not null
          order by sent_at desc limit 1),
         $9::timestamptz
       where exists (select 1 from channels where id = $3 and tenant_id = $2)
       on conflict (channel_id, wa_message_id) do nothing
       returning *`,
      [
        newId('inb'),
        tenantId,
        channelId,
        input.waMessageId,
        input.fromPhone,
        input.text,
        input.pushName ?? null,
        input.receivedAt,
        at,
      ],
    );
    if (row) return { inbound: toInbound(row), created: true };
    const [existing] = await tx.query<InboundRow>(
      'select * from inbound_messages where tenant_id = $1 and channel_id = $2 and wa_message_id = $3',
      [tenantId, channelId, input.waMessageId],
    );
    return existing ? { inbound: toInbound(existing), created: false } : undefined;
  }

  /** A business's inbound texts, newest first (optionally one channel's or one phone's). */
  async list(
    tenantId: string,
    filter: { channelId?: string; fromPhone?: string; limit: number },
  ): Promise<InboundMessage[]> {
    const rows = await this.db.query<InboundRow>(
      `select * from inbound_messages
       where tenant_id = $1 and ($2::text is null or channel_id = $2) and ($3::text is null or from_phone = $3)
       order by received_at desc, id desc limit $4`,
      [tenantId, filter.channelId ?? null, filter.fromPhone ?? null, filter.limit],
    );
    return rows.map(toInbound);
  }
}
