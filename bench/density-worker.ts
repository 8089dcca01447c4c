/**
 * One session-density measurement in a fresh process (run with --expose-gc): logs `count` saved
 * devices in with one client kind, waits until every session is open and the connections are quiet,
 * collects garbage, and reports memory per session against the process before any session existed.
 *
 *   node --expose-gc --import tsx bench/density-worker.ts --kind raw|driver --dir D --count N
 *     --protocol-url U --control-url U --root-public-key K [--concurrency C] [--keepalive-ms MS]
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { send } from './child-processes.js';
import { forEachLimited, pollUntil, sleep } from './deadline.js';
import { driverStoreFrom, loadDevice, rawAuthFrom } from './saved-state.js';
import {
  DriverBenchSession,
  RawBenchSession,
  driverLogger,
  type BenchSession,
  type ClientKind,
} from './sessions.js';
import { ENDPOINT_OPTIONS, endpointFrom, positiveInteger } from './worker-args.js';

const { values } = parseArgs({
  options: {
    ...ENDPOINT_OPTIONS,
    kind: { type: 'string' },
    dir: { type: 'string' },
    count: { type: 'string' },
    concurrency: { type: 'string' },
    'keepalive-ms': { type: 'string' },
    'quiet-ms': { type: 'string' },
    'open-timeout-ms': { type: 'string' },
    'idle-deadline-ms': { type: 'string' },
  },
});

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

// Every WhatsApp connection of this process, to see when traffic has stopped (bytes read, polled:
// nothing is attached to the sockets themselves).
const sockets = new Set<Socket>();
subscribe('net.client.socket', (message) => sockets.add((message as { socket: Socket }).socket));
const bytesRead = (): number => {
  let total = 0;
  for (const socket of sockets) total += socket.bytesRead;
  return total;
};

// Diagnostic: how many AsyncLocalStorage instances got enabled. On Node 20 every enabled instance
// is visited on every promise and async resource the process creates, for as long as it lives.
let enabledStorages = 0;
const storageProto = AsyncLocalStorage.prototype as unknown as {
  _enable?: (this: { enabled: boolean }) => void;
};
const originalEnable = storageProto._enable;
if (typeof originalEnable === 'function') {
  storageProto._enable = function (this: { enabled: boolean }) {
    if (!this.enabled) enabledStorages++;
    originalEnable.call(this);
  };
}

/** Mean CPU cost of one `await` in this process now, in nanoseconds. */
async function awaitCostNs(iterations = 2_000): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await Promise.resolve(i);
  return Math.round(((performance.now() - started) * 1e6) / iterations);
}

/**
 * Memory after garbage collection, once RSS has settled: V8 and malloc hand freed pages back to the
 * OS a little after a collection, so RSS is read until two rounds in a row move it by < 1 MB
 * (at most 12 rounds of 250 ms).
 */
async function settledMemory(): Promise<Memory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  let previous = Number.NaN;
  let steady = 0;
  for (let round = 0; round < 12 && steady < 2; round++) {
    gc();
    await sleep(250);
    const rss = process.memoryUsage.rss();
    steady = Math.abs(rss - previous) < 1024 * 1024 ? steady + 1 : 0;
    previous = rss;
  }
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

