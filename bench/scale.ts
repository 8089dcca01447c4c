/**
 * Part `scale` (issue 9): the WHOLE gateway at N linked sessions, driven over HTTP as a user would.
 *
 * The simulator runs in its own process; the gateway runs as `src/cli.ts start` in its own process
 * (the Node binary is a parameter, so Node 20 and Node 24 can be measured back to back in one run)
 * on a fresh PostgreSQL database, with its defaults: no forced GC, default keep-alive, default
 * restore stagger. Every business is created through the API and its channel linked the way a
 * business links it (QR from the API, scanned by a simulator phone), so nothing is measured on the
 * driver alone. Figures read from outside the process: RSS and CPU from /proc, heap and event-loop
 * delay from the gateway's own /metrics (prom-client resets the loop histogram at each scrape, so
 * two scrapes bound a window), latencies by a load worker in a third process.
 *
 * Not done here (said in bench/README.md): auth states are not reused between runs (the simulator
 * keeps its registry in memory, so each run links its devices again), and the delivered/s figure
 * has no raw-Baileys side in this part (the `throughput` part has that comparison at 100 channels).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { REPO_ROOT, forwardStderr, runWorker } from './child-processes.js';
import { ControlClient } from './control-client.js';
import {
  startSimulatorProcess,
  type SimulatorEndpoint,
  type SimulatorFlags,
  type SimulatorProcess,
} from './simulator-process.js';
import { percentile } from './stats.js';
import { TEXT, rawSides, recipientIndex } from './throughput.js';

const ORPHAN_GUARD = pathToFileURL(path.join(REPO_ROOT, 'bench', 'orphan-guard.ts')).href;
const METRICS_TOKEN = 'bench-metrics-token-0123456789';
/** `POST /v1/messages` load for the accept figures, open loop, at 0 and at N sessions alike. */
const ACCEPT_RATE = 300;
/** Each accept window: a p99 over ~4,500 answers. */
const ACCEPT_SECONDS = 15;
/**
 * Windows per side; a side's p50 and p99 are the medians of its windows'. On this shared VM a
 * commit now and then waits ~100 ms outside the gateway (its event loop's longest delay stays
 * ~35 ms meanwhile), on either side: one such pause in one window moved a single window's p99 by
 * 2x, so one window's figure said more about the disk than about N.
 */
const ACCEPT_WINDOWS = 3;

export interface ScaleOptions {
  readonly sessions: number;
  /** Node binaries to run the gateway with, measured one after the other. */
  readonly nodeBinaries: readonly string[];
  /** SESSION_THREADS values to run each binary with, one side each (default: the gateway's own). */
  readonly sessionThreads?: readonly number[];
  readonly postgresUrl: string;
  readonly linkConcurrency: number;
  readonly throughputChannels: number;
  readonly throughputPerChannel: number;
  readonly idleSeconds: number;
  /** Extra V8/Node flags for the gateway process (e.g. `--max-semi-space-size=64`), to compare GC settings. */
  readonly gatewayFlags?: readonly string[] | undefined;
  /** The simulator process's CPU niceness (see SimulatorFlags.niceness); 0 or absent: as the bench's own. */
  readonly simulatorNiceness?: number | undefined;
  /** Write a heap snapshot of the idle gateway (and a CPU profile of its life) to this folder. */
  readonly profileDir?: string | undefined;
  /**
   * Where linked devices are kept between runs (the simulator's state file, the bench's own state,
   * the gateway's data folder); the database is `zapgate_bench_scale_<sessions>` on the server.
   */
  readonly stateDir: string;
  /** Link every device anew even when a previous run's devices could be reused. */
  readonly fresh: boolean;
  /** Linking stops after this many minutes; the measurements run on what is linked, the next run links on. */
  readonly linkMinutes: number;
  readonly log: (line: string) => void;
}

export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * One of a window's slowest requests: when it was due (ms into the window), how long it took, and
 * how late the load generator sent it.
 */
interface SlowRequest {
  readonly dueMs: number;
  readonly ms: number;
  readonly lateMs?: number;
}

/** What the accept load generator reports of one window. */
interface AcceptMeasure extends Latency {
  readonly rps: number;
  /** Answers by status in the window. */
  readonly statuses?: Record<string, number>;
  readonly slowest?: readonly SlowRequest[];
  /** The load generator's own longest event-loop delay in the window. */
  readonly generatorLoopMaxMs?: number;
}

export interface ScaleSide {
  readonly node: string;
  /** SESSION_THREADS this side ran with (undefined: the gateway's default). */
  readonly sessionThreads?: number;
  readonly nodeVersion: string;
  readonly sessions: number;
  readonly linked: number;
  /** Whether this run restored a previous run's devices (else it linked them, and why). */
  readonly reused: boolean;
  readonly reusedCount: number;
  readonly relinkReason: string | undefined;
  /** When and on which Node the devices were linked (the link latencies are that run's). */
  readonly linkedOn: string;
  readonly rssBaseMb: number;
  readonly rssMb: number;
  readonly rssPerSessionMb: number;
  /** Every isolate's heap: the main thread's and the session threads'. */
  readonly heapUsedMb: number;
  /** Of which in session threads (0 with SESSION_THREADS=0). */
  readonly heapThreadsMb?: number;
  readonly heapPerSessionMb: number;
  readonly idleCpuCores: number;
  /** The same by thread name (see threadCpuSeconds), in cores. */
  readonly idleCpuByThread?: Readonly<Record<string, number>>;
  /**
   * The simulator's CPU over the same idle interval, in cores: it answers every session's keep-alive
   * on the same cores (in production WhatsApp's servers do, elsewhere).
   */
  readonly simulatorIdleCpuCores?: number;
  readonly loopP99IdleMs: number;
  readonly loopP99LoadMs: number;
  /** The session threads' own event loops (the worst thread), idle and under the throughput load. */
  readonly threadLoopP99IdleMs?: number;
  readonly threadLoopP99LoadMs?: number;
  /** Medians over ACCEPT_WINDOWS windows (each window's own figures in `windows`). */
  readonly acceptAt0: Latency & { readonly rps: number; readonly windows?: readonly AcceptWindow[] };
  readonly acceptAtN: Latency & { readonly rps: number; readonly windows?: readonly AcceptWindow[] };
  /** Garbage collection in the gateway during the accept-at-N window, by kind: pauses and their seconds. */
  readonly gcDuringAcceptAtN: Record<string, { readonly count: number; readonly seconds: number }>;
  /** The same on the 0-session gateway. */
  readonly gcDuringAcceptAt0: Record<string, { readonly count: number; readonly seconds: number }>;
  readonly gatewayFlags: readonly string[];
  /** The simulator's CPU niceness in this run (0: the bench's own priority). */
  readonly simulatorNiceness: number;
  /** Links one at a time (LINK_PROBE_LINKS each), scan → connected, at 0 sessions and at N, this run. */
  readonly linkProbeAt0: Latency & { readonly failures: number };
  readonly linkProbeAtN: Latency & { readonly failures: number };
  /** The setup's links (16 at once), first and last 100, as saved by the run that linked them. */
  readonly linkFirst100: Latency;
  readonly linkLast100: Latency;
  readonly throughput: { readonly messages: number; readonly delivered: number; readonly perSecond: number };
  /** The same messages from as many plain Baileys sockets (awaiting each send; and also its server ack). */
  readonly raw: {
    readonly perSecond: number;
    readonly delivered: number;
    readonly ackPerSecond: number;
    readonly ackDelivered: number;
    readonly error?: string;
  };
  /** Load average (1, 5, 15 min) as each figure started to be measured. */
  readonly loads: Record<string, number[]>;
  readonly stopMs: number;
  readonly restoreMs: number;
  readonly restoreFailed: number;
  readonly restorePeakRssMb: number;
  readonly linkFailures: number;
  readonly retries503: number;
  readonly error?: string;
}

