import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '003_webhooks',
  sql: `
    -- The business's endpoints. Secrets are sealed with the SecretBox (AES-256-GCM, bound to the row).
    -- event_types null: every event type, including ones added later.
    create table webhook_endpoints (
      id text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      url text not null,
      secret_sealed bytea not null,
      previous_secret_sealed bytea,
      previous_secret_expires_at timestamptz,
      event_types text[],
      enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index webhook_endpoints_by_tenant on webhook_endpoints (tenant_id, created_at);
    -- The outbox: one row per event and endpoint, written in the transaction of the change.
    -- id is the webhook-id header. retry_from opens the retry window (creation or the last replay).
    -- claim_token: the lease of the worker sending it (next_attempt_at is then the lease's end).
    create table webhook_deliveries (
      id text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      endpoint_id text not null references webhook_endpoints(id) on delete cascade,
      event_type text not null,
      payload jsonb not null,
      occurred_at timestamptz not null,
      status text not null check (status in ('pending', 'delivered', 'dead')),
      attempts integer not null default 0,
      round_attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      retry_from timestamptz not null,
      claim_token text,
      last_status_code integer,
      last_error text,
      created_at timestamptz not null,
      delivered_at timestamptz
    );
    create index webhook_deliveries_due on webhook_deliveries (status, next_attempt_at);
    create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, created_at, id);
    create table webhook_attempts (
      id bigserial primary key,
      delivery_id text not null references webhook_deliveries(id) on delete cascade,
      at timestamptz not null,
      status_code integer,
      duration_ms integer not null,
      error text
    );
    create index webhook_attempts_by_delivery on webhook_attempts (delivery_id, id);
  `,
};
