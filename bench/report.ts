/** The bench's output: the machine, a table of metrics against targets, and JSON for comparisons. */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ACCEPT_P99_LIMIT_MS,
  ACCEPT_TARGET_RATE,
  type AcceptRateResult,
  type AcceptSideResult,
} from './accept-rate.js';
import type { LinkLatencyResult } from './link-latency.js';
import type { DensityResult } from './session-density.js';
import type { ThroughputResult, ThroughputSide } from './throughput.js';

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly totalMemoryBytes: number;
  readonly node: string;
  readonly platform: string;
  readonly release: string;
  readonly arch: string;
  readonly loadAverage: number[];
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** One checked target. */
export interface TargetCheck {
  readonly metric: string;
  readonly target: string;
  readonly pass: boolean;
  /** Which condition missed, when one did. */
  readonly missed?: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  readonly config: Record<string, unknown>;
  readonly link?: LinkLatencyResult;
  readonly density?: DensityResult;
  readonly accept?: AcceptRateResult;
  readonly throughput?: ThroughputResult;
  readonly targets: TargetCheck[];
  readonly errors: string[];
}

const LINK_P95_LIMIT_MS = 600;
const RATIO_LIMIT = 1.2;
const RSS_LIMIT_BYTES = 2 * 1024 * 1024;
const RSS_LIMIT_AT = 1000;

type Row = [metric: string, raw: string, driver: string, ratio: string, target: string, result: string];

/** Evaluates the targets and builds the table rows at once, so both always agree. */
function evaluate(
  link: LinkLatencyResult | undefined,
  density: DensityResult | undefined,
): { rows: Row[]; targets: TargetCheck[] } {
  const rows: Row[] = [];
  const targets: TargetCheck[] = [];
  const check = (metric: string, target: string, conditions: Array<[ok: boolean, name: string]>): string => {
    const missed = conditions.filter(([ok]) => !ok).map(([, name]) => name);
    const pass = missed.length === 0;
    targets.push(pass ? { metric, target, pass } : { metric, target, pass, missed: missed.join(', ') });
    return pass ? 'PASS' : `MISS (${missed.join(', ')})`;
  };
  if (link) {
    const n = `n=${link.driver.n}+${link.raw.n}`;
    rows.push([
      `Link scan→open p50, ms (${n})`,
      ms(link.raw.p50),
      ms(link.driver.p50),
      x(link.ratio.p50),
      '',
      '',
    ]);
    const target = `≤ ${LINK_P95_LIMIT_MS} ms, ≤ ${RATIO_LIMIT}× raw`;
    rows.push([
      'Link scan→open p95, ms',
      ms(link.raw.p95),
      ms(link.driver.p95),
      x(link.ratio.p95),
      target,
      check('link latency p95', target, [
        [link.driver.p95 <= LINK_P95_LIMIT_MS, `> ${LINK_P95_LIMIT_MS} ms`],
        [link.ratio.p95 <= RATIO_LIMIT, `ratio > ${RATIO_LIMIT}`],
        [link.driver.failures.length === 0, 'driver link failures'],
      ]),
    ]);
    rows.push([
      'Link scan→open max, ms',
      ms(link.raw.max),
      ms(link.driver.max),
      x(link.driver.max / link.raw.max),
      '',
      '',
    ]);
    if (link.driver.failures.length || link.raw.failures.length) {
      rows.push([
        'Link failures',
        String(link.raw.failures.length),
        String(link.driver.failures.length),
        '',
        '',
        '',
      ]);
    }
  }
  for (const size of density?.sizes ?? []) {
    const raw = size.raw?.perSession;
    const driver = size.driver?.perSession;
    const absolute = size.count >= RSS_LIMIT_AT;
    const target = absolute ? `≤ 2 MB, ≤ ${RATIO_LIMIT}× raw` : `≤ ${RATIO_LIMIT}× raw`;
    const conditions: Array<[boolean, string]> = [[size.ratio.rss <= RATIO_LIMIT, `ratio > ${RATIO_LIMIT}`]];
    if (absolute) conditions.push([(driver?.rss ?? Infinity) <= RSS_LIMIT_BYTES, '> 2 MB']);
    const allOpen = size.driver?.stillOpen === size.count && size.raw?.stillOpen === size.count;
    conditions.push([allOpen, 'not all sessions open']);
    rows.push([
      `RSS per idle session @${size.count}, MB`,
      mib(raw?.rss),
      mib(driver?.rss),
      x(size.ratio.rss),
      target,
      check(`RSS per idle session @${size.count}`, target, conditions),
    ]);
    rows.push([
      `  heapUsed per session @${size.count}, MB`,
      mib(raw?.heapUsed),
      mib(driver?.heapUsed),
      x(size.ratio.heapUsed),
      '',
      '',
    ]);
    rows.push([
      `  of RSS: auth state in memory @${size.count}, MB`,
      mib(raw?.storeRss),
      mib(driver?.storeRss),
      x((driver?.storeRss ?? NaN) / (raw?.storeRss ?? NaN)),
      '',
      '',
    ]);
    rows.push([
      `  of RSS: connection @${size.count}, MB`,
      mib(raw?.connectionRss),
      mib(driver?.connectionRss),
      x((driver?.connectionRss ?? NaN) / (raw?.connectionRss ?? NaN)),
      '',
      '',
    ]);
    rows.push([
      `  one await once ${size.count} are idle, µs`,
      us(size.raw?.awaitNs.after),
      us(size.driver?.awaitNs.after),
      x((size.driver?.awaitNs.after ?? NaN) / (size.raw?.awaitNs.after ?? NaN)),
      '',
      '',
    ]);
    rows.push([
      `  open all ${size.count} (login), s`,
      secs(size.raw?.openAllMs),
      secs(size.driver?.openAllMs),
      x((size.driver?.openAllMs ?? NaN) / (size.raw?.openAllMs ?? NaN)),
      '',
      '',
    ]);
  }
  return { rows, targets };
}

