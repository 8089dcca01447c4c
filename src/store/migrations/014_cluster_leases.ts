import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '014_cluster_leases',
  sql: `
    -- Gateway nodes sharing one PostgreSQL (issue 14). A node is live while its heartbeat, written
    -- on the database's clock, is younger than the lease TTL; a draining node is handing its
    -- channels over and takes none.
    create table gateway_nodes (
      node_id text primary key,
      address text,
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now(),
      draining boolean not null default false
    );
    -- One fence for every lease ever granted: a channel's fence only grows, even across a
    -- channel deleted and a lease row gone with it.
    create sequence channel_lease_fence;
    -- Which node holds a channel's WhatsApp session. A release keeps the row (expires_at = now()),
    -- so the fence stays; a row whose expires_at has passed (database clock) is free.
    create table channel_leases (
      channel_id text primary key references channels(id) on delete cascade,
      node_id text not null,
      fence bigint not null,
      acquired_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index channel_leases_node on channel_leases (node_id);
  `,
};