export interface AcceptWindow {
  readonly p50: number;
  readonly p99: number;
  /** The gateway's longest event-loop delay in the window. */
  readonly loopMaxMs: number;
  /**
   * Keep-alive pings the simulator answered in the window's busiest second, and on average a second
   * (a herd of pings shows as a peak far above the average).
   */
  readonly pingsPeakPerSecond?: number;
  readonly pingsMeanPerSecond?: number;
  /** The simulator's own longest event-loop delay in the window (its pongs wait that long). */
  readonly simulatorLoopMaxMs?: number;
  /** Sessions that reconnected in the window (a socket lost and opened again costs a handshake). */
  readonly reconnects?: number;
  /** The gateway's PostgreSQL transactions and their waits for a connection in the window. */
  readonly database?: { readonly transactions: HistogramTail; readonly connectionWaits: HistogramTail };
  /** CPU time the hypervisor gave to other guests in the window (steal), in core-seconds. */
  readonly stealSeconds?: number;
}

/** Of a histogram's observations in a window: how many, how many over 25 and 50 ms, the p99's bucket. */
export interface HistogramTail {
  readonly count: number;
  readonly over25ms: number;
  readonly over50ms: number;
  /** The upper bound (ms) of the bucket holding the 99th percentile. */
  readonly p99AtMostMs: number;
}

export interface ScaleResult {
  readonly sessions: number;
  readonly sides: ScaleSide[];
}

export async function runScale(opts: ScaleOptions): Promise<ScaleResult> {
  const sides: ScaleSide[] = [];
  for (const node of opts.nodeBinaries)
    for (const threads of opts.sessionThreads ?? [undefined]) {
      // Every gateway child of this side (setup, 0 sessions, N sessions) inherits it.
      if (threads === undefined) delete process.env.SESSION_THREADS;
      else process.env.SESSION_THREADS = String(threads);
      const side = await oneSide(opts, node);
      sides.push(threads === undefined ? side : { ...side, sessionThreads: threads });
    }
  return { sessions: opts.sessions, sides };
}

function nodeVersion(binary: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => resolve(out.trim()));
    child.on('error', () => resolve('unknown'));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface GatewayChild {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminKey: string | undefined;
  readonly exited: Promise<void>;
}

/** Each measured gateway's log is kept up to this size. */
const GATEWAY_LOG_CAP_BYTES = 20 * 1024 * 1024;

