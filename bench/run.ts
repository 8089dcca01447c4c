/**
 * `npm run bench`: link latency and session density (the gateway's driver against raw Baileys), the
 * linking UI, the API accept rate (PGlite and PostgreSQL) and dispatch throughput (the gateway
 * against raw Baileys loops), on the simulator running in its own process. Prints tables, writes
 * JSON under bench/results/.
 *
 *   tsx bench/run.ts [--parts link,density,ui,accept,throughput,scale,failover] [--sizes 100,500,1000] [--links 30]
 *                    [--failover-channels 60] [--failover-ttl-seconds 10] [--failover-takes-per-round 50]
 *                    [--failover-pool-size 15]
 *                    [--scale-sessions 1000] [--scale-nodes current,/usr/bin/node] [--scale-session-threads 1,0]
 *                    [--scale-link-concurrency 8] [--scale-idle-seconds 20]
 *                    [--scale-state-dir ~/.cache/zapgate-bench/scale] [--scale-fresh] [--scale-link-minutes 600]
 *                    [--scale-gateway-flags=--max-semi-space-size=64]
 *                    [--setup-concurrency 6] [--login-concurrency 20] [--repeats 1] [--keep-states]
 *                    [--accept-concurrency 200] [--accept-seconds 10] [--accept-warmup-seconds 3]
 *                    [--accept-databases pglite,postgres] [--throughput-channels 100]
 *                    [--throughput-per-channel 20] [--throughput-databases pglite,postgres]
 *                    [--postgres-url postgres://postgres@127.0.0.1:5432/test] [--max-minutes 120]
 *
 * --repeats R measures each density size R times per client (alternating) and reports the median.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ACCEPT_DATABASES,
  runAcceptRate,
  type AcceptDatabase,
  type AcceptRateResult,
} from './accept-rate.js';
import { REPO_ROOT, killAllChildren } from './child-processes.js';
import { runLinkLatency, type LinkLatencyResult } from './link-latency.js';
import { formatLinkingUi, runLinkingUi, stopLinkingUi, type LinkingUiResult } from './linking-ui.js';
import { buildReport, machine, writeReport } from './report.js';
import { runSessionDensity, type DensityResult } from './session-density.js';
import { startSimulatorProcess, type SimulatorProcess } from './simulator-process.js';
import { runThroughput, type ThroughputResult } from './throughput.js';
import { formatScale, runScale, type ScaleResult } from './scale.js';
import { formatFailover, runFailover, type FailoverResult } from './failover.js';
import { positiveInteger } from './worker-args.js';

/** A CPU niceness as nice(1) takes it: 0 (unchanged) to 19 (yields to everything). */
function niceness(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19)
    throw new Error(`--scale-simulator-nice: 0 to 19, not ${value}`);
  return n;
}

const PARTS = ['link', 'density', 'ui', 'accept', 'throughput', 'scale', 'failover'] as const;
/**
 * Parts run unless --parts says otherwise (`scale` links thousands of devices and `failover` runs
 * three gateway processes: asked for by name).
 */
const DEFAULT_PARTS = PARTS.filter((p) => p !== 'scale' && p !== 'failover');
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: DEFAULT_PARTS.join(',') },
    'scale-sessions': { type: 'string', default: '1000' },
    'scale-nodes': { type: 'string', default: 'current' },
    'scale-session-threads': { type: 'string' },
    'scale-link-concurrency': { type: 'string', default: '8' },
    'scale-idle-seconds': { type: 'string', default: '20' },
    'scale-profile-dir': { type: 'string' },
    // Space-separated extra flags for the gateway process, e.g. "--max-semi-space-size=64".
    'scale-gateway-flags': { type: 'string', default: '' },
    // The simulator stands in for WhatsApp's servers: niced, it does not take the gateway's cores.
    'scale-simulator-nice': { type: 'string', default: '0' },
    // Linked devices are kept here between runs (outside the work tree, so a pinned worktree shares them).
    'scale-state-dir': {
      type: 'string',
      default: path.join(os.homedir(), '.cache', 'zapgate-bench', 'scale'),
    },
    'scale-fresh': { type: 'boolean', default: false },
    'scale-link-minutes': { type: 'string', default: '600' },
    // Part failover: channels over 3 nodes (1000 for the figure), lease TTL, takes per round.
    'failover-channels': { type: 'string', default: '60' },
    'failover-ttl-seconds': { type: 'string', default: '10' },
    'failover-takes-per-round': { type: 'string', default: '50' },
    'failover-messages-per-channel': { type: 'string', default: '4' },
    // Each node's DATABASE_POOL_SIZE: three nodes (+1 LISTEN each) must fit under max_connections.
    'failover-pool-size': { type: 'string', default: '15' },
    sizes: { type: 'string', default: '100,500,1000' },
    links: { type: 'string', default: '30' },
    'setup-concurrency': { type: 'string', default: '6' },
    'login-concurrency': { type: 'string', default: '20' },
    repeats: { type: 'string', default: '1' },
    'keep-states': { type: 'boolean', default: false },
    'accept-concurrency': { type: 'string', default: '200' },
    'accept-seconds': { type: 'string', default: '10' },
    'accept-warmup-seconds': { type: 'string', default: '3' },
    'accept-databases': { type: 'string', default: ACCEPT_DATABASES.join(',') },
    'throughput-channels': { type: 'string', default: '100' },
    'throughput-per-channel': { type: 'string', default: '20' },
    'throughput-databases': { type: 'string', default: ACCEPT_DATABASES.join(',') },
    'postgres-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'max-minutes': { type: 'string', default: '120' },
    'results-dir': { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results') },
  },
});

