import type { Database } from './database.js';
import type { Migration } from './migrations/migration.js';
import { migration as m001_gateway } from './migrations/001_gateway.js';
import { migration as m002_messages } from './migrations/002_messages.js';
import { migration as m003_webhooks } from './migrations/003_webhooks.js';
import { migration as m004_channel_queue_flags } from './migrations/004_channel_queue_flags.js';
import { migration as m005_altegio } from './migrations/005_altegio.js';
import { migration as m006_altegio_scheduling } from './migrations/006_altegio_scheduling.js';
import { migration as m007_altegio_install_proof } from './migrations/007_altegio_install_proof.js';
import { migration as m008_support_sessions } from './migrations/008_support_sessions.js';
import { migration as m009_altegio_salon_time_zone } from './migrations/009_altegio_salon_time_zone.js';
import { migration as m010_message_request_fingerprint } from './migrations/010_message_request_fingerprint.js';
import { migration as m011_webhook_errors_status_only } from './migrations/011_webhook_errors_status_only.js';
import { migration as m012_message_failure_detail } from './migrations/012_message_failure_detail.js';
import { migration as m013_channel_new_chat_cap } from './migrations/013_channel_new_chat_cap.js';
import { migration as m014_cluster_leases } from './migrations/014_cluster_leases.js';
import { migration as m018_altegio_call_errors_status_only } from './migrations/018_altegio_call_errors_status_only.js';

/** Schema changes in order (one file each under migrations/); append new ones at the end. */
export const migrations: ReadonlyArray<Migration> = [
  m001_gateway,
  m002_messages,
  m003_webhooks,
  m004_channel_queue_flags,
  m005_altegio,
  m006_altegio_scheduling,
  m007_altegio_install_proof,
  m008_support_sessions,
  m009_altegio_salon_time_zone,
  m010_message_request_fingerprint,
  m011_webhook_errors_status_only,
  m012_message_failure_detail,
  m013_channel_new_chat_cap,
  m014_cluster_leases,
  m018_altegio_call_errors_status_only,
];

/**
 * Applies pending migrations in one transaction; several nodes starting at once take turns.
 * `before`: only those whose id sorts before it (a test writes rows as an older version would).
 */
export async function migrate(db: Database, options: { before?: string } = {}): Promise<string[]> {
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('select pg_advisory_xact_lock(727274)');
    await tx.query(
      'create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())',
    );
    const applied = new Set(
      (await tx.query<{ id: string }>('select id from schema_migrations')).map((row) => row.id),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      if (options.before !== undefined && migration.id >= options.before) break;
      if (applied.has(migration.id)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (id) values ($1)', [migration.id]);
      done.push(migration.id);
    }
    return done;
  });
}

/** Extended-protocol queries take one statement each; our migrations have no semicolons inside strings. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
