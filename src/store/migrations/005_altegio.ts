import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '005_altegio',
  sql: `
    -- One row per ALTEGIO salon that installed the app; several salons (branches) may share a business.
    create table altegio_installs (
      salon_id text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      application_id text not null,
      state text not null check (state in ('pending', 'active', 'frozen', 'uninstalled')),
      -- The key we issued for ALTEGIO (sealed: the activation call sends it in clear).
      api_key_id text references api_keys(id) on delete set null,
      api_key_sealed bytea,
      -- The secret in the record-webhook URL we give ALTEGIO (its hash; the URL is rebuilt from the sealed copy).
      webhook_token_hash text not null unique,
      webhook_token_sealed bytea not null,
      user_data jsonb,
      -- The Connect click: activation must happen within 12 hours of it.
      installed_at timestamptz not null,
      activation_state text not null check (activation_state in ('waiting_link', 'sending', 'accepted', 'failed', 'expired')),
      activation_attempts integer not null default 0,
      activation_error text,
      activated_at timestamptz,
      -- The link as ALTEGIO was last told (null: never), and the link now with when it became so.
      channel_reported boolean,
      link_up boolean not null default false,
      link_changed_at timestamptz not null,
      delivery_callback_url text,
      updated_at timestamptz not null
    );
    create index altegio_installs_by_tenant on altegio_installs (tenant_id);
    -- The last status code ALTEGIO was sent for each of its messages (reports only move forward).
    create table altegio_reports (
      message_id text primary key references messages(id) on delete cascade,
      last_code smallint not null
    );
    -- Calls to ALTEGIO (activation, channel availability, status reports, attendance), written in the
    -- transaction of the change that causes them; sent in order per ordering_key, retried with backoff.
    create table altegio_calls (
      id bigserial primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      kind text not null check (kind in ('activation', 'update_channel', 'status_report', 'attendance')),
      ordering_key text not null,
      method text not null,
      url text not null,
      body jsonb,
      status text not null check (status in ('pending', 'delivered', 'dead')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      retry_until timestamptz not null,
      last_status_code integer,
      last_error text,
      created_at timestamptz not null,
      delivered_at timestamptz
    );
    create index altegio_calls_due on altegio_calls (next_attempt_at) where status = 'pending';
    create index altegio_calls_by_key on altegio_calls (ordering_key, id) where status = 'pending';
    create index altegio_calls_by_tenant on altegio_calls (tenant_id, id desc);
    create table altegio_payments (
      id bigserial primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      salon_id text not null,
      payload jsonb not null,
      at timestamptz not null
    );
  `,
};
