import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '004_channel_queue_flags',
  sql: `
    -- Why a channel's queue is paused: 'manual' (the business pressed Pause) or 'removed' (the
    -- device was removed on the phone; a new link resumes it).
    alter table channels add column paused_cause text check (paused_cause in ('manual', 'removed'));
    alter table channels add column paused_at timestamptz;
    -- A deleted channel keeps its rows (message history) but is gone from every list and lookup.
    alter table channels add column deleted_at timestamptz;
    -- "Has this client ever written to us?" (a 463 restriction only stops chats with new contacts).
    create index inbound_messages_by_sender on inbound_messages (channel_id, from_phone);
  `,
};