export function buildReport(parts: Omit<BenchReport, 'targets'>): { report: BenchReport; table: string } {
  const { rows, targets } = evaluate(parts.link, parts.density);
  const acceptLines = parts.accept ? acceptSection(parts.accept, targets) : [];
  const throughputLines = parts.throughput ? throughputSection(parts.throughput, targets) : [];
  const report: BenchReport = { ...parts, targets };
  const m = parts.machine;
  const lines = [
    `zapgate bench — ${parts.startedAt}`,
    `Machine: ${m.cores} cores (${m.cpuModel}), ${(m.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB RAM, Node ${m.node}, ` +
      `${m.platform} ${m.release} ${m.arch}, load average at start ${m.loadAverage.join(' ')}`,
    'Simulator in its own process on 127.0.0.1; raw = unmodified Baileys (test/support), driver = LinkedDeviceSession.',
    '',
    ...(rows.length ? [table([['Metric', 'Raw', 'Driver', 'Driver/Raw', 'Target', 'Result'], ...rows])] : []),
    ...acceptLines,
    ...throughputLines,
  ];
  lines.push('', ...notes(parts));
  for (const error of parts.errors) lines.push(`ERROR: ${error}`);
  return { report, table: lines.join('\n') };
}

function notes(parts: Omit<BenchReport, 'targets'>): string[] {
  const out: string[] = [];
  if (parts.link) {
    out.push(
      `Link: fresh business phone and session per link, first QR scanned via the control API; scan→open includes the ` +
        `515 restart and the first login's pre-key upload; ${parts.link.warmupPerKind} warm-up link per client not counted.`,
    );
  }
  if (parts.density) {
    const first = parts.density.sizes.find((s) => s.raw ?? s.driver);
    const before = first?.raw?.awaitNs.before ?? first?.driver?.awaitNs.before;
    out.push(
      `Density: each count in a fresh process per client; (RSS after idle − RSS before any session) / N after gc; ` +
        `auth states (creds + 812 pre-keys) held in memory (raw: revived objects, driver: MemoryAuthStateStore); ` +
        `idle = 2 s without a byte on any connection; keep-alive 600 s while measuring; RSS read once settled after gc; ` +
        `median of ${parts.density.repeats} run(s) per client and size. ` +
        `${parts.density.setup.devices} devices linked once in ${(parts.density.setup.elapsedMs / 1000).toFixed(0)} s.`,
    );
    const storages = parts.density.sizes
      .map(
        (s) =>
          `${s.count}: ${s.raw?.enabledAsyncLocalStorages ?? '?'}/${s.driver?.enabledAsyncLocalStorages ?? '?'}`,
      )
      .join(', ');
    out.push(
      `One await before any session: ${us(before)} µs. Enabled AsyncLocalStorage instances once idle (raw/driver) ` +
        `${storages}: Baileys makes one per socket and never disables it; on Node < 24 each one is visited on every ` +
        `async resource the process creates (WhiskeySockets/Baileys#2806).`,
    );
  }
  return out;
}