async function startGatewayChild(
  node: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
  firstStart = true,
  logFile?: string,
): Promise<GatewayChild> {
  const port = await freePort();
  const args = [...nodeFlags, '--import', 'tsx', '--import', ORPHAN_GUARD, 'src/cli.ts', 'start'];
  const child = spawn(node, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  forwardStderr(child, '[gateway]');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let printedKey: string | undefined;
  // Its log (warnings and worse: reconnects, lost connections) kept for reading after a run, capped.
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  let logged = 0;
  child.stdout.on('data', (d: Buffer) => {
    // The admin key is caught as it is printed; of the rest only the last ~10,000 characters are
    // kept (flags such as --trace-gc print far more, from before the key on).
    out += d.toString();
    printedKey ??= /admin API key[^\n]*\n\s*(\S+)/.exec(out)?.[1];
    if (out.length > 20_000) out = out.slice(-10_000);
    if (log && logged < GATEWAY_LOG_CAP_BYTES) {
      logged += d.length;
      log.write(d);
    }
  });
  child.once('exit', () => log?.end());
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited: ${out.slice(0, 2000)}`);
    try {
      if ((await fetch(`${url}/openapi.json`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the gateway did not answer within 60 s');
    await sleep(100);
  }
  // The first start prints the admin key just after it starts listening.
  let key: string | undefined;
  for (let waited = 0; firstStart && waited < 5_000 && !key; waited += 100) {
    key = printedKey;
    if (!key) await sleep(100);
  }
  return { child, url, adminKey: key, exited };
}

/** User + system CPU seconds in a /proc `stat` line (a process's or a thread's). */
function cpuSecondsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after the ") " split.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function procStat(pid: number): { cpuSeconds: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: cpuSecondsOf(readFileSync(`/proc/${pid}/stat`, 'utf8')), rssMb: rssKb / 1024 };
}

/**
 * CPU seconds by thread name (/proc/PID/task/TID/comm): `MainThread`, `zapgate-session` (the session
 * threads), `V8Worker` (V8's helpers: parallel scavenges, concurrent marking), libuv's pool.
 */
function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      const seconds = cpuSecondsOf(readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8'));
      byName.set(name, (byName.get(name) ?? 0) + seconds);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byName;
}

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line) continue;
    // `name{labels} value`: a labelled series is kept under its whole key.
    const at = line.lastIndexOf(' ');
    if (at > 0) values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

/** Every labelled series of `name` (one per session thread, say): their values. */
function seriesValues(values: Map<string, number>, name: string): number[] {
  return [...values].filter(([series]) => series.startsWith(`${name}{`)).map(([, value]) => value);
}

/** How much each labelled series of a counter grew between two scrapes (series that did not grow left out). */
function seriesDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [series, value] of after) {
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    const delta = value - (before.get(series) ?? 0);
    if (delta > 0) grown[series.slice(name.length) || 'all'] = delta;
  }
  return grown;
}

/**
 * ACCEPT_WINDOWS accept windows on one gateway: each logged (p50, p99, the gateway's longest loop
 * delay, the slowest requests), the side's figure the medians of the windows' p50 and p99, GC over
 * all of them.
 */
async function acceptWindows(
  url: string,
  key: string,
  label: string,
  control: ControlClient,
  log: (line: string) => void,
): Promise<{
  accept: Latency & {
    rps: number;
    statuses?: Record<string, number>;
    windows: AcceptWindow[];
  };
  gc: ReturnType<typeof gcBetween>;
}> {
  const before = await metrics(url);
  const measures: Awaited<ReturnType<typeof acceptLatency>>[] = [];
  // Each window as the side's result keeps it: the gateway's and the machine's figures beside the latency.
  const windows: AcceptWindow[] = [];
  let after = before;
  for (let w = 0; w < ACCEPT_WINDOWS; w++) {
    const startedAt = Date.now();
    const stealBefore = stealSeconds();
    const one = await acceptLatency(url, key, ACCEPT_RATE, ACCEPT_SECONDS);
    const steal = round(stealSeconds() - stealBefore, 2);
    const previous = after;
    after = await metrics(url);
    const loopMaxMs = round((after.get('zapgate_nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000);
    const pace = await keepAlivePaceIn(control, startedAt, Date.now());
    const reconnects = seriesDelta(previous, after, 'zapgate_session_reconnects_total');
    const transactions = histogramTail(previous, after, 'zapgate_db_transaction_seconds');
    const window: AcceptWindow = {
      p50: one.p50,
      p99: one.p99,
      loopMaxMs,
      ...pace.figures,
      reconnects: Object.values(reconnects).reduce((a, b) => a + b, 0),
      ...(transactions.count > 0
        ? {
            database: {
              transactions,
              connectionWaits: histogramTail(previous, after, 'zapgate_db_connection_wait_seconds'),
            },
          }
        : {}),
      stealSeconds: steal,
    };
    log(
      `scale: accept ${label}, window ${w + 1}: p50 ${one.p50} ms p99 ${one.p99} ms; ${tailFacts(one, loopMaxMs)}; ${databaseFacts(window)}; ${pace.text}; reconnects ${JSON.stringify(reconnects)}`,
    );
    measures.push(one);
    windows.push(window);
  }
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  const statuses: Record<string, number> = {};
  for (const one of measures)
    for (const [status, n] of Object.entries(one.statuses ?? {}))
      statuses[status] = (statuses[status] ?? 0) + n;
  return {
    accept: {
      n: measures.reduce((sum, one) => sum + one.n, 0),
      p50: median(measures.map((one) => one.p50)),
      p99: median(measures.map((one) => one.p99)),
      rps: round(measures.reduce((sum, one) => sum + one.rps, 0) / measures.length),
      statuses,
      windows,
    },
    gc: gcBetween(before, after),
  };
}

/**
 * The simulator's keep-alive pings per second in a window: the peak, the mean, the busiest seconds
 * (for the log) and the simulator's own longest loop delay. Undefined figures when it cannot say.
 */
async function keepAlivePaceIn(
  control: ControlClient,
  fromMs: number,
  toMs: number,
): Promise<{
  text: string;
  figures: Pick<AcceptWindow, 'pingsPeakPerSecond' | 'pingsMeanPerSecond' | 'simulatorLoopMaxMs'>;
}> {
  try {
    const seconds = await control.keepAlivePace(fromMs, toMs);
    if (!seconds.length) return { text: 'simulator pace: no seconds', figures: {} };
    const pings = seconds.map((s) => s.pings);
    const figures = {
      pingsPeakPerSecond: Math.max(...pings),
      pingsMeanPerSecond: round(pings.reduce((a, b) => a + b, 0) / pings.length),
      simulatorLoopMaxMs: Math.max(...seconds.map((s) => s.loopMaxMs)),
    };
    const busiest = [...seconds]
      .sort((a, b) => b.pings - a.pings)
      .slice(0, 3)
      .map((s) => `+${round((s.at - fromMs) / 1000)} s: ${s.pings}`)
      .join(', ');
    return {
      text: `simulator: pings/s mean ${figures.pingsMeanPerSecond} peak ${figures.pingsPeakPerSecond} (${busiest}), its loop delay max ${figures.simulatorLoopMaxMs} ms`,
      figures,
    };
  } catch (err) {
    return { text: `simulator pace unknown (${(err as Error).message})`, figures: {} };
  }
}

/**
 * Where a window's tail sits: the gateway's loop delay, the load generator's own, and the slowest
 * requests by when they were due, each with how late the generator sent it (a stall of the
 * generator's shows as slow requests that left late).
 */
function tailFacts(accept: Pick<AcceptMeasure, 'slowest' | 'generatorLoopMaxMs'>, loopMaxMs: number): string {
  const generator =
    accept.generatorLoopMaxMs === undefined ? '' : `, load generator's ${accept.generatorLoopMaxMs} ms`;
  return `loop delay max ${loopMaxMs} ms${generator}; slowest (due ms into the window: ms, sent late by) ${(
    accept.slowest ?? []
  )
    .map((x) => `${x.dueMs}: ${x.ms}${x.lateMs === undefined ? '' : ` (${x.lateMs})`}`)
    .join(', ')}`;
}

/** A Prometheus histogram's observations between two scrapes, read off its cumulative buckets. */
function histogramTail(before: Map<string, number>, after: Map<string, number>, name: string): HistogramTail {
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [key, value] of after) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(key);
    if (m)
      buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: value - (before.get(key) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  const over = (seconds: number) => count - (buckets.find((b) => b.le === seconds)?.count ?? count);
  const p99 = buckets.find((b) => b.count >= count * 0.99)?.le ?? NaN;
  return { count, over25ms: over(0.025), over50ms: over(0.05), p99AtMostMs: p99 * 1000 };
}

/** The machine's CPU steal so far (all cores), in seconds: time the hypervisor ran someone else. */
function stealSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // cpu user nice system idle iowait irq softirq steal: steal is the 8th figure, in 1/100 s.
  return Number(cpu[8] ?? 0) / 100;
}

function databaseFacts(window: Pick<AcceptWindow, 'database' | 'stealSeconds'>): string {
  const { database: db, stealSeconds: steal } = window;
  const tail = (t: HistogramTail) =>
    `${t.count}, ${t.over25ms} over 25 ms, ${t.over50ms} over 50 ms, p99 ≤ ${t.p99AtMostMs} ms`;
  const facts = db
    ? `database: transactions ${tail(db.transactions)}; connection waits ${tail(db.connectionWaits)}`
    : 'database: no timings';
  return `${facts}; CPU steal ${steal ?? '?'} s`;
}

/** GC pauses between two scrapes of prom-client's `nodejs_gc_duration_seconds` histogram, by kind. */
function gcBetween(before: Map<string, number>, after: Map<string, number>) {
  const byKind: Record<string, { count: number; seconds: number }> = {};
  for (const [key, value] of after) {
    const m = /^zapgate_nodejs_gc_duration_seconds_(count|sum)\{kind="(\w+)"\}$/.exec(key);
    if (!m) continue;
    const entry = (byKind[m[2]!] ??= { count: 0, seconds: 0 });
    const delta = value - (before.get(key) ?? 0);
    if (m[1] === 'count') entry.count = delta;
    else entry.seconds = round(delta, 4);
  }
  return byKind;
}

function summary(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function api(
  url: string,
  method: string,
  route: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const response = await fetch(url + route, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

async function acceptLatency(
  url: string,
  key: string,
  rate: number,
  seconds: number,
): Promise<AcceptMeasure & { error?: string }> {
  try {
    return await acceptLatencyOnce(url, key, rate, seconds);
  } catch (err) {
    // One failed phase does not lose the rest of the run's figures.
    return { n: 0, p50: NaN, p99: NaN, rps: 0, error: String(err) };
  }
}

async function acceptLatencyOnce(url: string, key: string, rate: number, seconds: number) {
  const result = await runWorker({
    script: 'bench/accept-load-worker.ts',
    args: [
      '--url',
      url,
      '--key',
      key,
      '--concurrency',
      '50',
      '--warmup-ms',
      '2000',
      '--duration-ms',
      String(seconds * 1000),
      '--rate',
      String(rate),
      // New idempotency keys every time: the same keys on a saved database are answered as replays
      // (200, the message already accepted), which is not what an accept costs.
      '--run-id',
      randomBytes(6).toString('hex'),
    ],
    deadlineMs: seconds * 1000 + 60_000,
    label: 'accept load',
  });
  const latencies = result.latenciesMs as number[];
  return {
    ...summary(latencies),
    rps: Number(result.completedInWindow) / seconds,
    slowest: result.slowest as SlowRequest[],
    generatorLoopMaxMs: result.ownLoopMaxMs as number | undefined,
    // Answers by status in the window: a p99 over refusals or failures (0) is not an accept latency.
    statuses: result.windowStatuses as Record<string, number>,
  };
}

/** What a linking run leaves for the next runs (beside the simulator's state file and the database). */
interface BenchState {
  readonly version: 2;
  readonly sessions: number;
  readonly database: string;
  readonly masterKey: string;
  readonly adminKey: string;
  /** The accept figure's business: its channel is never linked. */
  readonly probe: { channelId: string; apiKey: string };
  /** In link order; only devices the simulator's state file holds. */
  readonly businesses: { channelId: string; apiKey: string; phone: string }[];
  /** The next business phone's index (failed links use up theirs). */
  nextIndex: number;
  /** Over every run that linked (a time-bounded run leaves the rest to the next). */
  readonly linking: {
    at: string;
    nodeVersion: string;
    seconds: number;
    failures: number;
    /** Scan → connected, ms, of each device in `businesses`, in link order. */
    readonly times: number[];
    loadAverage: number[];
  };
  /** Measuring runs so far: each run's recipients and raw senders are new phones. */
  runs: number;
}

interface Prepared {
  readonly state: BenchState;
  readonly sim: SimulatorProcess;
  readonly reused: boolean;
  readonly reason: string | undefined;
  /** How many devices were restored from a previous run (the rest were linked by this one). */
  readonly reusedCount: number;
}

const stateFiles = (opts: ScaleOptions) => {
  const dir = path.join(opts.stateDir, `sessions-${opts.sessions}`);
  return {
    dir,
    bench: path.join(dir, 'bench-state.json'),
    simulator: path.join(dir, 'simulator-state.jsonl'),
    gatewayData: path.join(dir, 'gateway-data'),
  };
};

/** Devices linked between two saves of the simulator's state file. */
const CHECKPOINT_LINKS = 1_000;

const databaseUrl = (postgresUrl: string, database: string): string => {
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

const loadAverage = (): number[] => os.loadavg().map((l) => round(l, 2));

function gatewayEnv(
  opts: ScaleOptions,
  sim: SimulatorEndpoint,
  database: string,
  masterKey: string,
  dataDir: string,
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl(opts.postgresUrl, database),
    MASTER_KEY: masterKey,
    WA_SERVER_URL: sim.protocolUrl,
    WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
    METRICS_TOKEN,
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
  };
}

/** Creates a business through the admin API, following 503 + Retry-After as a client would. */
async function newBusiness(
  url: string,
  adminKey: string,
  name: string,
  counters: { retries503: number },
): Promise<{ channelId: string; apiKey: string }> {
  const body = { name, timeZone: 'UTC', language: 'en' };
  let created = await api(url, 'POST', '/v1/tenants', adminKey, body);
  for (let retry = 0; created.status === 503 && retry < 5; retry++) {
    counters.retries503++;
    await sleep(2_000);
    created = await api(url, 'POST', '/v1/tenants', adminKey, body);
  }
  if (created.status !== 201)
    throw new Error(`create business: ${created.status} ${JSON.stringify(created.json)}`);
  return created.json as unknown as { channelId: string; apiKey: string };
}

/**
 * The devices of a previous run, when everything they need is still there and agrees (the bench
 * state, the simulator's state file with every business phone's device, the database with every
 * channel); otherwise why not, and a new registry and database linked through the API.
 */
async function prepare(opts: ScaleOptions, node: string, admin: pg.Client): Promise<Prepared> {
  const files = stateFiles(opts);
  await mkdir(files.dir, { recursive: true });
  let reason: string | undefined;
  let state: BenchState | undefined;
  if (opts.fresh) reason = 'asked for (--scale-fresh)';
  else if (!existsSync(files.bench)) reason = `no saved run in ${files.dir}`;
  else {
    state = JSON.parse(readFileSync(files.bench, 'utf8')) as BenchState;
    if (state.version !== 2 || state.sessions !== opts.sessions)
      reason = `the saved run (format ${state.version}) is of ${state.sessions} sessions, not ${opts.sessions}`;
    else if (!existsSync(files.simulator)) reason = `the simulator state file ${files.simulator} is missing`;
    else if (!(await databaseExists(admin, state.database)))
      reason = `the database ${state.database} is missing`;
    else {
      const db = new pg.Client({ connectionString: databaseUrl(opts.postgresUrl, state.database) });
      await db.connect();
      try {
        const { rows } = await db.query<{ n: number }>(
          `select count(*)::int as n from channels where id = any($1::text[])`,
          [state.businesses.map((b) => b.channelId)],
        );
        const found = Number(rows[0]?.n ?? 0);
        if (found !== state.businesses.length)
          reason = `the database holds ${found} of the saved run's ${state.businesses.length} channels`;
      } finally {
        await db.end();
      }
    }
  }
  if (!reason && state) {
    const sim = await startSimulatorProcess(simulatorFlags(opts, files.simulator));
    const phones = new Set(state.businesses.map((b) => b.phone));
    const control = new ControlClient(sim.controlUrl, 120_000);
    let linked = 0;
    const list = [...phones];
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = w; i < list.length; i += 16) {
          const devices = await control.linkedDevices(list[i]!).catch(() => []);
          if (devices.length > 0) linked++;
        }
      }),
    );
    if (sim.state?.loaded && linked === phones.size) {
      opts.log(
        `scale: reusing ${state.businesses.length} linked devices (linked up to ${state.linking.at} on ` +
          `${state.linking.nodeVersion}; simulator state: ${sim.state.accounts} accounts, ${sim.state.devices} devices)`,
      );
      const reusedCount = state.businesses.length;
      if (reusedCount < opts.sessions && opts.linkMinutes > 0) {
        opts.log(`scale: linking the remaining ${opts.sessions - reusedCount} devices`);
        try {
          await linkDevices(opts, node, files, state, sim);
        } catch (err) {
          await sim.stop(600_000);
          throw err;
        }
      }
      return { state, sim, reused: true, reason: undefined, reusedCount };
    }
    reason = `the simulator state holds a device for ${linked} of the saved run's ${phones.size} business phones`;
    await sim.stop(600_000);
  }
  opts.log(`scale: linking ${opts.sessions} devices anew: ${reason}`);
  const fresh = await startAnew(opts, node, admin, files);
  try {
    await linkDevices(opts, node, files, fresh.state, fresh.sim);
  } catch (err) {
    await fresh.sim.stop(600_000);
    throw err;
  }
  return { ...fresh, reused: false, reason, reusedCount: 0 };
}

