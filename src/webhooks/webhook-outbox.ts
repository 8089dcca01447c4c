import type { Clock } from '../clock.js';
import type { Queryable } from '../store/database.js';
import { newId } from '../store/tokens.js';
import { WEBHOOK_TEST_EVENT, type WebhookEvent } from './webhook-events.js';

/**
 * Writes webhook deliveries in the caller's transaction, so a state change and the webhook that
 * announces it are stored together or not at all. The dispatcher sends them later.
 */
export class WebhookOutbox {
  private readonly listeners = new Set<() => void>();

  /** `clock` stamps the deliveries (created, first attempt due). */
  constructor(private readonly clock: Clock) {}

  /**
   * One delivery per enabled endpoint of the tenant subscribed to the event's type; returns how
   * many. One indexed statement, so it costs one round trip (and writes nothing) when the tenant
   * has no endpoints.
   */
  async enqueue(tx: Queryable, event: WebhookEvent): Promise<number> {
    const now = this.clock.now();
    const rows = await tx.query(
      `insert into webhook_deliveries
         (id, tenant_id, endpoint_id, event_type, payload, occurred_at, status, next_attempt_at, retry_from, created_at)
       select 'evt_' || replace(gen_random_uuid()::text, '-', ''), tenant_id, id, $2, $3::jsonb, $4, 'pending', $5, $5, $5
         from webhook_endpoints
        where tenant_id = $1 and enabled and (event_types is null or $2 = any(event_types))
       returning id`,
      [event.tenantId, event.type, JSON.stringify(event.data), event.occurredAt, now],
    );
    if (rows.length > 0) this.notify();
    return rows.length;
  }

  /**
   * `enqueue` for many events in one statement (the accept path's group commit); returns how many
   * deliveries were written. Events keep their order in delivery ids' creation.
   */
  async enqueueMany(tx: Queryable, events: readonly WebhookEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    if (events.length === 1) return this.enqueue(tx, events[0]!);
    const now = this.clock.now();
    const rows = await tx.query(
      `insert into webhook_deliveries
         (id, tenant_id, endpoint_id, event_type, payload, occurred_at, status, next_attempt_at, retry_from, created_at)
       select 'evt_' || replace(gen_random_uuid()::text, '-', ''), w.tenant_id, w.id, e.type, e.data, e.occurred_at,
              'pending', $2, $2, $2
         from jsonb_to_recordset($1::jsonb) as e(ord int, tenant_id text, type text, data jsonb, occurred_at timestamptz)
         join webhook_endpoints w
           on w.tenant_id = e.tenant_id and w.enabled and (w.event_types is null or e.type = any(w.event_types))
        order by e.ord
       returning id`,
      [
        JSON.stringify(
          events.map((e, ord) => ({
            ord,
            tenant_id: e.tenantId,
            type: e.type,
            data: e.data,
            occurred_at: e.occurredAt,
          })),
        ),
        now,
      ],
    );
    if (rows.length > 0) this.notify();
    return rows.length;
  }

  /** A `webhook.test` event for one endpoint, whatever its filter; returns the delivery id. */
  async enqueueTest(
    tx: Queryable,
    tenantId: string,
    endpointId: string,
    data: Record<string, unknown>,
  ): Promise<string> {
    const now = this.clock.now();
    const id = newId('evt');
    await tx.query(
      `insert into webhook_deliveries
         (id, tenant_id, endpoint_id, event_type, payload, occurred_at, status, next_attempt_at, retry_from, created_at)
       values ($1, $2, $3, $4, $5::jsonb, $6, 'pending', $6, $6, $6)`,
      [id, tenantId, endpointId, WEBHOOK_TEST_EVENT, JSON.stringify(data), now],
    );
    this.notify();
    return id;
  }

  /**
   * Tells local dispatchers there is new work. The caller's transaction may not have committed
   * yet; the dispatcher looks shortly after and its poll catches anything later than that.
   */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Subscribes to new work; returns the unsubscribe function. */
  onNewWork(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