/** The accept-rate table (PGlite and PostgreSQL side by side); pushes its target checks. */
function acceptSection(accept: AcceptRateResult, targets: TargetCheck[]): string[] {
  const sides = accept.sides;
  const name = (s: AcceptSideResult): string => (s.database === 'pglite' ? 'PGlite' : 'PostgreSQL');
  const header = ['Metric', ...sides.map(name), 'Target', 'Result'];
  const rows: string[][] = [];
  const check = (metric: string, target: string, missed: string[]): string => {
    targets.push(
      missed.length
        ? { metric, target, pass: false, missed: missed.join(', ') }
        : { metric, target, pass: true },
    );
    return missed.length ? `MISS (${missed.join(', ')})` : 'PASS';
  };
  const rateTarget = sides
    .map((s) => `≥ ${ACCEPT_TARGET_RATE[s.database].toLocaleString('en')}/s`)
    .join(' / ');
  rows.push([
    `Accepted/s, ${accept.concurrency} clients back to back`,
    ...sides.map((s) => s.saturation.acceptedPerSecond.toFixed(0)),
    rateTarget,
    check(
      'accept rate',
      rateTarget,
      sides
        .filter((s) => !(s.saturation.acceptedPerSecond >= ACCEPT_TARGET_RATE[s.database]))
        .map((s) => `${name(s)} < ${ACCEPT_TARGET_RATE[s.database]}`),
    ),
  ]);
  for (const p of ['p50', 'p95', 'p99'] as const)
    rows.push([
      `  latency ${p} at saturation, ms`,
      ...sides.map((s) => ms1(s.saturation.latencyMs[p])),
      '',
      '',
    ]);
  rows.push([
    '  gateway CPU at saturation, cores',
    ...sides.map((s) => s.saturation.gatewayCpuCores.toFixed(2)),
    '',
    '',
  ]);
  rows.push([
    'Open loop at the target rate: accepted/s',
    ...sides.map(
      (s) =>
        `${s.atTargetRate.acceptedPerSecond.toFixed(0)} of ${s.atTargetRate.offeredPerSecond}` +
        (s.atTargetRate.dropped ? ` (${s.atTargetRate.dropped} not sent)` : ''),
    ),
    '',
    '',
  ]);
  for (const p of ['p50', 'p95'] as const)
    rows.push([
      `  latency ${p} at the target rate, ms`,
      ...sides.map((s) => ms1(s.atTargetRate.latencyMs[p])),
      '',
      '',
    ]);
  const p99Target = `< ${ACCEPT_P99_LIMIT_MS} ms`;
  rows.push([
    '  latency p99 at the target rate, ms',
    ...sides.map((s) => ms1(s.atTargetRate.latencyMs.p99)),
    p99Target,
    check(
      'accept p99 at the target rate',
      p99Target,
      sides
        .filter(
          (s) =>
            !(s.atTargetRate.latencyMs.p99 < ACCEPT_P99_LIMIT_MS) ||
            s.atTargetRate.dropped > 0 ||
            s.atTargetRate.acceptedPerSecond < s.atTargetRate.offeredPerSecond * 0.98,
        )
        .map((s) => `${name(s)} ${ms1(s.atTargetRate.latencyMs.p99)} ms`),
    ),
  ]);
  rows.push([
    '  gateway CPU at the target rate, cores',
    ...sides.map((s) => s.atTargetRate.gatewayCpuCores.toFixed(2)),
    '',
    '',
  ]);
  const errors = sides.flatMap((s) =>
    [s.saturation, s.atTargetRate]
      .filter((r) => r.firstFailure || Object.keys(r.statusCounts).some((k) => k !== '202'))
      .map(
        (r) =>
          `${name(s)}: statuses ${JSON.stringify(r.statusCounts)}${r.firstFailure ? `, ${r.firstFailure}` : ''}`,
      ),
  );
  return [
    '',
    `API accept rate — POST /v1/messages over HTTP, load from a separate process, ${accept.concurrency} keep-alive connections, ` +
      `${accept.warmupMs / 1000} s warm-up + ${accept.durationMs / 1000} s measured per run`,
    '',
    table([header, ...rows]),
    '',
    `Accept: saturation = each client sends its next request as soon as the last is answered; open loop = requests due at ` +
      `the target rate whatever the answers (latency from when each was due). With ${accept.concurrency} clients back to ` +
      `back, latency ≈ ${accept.concurrency} / rate (Little's law), so p99 < ${ACCEPT_P99_LIMIT_MS} ms is checked at the target rate. ` +
      `Every 202 was checked to have stored its message and first event (${sides.map((s) => `${name(s)} ${s.storedMessages}`).join(', ')}).`,
    ...errors,
  ];
}

