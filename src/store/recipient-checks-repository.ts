import type { Queryable } from './database.js';

/** A cached onWhatsApp answer for one phone, as seen from one channel. */
export interface RecipientCheck {
  readonly phone: string;
  readonly onWhatsApp: boolean;
  readonly checkedAt: Date;
}

/** The onWhatsApp cache: asked before a channel's first message to a number, reused afterwards. */
export class RecipientChecksRepository {
  constructor(private readonly db: Queryable) {}

  async get(tenantId: string, channelId: string, phone: string): Promise<RecipientCheck | undefined> {
    const [row] = await this.db.query<{ phone: string; on_whatsapp: boolean; checked_at: Date }>(
      `select phone, on_whatsapp, checked_at from recipient_checks
       where tenant_id = $1 and channel_id = $2 and phone = $3`,
      [tenantId, channelId, phone],
    );
    return row
      ? { phone: row.phone, onWhatsApp: row.on_whatsapp, checkedAt: new Date(row.checked_at) }
      : undefined;
  }

  async put(
    tenantId: string,
    channelId: string,
    phone: string,
    onWhatsApp: boolean,
    checkedAt: Date,
  ): Promise<void> {
    await this.db.query(
      `insert into recipient_checks (tenant_id, channel_id, phone, on_whatsapp, checked_at)
       select $1::text, $2::text, $3::text, $4::boolean, $5::timestamptz where exists (select 1 from channels where id = $2 and tenant_id = $1)
       on conflict (channel_id, phone) do update set on_whatsapp = excluded.on_whatsapp, checked_at = excluded.checked_at`,
      [tenantId, channelId, phone, onWhatsApp, checkedAt],
    );
  }
}
