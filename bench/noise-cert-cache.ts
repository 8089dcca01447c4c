/**
 * Restore CPU per session with Baileys' Noise certificate-chain cache on and off, side by side in
 * one run (issue 9: a reconnect storm spent 62% of the gateway's CPU verifying the same chain).
 *
 *   npx tsx bench/noise-cert-cache.ts [--sessions 200] [--rounds 2] [--kind driver|raw]
 *                                     [--concurrency 20] [--setup-concurrency 6] [--out FILE]
 *
 * The simulator runs in its own process. `--sessions` devices are linked once (the density setup
 * workers) and their auth states saved; then each round logs all of them in from those states in a
 * fresh process with the cache off and in another with it on (the order alternating between rounds),
 * and reads that process's CPU from the first connection to the last open session, the simulator's
 * CPU over the same run, and the load average. Prints one JSON document.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runWorker } from './child-processes.js';
import { startSimulatorProcess } from './simulator-process.js';
import { ratio } from './stats.js';
import { endpointArgs, positiveInteger } from './worker-args.js';

const SETUP_BATCH = 100;
/** Linux reports a process's CPU time in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS_PER_SECOND = 100;

const { values } = parseArgs({
  options: {
    sessions: { type: 'string' },
    rounds: { type: 'string' },
    kind: { type: 'string', default: 'driver' },
    concurrency: { type: 'string' },
    'setup-concurrency': { type: 'string' },
    out: { type: 'string' },
  },
});

type CacheMode = 'off' | 'on';

/** CPU time (user + system) a process has used so far, from /proc, in ms. */
async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const sessions = positiveInteger('sessions', values.sessions, 200);
const rounds = positiveInteger('rounds', values.rounds, 2);
const concurrency = positiveInteger('concurrency', values.concurrency, 20);
const setupConcurrency = positiveInteger('setup-concurrency', values['setup-concurrency'], 6);
const kind = values.kind;
if (kind !== 'driver' && kind !== 'raw') throw new Error('--kind must be driver or raw');
const log = (line: string): void => void process.stderr.write(`[noise-cert-cache] ${line}\n`);

const stateDir = await mkdtemp(path.join(os.tmpdir(), 'zapgate-cert-cache-'));
const simulator = await startSimulatorProcess();
try {
  log(`linking ${sessions} devices once`);
  for (let from = 0; from < sessions; from += SETUP_BATCH) {
    const count = Math.min(SETUP_BATCH, sessions - from);
    await runWorker({
      script: 'bench/density-setup-worker.ts',
      args: [
        ...endpointArgs(simulator),
        ...['--dir', stateDir, '--from', String(from), '--count', String(count)],
        ...['--phone-prefix', '1555733', '--concurrency', String(setupConcurrency)],
      ],
      deadlineMs: 60_000 + count * 3_000,
      label: `setup ${from}+${count}`,
    });
    log(`linked ${from + count}/${sessions}`);
  }

  const runs: Array<Record<string, unknown>> = [];
  for (let round = 0; round < rounds; round++) {
    const order: CacheMode[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const cache of order) {
      const simulatorCpuBefore = await processCpuMs(simulator.pid);
      const result = await runWorker({
        script: 'bench/noise-cert-cache-worker.ts',
        args: [
          ...endpointArgs(simulator),
          ...['--cache', cache, '--kind', kind, '--dir', stateDir],
          ...['--count', String(sessions), '--concurrency', String(concurrency)],
        ],
        deadlineMs: 60_000 + sessions * 2_000,
        label: `restore cache ${cache}`,
      });
      const simulatorCpuMs = (await processCpuMs(simulator.pid)) - simulatorCpuBefore;
      const run = { round, ...result, simulatorCpuMsPerSession: simulatorCpuMs / sessions };
      runs.push(run);
      log(JSON.stringify(run));
    }
  }

  const perSession = (cache: CacheMode): number =>
    median(runs.filter((r) => r.cache === cache).map((r) => Number(r.cpuMsPerSession)));
  const off = perSession('off');
  const on = perSession('on');
  const report = {
    bench: 'noise-cert-cache',
    node: process.version,
    cpus: os.cpus().length,
    sessions,
    rounds,
    kind,
    concurrency,
    cpuMsPerSession: { off, on, offOverOn: ratio(off, on) },
    runs,
  };
  const text = JSON.stringify(report, null, 2);
  process.stdout.write(text + '\n');
  if (values.out) await writeFile(values.out, text + '\n');
} finally {
  await simulator.stop();
  await rm(stateDir, { recursive: true, force: true });
}
