import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';

const at = new Date('2026-03-03T09:00:00Z');

/**
 * A database migrated up to (not including) migration `before`, with one business (`ten_1`), for
 * `work` to write rows as that older version did and then check what `migrate` makes of them.
 */
async function asOlderVersionLeftIt(before: string, work: (db: Database) => Promise<void>): Promise<void> {
  const db = await openDatabase({});
  try {
    await migrate(db, { before });
    await db.query(`insert into tenants (id, name, time_zone, language) values ('ten_1', 'S', 'UTC', 'en')`);
    await work(db);
  } finally {
    await db.close();
  }
}

/** Rows an older version wrote: migration 007 records the owner and takes the secrets out. */
test('migration 007 backfills the install owner and redacts activation bodies', async () => {
  await asOlderVersionLeftIt('007', async (db) => {
    await db.query(
      `insert into altegio_installs (salon_id, tenant_id, application_id, state, webhook_token_hash,
         webhook_token_sealed, user_data, installed_at, activation_state, link_changed_at, updated_at)
       values ('1', 'ten_1', '9', 'active', 'h1', '\\x00', '{"user_id": 42, "name": "Ana"}', $1, 'accepted', $1, $1),
              ('2', 'ten_1', '9', 'active', 'h2', '\\x00', null, $1, 'accepted', $1, $1)`,
      [at],
    );
    await db.query(
      `insert into altegio_calls (tenant_id, kind, ordering_key, method, url, body, status, next_attempt_at,
         retry_until, created_at)
       values ('ten_1', 'activation', 'install:1', 'POST', 'https://x/marketplace/partner/callback',
         '{"salon_id": 1, "api_key": "zg_live_secret", "webhook_urls": ["https://gw/altegio/records/awh_secret"]}',
         'delivered', $1, $1, $1)`,
      [at],
    );
    await migrate(db);
    const installs = await db.query<{
      salon_id: string;
      owner_user_id: string | null;
      superseded_api_key_ids: unknown;
    }>('select salon_id, owner_user_id, superseded_api_key_ids from altegio_installs order by salon_id');
    assert.deepEqual(
      installs.map((i) => [i.salon_id, i.owner_user_id, i.superseded_api_key_ids]),
      [
        ['1', '42', []],
        ['2', null, []],
      ],
    );
    const [call] = await db.query<{ body: Record<string, unknown> }>('select body from altegio_calls');
    assert.deepEqual(call!.body, { salon_id: 1, api_key: '(sealed)', webhook_urls: '(sealed)' });
  });
});

/** Rows an older version wrote: migration 018 keeps only the status of ALTEGIO's error answers. */
test('migration 018 strips ALTEGIO error answers down to their HTTP status', async () => {
  await asOlderVersionLeftIt('018', async (db) => {
    await db.query(
      `insert into altegio_installs (salon_id, tenant_id, application_id, state, webhook_token_hash,
         webhook_token_sealed, installed_at, activation_state, activation_error, link_changed_at, updated_at)
       values ('1', 'ten_1', '9', 'active', 'h1', '\\x00', $1, 'failed',
         'HTTP 401: {"success":false,"meta":{"message":"token of user 7 (ana@example.com) is wrong"}}', $1, $1)`,
      [at],
    );
    const errors = [
      'HTTP 422: {"success":false,"meta":{"message":"salon 1: phone +5511999990000 taken"}}',
      'HTTP 503',
      'ECONNREFUSED',
      'ALTEGIO_USER_TOKEN is not set: records cannot be read or written',
    ];
    for (const [i, error] of errors.entries())
      await db.query(
        `insert into altegio_calls (tenant_id, kind, ordering_key, method, url, body, status, next_attempt_at,
           retry_until, created_at, last_error)
         values ('ten_1', 'update_channel', $1, 'POST', 'https://x/y', null, 'dead', $2, $2, $2, $3)`,
        [`k:${i}`, at, error],
      );
    await migrate(db);
    const calls = await db.query<{ last_error: string }>('select last_error from altegio_calls order by id');
    assert.deepEqual(
      calls.map((c) => c.last_error),
      [
        'HTTP 422',
        'HTTP 503',
        'ECONNREFUSED',
        'ALTEGIO_USER_TOKEN is not set: records cannot be read or written',
      ],
    );
    const [install] = await db.query<{ activation_error: string }>(
      'select activation_error from altegio_installs',
    );
    assert.equal(install!.activation_error, 'HTTP 401');
  });
});