/** The throughput table: raw Baileys loops and the gateway per database; pushes its target checks. */
function throughputSection(tp: ThroughputResult, targets: TargetCheck[]): string[] {
  const label = (s: ThroughputSide): string =>
    s.kind === 'raw'
      ? 'Raw: await sendMessage'
      : s.kind === 'raw_ack'
        ? 'Raw: + wait for ack'
        : `Gateway, ${s.database === 'pglite' ? 'PGlite' : 'PostgreSQL'}`;
  const sides = tp.sides;
  const raw = sides.find((s) => s.kind === 'raw');
  const header = ['Metric', ...sides.map(label), 'Target', 'Result'];
  const gateways = sides.filter((s) => s.kind === 'gateway');
  const target = `≥ ${THROUGHPUT_RATIO_LIMIT}× raw`;
  const missed = gateways
    .filter((s) => !((tp.ratios[s.database!] ?? 0) >= THROUGHPUT_RATIO_LIMIT))
    .map((s) => `${label(s)} ${x(tp.ratios[s.database!])}`);
  if (!raw) missed.push('no raw baseline');
  targets.push(
    missed.length
      ? { metric: 'dispatch throughput', target, pass: false, missed: missed.join(', ') }
      : { metric: 'dispatch throughput', target, pass: true },
  );
  const rows: string[][] = [
    [
      `Delivered/s, ${tp.channels} channels × ${tp.perChannel} msgs`,
      ...sides.map((s) => s.deliveredPerSecond.toFixed(0)),
      '',
      '',
    ],
    [
      'Gateway / raw (await sendMessage)',
      ...sides.map((s) => (s.kind === 'gateway' ? x(tp.ratios[s.database!]) : '')),
      target,
      missed.length ? `MISS (${missed.join(', ')})` : 'PASS',
    ],
    ['  first accept/send → last delivered, s', ...sides.map((s) => secs(s.elapsedMs)), '', ''],
    ['  accepting all over the API, s', ...sides.map((s) => secs(s.acceptMs)), '', ''],
    ['  delivered / failed', ...sides.map((s) => `${s.delivered} / ${s.failed}`), '', ''],
    ['  linking all (not counted), s', ...sides.map((s) => secs(s.linkMs)), '', ''],
  ];
  return [
    '',
    `Dispatch throughput — pacing off, simulator in its own process (delivery receipt 20 ms after arrival), ` +
      `every side on fresh linked devices writing to fresh recipients (each channel to ${tp.perChannel} different clients)`,
    '',
    table([header, ...rows]),
    '',
    `Throughput: the gateway's time runs from the first accept request to the last 'delivered' stored; raw from the ` +
      `first sendMessage to the last delivery receipt. Raw "await sendMessage" resolves once the frame is written (not on ` +
      `the server ack); "+ wait for ack" also waits for the server ack before the next send, as the gateway's ` +
      `dispatcher does (stop-and-wait, for crash safety).`,
  ];
}

const THROUGHPUT_RATIO_LIMIT = 0.8;

/** Writes bench/results/<timestamp>.json and bench/results/latest.json; returns the first path. */
export async function writeReport(report: BenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/:/g, '-')}.json`);
  const json = JSON.stringify(report, null, 2) + '\n';
  await writeFile(file, json);
  await writeFile(path.join(dir, 'latest.json'), json);
  return file;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const missing = (v: number | undefined): boolean => v === undefined || !Number.isFinite(v);
const ms = (v: number | undefined): string => (missing(v) ? '—' : v!.toFixed(0));
const secs = (v: number | undefined): string => (missing(v) ? '—' : (v! / 1000).toFixed(1));
const mib = (v: number | undefined): string => (missing(v) ? '—' : (v! / 1024 / 1024).toFixed(3));
const ms1 = (v: number | undefined): string => (missing(v) ? '—' : v!.toFixed(1));
const us = (v: number | undefined): string => (missing(v) ? '—' : (v! / 1000).toFixed(1));
const x = (v: number | undefined): string => (missing(v) ? '—' : `${v!.toFixed(2)}×`);