function usage(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const parts = values.parts.split(',').map((p) => p.trim()) as Part[];
for (const part of parts)
  if (!PARTS.includes(part)) usage(`unknown part "${part}" (expected ${PARTS.join(', ')})`);
let sizes: number[] = [];
let links = 0;
let setupConcurrency = 0;
let loginConcurrency = 0;
let maxMinutes = 0;
let repeats = 0;
let acceptConcurrency = 0;
let acceptSeconds = 0;
let acceptWarmupSeconds = 0;
let throughputChannels = 0;
let throughputPerChannel = 0;
const databases = (name: string, value: string): AcceptDatabase[] => {
  const list = value.split(',').map((d) => d.trim()) as AcceptDatabase[];
  for (const d of list)
    if (!ACCEPT_DATABASES.includes(d))
      usage(`--${name}: unknown database "${d}" (expected ${ACCEPT_DATABASES.join(', ')})`);
  return list;
};
const acceptDatabases = databases('accept-databases', values['accept-databases']);
const throughputDatabases = databases('throughput-databases', values['throughput-databases']);
try {
  sizes = values.sizes.split(',').map((s) => positiveInteger('sizes', s.trim()));
  links = positiveInteger('links', values.links);
  setupConcurrency = positiveInteger('setup-concurrency', values['setup-concurrency']);
  loginConcurrency = positiveInteger('login-concurrency', values['login-concurrency']);
  maxMinutes = positiveInteger('max-minutes', values['max-minutes']);
  repeats = positiveInteger('repeats', values.repeats);
  acceptConcurrency = positiveInteger('accept-concurrency', values['accept-concurrency']);
  acceptSeconds = positiveInteger('accept-seconds', values['accept-seconds']);
  acceptWarmupSeconds = positiveInteger('accept-warmup-seconds', values['accept-warmup-seconds']);
  throughputChannels = positiveInteger('throughput-channels', values['throughput-channels']);
  throughputPerChannel = positiveInteger('throughput-per-channel', values['throughput-per-channel']);
} catch (err) {
  usage(err instanceof Error ? err.message : String(err));
}

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

let simulator: SimulatorProcess | undefined;
let stateDir: string | undefined;
let cleaning: Promise<void> | undefined;

/** Stops the simulator and removes the saved auth states (once, whatever ends the run). */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await stopLinkingUi().catch(() => undefined);
    await simulator?.stop().catch((err: unknown) => log(`stopping the simulator failed: ${String(err)}`));
    killAllChildren();
    if (stateDir && !values['keep-states']) await rm(stateDir, { recursive: true, force: true });
    else if (stateDir) log(`saved auth states kept in ${stateDir}`);
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}
// The whole bench is bounded: past this, everything is killed.
const overall = setTimeout(() => {
  log(`the bench did not finish within ${maxMinutes} minutes: stopping`);
  void cleanUp().finally(() => process.exit(1));
}, maxMinutes * 60_000);
overall.unref();

