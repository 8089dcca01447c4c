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
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { REPO_ROOT, forwardStderr, runWorker } from './child-processes.js';
import { ControlClient } from './control-client.js';
import { startSimulatorProcess, type SimulatorProcess } from './simulator-process.js';
import { percentile } from './stats.js';

const ORPHAN_GUARD = pathToFileURL(path.join(REPO_ROOT, 'bench', 'orphan-guard.ts')).href;
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

export interface ScaleOptions {
  readonly sessions: number;
  /** Node binaries to run the gateway with, measured one after the other. */
  readonly nodeBinaries: readonly string[];
  readonly postgresUrl: string;
  readonly linkConcurrency: number;
  readonly throughputChannels: number;
  readonly throughputPerChannel: number;
  readonly idleSeconds: number;
  /** Write a heap snapshot of the idle gateway (and a CPU profile of its life) to this folder. */
  readonly profileDir?: string | undefined;
  readonly log: (line: string) => void;
}

export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
}

export interface ScaleSide {
  readonly node: string;
  readonly nodeVersion: string;
  readonly sessions: number;
  readonly linked: number;
  readonly rssBaseMb: number;
  readonly rssMb: number;
  readonly rssPerSessionMb: number;
  readonly heapUsedMb: number;
  readonly heapPerSessionMb: number;
  readonly idleCpuCores: number;
  readonly loopP99IdleMs: number;
  readonly loopP99LoadMs: number;
  readonly acceptAt0: Latency & { readonly rps: number };
  readonly acceptAtN: Latency & { readonly rps: number };
  readonly linkFirst100: Latency;
  readonly linkLast100: Latency;
  readonly throughput: { readonly messages: number; readonly delivered: number; readonly perSecond: number };
  readonly stopMs: number;
  readonly restoreMs: number;
  readonly restoreFailed: number;
  readonly restorePeakRssMb: number;
  readonly linkFailures: number;
  readonly retries503: number;
  readonly error?: string;
}

export interface ScaleResult {
  readonly sessions: number;
  readonly sides: ScaleSide[];
}

export async function runScale(opts: ScaleOptions): Promise<ScaleResult> {
  const sides: ScaleSide[] = [];
  for (const node of opts.nodeBinaries) sides.push(await oneSide(opts, node));
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

async function startGatewayChild(
  node: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
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
  child.stdout.on('data', (d: Buffer) => {
    if (out.length < 10_000) out += d.toString();
  });
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
  for (let waited = 0; waited < 5_000 && !key; waited += 100) {
    key = /admin API key[^\n]*\n\s*(\S+)/.exec(out)?.[1];
    if (!key) await sleep(100);
  }
  return { child, url, adminKey: key, exited };
}

function procStat(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after the ") " split.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMb: rssKb / 1024 };
}

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line) continue;
    const [name, value] = line.split(' ');
    if (name && value && !name.includes('{')) values.set(name, Number(value));
  }
  return values;
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
): Promise<Latency & { rps: number; error?: string }> {
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
    ],
    deadlineMs: seconds * 1000 + 60_000,
    label: 'accept load',
  });
  const latencies = result.latenciesMs as number[];
  return { ...summary(latencies), rps: Number(result.completedInWindow) / seconds };
}

