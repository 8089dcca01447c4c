import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '011_webhook_errors_status_only',
  sql: `
    -- Failed attempts used to keep the first 200 bytes of the receiver's answer, which a business
    -- key can read back (an internal service's answer, through a webhook URL pointed at it): only
    -- the status stays.
    update webhook_attempts set error = substring(error from '^HTTP [0-9]+')
     where error ~ '^HTTP [0-9]+: ';
    update webhook_deliveries set last_error = substring(last_error from '^HTTP [0-9]+')
     where last_error ~ '^HTTP [0-9]+: ';
  `,
};