function simulatorFlags(opts: Pick<ScaleOptions, 'simulatorNiceness'>, stateFile: string): SimulatorFlags {
  return { deliveryDelayMs: 20, stateFile, maxOldSpaceMb: 16_384, niceness: opts.simulatorNiceness };
}

async function databaseExists(admin: pg.Client, database: string): Promise<boolean> {
  const { rows } = await admin.query(`select 1 from pg_database where datname = $1`, [database]);
  return rows.length > 0;
}

/** A new database and simulator registry, nothing linked yet (what a first run starts from). */
async function startAnew(
  opts: ScaleOptions,
  node: string,
  admin: pg.Client,
  files: ReturnType<typeof stateFiles>,
): Promise<{ state: BenchState; sim: SimulatorProcess }> {
  const database = `zapgate_bench_scale_${opts.sessions}`;
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  await rm(files.simulator, { force: true });
  await rm(files.bench, { force: true });
  await rm(files.gatewayData, { recursive: true, force: true });
  const sim = await startSimulatorProcess(simulatorFlags(opts, files.simulator));
  const masterKey = randomBytes(32).toString('base64');
  try {
    const gateway = await startGatewayChild(
      node,
      gatewayEnv(opts, sim, database, masterKey, files.gatewayData),
    );
    try {
      const adminKey = gateway.adminKey;
      if (!adminKey) throw new Error('the gateway printed no admin key');
      const probe = await newBusiness(gateway.url, adminKey, 'Accept probe', { retries503: 0 });
      const state: BenchState = {
        version: 2,
        sessions: opts.sessions,
        database,
        masterKey,
        adminKey,
        probe,
        businesses: [],
        nextIndex: 0,
        linking: {
          at: new Date().toISOString(),
          nodeVersion: await nodeVersion(node),
          seconds: 0,
          failures: 0,
          times: [],
          loadAverage: loadAverage(),
        },
        runs: 0,
      };
      return { state, sim };
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
  } catch (err) {
    await sim.stop(600_000);
    throw err;
  }
}

/**
 * One business as a person links it: created through the admin API, its QR read from the API and
 * scanned by a new simulator phone. Times scan → `connected` (polled every 25 ms), as every link
 * figure of this part does.
 */
async function linkBusiness(
  url: string,
  adminKey: string,
  control: ControlClient,
  name: string,
  phone: string,
  counters: { retries503: number },
): Promise<{ business: { channelId: string; apiKey: string }; ms: number }> {
  const business = await newBusiness(url, adminKey, name, counters);
  await control.createPhone({ phone, business: true });
  const qrDeadline = Date.now() + 60_000;
  let qr: string | undefined;
  while (!qr) {
    const r = await api(url, 'GET', `/v1/channels/${business.channelId}/qr?format=raw`, business.apiKey);
    if (r.status === 200) qr = r.json?.qr as string;
    else if (Date.now() > qrDeadline) throw new Error(`no QR: ${r.status}`);
    else await sleep(50);
  }
  const started = performance.now();
  await control.scan(phone, qr);
  const connectedDeadline = Date.now() + 120_000;
  for (;;) {
    const r = await api(url, 'GET', `/v1/channels/${business.channelId}`, business.apiKey);
    if (r.json?.status === 'connected') break;
    if (Date.now() > connectedDeadline) throw new Error('not connected within 120 s');
    await sleep(25);
  }
  return { business, ms: performance.now() - started };
}

/** How many devices the link probe times, one after another, on each side (0 and N sessions). */
const LINK_PROBE_LINKS = 30;
/**
 * Links made first and not timed, on both sides: a fresh process compiles its linking code on its
 * first links (the 0-session gateway's first took 3x its p50), which the N-session gateway, warmed
 * by its restore, has done already. Without them the ratio would favour N.
 */
const LINK_PROBE_WARMUP = 3;

/**
 * Link latency as one business sees it: links one after another, the first LINK_PROBE_WARMUP
 * untimed (a person links
 * one phone; nothing else links meanwhile), each channel deleted again through the API (its device
 * logged out) once timed, so the saved sessions stay N. Run on the 0-session gateway and on the
 * N-session one in the same run, these two give the issue's "10,000th link against the first"
 * side by side; the setup's own link times (16 at once, the gateway's CPU saturated) measure
 * linking throughput, not one link.
 */
async function linkProbe(
  url: string,
  adminKey: string,
  control: ControlClient,
  phones: readonly string[],
): Promise<Latency & { failures: number }> {
  const times: number[] = [];
  let failures = 0;
  for (const [i, phone] of phones.entries()) {
    try {
      const { business, ms } = await linkBusiness(url, adminKey, control, `Link probe ${i}`, phone, {
        retries503: 0,
      });
      if (i >= LINK_PROBE_WARMUP) times.push(ms);
      const deleted = await api(url, 'DELETE', `/v1/channels/${business.channelId}`, business.apiKey);
      if (deleted.status !== 200) throw new Error(`delete the probe's channel: ${deleted.status}`);
    } catch {
      failures++;
    }
  }
  return { ...summary(times), failures };
}

/**
 * Links businesses through the API until the saved run holds `opts.sessions` or the linking budget
 * (`opts.linkMinutes`) is spent. Progress is checkpointed every `CHECKPOINT_LINKS` links (the
 * simulator's file first, then the bench state naming only the devices that file holds), so an
 * interrupted or time-bounded run is resumed by the next one instead of starting over.
 */
async function linkDevices(
  opts: ScaleOptions,
  node: string,
  files: ReturnType<typeof stateFiles>,
  state: BenchState,
  sim: SimulatorProcess,
): Promise<void> {
  const control = new ControlClient(sim.controlUrl, 60_000);
  const saver = new ControlClient(sim.controlUrl, 600_000);
  const gateway = await startGatewayChild(
    node,
    gatewayEnv(opts, sim, state.database, state.masterKey, files.gatewayData),
    [],
    false,
  );
  const adminKey = state.adminKey;
  const counters = { retries503: 0 };
  const linked: { business: BenchState['businesses'][number]; ms: number }[] = [];
  let failures = 0;
  const linkOne = async (index: number) => {
    const phone = `5581${String(index).padStart(8, '0')}`;
    const { business, ms } = await linkBusiness(
      gateway.url,
      adminKey,
      control,
      `Salon ${index}`,
      phone,
      counters,
    );
    linked.push({ business: { ...business, phone }, ms });
  };
  const linkStarted = performance.now();
  const budgetEnds = Date.now() + opts.linkMinutes * 60_000;
  let checkpointed = 0;
  /** How many links the last checkpoint asked for covers (set when asked, not when done). */
  let checkpointAsked = 0;
  let checkpointing: Promise<void> = Promise.resolve();
  /** Saves the simulator's file, then a bench state naming the devices linked before the save began. */
  const checkpoint = (): Promise<void> => {
    const upTo = linked.length;
    checkpointAsked = upTo;
    checkpointing = checkpointing.then(async () => {
      if (upTo <= checkpointed) return;
      const saved = await saver.saveState();
      const taken = linked.slice(checkpointed, upTo);
      state.businesses.push(...taken.map((l) => l.business));
      state.linking.times.push(...taken.map((l) => Math.round(l.ms)));
      checkpointed = upTo;
      state.linking.at = new Date().toISOString();
      state.linking.loadAverage = loadAverage();
      await writeJsonAtomically(files.bench, state);
      opts.log(
        `scale: checkpoint: ${state.businesses.length} devices saved (simulator: ${saved.accounts} accounts, ${saved.devices} devices)`,
      );
    });
    return checkpointing;
  };
  try {
    const wanted = opts.sessions - state.businesses.length;
    let started = 0;
    await Promise.all(
      Array.from({ length: opts.linkConcurrency }, async () => {
        while (started < wanted && Date.now() < budgetEnds) {
          started++;
          const index = state.nextIndex++;
          try {
            await linkOne(index);
          } catch (err) {
            failures++;
            if (failures <= 5) opts.log(`scale: link ${index} failed: ${String(err)}`);
          }
          if (linked.length % 250 === 0 && linked.length > 0)
            opts.log(
              `scale: ${state.businesses.length + linked.length - checkpointed} linked ` +
                `(${Math.round((performance.now() - linkStarted) / 1000)} s this run, load ${loadAverage().join(' ')}, ` +
                `gateway RSS ${Math.round(procStat(gateway.child.pid!).rssMb)} MB)`,
            );
          // One save per CHECKPOINT_LINKS links: a save of thousands of devices takes seconds.
          if (linked.length - checkpointAsked >= CHECKPOINT_LINKS) void checkpoint();
        }
      }),
    );
    state.linking.seconds = round(state.linking.seconds + (performance.now() - linkStarted) / 1000);
    state.linking.failures += failures;
    state.linking.nodeVersion = await nodeVersion(node);
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }
  // With the gateway stopped nothing changes any more: the last checkpoint is complete.
  await checkpoint();
  if (state.businesses.length < opts.sessions)
    opts.log(
      `scale: ${state.businesses.length} of ${opts.sessions} linked within the ${opts.linkMinutes}-minute ` +
        `linking budget; the next run links the rest`,
    );
}

async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(value, null, 1), { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * `POST /v1/messages` latency and the link probe on a gateway with no session at all (its own
 * empty database), on the same simulator.
 */
async function zeroSessionFigures(
  opts: ScaleOptions,
  node: string,
  admin: pg.Client,
  sim: SimulatorEndpoint,
  control: ControlClient,
  probePhones: readonly string[],
  logFile: string,
): Promise<{
  accept: AcceptMeasure;
  gcDuringAccept: ReturnType<typeof gcBetween>;
  rssBaseMb: number;
  linkProbe: Latency & { failures: number };
}> {
  const database = 'zapgate_bench_scale_empty';
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zapgate-scale-empty-'));
  // The same flags as the N-session gateway: the ratios compare one configuration at 0 and at N.
  const gateway = await startGatewayChild(
    node,
    gatewayEnv(opts, sim, database, randomBytes(32).toString('base64'), dataDir),
    opts.gatewayFlags ?? [],
    true,
    logFile,
  );
  try {
    if (!gateway.adminKey) throw new Error('the empty gateway printed no admin key');
    const probe = await newBusiness(gateway.url, gateway.adminKey, 'Accept probe', { retries503: 0 });
    await sleep(3000);
    const rssBaseMb = procStat(gateway.child.pid!).rssMb;
    const { accept, gc: gcDuringAccept } = await acceptWindows(
      gateway.url,
      probe.apiKey,
      'at 0',
      control,
      opts.log,
    );
    const linkProbeAt0 = await linkProbe(gateway.url, gateway.adminKey, control, probePhones);
    return { accept, gcDuringAccept, rssBaseMb, linkProbe: linkProbeAt0 };
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function oneSide(opts: ScaleOptions, node: string): Promise<ScaleSide> {
  const version = await nodeVersion(node);
  opts.log(`scale: ${opts.sessions} sessions on ${version} (${node})`);
  const admin = new pg.Client({ connectionString: opts.postgresUrl });
  await admin.connect();
  let sim: SimulatorProcess | undefined;
  let gateway: GatewayChild | undefined;
  let db: pg.Client | undefined;
  const loads: Record<string, number[]> = {};
  try {
    const prepared = await prepare(opts, node, admin);
    sim = prepared.sim;
    const { state } = prepared;
    const files = stateFiles(opts);
    const control = new ControlClient(sim.controlUrl, 60_000);
    const run = ++state.runs;
    // Every run's recipients, raw senders and probe phones are new numbers.
    const runTag = String(run % 1000).padStart(3, '0');
    const phone = (range: number, i: number) => `558${range}${runTag}${String(i).padStart(5, '0')}`;
    const probePhones = (range: number) =>
      Array.from({ length: LINK_PROBE_WARMUP + LINK_PROBE_LINKS }, (_, i) => phone(range, i));

    // 0 sessions: the same code on an empty database, just before the N-session gateway starts.
    loads.acceptAt0 = loadAverage();
    const zero = await zeroSessionFigures(
      opts,
      node,
      admin,
      sim,
      control,
      probePhones(6),
      path.join(files.dir, `gateway-run-${run}-at-0.log`),
    );
    const acceptAt0 = zero.accept;
    opts.log(
      `scale: accept at 0 sessions p50 ${acceptAt0.p50} ms p99 ${acceptAt0.p99} ms, answers ${JSON.stringify(acceptAt0.statuses)}; GC meanwhile ${JSON.stringify(zero.gcDuringAccept)}`,
    );
    opts.log(
      `scale: ${LINK_PROBE_LINKS} links one at a time at 0 sessions: p50 ${round(zero.linkProbe.p50)} ms p99 ${round(zero.linkProbe.p99)} ms, ${zero.linkProbe.failures} failed`,
    );

    // Restore: the gateway starts on the saved database; time until every saved channel is connected.
    db = new pg.Client({ connectionString: databaseUrl(opts.postgresUrl, state.database) });
    await db.connect();
    const env = gatewayEnv(opts, sim, state.database, state.masterKey, files.gatewayData);
    const profileFlags = opts.profileDir
      ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${opts.profileDir}`]
      : [];
    loads.restore = loadAverage();
    const restoreStarted = performance.now();
    const gatewayLog = path.join(files.dir, `gateway-run-${run}.log`);
    gateway = await startGatewayChild(
      node,
      env,
      [...(opts.gatewayFlags ?? []), ...profileFlags],
      false,
      gatewayLog,
    );
    opts.log(`scale: the gateway's log (warnings and worse) goes to ${gatewayLog}`);
    const pid = gateway.child.pid!;
    let restorePeakRssMb = 0;
    let connected = 0;
    const channelIds = state.businesses.map((b) => b.channelId);
    const restoreDeadline = Date.now() + Math.max(300_000, opts.sessions * 100);
    let lastLog = Date.now();
    while (Date.now() < restoreDeadline) {
      restorePeakRssMb = Math.max(restorePeakRssMb, procStat(pid).rssMb);
      connected = Number(
        (
          await db.query<{ n: number }>(
            `select count(*)::int as n from channels where status = 'connected' and id = any($1::text[])`,
            [channelIds],
          )
        ).rows[0]?.n ?? 0,
      );
      if (connected >= channelIds.length) break;
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        opts.log(`scale: restore: ${connected} of ${channelIds.length} connected`);
      }
      await sleep(250);
    }
    const restoreMs = performance.now() - restoreStarted;
    const sessions = channelIds.length;
    opts.log(
      `scale: restore of ${sessions}: ${round(restoreMs / 1000)} s, ${sessions - connected} not connected`,
    );

    // Idle: every session open, nobody sending.
    await sleep(10_000);
    await metrics(gateway.url); // resets the loop-delay histogram
    loads.idle = loadAverage();
    const idleStart = procStat(pid);
    const idleThreadsStart = threadCpuSeconds(pid);
    const simulatorIdleStart = procStat(sim.pid);
    const idleT0 = performance.now();
    await sleep(opts.idleSeconds * 1000);
    const idleEnd = procStat(pid);
    const idleThreadsEnd = threadCpuSeconds(pid);
    const simulatorIdleEnd = procStat(sim.pid);
    const idleElapsedS = (performance.now() - idleT0) / 1000;
    const idleCpuByThread = Object.fromEntries(
      [...idleThreadsEnd]
        .map(
          ([name, end]) =>
            [name, round((end - (idleThreadsStart.get(name) ?? 0)) / idleElapsedS, 3)] as const,
        )
        .filter(([, cores]) => cores > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    const idleMetrics = await metrics(gateway.url);
    const idleCpuCores = (idleEnd.cpuSeconds - idleStart.cpuSeconds) / idleElapsedS;
    const simulatorIdleCpuCores =
      (simulatorIdleEnd.cpuSeconds - simulatorIdleStart.cpuSeconds) / idleElapsedS;
    const loopP99IdleMs = (idleMetrics.get('zapgate_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000;
    // The main thread's isolate, and each session thread's own (SESSION_THREADS): both count.
    const heapMainMb = (idleMetrics.get('zapgate_nodejs_heap_size_used_bytes') ?? NaN) / 1048576;
    const heapThreadsMb =
      seriesValues(idleMetrics, 'zapgate_session_thread_heap_used_bytes').reduce((a, b) => a + b, 0) /
      1048576;
    const heapUsedMb = heapMainMb + heapThreadsMb;
    const threadLoopP99IdleMs =
      Math.max(0, ...seriesValues(idleMetrics, 'zapgate_session_thread_event_loop_delay_p99_seconds')) * 1000;
    const rssMb = idleEnd.rssMb;
    opts.log(
      `scale: idle: RSS ${round(rssMb)} MB, heap ${round(heapUsedMb)} MB (main ${round(heapMainMb)}, session threads ${round(heapThreadsMb)}), CPU ${round(idleCpuCores, 3)} cores (by thread ${JSON.stringify(idleCpuByThread)}; the simulator ${round(simulatorIdleCpuCores, 3)}), loop p99 ${round(loopP99IdleMs)} ms (session threads ${round(threadLoopP99IdleMs)} ms)`,
    );
    if (opts.profileDir) {
      // The snapshot is written synchronously by the gateway: wait until its RSS settles again.
      gateway.child.kill('SIGUSR2');
      await sleep(Math.max(5_000, sessions * 20));
      opts.log(`scale: heap snapshot of the idle gateway written to ${opts.profileDir}`);
    }

    // Accept with N sessions open.
    loads.acceptAtN = loadAverage();
    const { accept: acceptAtN, gc: gcDuringAcceptAtN } = await acceptWindows(
      gateway.url,
      state.probe.apiKey,
      `at ${sessions}`,
      control,
      opts.log,
    );
    opts.log(
      `scale: accept at ${sessions} sessions p50 ${acceptAtN.p50} ms p99 ${acceptAtN.p99} ms, answers ${JSON.stringify(acceptAtN.statuses)}; GC meanwhile ${JSON.stringify(gcDuringAcceptAtN)}`,
    );

    // One link at a time with N sessions open (each probe channel deleted again once timed).
    loads.linkProbeAtN = loadAverage();
    const linkProbeAtN = await linkProbe(gateway.url, state.adminKey, control, probePhones(7));
    opts.log(
      `scale: ${LINK_PROBE_LINKS} links one at a time at ${sessions} sessions: p50 ${round(linkProbeAtN.p50)} ms p99 ${round(linkProbeAtN.p99)} ms, ${linkProbeAtN.failures} failed`,
    );

    // Delivery over 200 channels (pacing off), then the same messages from 200 raw Baileys sockets
    // on the same simulator while the gateway keeps its N sessions open. New recipients each run,
    // so every pair starts without a Signal session on both sides.
    const recipients = Array.from({ length: 50 }, (_, i) => phone(2, i));
    for (const r of recipients) await control.createPhone({ phone: r });
    const senders = state.businesses.slice(0, opts.throughputChannels);
    for (const s of senders) await api(gateway.url, 'PUT', '/v1/pacing', s.apiKey, { enabled: false });
    const deliveredNow = () =>
      count(db!, `select count(*)::int as n from messages where status in ('delivered', 'read')`);
    const before = await deliveredNow();
    await metrics(gateway.url);
    loads.throughput = loadAverage();
    const sendStarted = performance.now();
    await Promise.all(
      senders.map((s, c) =>
        api(gateway!.url, 'POST', '/v1/messages/batch', s.apiKey, {
          messages: Array.from({ length: opts.throughputPerChannel }, (_, j) => ({
            to: `+${recipients[recipientIndex(c, j, recipients.length)]}`,
            text: `${TEXT} (#${c}.${j})`,
          })),
        }),
      ),
    );
    const total = senders.length * opts.throughputPerChannel;
    let delivered = 0;
    const sendDeadline = Date.now() + 300_000;
    while (Date.now() < sendDeadline) {
      delivered = (await deliveredNow()) - before;
      if (delivered >= total) break;
      await sleep(200);
    }
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    const loadMetrics = await metrics(gateway.url);
    const loopP99LoadMs = (loadMetrics.get('zapgate_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000;
    const threadLoopP99LoadMs =
      Math.max(0, ...seriesValues(loadMetrics, 'zapgate_session_thread_event_loop_delay_p99_seconds')) * 1000;
    opts.log(`scale: gateway delivered ${delivered}/${total} in ${round(sendSeconds)} s`);

    loads.raw = loadAverage();
    let raw: ScaleSide['raw'];
    try {
      const rawResult = await rawSides(
        sim,
        control,
        {
          senders: Array.from({ length: senders.length }, (_, i) => phone(3, i)),
          recipients: Array.from({ length: 50 }, (_, i) => phone(4, i)),
        },
        Array.from({ length: 50 }, (_, i) => phone(5, i)),
        { channels: senders.length, perChannel: opts.throughputPerChannel, linkConcurrency: 10 },
      );
      const plain = rawResult.find((r) => r.kind === 'raw');
      const acked = rawResult.find((r) => r.kind === 'raw_ack');
      raw = {
        perSecond: round(plain?.deliveredPerSecond ?? NaN),
        delivered: plain?.delivered ?? 0,
        ackPerSecond: round(acked?.deliveredPerSecond ?? NaN),
        ackDelivered: acked?.delivered ?? 0,
      };
      opts.log(`scale: raw Baileys ${JSON.stringify(raw)}`);
    } catch (err) {
      raw = { perSecond: NaN, delivered: 0, ackPerSecond: NaN, ackDelivered: 0, error: String(err) };
      opts.log(`scale: raw Baileys side failed: ${String(err)}`);
    }

    // Stop (SIGTERM): how long the gateway takes to exit.
    const stopStarted = performance.now();
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    const stopMs = performance.now() - stopStarted;
    gateway = undefined;
    // This run's recipients and raw devices join the registry; the business devices are unchanged.
    await new ControlClient(sim.controlUrl, 600_000).saveState();
    await writeJsonAtomically(files.bench, state);

    const link = state.linking;
    return {
      node,
      nodeVersion: version,
      sessions: opts.sessions,
      linked: sessions,
      reused: prepared.reused,
      reusedCount: prepared.reusedCount,
      relinkReason: prepared.reason,
      linkedOn: `${link.at} (${link.nodeVersion}, ${link.seconds} s of linking in all, load ${link.loadAverage.join(' ')})`,
      rssBaseMb: round(zero.rssBaseMb),
      rssMb: round(rssMb),
      rssPerSessionMb: round((rssMb - zero.rssBaseMb) / Math.max(1, sessions), 3),
      heapUsedMb: round(heapUsedMb),
      heapThreadsMb: round(heapThreadsMb),
      heapPerSessionMb: round(heapUsedMb / Math.max(1, sessions), 3),
      idleCpuCores: round(idleCpuCores, 3),
      idleCpuByThread,
      simulatorIdleCpuCores: round(simulatorIdleCpuCores, 3),
      loopP99IdleMs: round(loopP99IdleMs),
      loopP99LoadMs: round(loopP99LoadMs),
      threadLoopP99IdleMs: round(threadLoopP99IdleMs),
      threadLoopP99LoadMs: round(threadLoopP99LoadMs),
      acceptAt0,
      acceptAtN,
      gcDuringAcceptAtN,
      gcDuringAcceptAt0: zero.gcDuringAccept,
      gatewayFlags: opts.gatewayFlags ?? [],
      simulatorNiceness: opts.simulatorNiceness ?? 0,
      linkProbeAt0: zero.linkProbe,
      linkProbeAtN,
      linkFirst100: summary(link.times.slice(0, 100)),
      linkLast100: summary(link.times.slice(-100)),
      throughput: { messages: total, delivered, perSecond: round(delivered / sendSeconds) },
      raw,
      stopMs: Math.round(stopMs),
      restoreMs: Math.round(restoreMs),
      restoreFailed: sessions - connected,
      restorePeakRssMb: round(restorePeakRssMb),
      linkFailures: link.failures,
      retries503: 0,
      loads,
    };
  } finally {
    if (gateway) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
    // The simulator writes its state file again as it stops: at 10,000 devices that takes a while.
    await sim?.stop(600_000);
    await db?.end().catch(() => undefined);
    await admin.end();
  }
}

async function count(db: pg.Client, sql: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql);
  return Number(rows[0]?.n ?? 0);
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function formatScale(result: ScaleResult): string {
  const rows: [string, (s: ScaleSide) => string][] = [
    ['Node', (s) => s.nodeVersion],
    ['SESSION_THREADS', (s) => (s.sessionThreads === undefined ? 'default' : String(s.sessionThreads))],
    ['linked sessions', (s) => `${s.linked} / ${s.sessions}`],
    [
      'devices',
      (s) =>
        s.reused
          ? `${s.reusedCount} reused, linked up to ${s.linkedOn}`
          : `linked this run: ${s.relinkReason}`,
    ],
    ['link failures, 503 retries', (s) => `${s.linkFailures}, ${s.retries503}`],
    ['RSS per session (MB)', (s) => String(s.rssPerSessionMb)],
    ['heap per session (MB)', (s) => String(s.heapPerSessionMb)],
    ['idle CPU (cores)', (s) => String(s.idleCpuCores)],
    [
      'idle CPU by thread (cores)',
      (s) =>
        Object.entries(s.idleCpuByThread ?? {})
          .map(([name, cores]) => `${name} ${cores}`)
          .join(', '),
    ],
    ["the simulator's idle CPU (cores)", (s) => String(s.simulatorIdleCpuCores ?? '')],
    ['event-loop p99 idle / load (ms)', (s) => `${s.loopP99IdleMs} / ${s.loopP99LoadMs}`],
    [
      'session threads: heap (MB), loop p99 idle / load (ms)',
      (s) =>
        s.heapThreadsMb
          ? `${s.heapThreadsMb}, ${s.threadLoopP99IdleMs} / ${s.threadLoopP99LoadMs}`
          : 'none (sessions in the main thread)',
    ],
    [
      'POST /v1/messages p50/p99 at 0 (ms), median of windows',
      (s) => `${s.acceptAt0.p50} / ${s.acceptAt0.p99}`,
    ],
    [
      'POST /v1/messages p50/p99 at N (ms), median of windows',
      (s) => `${s.acceptAtN.p50} / ${s.acceptAtN.p99}`,
    ],
    ['p99 at N / p99 at 0', (s) => String(round(s.acceptAtN.p99 / s.acceptAt0.p99, 2))],
    [
      'each window: p99 (loop delay max), 0 → N (ms)',
      (s) =>
        [s.acceptAt0, s.acceptAtN]
          .map((a) => (a.windows ?? []).map((w) => `${w.p99} (${w.loopMaxMs})`).join(', '))
          .join(' → '),
    ],
    [
      // A shared machine's hypervisor can take the cores mid-run: a window with seconds of steal
      // measured the neighbours, not the gateway, and its ratio says nothing about the code.
      'each window: CPU steal (s), 0 → N',
      (s) =>
        [s.acceptAt0, s.acceptAtN]
          .map((a) => (a.windows ?? []).map((w) => w.stealSeconds ?? '–').join(', '))
          .join(' → '),
    ],
    [
      'each window at N: keep-alive pings/s mean / peak; simulator loop max (ms); reconnects',
      (s) =>
        (s.acceptAtN.windows ?? [])
          .map(
            (w) =>
              `${w.pingsMeanPerSecond ?? '–'} / ${w.pingsPeakPerSecond ?? '–'}; ${w.simulatorLoopMaxMs ?? '–'}; ${w.reconnects ?? '–'}`,
          )
          .join(' | '),
    ],
    [
      'GC while accepting at 0 → N: pauses, s (major / minor)',
      (s) =>
        [s.gcDuringAcceptAt0, s.gcDuringAcceptAtN]
          .map((gc) =>
            ['major', 'minor'].map((k) => `${gc[k]?.count ?? 0}, ${gc[k]?.seconds ?? 0}`).join(' / '),
          )
          .join(' → '),
    ],
    ['gateway flags', (s) => s.gatewayFlags.join(' ') || '(none)'],
    ['simulator niceness', (s) => String(s.simulatorNiceness)],
    [
      'delivered / s (pacing off)',
      (s) => `${s.throughput.perSecond} (${s.throughput.delivered}/${s.throughput.messages})`,
    ],
    [
      'raw Baileys delivered / s, await send / + ack',
      (s) =>
        s.raw.error
          ? `failed: ${s.raw.error}`
          : `${s.raw.perSecond} (${s.raw.delivered}) / ${s.raw.ackPerSecond} (${s.raw.ackDelivered})`,
    ],
    [
      'gateway / raw, / raw + ack',
      (s) =>
        `${round(s.throughput.perSecond / s.raw.perSecond, 2)} / ${round(s.throughput.perSecond / s.raw.ackPerSecond, 2)}`,
    ],
    [
      'one link at a time p50/p99 at 0 → N (ms), N/0 p50',
      (s) =>
        `${Math.round(s.linkProbeAt0.p50)} / ${Math.round(s.linkProbeAt0.p99)} → ` +
        `${Math.round(s.linkProbeAtN.p50)} / ${Math.round(s.linkProbeAtN.p99)}, ` +
        `${round(s.linkProbeAtN.p50 / s.linkProbeAt0.p50, 2)}` +
        (s.linkProbeAt0.failures + s.linkProbeAtN.failures > 0
          ? ` (${s.linkProbeAt0.failures} + ${s.linkProbeAtN.failures} failed)`
          : ''),
    ],
    [
      'setup links, 16 at once: p50/p99 first 100 (ms)',
      (s) => `${Math.round(s.linkFirst100.p50)} / ${Math.round(s.linkFirst100.p99)}`,
    ],
    [
      'setup links, 16 at once: p50/p99 last 100 (ms)',
      (s) => `${Math.round(s.linkLast100.p50)} / ${Math.round(s.linkLast100.p99)}`,
    ],
    ['stop after SIGTERM (ms)', (s) => String(s.stopMs)],
    ['restore all (s), failed', (s) => `${round(s.restoreMs / 1000)} s, ${s.restoreFailed}`],
    ['restore peak RSS (MB)', (s) => String(s.restorePeakRssMb)],
    [
      'load average at accept 0 / restore / idle / accept N / link N / send / raw',
      (s) =>
        ['acceptAt0', 'restore', 'idle', 'acceptAtN', 'linkProbeAtN', 'throughput', 'raw']
          .map((k) => s.loads[k]?.[0] ?? '?')
          .join(' / '),
    ],
  ];
  const header = `| ${result.sessions} sessions | ${result.sides
    .map((s) =>
      s.sessionThreads === undefined
        ? s.nodeVersion
        : `${s.nodeVersion}, SESSION_THREADS=${s.sessionThreads}`,
    )
    .join(' | ')} |`;
  const lines = [header, `|---|${result.sides.map(() => '---').join('|')}|`];
  for (const [label, value] of rows) lines.push(`| ${label} | ${result.sides.map(value).join(' | ')} |`);
  return lines.join('\n');
}
