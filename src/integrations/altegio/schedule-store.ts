import type { Appointment } from './domain/record-webhook.js';
import type { AppointmentState } from './domain/record-ordering.js';
import type { NotificationKind, PlannedNotification } from './domain/reminder-plan.js';
import type { Queryable } from '../../store/database.js';

/** A planned notification as stored, with the message that carries it (once accepted). */
export interface ScheduledNotification extends PlannedNotification {
  readonly tenantId: string;
  readonly messageId: string | null;
  readonly cancelled: boolean;
}

interface ScheduledRow {
  tenant_id: string;
  key: string;
  send_at: Date;
  record_id: string;
  kind: NotificationKind;
  expires_at: Date | null;
  message_id: string | null;
  cancelled: boolean;
}

const toScheduled = (r: ScheduledRow): ScheduledNotification => ({
  tenantId: r.tenant_id,
  key: r.key,
  sendAt: new Date(r.send_at),
  recordId: r.record_id,
  kind: r.kind,
  ...(r.expires_at ? { expiresAt: new Date(r.expires_at) } : {}),
  messageId: r.message_id,
  cancelled: r.cancelled,
});

/** AppointmentState ⇄ JSON: dates travel as ISO strings. */
function reviveAppointment(a: Record<string, unknown>): Appointment {
  const date = (v: unknown) => (typeof v === 'string' ? new Date(v) : undefined);
  return {
    ...(a as unknown as Appointment),
    startsAt: date(a.startsAt)!,
    endsAt: date(a.endsAt)!,
    ...(a.createDate ? { createDate: date(a.createDate)! } : {}),
    ...(a.lastChangeDate ? { lastChangeDate: date(a.lastChangeDate)! } : {}),
  };
}

function reviveState(s: Record<string, unknown>): AppointmentState {
  return {
    recordId: String(s.recordId),
    deleted: Boolean(s.deleted),
    fingerprint: typeof s.fingerprint === 'string' ? s.fingerprint : '',
    ...(typeof s.lastChangeDate === 'string' ? { lastChangeDate: new Date(s.lastChangeDate) } : {}),
    ...(s.appointment ? { appointment: reviveAppointment(s.appointment as Record<string, unknown>) } : {}),
  };
}

export interface StoredReply {
  readonly inboundId: string;
  readonly tenantId: string;
  readonly recordId: string;
  readonly intent: 'confirm' | 'cancel';
}

/** The scheduling mode's rows: settings, templates, appointments, planned notifications, replies. */
export class AltegioScheduleStore {
  constructor(private readonly db: Queryable) {}

  async settings(tenantId: string, tx: Queryable = this.db): Promise<Record<string, unknown>> {
    const [row] = await tx.query<{ settings: Record<string, unknown> }>(
      'select settings from altegio_settings where tenant_id = $1',
      [tenantId],
    );
    return row?.settings ?? {};
  }

  async putSettings(tenantId: string, settings: Record<string, unknown>, at: Date): Promise<void> {
    await this.db.query(
      `insert into altegio_settings (tenant_id, settings, updated_at) values ($1, $2::jsonb, $3)
       on conflict (tenant_id) do update set settings = excluded.settings, updated_at = excluded.updated_at`,
      [tenantId, JSON.stringify(settings), at],
    );
  }

  async templates(tenantId: string): Promise<Array<{ kind: string; language: string; body: string }>> {
    return this.db.query<{ kind: string; language: string; body: string }>(
      'select kind, language, body from altegio_templates where tenant_id = $1',
      [tenantId],
    );
  }

