import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '009_altegio_salon_time_zone',
  sql: `
    -- The business an install created before ALTEGIO said the salon's time zone (it took the
    -- default): it takes the salon's timezone_name once known; meanwhile records' offsets write times.
    alter table altegio_installs add column time_zone_pending boolean not null default false;
  `,
};
