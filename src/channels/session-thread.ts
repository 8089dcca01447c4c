/**
 * A session thread: a worker thread that runs WhatsApp sessions (their Baileys sockets, Signal
 * sessions, sealing and opening of their keys) for the main thread, which holds the HTTP API, the
 * queue and the database (session-threads.ts). Why: every isolate collects its own heap, so the
 * garbage of ten thousand sockets no longer stops the API's event loop (issue 9).
 *
 * Here: the drivers the main thread created, by id; their events go back as messages. The
 * sessions' stores are the usual sealed ChannelAuthStore over a database whose statements the main
 * thread runs (under the channel's fence when several nodes share it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { parentPort, resourceLimits, workerData } from 'node:worker_threads';
import type { WAVersion } from 'baileys';
import pino from 'pino';
import { isWriteStatement } from '../cluster/fenced-database.js';
import { AppError } from '../domain/errors.js';
import type { Database, Queryable } from '../store/database.js';
import { SecretBox } from '../store/secret-box.js';
import { ChannelAuthStore } from '../whatsapp/channel-auth-store.js';
import type { ClientVersionSource } from '../whatsapp/client-version.js';
import type { ConnectAdmission } from '../whatsapp/session-options.js';
import type { ChannelDriver, DriverEvents } from './channel-driver.js';
import {
  PendingCalls,
  errorShape,
  withBuffers,
  type FromThread,
  type SessionThreadSettings,
  type Statement,
  type ThreadAsk,
  type ThreadStats,
  type ToThread,
} from './session-thread-messages.js';
import { WhatsAppDrivers, type DriverMetrics } from './whatsapp-driver.js';

const port = parentPort;
if (!port) throw new Error('session-thread.ts runs only as a worker thread (see session-threads.ts)');
const settings = workerData as SessionThreadSettings;

function post(message: FromThread): void {
  port!.postMessage(message);
}

const logger = pino(
  { level: settings.logLevel, base: undefined },
  { write: (line: string) => post({ t: 'log', line }) },
);
const secrets = new SecretBox(settings.secretKeys);
const asked = new PendingCalls();

function ask(question: ThreadAsk): Promise<unknown> {
  const { callId, answer } = asked.start();
  post({ t: 'ask', callId, ask: question });
  return answer;
}

/**
 * The database as a session's store sees it: each statement runs on the main thread. A
 * transaction is sent whole, as one batch of writes: the store's transactions only write, and a
 * read inside one could not be answered before the batch is sent, so it is refused.
 */
function mainThreadDatabase(driverId: number | undefined): Database {
  return {
    dialect: settings.dialect,
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const rows = await ask({ kind: 'query', driverId, statement: { sql, params: [...params] } });
      return (rows as Array<Record<string, unknown>>).map(
        (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, withBuffers(v)])) as Row,
      );
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const statements: Statement[] = [];
      const batch: Queryable = {
        query(sql: string, params: readonly unknown[] = []) {
          if (!isWriteStatement(sql))
            throw new AppError('internal', 'A session store cannot read inside a transaction.', {
              internalMessage: `a session thread's transaction is a batch of writes; it was asked: ${sql.slice(0, 60)}`,
            });
          statements.push({ sql, params: [...params] });
          return Promise.resolve([]);
        },
      };
      const result = await work(batch);
      if (statements.length > 0) await ask({ kind: 'batch', driverId, statements });
      return result;
    },
    close: () => Promise.resolve(),
  };
}

/** The main thread's connect gate: one turn for the whole process, a link before restores. */
const turns = new Map<number, () => void>();
let lastTicket = 0;
const connectGate: ConnectAdmission = {
  request(priority, onTurn) {
    const ticketId = ++lastTicket;
    turns.set(ticketId, onTurn);
    post({ t: 'gate', op: 'request', ticketId, priority });
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        turns.delete(ticketId);
        post({ t: 'gate', op: 'release', ticketId, priority: undefined });
      },
    };
  },
};

/** Counters move in the main thread's registry (one /metrics for the process). */
function forwarded(name: keyof DriverMetrics) {
  return { inc: (labels: Record<string, string>) => post({ t: 'metric', name, labels }) };
}
const metrics: DriverMetrics = {
  resends: forwarded('resends'),
  refusals: forwarded('refusals'),
  newChatCap: forwarded('newChatCap'),
};

