import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '010_message_request_fingerprint',
  sql: `
    -- A digest of the request that carried an idempotency key: the key reused for a different
    -- message is refused (409) instead of answering with the first one. Null on older rows.
    alter table messages add column request_fingerprint text;
  `,
};
