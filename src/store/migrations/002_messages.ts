import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '002_messages',
  sql: `
    -- Pacing overrides per business (defaults live in code, domain/pacing.ts).
    alter table tenants add column pacing jsonb not null default '{}'::jsonb;
    -- A paused channel keeps its queue. restricted_until: after a 463, no new contacts until then.
    alter table channels add column paused boolean not null default false;
    alter table channels add column restricted_until timestamptz;
    create table messages (
      id text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      channel_id text not null references channels(id) on delete cascade,
      -- Fixed at accept time: a resend after a crash reuses it, so the recipient sees one message.
      wa_message_id text not null unique,
      to_phone text not null,
      body text not null,
      template_name text,
      template_language text,
      -- 0 transactional, 1 marketing: lower goes first.
      priority smallint not null default 0 check (priority in (0, 1)),
      urgent boolean not null default false,
      status text not null check (status in ('queued', 'sending', 'sent', 'delivered', 'read', 'failed')),
      failure_reason text,
      error_code integer,
      send_after timestamptz not null,
      expires_at timestamptz,
      attempts integer not null default 0,
      idempotency_key text,
      metadata jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      sent_at timestamptz,
      delivered_at timestamptz,
      read_at timestamptz,
      failed_at timestamptz,
      unique (tenant_id, idempotency_key)
    );
    -- The sender's work list: a channel's pending messages in priority, then time order.
    create index messages_due on messages (channel_id, priority, send_after, created_at)
      where status in ('queued', 'sending');
    create index messages_expiring on messages (expires_at) where status = 'queued' and expires_at is not null;
    create index messages_by_tenant on messages (tenant_id, created_at desc, id desc);
    create index messages_by_phone on messages (tenant_id, to_phone, created_at desc);
    -- Pacing facts and inbound threading: what a channel sent, when, to whom.
    create index messages_sent_by_channel on messages (channel_id, sent_at) where sent_at is not null;
    create index messages_sent_by_recipient on messages (channel_id, to_phone, sent_at)
      where sent_at is not null;
    create table message_events (
      id bigserial primary key,
      tenant_id text not null,
      message_id text not null references messages(id) on delete cascade,
      status text not null,
      reason text,
      error_code integer,
      details jsonb,
      at timestamptz not null
    );
    create index message_events_by_message on message_events (message_id, id);
    create table message_templates (
      tenant_id text not null references tenants(id) on delete cascade,
      name text not null,
      language text not null,
      body text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, name, language)
    );
    create table inbound_messages (
      id text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      channel_id text not null references channels(id) on delete cascade,
      wa_message_id text not null,
      from_phone text not null,
      text text not null,
      push_name text,
      received_at timestamptz not null,
      in_reply_to_message_id text references messages(id) on delete set null,
      created_at timestamptz not null default now(),
      unique (channel_id, wa_message_id)
    );
    create index inbound_messages_by_tenant on inbound_messages (tenant_id, received_at desc);
    -- The onWhatsApp cache: is this number on WhatsApp, as seen from this channel, and when.
    create table recipient_checks (
      channel_id text not null references channels(id) on delete cascade,
      tenant_id text not null,
      phone text not null,
      on_whatsapp boolean not null,
      checked_at timestamptz not null,
      primary key (channel_id, phone)
    );
  `,
};
