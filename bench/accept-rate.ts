/**
 * API accept rate (issue 4): the real gateway (startGateway) on the embedded database and on a
 * PostgreSQL server, one after the other in one run, loaded over real HTTP from a separate process
 * (accept-load-worker.ts) over `concurrency` keep-alive connections. Per database, two runs on the
 * same gateway: saturation (closed loop: each client sends its next request when the last is
 * answered) gives the accept rate; then an open loop at the target rate gives the latency a client
 * sees at that rate. Afterwards every 202 must have left a stored message with its first event.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { startGateway, type Gateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrations.js';
import { runWorker } from './child-processes.js';
import { percentile } from './stats.js';

export const ACCEPT_DATABASES = ['pglite', 'postgres'] as const;
export type AcceptDatabase = (typeof ACCEPT_DATABASES)[number];

export interface AcceptRateOptions {
  readonly databases: readonly AcceptDatabase[];
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** postgres://… (a fresh schema is created in it and dropped afterwards). */
  readonly postgresUrl: string;
  readonly log: (line: string) => void;
}

export interface AcceptLatency {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** The accept-rate targets of issue 4, per database. */
export const ACCEPT_TARGET_RATE: Record<AcceptDatabase, number> = { pglite: 1_500, postgres: 3_000 };
export const ACCEPT_P99_LIMIT_MS = 50;

export interface AcceptSideResult {
  readonly database: AcceptDatabase;
  /** Closed loop: as fast as the gateway answers. */
  readonly saturation: AcceptRun;
  /** Open loop at the database's target rate. */
  readonly atTargetRate: AcceptRun & { readonly offeredPerSecond: number };
  /** 202s over both runs (warm-ups included), and the messages / first events stored afterwards: all three agree. */
  readonly accepted202: number;
  readonly storedMessages: number;
  readonly storedEvents: number;
}

export interface AcceptRun {
  /** 202s that completed inside the measured window, per second of it. */
  readonly acceptedPerSecond: number;
  readonly acceptedInWindow: number;
  readonly windowMs: number;
  /** Requests started in the window (all statuses). */
  readonly latencyMs: AcceptLatency;
  /** Status → count over the whole run (warm-up included); 0 = a transport error. */
  readonly statusCounts: Record<string, number>;
  readonly firstFailure?: string;
  readonly accepted202: number;
  /** Requests sent (warm-up included), whatever their outcome. */
  readonly requests: number;
  /** Open loop only: requests due but not sent, as the gateway was far behind (see the worker). */
  readonly dropped: number;
  /** The gateway process's CPU time over the window / wall time (1.0 = one core busy). */
  readonly gatewayCpuCores: number;
  readonly loadAverage: number[];
}

export interface AcceptRateResult {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly sides: AcceptSideResult[];
  readonly errors: string[];
}

const WORKER_SLACK_MS = 120_000;

export async function runAcceptRate(
  opts: AcceptRateOptions & { wrapDb?: (db: Database) => Database },
): Promise<AcceptRateResult> {
  const sides: AcceptSideResult[] = [];
  const errors: string[] = [];
  for (const database of opts.databases) {
    opts.log(
      `accept rate on ${database}: ${opts.concurrency} clients, ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s`,
    );
    try {
      sides.push(await measureOne(database, opts));
    } catch (err) {
      errors.push(`accept rate on ${database}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    concurrency: opts.concurrency,
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
    sides,
    errors,
  };
}

/** A gateway on a fresh database of this kind, and how to throw it all away. */
interface BenchGateway {
  readonly gateway: Gateway;
  readonly db: Database;
  dispose(): Promise<void>;
}

/** Exported for the throughput part, which runs the same gateway against the simulator. */
export async function startBenchGateway(
  database: AcceptDatabase,
  postgresUrl: string,
  env: Record<string, string> = {},
  /** Experiments: wrap the database the gateway uses (e.g. to count or time statements). */
  wrapDb: (db: Database) => Database = (db) => db,
): Promise<BenchGateway> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zapgate-bench-gw-'));
  let db: Database | undefined;
  let schema: string | undefined;
  const dropSchema = async (): Promise<void> => {
    if (!schema) return;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  };
  try {
    if (database === 'postgres') {
      schema = `bench_${randomBytes(6).toString('hex')}`;
      db = await openDatabase({ url: postgresUrl, schema });
    } else {
      db = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    }
    await migrate(db);
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      // What a deployment logs (info): nothing per request, as in production.
      LOG_LEVEL: 'info',
      ...env,
    });
    // Warnings and errors only: the bench's own output stays readable.
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const gateway = await startGateway(config, { logger, db: wrapDb(db) });
    const opened = db;
    return {
      gateway,
      db: opened,
      async dispose() {
        await gateway.stop();
        await opened.close();
        await dropSchema();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    await dropSchema().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** A business with its API key and default channel, made through the API as support would. */
export async function createBusiness(
  gateway: Gateway,
  name: string,
): Promise<{ tenantId: string; apiKey: string; channelId: string }> {
  const admin = await gateway.tenants.bootstrapAdmin();
  const adminKey = admin?.apiKey ?? (await gateway.tenants.createOperator('Bench', 'admin')).apiKey;
  const response = await fetch(`${gateway.url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, timeZone: 'America/Sao_Paulo', language: 'pt-BR' }),
    signal: AbortSignal.timeout(20_000),
  });
  const json = (await response.json()) as {
    tenant?: { id: string };
    apiKey?: string;
    channelId?: string;
  };
  if (response.status !== 201 || !json.tenant || !json.apiKey || !json.channelId)
    throw new Error(`creating a business: ${response.status} ${JSON.stringify(json)}`);
  return { tenantId: json.tenant.id, apiKey: json.apiKey, channelId: json.channelId };
}

async function measureOne(
  database: AcceptDatabase,
  opts: AcceptRateOptions & { wrapDb?: (db: Database) => Database },
): Promise<AcceptSideResult> {
  const bench = await startBenchGateway(database, opts.postgresUrl, {}, opts.wrapDb);
  try {
    const business = await createBusiness(bench.gateway, `Accept ${database}`);
    // The channel is never linked: accepted messages stay queued and the dispatcher sends nothing.
    const describe = (label: string, run: AcceptRun): string =>
      `accept rate on ${database}, ${label}: ${run.acceptedPerSecond.toFixed(0)}/s, p50 ${run.latencyMs.p50.toFixed(1)} ms, ` +
      `p99 ${run.latencyMs.p99.toFixed(1)} ms, gateway CPU ${run.gatewayCpuCores.toFixed(2)} cores, load ${run.loadAverage.join(' ')}`;
    const saturation = await loadRun(bench, business.apiKey, `${database}-s`, opts);
    opts.log(describe('saturation', saturation));
    const offered = ACCEPT_TARGET_RATE[database];
    const atTarget = await loadRun(bench, business.apiKey, `${database}-r`, opts, offered);
    opts.log(describe(`open loop at ${offered}/s`, atTarget));
    const [stored] = await bench.db.query<{ messages: string | number; events: string | number }>(
      `select (select count(*) from messages where tenant_id = $1) as messages,
              (select count(*) from message_events where tenant_id = $1 and status = 'queued') as events`,
      [business.tenantId],
    );
    const accepted202 = saturation.accepted202 + atTarget.accepted202;
    const storedMessages = Number(stored?.messages ?? 0);
    const storedEvents = Number(stored?.events ?? 0);
    // Every 202 is stored; a request that failed on the client's side (timed out) may be stored too.
    const requests = saturation.requests + atTarget.requests;
    if (storedMessages < accepted202 || storedEvents !== storedMessages || storedMessages > requests)
      throw new Error(
        `${accepted202} of ${requests} requests got 202 but ${storedMessages} messages and ${storedEvents} first events are stored`,
      );
    return {
      database,
      saturation,
      atTargetRate: { ...atTarget, offeredPerSecond: offered },
      accepted202,
      storedMessages,
      storedEvents,
    };
  } finally {
    await bench.dispose();
  }
}

/** One load-worker run against the gateway: warm-up, then the measured window. */
async function loadRun(
  bench: BenchGateway,
  apiKey: string,
  runId: string,
  opts: AcceptRateOptions,
  rate?: number,
): Promise<AcceptRun> {
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let wallAtStart = 0;
  let cpuCores = Number.NaN;
  const result = await runWorker({
    script: 'bench/accept-load-worker.ts',
    args: [
      '--url',
      bench.gateway.url,
      '--key',
      apiKey,
      '--concurrency',
      String(opts.concurrency),
      '--warmup-ms',
      String(opts.warmupMs),
      '--duration-ms',
      String(opts.durationMs),
      '--run-id',
      runId,
      ...(rate === undefined ? [] : ['--rate', String(rate)]),
    ],
    deadlineMs: opts.warmupMs + opts.durationMs + WORKER_SLACK_MS,
    label: `accept load ${runId}`,
    onProgress: (message) => {
      if (message.phase === 'measuring') {
        cpuAtStart = process.cpuUsage();
        wallAtStart = performance.now();
      } else if (message.phase === 'done' && cpuAtStart) {
        const used = process.cpuUsage(cpuAtStart);
        cpuCores = (used.user + used.system) / 1000 / (performance.now() - wallAtStart);
      }
    },
  });
  const latencies = (result.latenciesMs as number[]).slice().sort((a, b) => a - b);
  const windowMs = Number(result.windowMs);
  const sum = latencies.reduce((a, v) => a + v, 0);
  return {
    acceptedPerSecond: (Number(result.completedInWindow) / windowMs) * 1000,
    acceptedInWindow: Number(result.completedInWindow),
    windowMs,
    latencyMs: {
      n: latencies.length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      mean: latencies.length ? sum / latencies.length : Number.NaN,
    },
    statusCounts: result.statusCounts as Record<string, number>,
    ...(typeof result.firstFailure === 'string' ? { firstFailure: result.firstFailure } : {}),
    accepted202: Number(result.accepted202),
    requests: Number(result.requests),
    dropped: Number(result.dropped ?? 0),
    gatewayCpuCores: cpuCores,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