async function oneSide(opts: ScaleOptions, node: string): Promise<ScaleSide> {
  const version = await nodeVersion(node);
  opts.log(`scale: ${opts.sessions} sessions on ${version} (${node})`);
  const database = `zapgate_scale_${Date.now()}`;
  const admin = new pg.Client({ connectionString: opts.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const dbUrl = new URL(opts.postgresUrl);
  dbUrl.pathname = `/${database}`;
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  let sim: SimulatorProcess | undefined;
  let gateway: GatewayChild | undefined;
  try {
    sim = await startSimulatorProcess({ deliveryDelayMs: 20 });
    const control = new ControlClient(sim.controlUrl, 60_000);
    const env = {
      DATABASE_URL: dbUrl.toString(),
      MASTER_KEY: randomBytes(32).toString('base64'),
      WA_SERVER_URL: sim.protocolUrl,
      WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
      METRICS_TOKEN,
      LOG_LEVEL: 'warn',
      DATA_DIR: path.join(REPO_ROOT, 'bench', 'results', `.scale-${database}`),
    };
    const profileFlags = opts.profileDir
      ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${opts.profileDir}`]
      : [];
    gateway = await startGatewayChild(node, env, profileFlags);
    await db.connect();
    const adminKey = gateway.adminKey;
    if (!adminKey) throw new Error('the gateway printed no admin key');
    const pid = gateway.child.pid!;
    let retries503 = 0;
    const newBusiness = async (name: string) => {
      let created = await api(gateway!.url, 'POST', '/v1/tenants', adminKey, {
        name,
        timeZone: 'UTC',
        language: 'en',
      });
      // A 503 asks the client to come back (Retry-After), as a real client would.
      for (let retry = 0; created.status === 503 && retry < 5; retry++) {
        retries503++;
        await sleep(2_000);
        created = await api(gateway!.url, 'POST', '/v1/tenants', adminKey, {
          name,
          timeZone: 'UTC',
          language: 'en',
        });
      }
      if (created.status !== 201)
        throw new Error(`create business: ${created.status} ${JSON.stringify(created.json)}`);
      return created.json as unknown as { channelId: string; apiKey: string };
    };
    // The accept figure's business: its channel is never linked, so accepted messages stay queued.
    const probe = await newBusiness('Accept probe');
    await sleep(3000);
    const rssBase = procStat(pid).rssMb;
    const acceptAt0 = await acceptLatency(gateway.url, probe.apiKey, 300, 10);
    opts.log(`scale: accept at 0 sessions p50 ${acceptAt0.p50} ms p99 ${acceptAt0.p99} ms`);

    // Link every channel through the API, a few at a time, as businesses would.
    const linkTimes: { index: number; ms: number }[] = [];
    const businesses: { channelId: string; apiKey: string; phone: string }[] = [];
    let next = 0;
    let failures = 0;
    const linkOne = async (index: number) => {
      const business = await newBusiness(`Salon ${index}`);
      const phone = `5581${String(index).padStart(8, '0')}`;
      await control.createPhone({ phone, business: true });
      const qrDeadline = Date.now() + 60_000;
      let qr: string | undefined;
      while (!qr) {
        const r = await api(
          gateway!.url,
          'GET',
          `/v1/channels/${business.channelId}/qr?format=raw`,
          business.apiKey,
        );
        if (r.status === 200) qr = r.json?.qr as string;
        else if (Date.now() > qrDeadline) throw new Error(`no QR: ${r.status}`);
        else await sleep(50);
      }
      const started = performance.now();
      await control.scan(phone, qr);
      const connectedDeadline = Date.now() + 120_000;
      for (;;) {
        const r = await api(gateway!.url, 'GET', `/v1/channels/${business.channelId}`, business.apiKey);
        if (r.json?.status === 'connected') break;
        if (Date.now() > connectedDeadline) throw new Error('not connected within 120 s');
        await sleep(25);
      }
      linkTimes.push({ index, ms: performance.now() - started });
      businesses.push({ ...business, phone });
    };
    const linkStarted = performance.now();
    await Promise.all(
      Array.from({ length: opts.linkConcurrency }, async () => {
        while (next < opts.sessions) {
          const index = next++;
          try {
            await linkOne(index);
          } catch (err) {
            failures++;
            if (failures <= 5) opts.log(`scale: link ${index} failed: ${String(err)}`);
          }
          if ((index + 1) % 250 === 0)
            opts.log(
              `scale: ${index + 1} linked (${Math.round((performance.now() - linkStarted) / 1000)} s)`,
            );
        }
      }),
    );
    linkTimes.sort((a, b) => a.index - b.index);
    const linkFirst100 = summary(linkTimes.slice(0, 100).map((l) => l.ms));
    const linkLast100 = summary(linkTimes.slice(-100).map((l) => l.ms));

    // Idle: every session open, nobody sending.
    await sleep(10_000);
    await metrics(gateway.url); // resets the loop-delay histogram
    const idleStart = procStat(pid);
    const idleT0 = performance.now();
    await sleep(opts.idleSeconds * 1000);
    const idleEnd = procStat(pid);
    const idleMetrics = await metrics(gateway.url);
    const idleCpuCores = (idleEnd.cpuSeconds - idleStart.cpuSeconds) / ((performance.now() - idleT0) / 1000);
    const loopP99IdleMs = (idleMetrics.get('zapgate_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000;
    const heapUsedMb = (idleMetrics.get('zapgate_nodejs_heap_size_used_bytes') ?? NaN) / 1048576;
    const rssMb = idleEnd.rssMb;
    if (opts.profileDir) {
      // The snapshot is written synchronously by the gateway: wait until its RSS settles again.
      gateway.child.kill('SIGUSR2');
      await sleep(Math.max(5_000, businesses.length * 20));
      opts.log(`scale: heap snapshot of the idle gateway written to ${opts.profileDir}`);
    }

    // Accept with N sessions open, then delivery over 200 of them (pacing off).
    const acceptAtN = await acceptLatency(gateway.url, probe.apiKey, 300, 10);
    const loopLoad = await metrics(gateway.url);
    opts.log(
      `scale: accept at ${businesses.length} sessions p50 ${acceptAtN.p50} ms p99 ${acceptAtN.p99} ms`,
    );
    const senders = businesses.slice(0, opts.throughputChannels);
    const recipients = Array.from({ length: 50 }, (_, i) => `5582${String(i).padStart(8, '0')}`);
    for (const phone of recipients) await control.createPhone({ phone });
    for (const s of senders) await api(gateway.url, 'PUT', '/v1/pacing', s.apiKey, { enabled: false });
    const before = await count(
      db,
      `select count(*)::int as n from messages where status in ('delivered', 'read')`,
    );
    const sendStarted = performance.now();
    await Promise.all(
      senders.map((s, c) =>
        api(gateway!.url, 'POST', '/v1/messages/batch', s.apiKey, {
          messages: Array.from({ length: opts.throughputPerChannel }, (_, j) => ({
            to: `+${recipients[(c + j) % recipients.length]}`,
            text: `Reminder ${c}-${j}`,
          })),
        }),
      ),
    );
    await metrics(gateway.url);
    const total = senders.length * opts.throughputPerChannel;
    let delivered = 0;
    const sendDeadline = Date.now() + 300_000;
    while (Date.now() < sendDeadline) {
      delivered =
        (await count(db, `select count(*)::int as n from messages where status in ('delivered', 'read')`)) -
        before;
      if (delivered >= total) break;
      await sleep(200);
    }
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    const loopP99LoadMs =
      ((await metrics(gateway.url)).get('zapgate_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000;
    void loopLoad;

    // Stop, then restore on the same data: time until every linked channel is connected again.
    const stopStarted = performance.now();
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    const stopMs = performance.now() - stopStarted;
    const restoreStarted = performance.now();
    gateway = await startGatewayChild(node, env);
    let restorePeakRssMb = 0;
    let connected = 0;
    const restoreDeadline = Date.now() + Math.max(300_000, opts.sessions * 100);
    while (Date.now() < restoreDeadline) {
      restorePeakRssMb = Math.max(restorePeakRssMb, procStat(gateway.child.pid!).rssMb);
      // Only the channels this run linked: one whose link timed out may still have connected later.
      connected = Number(
        (
          await db.query<{ n: number }>(
            `select count(*)::int as n from channels where status = 'connected' and id = any($1::text[])`,
            [businesses.map((b) => b.channelId)],
          )
        ).rows[0]?.n ?? 0,
      );
      if (connected >= businesses.length) break;
      await sleep(250);
    }
    const restoreMs = performance.now() - restoreStarted;
    const sessions = businesses.length;
    return {
      node,
      nodeVersion: version,
      sessions: opts.sessions,
      linked: sessions,
      rssBaseMb: round(rssBase),
      rssMb: round(rssMb),
      rssPerSessionMb: round((rssMb - rssBase) / Math.max(1, sessions), 3),
      heapUsedMb: round(heapUsedMb),
      heapPerSessionMb: round(heapUsedMb / Math.max(1, sessions), 3),
      idleCpuCores: round(idleCpuCores, 3),
      loopP99IdleMs: round(loopP99IdleMs),
      loopP99LoadMs: round(loopP99LoadMs),
      acceptAt0,
      acceptAtN,
      linkFirst100,
      linkLast100,
      throughput: { messages: total, delivered, perSecond: round(delivered / sendSeconds) },
      stopMs: Math.round(stopMs),
      restoreMs: Math.round(restoreMs),
      restoreFailed: sessions - connected,
      restorePeakRssMb: round(restorePeakRssMb),
      linkFailures: failures,
      retries503,
    };
  } finally {
    if (gateway) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
    await sim?.stop();
    await db.end().catch(() => undefined);
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
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
    ['linked sessions', (s) => `${s.linked} / ${s.sessions}`],
    ['link failures, 503 retries', (s) => `${s.linkFailures}, ${s.retries503}`],
    ['RSS per session (MB)', (s) => String(s.rssPerSessionMb)],
    ['heap per session (MB)', (s) => String(s.heapPerSessionMb)],
    ['idle CPU (cores)', (s) => String(s.idleCpuCores)],
    ['event-loop p99 idle / load (ms)', (s) => `${s.loopP99IdleMs} / ${s.loopP99LoadMs}`],
    ['POST /v1/messages p50/p99 at 0 (ms)', (s) => `${s.acceptAt0.p50} / ${s.acceptAt0.p99}`],
    ['POST /v1/messages p50/p99 at N (ms)', (s) => `${s.acceptAtN.p50} / ${s.acceptAtN.p99}`],
    ['p99 at N / p99 at 0', (s) => String(round(s.acceptAtN.p99 / s.acceptAt0.p99, 2))],
    [
      'delivered / s (pacing off)',
      (s) => `${s.throughput.perSecond} (${s.throughput.delivered}/${s.throughput.messages})`,
    ],
    [
      'link p50/p99 first 100 (ms)',
      (s) => `${Math.round(s.linkFirst100.p50)} / ${Math.round(s.linkFirst100.p99)}`,
    ],
    [
      'link p50/p99 last 100 (ms)',
      (s) => `${Math.round(s.linkLast100.p50)} / ${Math.round(s.linkLast100.p99)}`,
    ],
    ['stop after SIGTERM (ms)', (s) => String(s.stopMs)],
    ['restore all (s), failed', (s) => `${round(s.restoreMs / 1000)} s, ${s.restoreFailed}`],
    ['restore peak RSS (MB)', (s) => String(s.restorePeakRssMb)],
  ];
  const header = `| ${result.sessions} sessions | ${result.sides.map((s) => s.nodeVersion).join(' | ')} |`;
  const lines = [header, `|---|${result.sides.map(() => '---').join('|')}|`];
  for (const [label, value] of rows) lines.push(`| ${label} | ${result.sides.map(value).join(' | ')} |`);
  return lines.join('\n');
}
