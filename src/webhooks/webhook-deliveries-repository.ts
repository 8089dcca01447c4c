import type { Database, Queryable } from '../store/database.js';
import type { SealedEndpointSecrets } from './webhook-endpoints-repository.js';
import type { DeliveredEventType } from './webhook-events.js';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One try at POSTing a delivery. */
export interface DeliveryAttempt {
  readonly at: Date;
  /** The receiver's HTTP status; null when no response came (timeout, refused, …). */
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/** One event on its way to one endpoint; its id is the `webhook-id` header, the same on every try. */
export interface WebhookDelivery {
  readonly id: string;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly eventType: DeliveredEventType;
  readonly payload: Record<string, unknown>;
  readonly occurredAt: Date;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

export interface WebhookDeliveryWithAttempts extends WebhookDelivery {
  readonly attemptLog: readonly DeliveryAttempt[];
}

/** A due delivery a worker has leased, with what it needs to sign and send it. */
export interface ClaimedDelivery extends Pick<
  WebhookDelivery,
  'id' | 'tenantId' | 'endpointId' | 'eventType' | 'payload' | 'occurredAt'
> {
  /** Attempts since the retry window opened (creation or the last replay). */
  readonly roundAttempts: number;
  readonly retryFrom: Date;
  readonly claimToken: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly secrets: SealedEndpointSecrets;
}

interface DeliveryRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_type: DeliveredEventType;
  payload: Record<string, unknown>;
  occurred_at: Date;
  status: DeliveryStatus;
  attempts: number;
  round_attempts: number;
  next_attempt_at: Date;
  retry_from: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const date = (value: Date | null): Date | null => (value === null ? null : new Date(value));

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  tenantId: row.tenant_id,
  endpointId: row.endpoint_id,
  eventType: row.event_type,
  payload: row.payload,
  occurredAt: new Date(row.occurred_at),
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at) : null,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  createdAt: new Date(row.created_at),
  deliveredAt: date(row.delivered_at),
});

/** The outcome of one attempt, as the dispatcher records it. */
export type AttemptOutcome =
  | { kind: 'delivered'; at: Date; statusCode: number; durationMs: number }
  | {
      kind: 'failed';
      at: Date;
      statusCode: number | null;
      durationMs: number;
      error: string;
      /** When to try again, or null: the retry window is spent, the delivery is dead. */
      retryAt: Date | null;
    };

/** The webhook outbox's rows: the business's delivery log (tenant-scoped) and the worker's queue. */
export class WebhookDeliveriesRepository {
  constructor(private readonly db: Database) {}

  /** A page of an endpoint's deliveries, newest first, with their attempts. */
  async list(
    tenantId: string,
    endpointId: string,
    filter: { status?: DeliveryStatus | undefined; limit: number; before?: string | undefined },
  ): Promise<WebhookDeliveryWithAttempts[]> {
    const params: unknown[] = [tenantId, endpointId, filter.limit];
    const where = ['tenant_id = $1', 'endpoint_id = $2'];
    if (filter.status) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    if (filter.before) {
      params.push(filter.before);
      where.push(
        `(created_at, id) < (select created_at, id from webhook_deliveries where tenant_id = $1 and id = $${params.length})`,
      );
    }
    const rows = await this.db.query<DeliveryRow>(
      `select * from webhook_deliveries where ${where.join(' and ')} order by created_at desc, id desc limit $3`,
      params,
    );
    return this.withAttempts(rows.map(toDelivery));
  }

  async get(tenantId: string, deliveryId: string): Promise<WebhookDeliveryWithAttempts | undefined> {
    const [row] = await this.db.query<DeliveryRow>(
      'select * from webhook_deliveries where tenant_id = $1 and id = $2',
      [tenantId, deliveryId],
    );
    if (!row) return undefined;
    const [delivery] = await this.withAttempts([toDelivery(row)]);
    return delivery;
  }

  /**
   * Makes a dead or delivered delivery pending again, due now, with a fresh retry window (same id:
   * receivers that deduplicate will see it is the same message). 'pending' when it already is.
   */
  async replay(
    tenantId: string,
    deliveryId: string,
    now: Date,
  ): Promise<WebhookDelivery | 'pending' | undefined> {
    const [row] = await this.db.query<DeliveryRow>(
      `update webhook_deliveries
          set status = 'pending', next_attempt_at = $3, retry_from = $3, round_attempts = 0,
              claim_token = null, delivered_at = null
        where tenant_id = $1 and id = $2 and status <> 'pending' returning *`,
      [tenantId, deliveryId, now],
    );
    if (row) return toDelivery(row);
    const [existing] = await this.db.query<{ status: DeliveryStatus }>(
      'select status from webhook_deliveries where tenant_id = $1 and id = $2',
      [tenantId, deliveryId],
    );
    return existing ? 'pending' : undefined;
  }

