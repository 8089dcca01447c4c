import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '013_channel_new_chat_cap',
  sql: `
    -- What a restriction is (reach_out_timelock or new_chats_capped), so that after a restart a
    -- cap's restriction is still lifted by the cap's end and not by a timelock's, and the status
    -- says which. Null on older rows (the timelock, as before).
    alter table channels add column restricted_by text;
    -- WhatsApp's last word on the account's monthly new-chat cap: state, used, quota, resetsAt.
    alter table channels add column new_chat_cap jsonb;
  `,
};
