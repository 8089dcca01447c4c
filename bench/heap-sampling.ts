/**
 * What a running gateway allocates that outlives the young generation (issue 9): attaches to a
 * gateway started with `--inspect=127.0.0.1:PORT` (e.g. `npm run bench -- --parts scale
 * "--scale-gateway-flags=--inspect=127.0.0.1:9230"`), samples the allocations of its main thread and
 * of every session thread for S seconds with V8's sampling heap profiler, keeping the samples whose
 * objects survived every scavenge (collected only by a full GC, or still alive), and prints each
 * thread's largest allocation sites by bytes per second. Those are the bytes promoted into the old
 * generation, whose growth sets how often a full collection (a stall) comes. `--all` keeps the
 * samples a scavenge collected too (every allocation), to compare. `--snapshot DIR` instead writes a
 * heap snapshot of each thread there (for `bench/heap-summary.ts`).
 *
 *   tsx bench/heap-sampling.ts [--port 9230] [--seconds 30] [--top 25] [--all] [--snapshot DIR] [--main-only]
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from './deadline.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9230' },
    seconds: { type: 'string', default: '30' },
    top: { type: 'string', default: '25' },
    all: { type: 'boolean', default: false },
    snapshot: { type: 'string' },
    'main-only': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const top = Number(values.top);

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: ProfileNode[];
}
interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

const targets = (await (await fetch(`http://127.0.0.1:${values.port}/json/list`)).json()) as {
  webSocketDebuggerUrl: string;
}[];
const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  socket.onopen = resolve;
  socket.onerror = reject;
});

let nextId = 1;
type Waiter = (message: CdpMessage) => void;
const mainWaiters = new Map<number, Waiter>();
const workerWaiters = new Map<string, Map<number, Waiter>>();
const workers: { sessionId: string; title: string }[] = [];
/** Where each thread's snapshot chunks go while one is taken (main thread: ''). */
const snapshotFiles = new Map<string, WriteStream>();

function heardEvent(sessionId: string, message: CdpMessage): void {
  if (message.method === 'HeapProfiler.addHeapSnapshotChunk')
    snapshotFiles.get(sessionId)?.write((message.params as { chunk: string }).chunk);
}

socket.onmessage = (event: MessageEvent) => {
  const message = JSON.parse(String(event.data)) as CdpMessage;
  if (message.id !== undefined) {
    mainWaiters.get(message.id)?.(message);
    mainWaiters.delete(message.id);
  } else if (message.method === 'HeapProfiler.addHeapSnapshotChunk') {
    heardEvent('', message);
  } else if (message.method === 'NodeWorker.attachedToWorker') {
    const params = message.params as { sessionId: string; workerInfo: { title: string } };
    workers.push({ sessionId: params.sessionId, title: params.workerInfo.title });
  } else if (message.method === 'NodeWorker.receivedMessageFromWorker') {
    const params = message.params as { sessionId: string; message: string };
    const inner = JSON.parse(params.message) as CdpMessage;
    if (inner.id === undefined) return heardEvent(params.sessionId, inner);
    const waiters = workerWaiters.get(params.sessionId);
    waiters?.get(inner.id)?.(inner);
    waiters?.delete(inner.id);
  }
};

/** Sends one command to the main thread (no session id) or to a worker's session. */
function command(
  sessionId: string | undefined,
  method: string,
  params: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const settle = (message: CdpMessage) => {
      if (message.error) reject(new Error(`${method}: ${message.error.message}`));
      else resolve(message.result ?? {});
    };
    if (sessionId === undefined) {
      mainWaiters.set(id, settle);
      socket.send(JSON.stringify({ id, method, params }));
    } else {
      const waiters = workerWaiters.get(sessionId) ?? new Map<number, Waiter>();
      workerWaiters.set(sessionId, waiters);
      waiters.set(id, settle);
      const message = JSON.stringify({ id, method, params });
      socket.send(
        JSON.stringify({
          id: nextId++,
          method: 'NodeWorker.sendMessageToWorker',
          params: { sessionId, message },
        }),
      );
    }
  });
}

await command(undefined, 'NodeWorker.enable', { waitForDebuggerOnStart: false });
// The running workers are announced as events after enabling; half a second is plenty on a local port.
await sleep(500);
const threads: { sessionId: string | undefined; title: string }[] = [
  { sessionId: undefined, title: 'main thread' },
  ...(values['main-only'] ? [] : workers),
];
if (values.snapshot) {
  for (const thread of threads) {
    const file = path.join(
      values.snapshot,
      `${thread.title.replace(/\W+/g, '-').replace(/^-|-$/g, '')}.heapsnapshot`,
    );
    const out = createWriteStream(file);
    snapshotFiles.set(thread.sessionId ?? '', out);
    await command(thread.sessionId, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    await new Promise((resolve) => out.end(resolve));
    console.log(`${thread.title}: ${file}`);
  }
  socket.close();
  process.exit(0);
}
const sampling = {
  samplingInterval: 16_384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: values.all,
};
for (const thread of threads) {
  await command(thread.sessionId, 'HeapProfiler.startSampling', sampling);
}
await sleep(seconds * 1000);

for (const thread of threads) {
  const { profile } = (await command(thread.sessionId, 'HeapProfiler.stopSampling')) as {
    profile: { head: ProfileNode };
  };
  const sites = new Map<string, { bytes: number; stack: string }>();
  let total = 0;
  const walk = (node: ProfileNode, path: string[]) => {
    const frame = node.callFrame;
    const file = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/work\/[^/]+\//, '');
    const here = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    const stack = [...path, here];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const key = stack.slice(-4).join(' < ');
      const site = sites.get(key) ?? { bytes: 0, stack: stack.slice(-4).reverse().join('\n      < ') };
      site.bytes += node.selfSize;
      sites.set(key, site);
    }
    for (const child of node.children) walk(child, stack);
  };
  walk(profile.head, []);
  console.log(
    `\n== ${thread.title}: ${(total / seconds / 1e6).toFixed(2)} MB/s sampled (${values.all ? 'every allocation' : 'surviving scavenges'})`,
  );
  for (const site of [...sites.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top)) {
    console.log(
      `${(site.bytes / seconds / 1e3).toFixed(1).padStart(8)} KB/s ${((100 * site.bytes) / total).toFixed(1).padStart(5)} %  ${site.stack}`,
    );
  }
}
socket.close();