const startedAt = new Date().toISOString();
const machineInfo = machine();
const errors: string[] = [];
let link: LinkLatencyResult | undefined;
let density: DensityResult | undefined;
let ui: LinkingUiResult | undefined;
let accept: AcceptRateResult | undefined;
let throughput: ThroughputResult | undefined;
let scale: ScaleResult | undefined;
let failover: FailoverResult | undefined;
log(`machine: ${machineInfo.cores} cores, ${machineInfo.cpuModel}, Node ${machineInfo.node}`);
try {
  // The accept rate needs no simulator (the channel is never linked): it runs first, on a quiet machine.
  if (parts.includes('accept')) {
    try {
      accept = await runAcceptRate({
        databases: acceptDatabases,
        concurrency: acceptConcurrency,
        warmupMs: acceptWarmupSeconds * 1000,
        durationMs: acceptSeconds * 1000,
        postgresUrl: values['postgres-url'],
        log,
      });
      errors.push(...accept.errors);
    } catch (err) {
      errors.push(`accept rate: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (parts.includes('scale')) {
    // The whole gateway in its own process, once per Node binary (`current` is the one running the
    // bench, Node 24 through npm; pass /usr/bin/node to put the system's Node beside it).
    const nodes = values['scale-nodes']
      .split(',')
      .map((n) => n.trim())
      .map((n) => (n === 'current' ? process.execPath : n));
    try {
      scale = await runScale({
        sessions: positiveInteger('scale-sessions', values['scale-sessions']),
        nodeBinaries: nodes,
        ...(values['scale-session-threads'] !== undefined
          ? {
              sessionThreads: values['scale-session-threads']
                .split(',')
                .map((n) => Number(n.trim()))
                .map((n) => {
                  if (!Number.isInteger(n) || n < 0)
                    throw new Error('--scale-session-threads: integers >= 0');
                  return n;
                }),
            }
          : {}),
        postgresUrl: values['postgres-url'],
        linkConcurrency: positiveInteger('scale-link-concurrency', values['scale-link-concurrency']),
        throughputChannels: 200,
        throughputPerChannel: 10,
        idleSeconds: positiveInteger('scale-idle-seconds', values['scale-idle-seconds']),
        profileDir: values['scale-profile-dir'],
        gatewayFlags: values['scale-gateway-flags'].split(' ').filter(Boolean),
        simulatorNiceness: niceness(values['scale-simulator-nice']),
        stateDir: values['scale-state-dir'],
        fresh: values['scale-fresh'],
        // 0: link nothing more, measure what a previous run linked.
        linkMinutes:
          values['scale-link-minutes'] === '0'
            ? 0
            : positiveInteger('scale-link-minutes', values['scale-link-minutes']),
        log,
      });
    } catch (err) {
      errors.push(`scale: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  if (parts.includes('failover')) {
    try {
      failover = await runFailover({
        channels: positiveInteger('failover-channels', values['failover-channels']),
        leaseTtlSeconds: positiveInteger('failover-ttl-seconds', values['failover-ttl-seconds']),
        takesPerRound: positiveInteger('failover-takes-per-round', values['failover-takes-per-round']),
        messagesPerChannel: positiveInteger(
          'failover-messages-per-channel',
          values['failover-messages-per-channel'],
        ),
        linkConcurrency: 3,
        poolSize: positiveInteger('failover-pool-size', values['failover-pool-size']),
        log,
      });
    } catch (err) {
      errors.push(`failover: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  if (parts.some((p) => p !== 'accept' && p !== 'scale' && p !== 'failover')) {
    simulator = await startSimulatorProcess();
    log(`simulator pid ${simulator.pid} at ${simulator.controlUrl}`);
  }
  if (simulator && parts.includes('throughput')) {
    try {
      throughput = await runThroughput(simulator, {
        channels: throughputChannels,
        perChannel: throughputPerChannel,
        databases: throughputDatabases,
        postgresUrl: values['postgres-url'],
        linkConcurrency: 10,
        log,
      });
      errors.push(...throughput.errors);
    } catch (err) {
      errors.push(`throughput: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (simulator && parts.includes('link')) {
    log(`link latency: ${links} driver + ${links} raw links, interleaved`);
    try {
      link = await runLinkLatency(simulator, { links, phonePrefix: '15552', log });
    } catch (err) {
      errors.push(`link latency: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (simulator && parts.includes('density')) {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'zapgate-bench-'));
    try {
      density = await runSessionDensity(simulator, {
        sizes,
        stateDir,
        phonePrefix: '15551',
        setupConcurrency,
        loginConcurrency,
        repeats,
        log,
      });
    } catch (err) {
      errors.push(`session density: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (simulator && parts.includes('ui')) {
    log(`linking UI: scan → green on an open page (${links} links), QR rotation → page, QR page first load`);
    try {
      ui = await runLinkingUi({ links, rotations: 20, log, simulator });
      errors.push(...ui.errors.map((e) => `linking UI: ${e}`));
    } catch (err) {
      errors.push(`linking UI: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
} catch (err) {
  errors.push(err instanceof Error ? err.message : String(err));
} finally {
  await cleanUp();
}

const { report, table } = buildReport({
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: machineInfo,
  config: {
    parts,
    sizes,
    links,
    setupConcurrency,
    loginConcurrency,
    densityKeepAliveMs: 600_000,
    quietMs: 2_000,
    acceptConcurrency,
    acceptSeconds,
    acceptWarmupSeconds,
    acceptDatabases,
    throughputChannels,
    throughputPerChannel,
    throughputDatabases,
  },
  ...(link ? { link } : {}),
  ...(density ? { density } : {}),
  ...(accept ? { accept } : {}),
  ...(throughput ? { throughput } : {}),
  errors,
});
if (failover)
  console.log(
    `\nFailover: 3 gateway processes on one PostgreSQL, one SIGKILLed\n${formatFailover(failover)}\n`,
  );
if (scale)
  console.log(
    `\nScale: the whole gateway over HTTP (PostgreSQL, simulator process)\n${formatScale(scale)}\n`,
  );
console.log(
  ui ? `${table}\n\nLinking UI (gateway + Chromium + simulator)\n${formatLinkingUi(ui).join('\n')}` : table,
);
const file = await writeReport(
  { ...report, ...(ui ? { ui } : {}), ...(scale ? { scale } : {}), ...(failover ? { failover } : {}) },
  values['results-dir'],
);
log(`results written to ${path.relative(process.cwd(), file)} and latest.json`);
process.exit(errors.length ? 1 : 0);
