import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '001_gateway',
  sql: `
    create table tenants (
      id text primary key,
      name text not null,
      time_zone text not null,
      language text not null,
      created_at timestamptz not null default now()
    );
    create table operators (
      id text primary key,
      name text not null,
      role text not null check (role in ('support', 'admin')),
      created_at timestamptz not null default now()
    );
    create table api_keys (
      id text primary key,
      tenant_id text references tenants(id) on delete cascade,
      operator_id text references operators(id) on delete cascade,
      key_hash text not null unique,
      label text not null default '',
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      check ((tenant_id is null) <> (operator_id is null))
    );
    create table panel_login_links (
      token_hash text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create table panel_sessions (
      token_hash text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      expires_at timestamptz not null
    );
    create table channels (
      id text primary key,
      tenant_id text not null references tenants(id) on delete cascade,
      name text not null,
      link_mode text not null default 'qr' check (link_mode in ('qr', 'code')),
      status text not null,
      status_cause text,
      status_changed_at timestamptz not null default now(),
      phone text,
      pairing_phone text,
      platform text,
      business boolean,
      linked_at timestamptz,
      created_at timestamptz not null default now()
    );
    create index channels_by_tenant on channels (tenant_id, created_at);
    create table channel_events (
      id bigserial primary key,
      tenant_id text not null,
      channel_id text not null references channels(id) on delete cascade,
      status text not null,
      cause text,
      at timestamptz not null default now()
    );
    create index channel_events_by_channel on channel_events (channel_id, id);
    create table qr_page_links (
      token_hash text primary key,
      sealed_token bytea not null,
      tenant_id text not null references tenants(id) on delete cascade,
      channel_id text not null references channels(id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    );
    create index qr_page_links_by_channel on qr_page_links (channel_id);
    -- Linked-device secrets: sealed with AES-256-GCM; key rows are addressed by an HMAC of
    -- (type, id) so not even contacts' numbers in Signal session ids are stored in clear.
    create table channel_credentials (
      channel_id text primary key references channels(id) on delete cascade,
      sealed bytea not null,
      updated_at timestamptz not null default now()
    );
    create table channel_signal_keys (
      channel_id text not null references channels(id) on delete cascade,
      key_ref text not null,
      sealed bytea not null,
      primary key (channel_id, key_ref)
    );
  `,
};