  /**
   * Leases up to `limit` due deliveries to one worker until `leaseUntil` (safe with several nodes:
   * rows another worker is claiming are skipped, not waited for). A worker that dies mid-attempt
   * leaves its rows to be claimed again when the lease ends.
   */
  async claim(now: Date, leaseUntil: Date, limit: number, claimToken: string): Promise<ClaimedDelivery[]> {
    const rows = await this.db.query<
      DeliveryRow & {
        url: string;
        enabled: boolean;
        secret_sealed: Uint8Array;
        previous_secret_sealed: Uint8Array | null;
        previous_secret_expires_at: Date | null;
      }
    >(
      `with due as (
         select id from webhook_deliveries
          where status = 'pending' and next_attempt_at <= $1
          order by next_attempt_at
          limit $3
          for update skip locked
       )
       update webhook_deliveries d
          set next_attempt_at = $2, claim_token = $4
         from due, webhook_endpoints e
        where d.id = due.id and e.id = d.endpoint_id and e.tenant_id = d.tenant_id
       returning d.*, e.url, e.enabled, e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at`,
      [now, leaseUntil, limit, claimToken],
    );
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      endpointId: row.endpoint_id,
      eventType: row.event_type,
      payload: row.payload,
      occurredAt: new Date(row.occurred_at),
      roundAttempts: row.round_attempts,
      retryFrom: new Date(row.retry_from),
      claimToken,
      url: row.url,
      enabled: row.enabled,
      secrets: {
        endpointId: row.endpoint_id,
        sealed: row.secret_sealed,
        previousSealed: row.previous_secret_sealed,
        previousExpiresAt: date(row.previous_secret_expires_at),
      },
    }));
  }

  /**
   * Records an attempt and its consequence (delivered, retry later, dead) in one transaction.
   * False when the lease was lost meanwhile (another worker owns the row now): nothing is written.
   */
  async recordAttempt(delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated =
        outcome.kind === 'delivered'
          ? await tx.query(
              `update webhook_deliveries
                  set status = 'delivered', delivered_at = $3, attempts = attempts + 1,
                      round_attempts = round_attempts + 1, last_status_code = $4, last_error = null,
                      claim_token = null
                where id = $1 and claim_token = $2 returning id`,
              [delivery.id, delivery.claimToken, outcome.at, outcome.statusCode],
            )
          : await tx.query(
              `update webhook_deliveries
                  set status = $3, next_attempt_at = coalesce($4, next_attempt_at), attempts = attempts + 1,
                      round_attempts = round_attempts + 1, last_status_code = $5, last_error = $6,
                      claim_token = null
                where id = $1 and claim_token = $2 returning id`,
              [
                delivery.id,
                delivery.claimToken,
                outcome.retryAt ? 'pending' : 'dead',
                outcome.retryAt,
                outcome.statusCode,
                outcome.error,
              ],
            );
      if (updated.length === 0) return false;
      await insertAttempt(tx, delivery.id, outcome);
      return true;
    });
  }

  /** Gives a leased delivery back untried (the worker is stopping), due at `now`. */
  async release(delivery: ClaimedDelivery, now: Date): Promise<void> {
    await this.db.query(
      `update webhook_deliveries set next_attempt_at = $3, claim_token = null
        where id = $1 and claim_token = $2 and status = 'pending'`,
      [delivery.id, delivery.claimToken, now],
    );
  }

  /** Deliveries waiting to go (due or retrying later), over every business. */
  async pendingDepth(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      "select count(*)::int as n from webhook_deliveries where status = 'pending'",
    );
    return row?.n ?? 0;
  }

  /** Forgets finished deliveries created before `createdBefore` (at most `limit`); returns how many. */
  async pruneFinished(createdBefore: Date, limit: number): Promise<number> {
    const rows = await this.db.query(
      `delete from webhook_deliveries where id in (
         select id from webhook_deliveries
          where status in ('delivered', 'dead') and created_at < $1 limit $2)
       returning id`,
      [createdBefore, limit],
    );
    return rows.length;
  }

  private async withAttempts(deliveries: WebhookDelivery[]): Promise<WebhookDeliveryWithAttempts[]> {
    if (deliveries.length === 0) return [];
    const rows = await this.db.query<{
      delivery_id: string;
      at: Date;
      status_code: number | null;
      duration_ms: number;
      error: string | null;
    }>(
      'select delivery_id, at, status_code, duration_ms, error from webhook_attempts where delivery_id = any($1) order by id',
      [deliveries.map((d) => d.id)],
    );
    const byDelivery = new Map<string, DeliveryAttempt[]>();
    for (const row of rows) {
      const list = byDelivery.get(row.delivery_id) ?? [];
      list.push({
        at: new Date(row.at),
        statusCode: row.status_code,
        durationMs: row.duration_ms,
        error: row.error,
      });
      byDelivery.set(row.delivery_id, list);
    }
    return deliveries.map((d) => ({ ...d, attemptLog: byDelivery.get(d.id) ?? [] }));
  }
}

async function insertAttempt(tx: Queryable, deliveryId: string, outcome: AttemptOutcome): Promise<void> {
  await tx.query(
    'insert into webhook_attempts (delivery_id, at, status_code, duration_ms, error) values ($1, $2, $3, $4, $5)',
    [
      deliveryId,
      outcome.at,
      outcome.statusCode,
      Math.round(outcome.durationMs),
      outcome.kind === 'failed' ? outcome.error : null,
    ],
  );
}