  async template(tenantId: string, kind: string, language: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ body: string }>(
      'select body from altegio_templates where tenant_id = $1 and kind = $2 and language = $3',
      [tenantId, kind, language],
    );
    return row?.body;
  }

  async putTemplate(
    tenantId: string,
    kind: string,
    language: string,
    body: string | null,
    at: Date,
  ): Promise<void> {
    if (body === null) {
      await this.db.query(
        'delete from altegio_templates where tenant_id = $1 and kind = $2 and language = $3',
        [tenantId, kind, language],
      );
      return;
    }
    await this.db.query(
      `insert into altegio_templates (tenant_id, kind, language, body, updated_at) values ($1, $2, $3, $4, $5)
       on conflict (tenant_id, kind, language) do update set body = excluded.body, updated_at = excluded.updated_at`,
      [tenantId, kind, language, body, at],
    );
  }

  /** The appointment's state, locked until the transaction ends (webhooks of one record apply one at a time). */
  async lockAppointment(
    tenantId: string,
    recordId: string,
    companyId: string,
    at: Date,
    tx: Queryable,
  ): Promise<AppointmentState | undefined> {
    await tx.query(
      `insert into altegio_appointments (tenant_id, record_id, company_id, state, updated_at)
       values ($1, $2, $3, 'null'::jsonb, $4) on conflict (tenant_id, record_id) do nothing`,
      [tenantId, recordId, companyId, at],
    );
    const [row] = await tx.query<{ state: Record<string, unknown> | null }>(
      'select state from altegio_appointments where tenant_id = $1 and record_id = $2 for update',
      [tenantId, recordId],
    );
    return row?.state ? reviveState(row.state) : undefined;
  }

  async saveAppointment(tenantId: string, state: AppointmentState, at: Date, tx: Queryable): Promise<void> {
    await tx.query(
      `update altegio_appointments set state = $3::jsonb, starts_at = $4, client_phone = $5, updated_at = $6
       where tenant_id = $1 and record_id = $2`,
      [
        tenantId,
        state.recordId,
        JSON.stringify(state),
        state.appointment?.startsAt ?? null,
        state.appointment?.clientPhone ?? null,
        at,
      ],
    );
  }

  async appointment(
    tenantId: string,
    recordId: string,
    tx: Queryable = this.db,
  ): Promise<AppointmentState | undefined> {
    const [row] = await tx.query<{ state: Record<string, unknown> | null }>(
      'select state from altegio_appointments where tenant_id = $1 and record_id = $2',
      [tenantId, recordId],
    );
    return row?.state ? reviveState(row.state) : undefined;
  }

  async scheduledForRecord(
    tenantId: string,
    recordId: string,
    tx: Queryable,
  ): Promise<ScheduledNotification[]> {
    const rows = await tx.query<ScheduledRow>(
      'select * from altegio_scheduled where tenant_id = $1 and record_id = $2 and not cancelled',
      [tenantId, recordId],
    );
    return rows.map(toScheduled);
  }

  async addScheduled(tenantId: string, n: PlannedNotification, at: Date, tx: Queryable): Promise<void> {
    await tx.query(
      `insert into altegio_scheduled (tenant_id, key, send_at, record_id, kind, expires_at, created_at)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (tenant_id, key, send_at) do update set cancelled = false`,
      [tenantId, n.key, n.sendAt, n.recordId, n.kind, n.expiresAt ?? null, at],
    );
  }

  /** Marks planned notifications cancelled; returns the messages that carried them. */
  async cancelScheduled(
    tenantId: string,
    items: readonly PlannedNotification[],
    tx: Queryable,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const n of items) {
      const rows = await tx.query<{ message_id: string | null }>(
        `update altegio_scheduled set cancelled = true
         where tenant_id = $1 and key = $2 and send_at = $3 and not cancelled returning message_id`,
        [tenantId, n.key, n.sendAt],
      );
      for (const r of rows) if (r.message_id) ids.push(r.message_id);
    }
    return ids;
  }

  /** Planned notifications still without their message (just planned, or a crash came in between). */
  async unaccepted(limit = 200): Promise<ScheduledNotification[]> {
    const rows = await this.db.query<ScheduledRow>(
      `select * from altegio_scheduled where message_id is null and not cancelled order by created_at limit $1`,
      [limit],
    );
    return rows.map(toScheduled);
  }

  async setMessage(tenantId: string, n: PlannedNotification, messageId: string): Promise<void> {
    await this.db.query(
      'update altegio_scheduled set message_id = $4 where tenant_id = $1 and key = $2 and send_at = $3',
      [tenantId, n.key, n.sendAt, messageId],
    );
  }

  /** Gives up on a planned notification that cannot be sent (its time passed, no text…). */
  async drop(tenantId: string, n: PlannedNotification): Promise<void> {
    await this.db.query(
      'update altegio_scheduled set cancelled = true where tenant_id = $1 and key = $2 and send_at = $3',
      [tenantId, n.key, n.sendAt],
    );
  }

  /**
   * The client's upcoming appointments that a sent reminder or booking notice asked about, with when
   * (the candidates for a "+" / "-" reply).
   */
  async promptedAppointments(
    tenantId: string,
    phone: string,
    now: Date,
    tx: Queryable,
  ): Promise<Array<{ recordId: string; companyId: string; startsAt: Date; promptedAt: Date }>> {
    const rows = await tx.query<{
      record_id: string;
      company_id: string;
      starts_at: Date;
      prompted_at: Date;
    }>(
      `select a.record_id, a.company_id, a.starts_at, max(m.sent_at) as prompted_at
       from altegio_appointments a
       join altegio_scheduled s on s.tenant_id = a.tenant_id and s.record_id = a.record_id
       join messages m on m.id = s.message_id
       where a.tenant_id = $1 and a.client_phone = $2 and a.starts_at > $3
         and s.kind in ('reminder', 'booking_created', 'booking_changed') and m.sent_at is not null
       group by a.record_id, a.company_id, a.starts_at`,
      [tenantId, phone, now],
    );
    return rows.map((r) => ({
      recordId: r.record_id,
      companyId: r.company_id,
      startsAt: new Date(r.starts_at),
      promptedAt: new Date(r.prompted_at),
    }));
  }

  async companyOf(tenantId: string, recordId: string, tx: Queryable = this.db): Promise<string | undefined> {
    const [row] = await tx.query<{ company_id: string }>(
      'select company_id from altegio_appointments where tenant_id = $1 and record_id = $2',
      [tenantId, recordId],
    );
    return row?.company_id;
  }

  async addReply(reply: StoredReply, at: Date, tx: Queryable): Promise<void> {
    await tx.query(
      `insert into altegio_replies (inbound_id, tenant_id, record_id, intent, created_at)
       values ($1, $2, $3, $4, $5) on conflict (inbound_id) do nothing`,
      [reply.inboundId, reply.tenantId, reply.recordId, reply.intent, at],
    );
  }

  async pendingReplies(limit = 100): Promise<StoredReply[]> {
    const rows = await this.db.query<{
      inbound_id: string;
      tenant_id: string;
      record_id: string;
      intent: 'confirm' | 'cancel';
    }>(
      'select inbound_id, tenant_id, record_id, intent from altegio_replies where handled_at is null order by created_at limit $1',
      [limit],
    );
    return rows.map((r) => ({
      inboundId: r.inbound_id,
      tenantId: r.tenant_id,
      recordId: r.record_id,
      intent: r.intent,
    }));
  }

  async replyHandled(inboundId: string, at: Date): Promise<void> {
    await this.db.query('update altegio_replies set handled_at = $2 where inbound_id = $1', [inboundId, at]);
  }

  /**
   * Marks a salon whose install created its business before ALTEGIO told us the salon's time zone
   * (the business took the default; it takes the salon's once known).
   */
  async setTimeZonePending(salonId: string, pending: boolean, tx: Queryable = this.db): Promise<void> {
    await tx.query('update altegio_installs set time_zone_pending = $2 where salon_id = $1', [
      salonId,
      pending,
    ]);
  }

  /** The business's salons whose time zone is still to be learned (none: the business's zone is the salon's). */
  async timeZonePendingSalons(tenantId: string, tx: Queryable = this.db): Promise<string[]> {
    const rows = await tx.query<{ salon_id: string }>(
      `select salon_id from altegio_installs
       where tenant_id = $1 and time_zone_pending and state <> 'uninstalled' order by salon_id`,
      [tenantId],
    );
    return rows.map((r) => r.salon_id);
  }
}
