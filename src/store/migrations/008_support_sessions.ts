import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '008_support_sessions',
  sql: `
    -- Support console sign-ins: the cookie holds a random token (only its hash is kept), never the
    -- operator's key; revoking the key it was opened with ends the session.
    create table support_sessions (
      token_hash text primary key,
      operator_id text not null references operators(id) on delete cascade,
      api_key_id text not null references api_keys(id) on delete cascade,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    );
    -- What a key's owner may see again: its prefix and last four characters.
    alter table api_keys add column key_hint text;
  `,
};
