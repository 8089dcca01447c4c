import type { Queryable } from '../../store/database.js';

export type PartnerCallKind = 'activation' | 'update_channel' | 'status_report' | 'attendance';

/** A call to ALTEGIO waiting in (or gone through) the outbox. */
export interface PartnerCall {
  readonly id: number;
  readonly tenantId: string;
  readonly kind: PartnerCallKind;
  readonly orderingKey: string;
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly status: 'pending' | 'delivered' | 'dead';
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly retryUntil: Date;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

interface CallRow {
  id: string | number;
  tenant_id: string;
  kind: PartnerCallKind;
  ordering_key: string;
  method: string;
  url: string;
  body: unknown;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: Date;
  retry_until: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const toCall = (r: CallRow): PartnerCall => ({
  id: Number(r.id),
  tenantId: r.tenant_id,
  kind: r.kind,
  orderingKey: r.ordering_key,
  method: r.method,
  url: r.url,
  body: r.body,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: new Date(r.next_attempt_at),
  retryUntil: new Date(r.retry_until),
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: new Date(r.created_at),
  deliveredAt: r.delivered_at ? new Date(r.delivered_at) : null,
});

export interface NewPartnerCall {
  readonly tenantId: string;
  readonly kind: PartnerCallKind;
  readonly orderingKey: string;
  readonly method: 'POST' | 'PUT' | 'GET';
  readonly url: string;
  readonly body?: unknown;
  readonly at: Date;
  readonly retryUntil: Date;
}

/**
 * The partner-call outbox (altegio_calls): every call to ALTEGIO is a row written in the
 * transaction that decided it, then claimed, sent and finished by the sender.
 */
export class PartnerCallStore {
  constructor(private readonly db: Queryable) {}

  async enqueueCall(call: NewPartnerCall, tx: Queryable = this.db): Promise<number> {
    const [row] = await tx.query<{ id: string | number }>(
      `insert into altegio_calls (tenant_id, kind, ordering_key, method, url, body, status, next_attempt_at,
         retry_until, created_at)
       values ($1, $2, $3, $4, $5, $6::jsonb, 'pending', $7, $8, $7) returning id`,
      [
        call.tenantId,
        call.kind,
        call.orderingKey,
        call.method,
        call.url,
        call.body === undefined ? null : JSON.stringify(call.body),
        call.at,
        call.retryUntil,
      ],
    );
    return Number(row!.id);
  }

  /**
   * Up to `limit` due calls, each the oldest pending one of its ordering key (reports of one message
   * go in order), leased until `leaseUntil` so no other worker takes them meanwhile.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<PartnerCall[]> {
    const rows = await this.db.query<CallRow>(
      `with due as (
         select c.id from altegio_calls c
         where c.status = 'pending' and c.next_attempt_at <= $1
           and not exists (select 1 from altegio_calls o
                           where o.ordering_key = c.ordering_key and o.status = 'pending' and o.id < c.id)
         order by c.next_attempt_at, c.id
         limit $3
         for update skip locked
       )
       update altegio_calls a set next_attempt_at = $2, attempts = a.attempts + 1
       from due where a.id = due.id
       returning a.*`,
      [now, leaseUntil, limit],
    );
    return rows.map(toCall).sort((a, b) => a.id - b.id);
  }

  async nextDueAt(): Promise<Date | undefined> {
    const [row] = await this.db.query<{ at: Date | null }>(
      "select min(next_attempt_at) as at from altegio_calls where status = 'pending'",
    );
    return row?.at ? new Date(row.at) : undefined;
  }

  async finishCall(
    id: number,
    outcome:
      | { status: 'delivered'; statusCode: number; at: Date }
      | { status: 'dead'; statusCode: number | null; error: string }
      | { status: 'pending'; statusCode: number | null; error: string; retryAt: Date },
  ): Promise<void> {
    await this.db.query(
      `update altegio_calls set status = $2, last_status_code = $3, last_error = $4,
         delivered_at = $5, next_attempt_at = coalesce($6, next_attempt_at)
       where id = $1`,
      [
        id,
        outcome.status,
        outcome.statusCode,
        outcome.status === 'delivered' ? null : outcome.error,
        outcome.status === 'delivered' ? outcome.at : null,
        outcome.status === 'pending' ? outcome.retryAt : null,
      ],
    );
  }

  /** A business's recent calls to ALTEGIO, newest first (support's view). */
  async recentCalls(tenantId: string, limit = 50): Promise<PartnerCall[]> {
    const rows = await this.db.query<CallRow>(
      'select * from altegio_calls where tenant_id = $1 order by id desc limit $2',
      [tenantId, limit],
    );
    return rows.map(toCall);
  }
}
