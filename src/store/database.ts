import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL can be run on: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** The one database handle: PostgreSQL dialect everywhere, PGlite in-process or a PostgreSQL server. */
export interface Database extends Queryable {
  readonly dialect: 'pglite' | 'postgres';
  /** The connection pool's counts (a PostgreSQL server); absent for the one embedded connection. */
  readonly poolCounts?: (() => PoolCounts) | undefined;
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
  /**
   * Bounds on a server that does not answer (defaults 5 s, 10 s, and the statement timeout plus 2 s):
   * how long to wait for a connection (a free one in the pool or a new one), how long the server may
   * run one statement, and how long we wait for an answer when it says nothing at all.
   */
  readonly connectTimeoutMs?: number | undefined;
  readonly statementTimeoutMs?: number | undefined;
  readonly queryTimeoutMs?: number | undefined;
  /** Told of each file of the embedded database whose permissions could not be narrowed. */
  readonly onPermissionProblem?: ((problem: string) => void) | undefined;
  /** Told how long the server's work took, as this process saw it (a PostgreSQL server only). */
  readonly timings?: DatabaseTimings | undefined;
}

/**
 * Where a request's time goes on the way to PostgreSQL, in seconds: waiting for a pooled
 * connection, one statement on its own (its wait included), one transaction from its connection
 * to its commit's answer (failed ones are not reported). Seen from this process, so a busy event
 * loop counts too; set beside the server's own statement times, they tell the two apart.
 */
export interface DatabaseTimings {
  connectionWait(seconds: number): void;
  statement(seconds: number): void;
  transaction(seconds: number): void;
}

/** The pool's connections now: open, idle among them, and callers waiting for one. */
export interface PoolCounts {
  readonly open: number;
  readonly idle: number;
  readonly waiting: number;
}

const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** pg's own wording for a connection lost, refused in time or never answered; PGlite's for closed. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|timeout expired|not queryable|Cannot use a pool after calling end|PGlite is closed/i;

/**
 * Errors thrown by the database driver, so a refused connection elsewhere (an outbound HTTP call)
 * is never mistaken for the database being down.
 */
const FROM_DATABASE = new WeakSet<object>();

/** Marks an error as the database driver's and rethrows it. */
function fromDatabase(error: unknown): never {
  if (error !== null && typeof error === 'object') FROM_DATABASE.add(error);
  throw error;
}

/** True when `error` was thrown by a query, a connection or a transaction of a Database. */
export function cameFromDatabase(error: unknown): boolean {
  return error !== null && typeof error === 'object' && FROM_DATABASE.has(error);
}

/**
 * True when `error` (or its cause) says the database cannot be reached right now — refused,
 * reset, silent past a timeout, shutting down, out of connections, or a statement cancelled by
 * statement_timeout — rather than that the query was wrong. The HTTP edge answers these with 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string') {
      if (UNAVAILABLE_ERRNO.has(code)) return true;
      // 08: connection exception; 57P01-03: shutting down / cannot connect now; 53300: too many
      // connections; 57014: cancelled (statement_timeout).
      if (/^08...$|^57P0[123]$|^53300$|^57014$/.test(code)) return true;
    }
    if (UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/** True when PostgreSQL refused a text value it cannot store (a NUL character, bad encoding). */
export function isUnstorableText(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === '22021' || code === '22P05';
}

/**
 * The embedded database's folder (and DATA_DIR above it) readable by this user only: it holds the
 * sealed WhatsApp sessions and, beside it, the master key. Existing files created under a lax umask
 * (PGlite's are 0666 otherwise) lose their group and other bits.
 */
export function makePrivateDir(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return tighten(dir, 0o700);
}

/**
 * Takes group and other bits off (or sets `mode`); a path this user does not own (a mounted volume
 * owned by root) cannot be changed: that is reported, not fatal.
 */
