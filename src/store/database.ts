import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL can be run on: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** The one database handle: PostgreSQL dialect everywhere, PGlite in-process or a PostgreSQL server. */
export interface Database extends Queryable {
  readonly dialect: 'pglite' | 'postgres';
  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseTarget {
  /** postgres://… for a server; absent for the embedded database. */
  readonly url?: string | undefined;
  /** Folder of the embedded database; absent (with no url) for an in-memory one (tests). */
  readonly dataDir?: string | undefined;
  /** Schema to use on a server (tests isolate themselves in their own schema). */
  readonly schema?: string | undefined;
  /**
   * Most connections to a server (default 20). Under load, API requests wait for a connection
   * here, not in the server: 10 left the accept path queueing while accept transactions were open.
   */
  readonly poolSize?: number | undefined;
}

/** Opens the configured database: PostgreSQL when a URL is given, otherwise embedded PGlite. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.url) return openPostgres(target.url, target);
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const lite = new PGlite(target.dataDir);
  await lite.waitReady;
  return new PgliteDatabase(lite);
}

class PgliteDatabase implements Database {
  readonly dialect = 'pglite' as const;
  constructor(private readonly lite: PGlite) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.lite.query<Row>(sql, params as unknown[])).rows;
  }

  // PGlite is one connection: it serialises transactions itself, so they never interleave.
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.lite.transaction(async (tx) =>
      work({
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<Row>(sql, params as unknown[])).rows,
      }),
    );
  }

  close(): Promise<void> {
    return this.lite.close();
  }
}

async function openPostgres(url: string, target: DatabaseTarget): Promise<Database> {
  const { schema } = target;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: target.poolSize ?? 20,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  if (schema) await pool.query(`create schema if not exists ${schema}`);
  return new PostgresDatabase(pool);
}

class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params as unknown[])).rows as Row[];
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await work({
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as Row[],
      });
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
