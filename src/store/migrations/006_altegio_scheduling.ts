import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '006_altegio_scheduling',
  sql: `
    -- A business's scheduling settings (reminder offsets, kinds, reply words, test mode); defaults in code.
    create table altegio_settings (
      tenant_id text primary key references tenants(id) on delete cascade,
      settings jsonb not null default '{}'::jsonb,
      updated_at timestamptz not null
    );
    -- Template texts the business changed; the others are the defaults in domain/altegio/templates.ts.
    create table altegio_templates (
      tenant_id text not null references tenants(id) on delete cascade,
      kind text not null,
      language text not null,
      body text not null,
      updated_at timestamptz not null,
      primary key (tenant_id, kind, language)
    );
    -- What we know of each appointment (record), from its webhooks in last_change_date order.
    create table altegio_appointments (
      tenant_id text not null references tenants(id) on delete cascade,
      record_id text not null,
      company_id text not null,
      state jsonb not null,
      starts_at timestamptz,
      client_phone text,
      updated_at timestamptz not null,
      primary key (tenant_id, record_id)
    );
    create index altegio_appointments_by_client on altegio_appointments (tenant_id, client_phone, starts_at);
    -- Each planned notification and the message that carries it.
    create table altegio_scheduled (
      tenant_id text not null references tenants(id) on delete cascade,
      key text not null,
      send_at timestamptz not null,
      record_id text not null,
      kind text not null,
      expires_at timestamptz,
      message_id text references messages(id) on delete set null,
      cancelled boolean not null default false,
      created_at timestamptz not null,
      primary key (tenant_id, key, send_at)
    );
    create index altegio_scheduled_by_record on altegio_scheduled (tenant_id, record_id) where not cancelled;
    create index altegio_scheduled_unsent on altegio_scheduled (created_at) where message_id is null and not cancelled;
    create index altegio_scheduled_by_message on altegio_scheduled (message_id);
    -- A client's "+" / "-" to a prompted appointment; the answer message goes after the commit.
    create table altegio_replies (
      inbound_id text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      record_id text not null,
      intent text not null check (intent in ('confirm', 'cancel')),
      handled_at timestamptz,
      created_at timestamptz not null
    );
    create index altegio_replies_pending on altegio_replies (created_at) where handled_at is null;
  `,
};
