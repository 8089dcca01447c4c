/**
 * Medium tests run every store test twice: on embedded PGlite and on a real PostgreSQL server,
 * each test isolated in its own in-memory database or its own schema.
 */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly db: Database;
  /** Drops what the test created (the schema on PostgreSQL). */
  dispose(): Promise<void>;
}

export const DATABASE_KINDS = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** A fresh, migrated database of the given kind. */
export async function freshDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openDatabase({});
    await migrate(db);
    return { db, dispose: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url: TEST_POSTGRES_URL, schema });
  await migrate(db);
  return {
    db,
    dispose: async () => {
      await db.close();
      await dropTestSchema(schema);
    },
  };
}

/** Drops a test's own schema on the test PostgreSQL server, and everything in it. */
export async function dropTestSchema(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await admin.end();
  }
}

/**
 * In a `describe`: one fresh database of `kind` for its tests, made before them and dropped after
 * them; read `.db` inside the tests.
 */
export function useFreshDatabase(kind: DatabaseKind): { readonly db: Database } {
  let t: TestDatabase | undefined;
  before(async () => {
    t = await freshDatabase(kind);
  });
  after(async () => t?.dispose());
  return {
    get db(): Database {
      if (!t) throw new Error('the database is made in before(): read .db inside a test');
      return t.db;
    },
  };
}