try {
  const endpoint = endpointFrom(values);
  const kind = values.kind as ClientKind;
  if (kind !== 'raw' && kind !== 'driver') throw new Error('--kind must be raw or driver');
  const dir = values.dir;
  if (!dir) throw new Error('--dir is required');
  const count = positiveInteger('count', values.count);
  const concurrency = positiveInteger('concurrency', values.concurrency, 20);
  // Long by default so keep-alive pings do not look like activity while we wait for quiet.
  const keepAliveIntervalMs = positiveInteger('keepalive-ms', values['keepalive-ms'], 600_000);
  const quietMs = positiveInteger('quiet-ms', values['quiet-ms'], 2_000);
  const openTimeoutMs = positiveInteger('open-timeout-ms', values['open-timeout-ms'], 60_000);
  const idleDeadlineMs = positiveInteger('idle-deadline-ms', values['idle-deadline-ms'], 60_000);
  const logger = kind === 'driver' ? driverLogger() : undefined;

  const baseline = await settledMemory();
  const awaitNsBefore = await awaitCostNs();

  // Phase 1: every device's saved auth state in its client's in-memory store.
  const auths: Array<Awaited<ReturnType<typeof driverStoreFrom>> | ReturnType<typeof rawAuthFrom>> = [];
  for (let i = 0; i < count; i++) {
    const saved = await loadDevice(dir, i);
    auths.push(kind === 'raw' ? rawAuthFrom(saved) : await driverStoreFrom(saved));
  }
  const afterStores = await settledMemory();

  // Phase 2: log every device in.
  const sessions: BenchSession[] = auths.map((auth, i) =>
    kind === 'raw'
      ? new RawBenchSession(endpoint, auth as ReturnType<typeof rawAuthFrom>, { keepAliveIntervalMs })
      : new DriverBenchSession(
          endpoint,
          auth as Awaited<ReturnType<typeof driverStoreFrom>>,
          `density-${i}`,
          logger!,
          {
            keepAliveIntervalMs,
          },
        ),
  );
  auths.length = 0;
  const failures: string[] = [];
  const openStarted = performance.now();
  let lastOpenAt = openStarted;
  await forEachLimited(sessions, concurrency, async (session, i) => {
    try {
      await session.start();
      await session.waitOpen(openTimeoutMs);
      lastOpenAt = performance.now();
    } catch (err) {
      failures.push(`#${i}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const openAllMs = performance.now() - openStarted;
  send({
    type: 'progress',
    phase: 'open',
    opened: count - failures.length,
    count,
    openAllMs: Math.round(openAllMs),
  });

  // Phase 3: idle = no bytes on any connection for quietMs (and quietMs since the last open).
  let lastBytes = bytesRead();
  let lastChangeAt = performance.now();
  let quiet = true;
  const idleStarted = performance.now();
  await pollUntil(
    () => {
      const now = performance.now();
      const bytes = bytesRead();
      if (bytes !== lastBytes) {
        lastBytes = bytes;
        lastChangeAt = now;
      }
      return now - lastChangeAt >= quietMs && now - lastOpenAt >= quietMs;
    },
    idleDeadlineMs,
    `${quietMs} ms without traffic`,
    100,
  ).catch(() => {
    quiet = false;
  });
  const idleWaitMs = performance.now() - idleStarted;
  const afterIdle = await settledMemory();
  const awaitNsAfter = await awaitCostNs();
  const stillOpen = sessions.filter((s) => s.isOpen).length;
  const troubles = sessions.flatMap((s, i) => s.troubles.map((t) => `#${i}: ${t}`));
  const opened = count - failures.length;
  const per = (a: number, b: number): number => (opened > 0 ? (a - b) / opened : Number.NaN);

  send({
    type: 'result',
    kind,
    count,
    opened,
    stillOpen,
    failures: failures.slice(0, 10),
    failureCount: failures.length,
    troubles: troubles.slice(0, 10),
    troubleCount: troubles.length,
    openAllMs: Math.round(openAllMs),
    quiet,
    idleWaitMs: Math.round(idleWaitMs),
    connections: sockets.size,
    bytesRead: bytesRead(),
    keepAliveIntervalMs,
    awaitNs: { before: awaitNsBefore, after: awaitNsAfter },
    enabledAsyncLocalStorages: typeof originalEnable === 'function' ? enabledStorages : null,
    memory: { baseline, afterStores, afterIdle },
    perSession: {
      rss: per(afterIdle.rss, baseline.rss),
      heapUsed: per(afterIdle.heapUsed, baseline.heapUsed),
      external: per(afterIdle.external, baseline.external),
      storeRss: per(afterStores.rss, baseline.rss),
      storeHeapUsed: per(afterStores.heapUsed, baseline.heapUsed),
      connectionRss: per(afterIdle.rss, afterStores.rss),
      connectionHeapUsed: per(afterIdle.heapUsed, afterStores.heapUsed),
    },
  });
  // No graceful close: the process ends and the OS closes every connection at once.
  process.exit(0);
} catch (err) {
  send({ type: 'result', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
