/**
 * One restore in a fresh process, for bench/noise-cert-cache.ts: logs `count` saved devices in at
 * once (at most `concurrency` connecting) with Baileys' certificate-chain cache on or off, and
 * reports the CPU this process spent from the first connection to the last open session, and how
 * much of it went into the certificate signature checks.
 *
 *   node --import tsx bench/noise-cert-cache-worker.ts --cache on|off --kind driver|raw --dir D
 *     --count N [--concurrency C] --protocol-url U --control-url U --root-public-key K
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Curve, NOISE_CERT_CHAIN_CACHE } from 'baileys';
import { send } from './child-processes.js';
import { forEachLimited } from './deadline.js';
import { driverStoreFrom, loadDevice, rawAuthFrom } from './saved-state.js';
import { DriverBenchSession, RawBenchSession, driverLogger, type BenchSession } from './sessions.js';
import { ENDPOINT_OPTIONS, endpointFrom, positiveInteger } from './worker-args.js';

const OPEN_TIMEOUT_MS = 120_000;

const { values } = parseArgs({
  options: {
    ...ENDPOINT_OPTIONS,
    cache: { type: 'string' },
    kind: { type: 'string', default: 'driver' },
    dir: { type: 'string' },
    count: { type: 'string' },
    concurrency: { type: 'string' },
  },
});

// Every signature check Baileys makes (the Noise certificate chain is its only caller while
// logging in), counted and timed.
let signatureChecks = 0;
let signatureCheckMs = 0;
const verify = Curve.verify;
Curve.verify = (pubKey, message, signature) => {
  const started = performance.now();
  try {
    return verify(pubKey, message, signature);
  } finally {
    signatureChecks++;
    signatureCheckMs += performance.now() - started;
  }
};

try {
  const endpoint = endpointFrom(values);
  const cache = values.cache;
  if (cache !== 'on' && cache !== 'off') throw new Error('--cache must be on or off');
  const kind = values.kind;
  if (kind !== 'driver' && kind !== 'raw') throw new Error('--kind must be driver or raw');
  const dir = values.dir;
  if (!dir) throw new Error('--dir is required');
  const count = positiveInteger('count', values.count);
  const concurrency = positiveInteger('concurrency', values.concurrency, 20);
  if (cache === 'off') NOISE_CERT_CHAIN_CACHE.maxEntries = 0;

  const logger = kind === 'driver' ? driverLogger() : undefined;
  const sessions: BenchSession[] = [];
  for (let i = 0; i < count; i++) {
    const saved = await loadDevice(dir, i);
    sessions.push(
      kind === 'raw'
        ? new RawBenchSession(endpoint, rawAuthFrom(saved))
        : new DriverBenchSession(endpoint, await driverStoreFrom(saved), `restore-${i}`, logger!),
    );
  }

  const loadBefore = os.loadavg();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const failures: string[] = [];
  await forEachLimited(sessions, concurrency, async (session, i) => {
    try {
      await session.start();
      await session.waitOpen(OPEN_TIMEOUT_MS);
    } catch (err) {
      failures.push(`#${i}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const opened = count - failures.length;
  send({
    type: 'result',
    cache,
    kind,
    count,
    opened,
    failureCount: failures.length,
    failures: failures.slice(0, 5),
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    cpuMsPerSession: opened > 0 ? cpuMs / opened : Number.NaN,
    signatureChecks,
    signatureCheckMs: Math.round(signatureCheckMs),
    cachedChains: NOISE_CERT_CHAIN_CACHE.size,
    loadAverage: { before: loadBefore, after: os.loadavg() },
  });
  // No graceful close: the process ends and the OS closes every connection at once.
  process.exit(0);
} catch (err) {
  send({ type: 'result', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