function tighten(path: string, mode?: number): string | undefined {
  const current = statSync(path).mode & 0o7777;
  const wanted = mode ?? current & ~0o077;
  if (current === wanted) return undefined;
  try {
    chmodSync(path, wanted);
    return undefined;
  } catch (error) {
    return `${path} stays ${current.toString(8)}: ${(error as Error).message}`;
  }
}

function tightenTree(dir: string): string[] {
  const problems: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    const problem = tighten(path);
    if (problem) problems.push(problem);
    if (entry.isDirectory()) problems.push(...tightenTree(path));
  }
  return problems;
}

/** Opens the configured database: PostgreSQL when a URL is given, otherwise embedded PGlite. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.url) return openPostgres(target.url, target);
  const problems: string[] = [];
  if (target.dataDir) problems.push(...[makePrivateDir(target.dataDir) ?? []].flat());
  const lite = new PGlite(target.dataDir);
  await lite.waitReady;
  if (target.dataDir) problems.push(...tightenTree(target.dataDir));
  for (const problem of problems) target.onPermissionProblem?.(problem);
  return new PgliteDatabase(lite);
}

class PgliteDatabase implements Database {
  readonly dialect = 'pglite' as const;
  constructor(private readonly lite: PGlite) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.lite.query<Row>(sql, params as unknown[]).catch(fromDatabase)).rows;
  }

  // PGlite is one connection: it serialises transactions itself, so they never interleave.
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.lite.transaction(async (tx) =>
      work({
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<Row>(sql, params as unknown[]).catch(fromDatabase)).rows,
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
  const statementTimeoutMs = target.statementTimeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: target.poolSize ?? 20,
    connectionTimeoutMillis: target.connectTimeoutMs ?? 5_000,
    statement_timeout: statementTimeoutMs,
    // Client-side: a server gone silent (no RST, no answer) fails the query instead of hanging it.
    query_timeout: target.queryTimeoutMs ?? statementTimeoutMs + 2_000,
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  if (schema) await pool.query(`create schema if not exists ${schema}`);
  return new PostgresDatabase(pool, target.timings);
}

const secondsSince = (started: number): number => (performance.now() - started) / 1_000;

class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  constructor(
    private readonly pool: pg.Pool,
    private readonly timings: DatabaseTimings | undefined,
  ) {}

  readonly poolCounts = (): PoolCounts => ({
    open: this.pool.totalCount,
    idle: this.pool.idleCount,
    waiting: this.pool.waitingCount,
  });

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const started = performance.now();
    const result = await this.pool.query(sql, params as unknown[]).catch(fromDatabase);
    this.timings?.statement(secondsSince(started));
    return result.rows as Row[];
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const asked = performance.now();
    const client = await this.pool.connect().catch(fromDatabase);
    const connected = performance.now();
    this.timings?.connectionWait((connected - asked) / 1_000);
    // A connection lost between two statements is emitted as an 'error' event: unheard, it would
    // crash the process. The next statement fails with it instead (and the client is dropped).
    const ignore = (): void => undefined;
    client.on('error', ignore);
    const release = (err?: Error | boolean): void => {
      // A client dropped with an error keeps the listener: it may still emit while closing.
      if (!err) client.removeListener('error', ignore);
      client.release(err);
    };
    try {
      await client.query('begin').catch(fromDatabase);
      const result = await work({
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[]).catch(fromDatabase)).rows as Row[],
      });
      await client.query('commit').catch(fromDatabase);
      release();
      this.timings?.transaction(secondsSince(connected));
      return result;
    } catch (error) {
      if (cameFromDatabase(error) && isDatabaseUnavailable(error)) {
        // The connection is broken or silent: a rollback would wait for the same timeout again.
        // Dropping the connection rolls back on the server; the pool opens a fresh one later.
        release(error instanceof Error ? error : true);
        throw error;
      }
      await client.query('rollback').catch(() => undefined);
      release();
      throw error;
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