/**
 * The WhatsApp Web version from the main thread's resolver: one lookup for the process however
 * many threads ask (each thread looking on its own made N lookups at every start and check).
 */
class MainThreadClientVersion implements ClientVersionSource {
  readonly pinned = settings.clientVersion.pinned;
  #current: WAVersion = settings.clientVersion.current;

  current(): WAVersion {
    return this.#current;
  }

  async refresh(): Promise<WAVersion> {
    this.#current = (await ask({ kind: 'clientVersion' })) as WAVersion;
    return this.#current;
  }
}

const drivers = new WhatsAppDrivers({
  authStores: (channelId) => new ChannelAuthStore(mainThreadDatabase(undefined), secrets, channelId),
  logger,
  metrics,
  server: settings.server,
  qrTimeoutMs: settings.qrTimeoutMs,
  clientVersion: new MainThreadClientVersion(),
  ...(settings.versionCheckMs !== undefined ? { versionCheckMs: settings.versionCheckMs } : {}),
  ...(settings.storedText
    ? {
        storedText: async (channelId: string, messageId: string) =>
          (await ask({ kind: 'storedText', channelId, messageId })) as string | undefined,
      }
    : {}),
  connectGate,
});

const DRIVER_EVENTS: ReadonlyArray<keyof DriverEvents> = [
  'link',
  'state',
  'status',
  'inbound',
  'restriction',
  'quota',
];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/** This isolate's heap and this thread's loop delay since the last ask (then counted afresh). */
function stats(): ThreadStats {
  const loopDelayP99Ms = loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0;
  loopDelay.reset();
  return {
    heapUsedBytes: getHeapStatistics().used_heap_size,
    youngGenerationMaxMb: resourceLimits.maxYoungGenerationSizeMb ?? 0,
    loopDelayP99Ms,
  };
}

const held = new Map<number, { driver: ChannelDriver; stopListening: Array<() => void> }>();

async function run(driverId: number, method: string, args: readonly unknown[]): Promise<unknown> {
  const entry = held.get(driverId);
  if (!entry)
    throw new AppError('session_not_open', 'The channel is not connected.', {
      internalMessage: `session thread holds no driver ${driverId}`,
    });
  const driver = entry.driver as unknown as Record<
    string,
    ((...a: unknown[]) => Promise<unknown>) | undefined
  >;
  const fn = driver[method];
  if (!fn) throw new AppError('internal', 'This channel cannot do that.', { internalMessage: method });
  return fn.apply(entry.driver, [...args]);
}

port.on('message', (message: ToThread) => {
  switch (message.t) {
    case 'create': {
      const { driverId, channel, deviceName } = message;
      const store = new ChannelAuthStore(mainThreadDatabase(driverId), secrets, channel.channelId);
      const driver = drivers.driverWith(channel, store, deviceName);
      const stopListening = DRIVER_EVENTS.map((event) =>
        driver.on(event, (payload) => post({ t: 'event', driverId, event, payload })),
      );
      held.set(driverId, { driver, stopListening });
      return;
    }
    case 'call':
      run(message.driverId, message.method, message.args).then(
        (value) => post({ t: 'answer', callId: message.callId, ok: true, value }),
        (error: unknown) =>
          post({ t: 'answer', callId: message.callId, ok: false, error: errorShape(error) }),
      );
      return;
    case 'drop': {
      const entry = held.get(message.driverId);
      if (!entry) return;
      held.delete(message.driverId);
      for (const stop of entry.stopListening) stop();
      entry.driver.close().catch((err: unknown) => logger.warn({ err }, 'closing a dropped session failed'));
      return;
    }
    case 'stats':
      post({ t: 'answer', callId: message.callId, ok: true, value: stats() });
      return;
    case 'turn': {
      const onTurn = turns.get(message.ticketId);
      turns.delete(message.ticketId);
      onTurn?.();
      return;
    }
    case 'answer':
      asked.settle(message);
      return;
  }
});

post({ t: 'ready' });
