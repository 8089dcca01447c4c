import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '018_altegio_call_errors_status_only',
  sql: `
    -- A failed partner call used to keep the first 300 characters of ALTEGIO's answer, shown to
    -- support and readable through the API: like the webhooks since 011, only the status stays.
    update altegio_calls set last_error = substring(last_error from '^HTTP [0-9]+')
     where last_error ~ '^HTTP [0-9]+: ';
    -- An activation given up copied that text into its install.
    update altegio_installs set activation_error = substring(activation_error from '^HTTP [0-9]+')
     where activation_error ~ '^HTTP [0-9]+: ';
  `,
};
