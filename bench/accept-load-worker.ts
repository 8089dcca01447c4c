/**
 * The accept-rate load generator, in its own process so it does not share the gateway's event loop.
 * Closed loop (default): `concurrency` clients, each on its own keep-alive connection, POST
 * /v1/messages back to back. Open loop (`--rate R`): requests are due at R per second whatever the
 * answers, over at most `concurrency` connections (the rest wait for one), and each latency runs
 * from when the request was due, so a stall is not hidden (no coordinated omission). Warm-up, then
 * the measured window; every request's timing is reported as one JSON result.
 *
 *   node --import tsx bench/accept-load-worker.ts --url http://127.0.0.1:port --key zg_live_…
 *        --concurrency 200 --warmup-ms 3000 --duration-ms 10000 [--rate 1500] [--run-id a]
 */
import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { send } from './child-processes.js';
import { positiveInteger } from './worker-args.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    concurrency: { type: 'string' },
    'warmup-ms': { type: 'string' },
    'duration-ms': { type: 'string' },
    'run-id': { type: 'string', default: 'a' },
    rate: { type: 'string' },
  },
});

/** A request that has not answered after this long counts as an error (and ends the client's loop). */
const REQUEST_TIMEOUT_MS = 30_000;

interface Sample {
  /** ms since the worker's t0: when the request was due. */
  readonly start: number;
  /** When the worker got to sending it (its own lateness is start → sent). */
  readonly sent: number;
  readonly end: number;
  readonly status: number;
}

async function main(): Promise<void> {
  const url = new URL(values.url ?? '');
  const key = values.key ?? '';
  const concurrency = positiveInteger('concurrency', values.concurrency);
  const warmupMs = positiveInteger('warmup-ms', values['warmup-ms']);
  const durationMs = positiveInteger('duration-ms', values['duration-ms']);
  const runId = values['run-id'];
  const rate = values.rate === undefined ? undefined : positiveInteger('rate', values.rate);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });

  const t0 = performance.now();
  const windowStart = warmupMs;
  const windowEnd = warmupMs + durationMs;
  const samples: Sample[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let seq = 0;

  const post = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: '/v1/messages',
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          response.resume(); // the body is not needed; draining it frees the connection
          response.once('end', () => resolve(response.statusCode ?? 0));
          response.once('error', reject);
        },
      );
      request.once('timeout', () => request.destroy(new Error('request timed out')));
      request.once('error', reject);
      request.end(body);
    });

  /** One request, timed from `start` (when it was due). */
  const one = async (start: number): Promise<void> => {
    const sent = performance.now() - t0;
    const n = seq++;
    // A realistic notification: a phone per request, the business's default channel, and an
    // idempotency key (as the API docs recommend), unique per request.
    const body = JSON.stringify({
      to: `+55 11 9${String(10_000_000 + ((n * 7919) % 89_999_999))}`,
      text: `Hello! Your appointment on Friday at 10:30 is confirmed. Reply C to cancel. (#${n})`,
      idempotencyKey: `bench-${runId}-${n}`,
    });
    try {
      const status = await post(body);
      samples.push({ start, sent, end: performance.now() - t0, status });
    } catch (err) {
      failures++;
      firstFailure ??= err instanceof Error ? err.message : String(err);
      samples.push({ start, sent, end: performance.now() - t0, status: 0 });
    }
  };

  const closedLoop = async (): Promise<void> => {
    const client = async (): Promise<void> => {
      for (;;) {
        const start = performance.now() - t0;
        if (start >= windowEnd) return;
        await one(start);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => client()));
  };

  // Past this many requests waiting or in flight, the gateway is far behind the offered rate: the
  // rest are not sent (counted as dropped), so an overloaded run still ends in bounded time.
  const maxOutstanding = concurrency * 10;
  let dropped = 0;
  const openLoop = async (perSecond: number): Promise<void> => {
    const inFlight = new Set<Promise<void>>();
    let issued = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now() - t0;
        const due = Math.floor((Math.min(now, windowEnd) * perSecond) / 1000);
        while (issued < due) {
          if (inFlight.size >= maxOutstanding) {
            issued++;
            dropped++;
            continue;
          }
          // Latency counts from when the request was due, not from when the loop got to it.
          const p = one((issued * 1000) / perSecond);
          issued++;
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
        if (now >= windowEnd) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    await Promise.all(inFlight);
  };

  // The generator's own event loop, from the window's start: a stall here is the bench's, not the
  // gateway's, and its requests are late before they leave.
  const ownLoop = monitorEventLoopDelay({ resolution: 5 });
  const ticker = setTimeout(() => {
    ownLoop.enable();
    send({ type: 'progress', phase: 'measuring' });
  }, windowStart);
  await (rate === undefined ? closedLoop() : openLoop(rate));
  clearTimeout(ticker);
  ownLoop.disable();
  send({ type: 'progress', phase: 'done' });
  agent.destroy();

  const inWindow = samples.filter((s) => s.start >= windowStart && s.start < windowEnd);
  const completedInWindow = samples.filter(
    (s) => s.end >= windowStart && s.end < windowEnd && s.status === 202,
  ).length;
  const statusCounts: Record<string, number> = {};
  for (const s of samples) statusCounts[String(s.status)] = (statusCounts[String(s.status)] ?? 0) + 1;
  send({
    type: 'result',
    requests: samples.length,
    accepted202: samples.filter((s) => s.status === 202).length,
    completedInWindow,
    windowMs: durationMs,
    // Latency of every request started in the window, whatever its status (errors included).
    latenciesMs: inWindow.map((s) => Math.round((s.end - s.start) * 100) / 100),
    windowStatuses: inWindow.reduce<Record<string, number>>((acc, s) => {
      acc[String(s.status)] = (acc[String(s.status)] ?? 0) + 1;
      return acc;
    }, {}),
    statusCounts,
    // Where the tail sits: the slowest requests of the window, by when they were due (ms into the
    // window). A stall shows as many slow requests due within the same few hundred ms.
    slowest: [...inWindow]
      .sort((x, y) => y.end - y.start - (x.end - x.start))
      .slice(0, 10)
      .map((x) => ({
        dueMs: Math.round(x.start - windowStart),
        ms: Math.round(x.end - x.start),
        lateMs: Math.round(x.sent - x.start),
      })),
    ownLoopMaxMs: Math.round(ownLoop.max / 1e6),
    failures,
    dropped,
    ...(firstFailure ? { firstFailure } : {}),
  });
}

// stdout is a pipe (asynchronous): exit only once the result line has been written out, or a large
// result would be cut short.
const exitAfterFlush = (code: number): void => {
  process.stdout.write('', () => process.exit(code));
};

main().then(
  () => exitAfterFlush(0),
  (err: unknown) => {
    send({ type: 'result', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    exitAfterFlush(1);
  },
);
