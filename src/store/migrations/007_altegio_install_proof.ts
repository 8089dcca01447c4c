import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '007_altegio_install_proof',
  sql: `
    -- The ALTEGIO user whose signed Connect click created the install: only that user's later clicks
    -- open the business's panel.
    alter table altegio_installs add column owner_user_id text;
    update altegio_installs set owner_user_id = coalesce(user_data->>'id', user_data->>'user_id')
      where user_data is not null;
    -- Keys ALTEGIO may still use after a new Connect click, revoked once the new key is activated.
    alter table altegio_installs add column superseded_api_key_ids jsonb not null default '[]'::jsonb;
    -- Activation bodies held the key we issued and the record-webhook token in clear: the outbox now
    -- keeps neither (they are filled in from the install's sealed copies when sent).
    update altegio_calls set body = body || '{"api_key": "(sealed)", "webhook_urls": "(sealed)"}'::jsonb
      where kind = 'activation' and body is not null;
  `,
};
