/**
 * Would keeping the WhatsApp sessions in a worker thread take V8's full GC off the API's path
 * (issue 9)? At 10,000 sessions every full GC of the gateway's one heap stalls its event loop for
 * 1-1.7 s. This stands in for that: a heap of millions of small, long-lived objects (a share of them
 * replaced every 200 ms, so full GCs keep coming) held either in the HTTP server's own isolate or in
 * a worker thread of the same process, while a client in another process POSTs small JSON bodies at
 * 300 a second (open loop) for a while. It prints each side's latency p50/p99/max and the server
 * isolate's longest event-loop delay, side by side in one run.
 *
 *   node --import tsx bench/worker-heap-isolation.ts [objects=2500000] [seconds=45]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const RATE_PER_SECOND = 300;

/** Millions of small session-like objects; 0.4 % of them replaced every 200 ms. */
function holdHeap(objects: number): void {
  const make = (i: number) => ({
    id: i,
    name: `session-${i}`,
    keys: new Map([[i, { at: Date.now(), ids: [i, i + 1, i + 2] }]]),
  });
  const live = Array.from({ length: objects }, (_, i) => make(i));
  let next = 0;
  setInterval(() => {
    for (let n = 0; n < objects * 0.004; n++) {
      live[next] = make(next);
      next = (next + 1) % objects;
    }
  }, 200);
}

/** The server: answers POST / with 202 and a small JSON body, GET /loop with its loop delay max. */
async function serve(where: 'server' | 'worker', objects: number): Promise<void> {
  if (where === 'server') holdHeap(objects);
  else
    await new Promise((resolve) =>
      new Worker(fileURLToPath(import.meta.url), {
        workerData: { objects },
        execArgv: process.execArgv,
      }).once('message', resolve),
    );
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/loop') {
        res.end(JSON.stringify({ maxMs: loop.max / 1e6 }));
        return;
      }
      const { to } = JSON.parse(body || '{}') as { to?: string };
      res
        .writeHead(202, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: Math.random(), to }));
    });
  });
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
}

/** The client: RATE_PER_SECOND POSTs a second for `seconds`, each timed from when it was due. */
async function load(port: number, seconds: number): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
  const total = RATE_PER_SECOND * seconds;
  const latencies: number[] = [];
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * RATE_PER_SECOND) / 1000));
      for (; sent < due; sent++) {
        const dueAt = started + (sent * 1000) / RATE_PER_SECOND;
        const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if (latencies.length === total) {
              clearInterval(tick);
              done();
            }
          });
        });
        req.end(JSON.stringify({ to: '+15550001111', text: 'Your appointment is tomorrow at 10:00' }));
      }
    }, 2);
  });
  latencies.sort((a, b) => a - b);
  const loop = (await (await fetch(`http://127.0.0.1:${port}/loop`)).json()) as { maxMs: number };
  const at = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]! * 10) / 10;
  return {
    n: latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    max: at(1),
    serverLoopMaxMs: Math.round(loop.maxMs),
  };
}

async function side(where: 'server' | 'worker', objects: number, seconds: number) {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), 'serve', where, String(objects)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (line: Buffer) => resolve(Number(line.toString().trim())));
      child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // its first full GCs of the built heap
    return {
      heapIn: where === 'server' ? "the HTTP server's isolate" : 'a worker thread',
      ...(await load(port, seconds)),
    };
  } finally {
    child.kill('SIGKILL');
  }
}

if (!isMainThread) {
  holdHeap((workerData as { objects: number }).objects);
  parentPort!.postMessage('ready');
} else if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as 'server' | 'worker', Number(process.argv[4]));
} else {
  const objects = Number(process.argv[2] ?? 2_500_000);
  const seconds = Number(process.argv[3] ?? 45);
  const rows = [await side('server', objects, seconds), await side('worker', objects, seconds)];
  console.log(
    `${objects} held objects, ${RATE_PER_SECOND} POSTs a second for ${seconds} s, Node ${process.version}`,
  );
  console.table(rows);
}
