/**
 * The linking-UI benchmarks on their own: starts the simulator (own process), the gateway (this
 * process) and Chromium, measures, prints the table with the machine, and writes
 * bench/results/linking-ui-<ISO>.json.
 *
 *   tsx bench/linking-ui-run.ts [--links 30] [--qr-page-links 30] [--rotations 20] [--warmup 2]
 *                               [--parts scan,rotation,load] [--max-minutes 20] [--results-dir bench/results]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, killAllChildren } from './child-processes.js';
import {
  LINKING_UI_PARTS,
  formatLinkingUi,
  runLinkingUi,
  stopLinkingUi,
  type LinkingUiPart,
  type LinkingUiResult,
} from './linking-ui.js';
import { machine } from './report.js';

const { values } = parseArgs({
  options: {
    links: { type: 'string', default: '30' },
    'qr-page-links': { type: 'string' },
    rotations: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    parts: { type: 'string', default: LINKING_UI_PARTS.join(',') },
    'max-minutes': { type: 'string', default: '20' },
    'results-dir': { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results') },
  },
});

function usage(message: string): never {
  console.error(`linking-ui bench: ${message}`);
  process.exit(2);
}

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

const links = count('links', values.links, 1);
const qrPageLinks = count('qr-page-links', values['qr-page-links'] ?? values.links, 0);
const rotations = count('rotations', values.rotations, 1);
const warmup = count('warmup', values.warmup, 0);
const maxMinutes = count('max-minutes', values['max-minutes'], 1);
const parts = values.parts.split(',').map((p) => p.trim()) as LinkingUiPart[];
for (const part of parts)
  if (!LINKING_UI_PARTS.includes(part))
    usage(`unknown part "${part}" (expected ${LINKING_UI_PARTS.join(', ')})`);

const log = (line: string): void => {
  process.stderr.write(`[bench ui ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

let stopping: Promise<void> | undefined;
const stopAll = (): Promise<void> => {
  stopping ??= stopLinkingUi().finally(killAllChildren);
  return stopping;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void stopAll().finally(() => process.exit(130));
  });
}
const overall = setTimeout(() => {
  log(`not finished within ${maxMinutes} minutes: stopping`);
  void stopAll().finally(() => process.exit(1));
}, maxMinutes * 60_000);
overall.unref();

const startedAt = new Date().toISOString();
const machineInfo = machine();
log(`machine: ${machineInfo.cores} cores, ${machineInfo.cpuModel}, Node ${machineInfo.node}`);
let result: LinkingUiResult;
try {
  result = await runLinkingUi({ links, qrPageLinks, rotations, warmup, parts, log });
} catch (err) {
  result = { targets: [], errors: [err instanceof Error ? err.message : String(err)] };
} finally {
  await stopAll();
}

const m = machineInfo;
const loadAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
const lines = [
  `zapgate bench: linking UI — ${startedAt}`,
  `Machine: ${m.cores} cores (${m.cpuModel}), ${(m.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB RAM, Node ${m.node}, ` +
    `${m.platform} ${m.release} ${m.arch}, load average at start ${m.loadAverage.join(' ')}, at end ${loadAtEnd.join(' ')}`,
  'Simulator in its own process on 127.0.0.1, gateway in the bench process, Debian Chromium (headless) via playwright-core.',
  '',
  ...formatLinkingUi(result),
];
console.log(lines.join('\n'));

const report = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: machineInfo,
  loadAverageAtEnd: loadAtEnd,
  config: { parts, links, qrPageLinks, rotations, warmup },
  ...result,
};
await mkdir(values['results-dir'], { recursive: true });
const file = path.join(values['results-dir'], `linking-ui-${startedAt.replace(/:/g, '-')}.json`);
await writeFile(file, JSON.stringify(report, null, 2) + '\n');
log(`results written to ${path.relative(process.cwd(), file)}`);
process.exit(result.errors.length ? 1 : 0);
