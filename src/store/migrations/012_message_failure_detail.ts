import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '012_message_failure_detail',
  sql: `
    -- What a failure's reason alone does not say (a 463's cause: recipient_token_missing,
    -- misaddressed, reach_out_timelock, or why a first contact was held back: new_chats_capped).
    -- Null on older rows.
    alter table messages add column failure_detail text;
  `,
};
