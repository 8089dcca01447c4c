/**
 * WhatsApp sessions in worker threads (SESSION_THREADS, issue 9). V8 collects each isolate's heap
 * on its own: with ten thousand sockets in the API's isolate, a full collection took the event
 * loop for 1–1.5 s every ~45 s under load. Here the sockets live in session threads
 * (session-thread.ts) and the main thread keeps the API, the queue, the database and the connect
 * gate. To the session host nothing changes: this is a ChannelDriverKind whose drivers are stand-ins
 * that forward each call to their thread and repeat its events.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { fencedDatabase } from '../cluster/fenced-database.js';
import { AppError } from '../domain/errors.js';
import type { WriteFence } from '../store/channels-repository.js';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';
import type { ClientVersionSource } from '../whatsapp/client-version.js';
import type { ConnectAdmission, ConnectTicket } from '../whatsapp/session-options.js';
import type {
  ChannelDriver,
  ChannelDriverKind,
  ChannelRef,
  DriverEvents,
  DriverState,
} from './channel-driver.js';
import { DriverListeners } from './driver-listeners.js';
import {
  PendingCalls,
  errorShape,
  withBuffers,
  type DriverMethod,
  type FromThread,
  type SessionThreadSettings,
  type ThreadAsk,
  type ThreadStats,
  type ToThread,
} from './session-thread-messages.js';
import { sealedAuthStores, type AuthStores, type DriverMetrics } from './whatsapp-driver.js';

export interface SessionThreadsOptions {
  /** How many threads the sessions are spread over (SESSION_THREADS, at least 1). */
  readonly threads: number;
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly logger: Logger;
  readonly metrics?: DriverMetrics;
  /** What each thread's drivers are made with (the thread's own parts come from the others). */
  readonly settings: Omit<
    SessionThreadSettings,
    'logLevel' | 'dialect' | 'secretKeys' | 'storedText' | 'clientVersion'
  >;
  /** The process's one WhatsApp Web version resolver: every thread's sessions ask it. */
  readonly clientVersion: ClientVersionSource;
  readonly storedText?: (channelId: string, messageId: string) => Promise<string | undefined>;
  readonly connectGate?: ConnectAdmission;
  /** A thread stopped by itself (its sessions are gone): the process should restart. */
  readonly onThreadLost?: (error: Error) => void;
  /** The thread's entry module (tests give one that fails on purpose); session-thread.ts by default. */
  readonly threadEntry?: URL;
}

/** The worker's entry: the TypeScript source under tsx, the built file otherwise. */
const THREAD_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './session-thread.ts' : './session-thread.js',
  import.meta.url,
);

/**
 * The session thread's young generation, in MB. With V8's default (up to 192 MB; ~48 MB in use
 * at 10,000 sessions) a thread of 10,000
 * idle sessions scavenged every ~5 s for a median 25–36 ms, and V8's memory reducer ran full
 * compacting collections of its ~1 GB heap for 100–210 ms; both take the two cores of a small
 * machine from the API (its p99 at 10,000 sessions went up to 2.5× its figure at 0). At 16 MB the
 * scavenges took a median 7 ms every ~0.7 s and no memory-reducing collection came (bench/README,
 * seventh night). The main thread keeps V8's default: its own smaller young generation cost it more
 * than it saved.
 */
export const SESSION_THREAD_YOUNG_GENERATION_MB = 16;

export class SessionThreads implements ChannelDriverKind {
  private threads: SessionThread[] | undefined;
  private readonly authStores: AuthStores;
  private lastDriverId = 0;
  private closed = false;
  /** A stand-in the host let go of: its thread closes and forgets the real driver. */
  private readonly released = new FinalizationRegistry<{ thread: SessionThread; driverId: number }>(
    ({ thread, driverId }) => thread.drop(driverId),
  );

  constructor(private readonly o: SessionThreadsOptions) {
    if (!Number.isInteger(o.threads) || o.threads < 1)
      throw new RangeError(`session threads must be an integer >= 1, got ${o.threads}`);
    this.authStores = sealedAuthStores(o.db, o.secrets);
  }

  create(
    channel: ChannelRef,
    options: { readonly deviceName?: string; readonly fence?: WriteFence } = {},
  ): ChannelDriver {
    if (this.closed) throw new AppError('session_stopped', 'The gateway is stopping.');
    // The thread with the fewest drivers.
    const thread = this.started().reduce((a, b) => (b.size < a.size ? b : a));
    const driverId = ++this.lastDriverId;
    // Several nodes: the credentials' writes this driver's thread asks for carry the lease's fence.
    const db = options.fence ? fencedDatabase(this.o.db, channel.channelId, options.fence) : this.o.db;
    const driver = thread.create(driverId, channel, options.deviceName, db);
    this.released.register(driver, { thread, driverId });
    return driver;
  }

  /** Starts the threads (else the first channel does) and waits until each has loaded. */
  async start(): Promise<void> {
    await Promise.all(this.started().map((thread) => thread.ready));
  }

  private started(): SessionThread[] {
    this.threads ??= Array.from({ length: this.o.threads }, (_, i) => this.startThread(i));
    return this.threads;
  }

  isLinked(channelId: string): Promise<boolean> {
    return this.authStores(channelId)
      .loadCreds()
      .then((creds) => Boolean(creds?.me));
  }

  forget(channelId: string): Promise<void> {
    return this.authStores(channelId).clear();
  }

  /** Stops every thread (after the host closed its sessions). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all((this.threads ?? []).map((thread) => thread.terminate()));
  }

  /** Drivers per thread (tests, metrics). */
  spread(): number[] {
    return (this.threads ?? []).map((thread) => thread.size);
  }

  /** Each running thread's own figures, for /metrics (none before the threads start). */
  async stats(): Promise<Array<ThreadStats & { readonly thread: number; readonly sessions: number }>> {
    return Promise.all(
      (this.threads ?? []).map(async (thread) => ({
        thread: thread.index,
        sessions: thread.size,
        ...(await thread.stats()),
      })),
    );
  }

  private startThread(index: number): SessionThread {
    const settings: SessionThreadSettings = {
      ...this.o.settings,
      logLevel: this.o.logger.level,
      dialect: this.o.db.dialect,
      secretKeys: this.o.secrets.keys(),
      storedText: this.o.storedText !== undefined,
      clientVersion: { pinned: this.o.clientVersion.pinned, current: this.o.clientVersion.current() },
    };
    return new SessionThread(index, settings, this.o);
  }
}

/** One worker thread and the stand-ins of the drivers it runs. */
class SessionThread {
  private readonly worker: Worker;
  private readonly calls = new PendingCalls();
  /** Stand-ins held weakly (the host decides their life); each with the database its store writes to. */
  private readonly drivers = new Map<
    number,
    { readonly stand: WeakRef<ThreadDriver>; readonly db: Database }
  >();
  private readonly tickets = new Map<number, ConnectTicket>();
  private gone: Error | undefined;
  private terminating = false;
  /** Resolves when the thread has loaded (rejects if it stops first). */
  readonly ready: Promise<void>;
  private loaded!: () => void;
  private failedToLoad!: (error: Error) => void;

  constructor(
    readonly index: number,
    settings: SessionThreadSettings,
    private readonly o: SessionThreadsOptions,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.loaded = resolve;
      this.failedToLoad = reject;
    });
    // Nobody may be waiting for it (a channel created first): a thread that never loads is logged.
    this.ready.catch(() => undefined);
    this.worker = new Worker(o.threadEntry ?? THREAD_ENTRY, {
      workerData: settings,
      name: `zapgate-sessions-${index}`,
      // The loader that runs TypeScript (tsx) and nothing of the test runner's.
      execArgv: loaderArgs(process.execArgv),
      resourceLimits: { maxYoungGenerationSizeMb: SESSION_THREAD_YOUNG_GENERATION_MB },
    });
    this.worker.on('message', (message: FromThread) => this.heard(message));
    this.worker.on('error', (error) => {
      this.o.logger.error({ err: error, thread: index }, 'a session thread failed');
    });
    this.worker.on('exit', (code) => {
      const error = new AppError('session_not_open', 'The channel is not connected.', {
        internalMessage: `session thread ${index} exited (code ${code})`,
      });
      this.gone = error;
      this.failedToLoad(error);
      this.calls.failAll(error);
      for (const ticket of this.tickets.values()) ticket.release();
      this.tickets.clear();
      if (!this.terminating) {
        this.o.logger.fatal({ thread: index, code }, 'a session thread stopped by itself');
        this.o.onThreadLost?.(error);
      }
    });
  }

  get size(): number {
    return this.drivers.size;
  }

  create(driverId: number, channel: ChannelRef, deviceName: string | undefined, db: Database): ThreadDriver {
    const stand = new ThreadDriver(this, driverId, this.o.logger);
    this.drivers.set(driverId, { stand: new WeakRef(stand), db });
    this.send({ t: 'create', driverId, channel, deviceName });
    return stand;
  }

  call(driverId: number, method: DriverMethod, args: readonly unknown[]): Promise<unknown> {
    if (this.gone) return method === 'close' ? Promise.resolve() : Promise.reject(this.gone);
    const { callId, answer } = this.calls.start();
    this.send({ t: 'call', callId, driverId, method, args });
    return answer;
  }

  /** The thread's figures; zeros when it is gone (a scrape never fails on it). */
  async stats(): Promise<ThreadStats> {
    const none: ThreadStats = { heapUsedBytes: 0, youngGenerationMaxMb: 0, loopDelayP99Ms: 0 };
    if (this.gone) return none;
    const { callId, answer } = this.calls.start();
    this.send({ t: 'stats', callId });
    // A thread stuck for seconds must not hold /metrics: its figures are then left out once.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ThreadStats>((resolve) => (timer = setTimeout(() => resolve(none), 5_000)));
    try {
      return await Promise.race([answer.then((value) => value as ThreadStats).catch(() => none), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  drop(driverId: number): void {
    this.drivers.delete(driverId);
    if (!this.gone) this.send({ t: 'drop', driverId });
  }

  async terminate(): Promise<void> {
    if (this.gone) return;
    this.terminating = true;
    await this.worker.terminate();
  }

  private send(message: ToThread): void {
    this.worker.postMessage(message);
  }

  private heard(message: FromThread): void {
    switch (message.t) {
      case 'event':
        this.drivers.get(message.driverId)?.stand.deref()?.deliver(message.event, message.payload);
        return;
      case 'answer':
        this.calls.settle(message);
        return;
      case 'ask':
        this.answer(message.ask).then(
          (value) => this.send({ t: 'answer', callId: message.callId, ok: true, value }),
          (error: unknown) =>
            this.send({ t: 'answer', callId: message.callId, ok: false, error: errorShape(error) }),
        );
        return;
      case 'gate':
        this.gate(message.op, message.ticketId, message.priority);
        return;
      case 'metric': {
        // The thread names the counter; its labels are the ones the driver gave.
        const counter: { inc(labels: Record<string, string>): void } | undefined =
          this.o.metrics?.[message.name];
        counter?.inc(message.labels);
        return;
      }
      case 'log':
        relayLogLine(this.o.logger, message.line);
        return;
      case 'ready':
        this.loaded();
        return;
    }
  }

  private async answer(ask: ThreadAsk): Promise<unknown> {
    if (ask.kind === 'storedText') return this.o.storedText?.(ask.channelId, ask.messageId);
    if (ask.kind === 'clientVersion') return this.o.clientVersion.refresh();
    const db = ask.driverId === undefined ? this.o.db : this.drivers.get(ask.driverId)?.db;
    if (!db) throw new AppError('session_stopped', 'The channel was closed.');
    if (ask.kind === 'query') return db.query(ask.statement.sql, ask.statement.params.map(withBuffers));
    await db.transaction(async (tx) => {
      for (const statement of ask.statements)
        await tx.query(statement.sql, statement.params.map(withBuffers));
    });
    return undefined;
  }

  private gate(
    op: 'request' | 'release',
    ticketId: number,
    priority: 'linking' | 'background' | undefined,
  ): void {
    if (op === 'release') {
      this.tickets.get(ticketId)?.release();
      this.tickets.delete(ticketId);
      return;
    }
    const turn = () => this.send({ t: 'turn', ticketId });
    const gate = this.o.connectGate;
    if (!gate) return turn();
    this.tickets.set(ticketId, gate.request(priority ?? 'background', turn));
  }
}

/** `--import tsx` and the like: what makes the worker load the same code the same way. */
function loaderArgs(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (/^--(import|require|loader|experimental-loader)$/.test(arg) && i + 1 < execArgv.length) {
      const value = execArgv[++i]!;
      // The test runner's own preloads stay with it.
      if (!value.includes('test-stdout-blocking')) kept.push(arg, value);
    } else if (/^--(import|require|loader|experimental-loader)=/.test(arg)) kept.push(arg);
  }
  return kept;
}

const STANDARD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** A line of a thread's pino, logged through the gateway's logger at its level. */
function relayLogLine(logger: Logger, line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const label = logger.levels.labels[Number(record.level)] ?? 'info';
  const fields = Object.fromEntries(Object.entries(record).filter(([key]) => !STANDARD_FIELDS.has(key)));
  const log = (logger as unknown as Record<string, (obj: object, msg?: string) => void>)[label];
  log?.call(logger, fields, typeof record.msg === 'string' ? record.msg : undefined);
}

/** A driver in a session thread, as the session host holds it here. */
class ThreadDriver implements ChannelDriver {
  state: DriverState = { status: 'idle' };
  private readonly listeners: DriverListeners;

  constructor(
    private readonly thread: SessionThread,
    private readonly driverId: number,
    logger: Logger,
  ) {
    this.listeners = new DriverListeners((err, event) =>
      logger.error({ err, event }, 'channel event listener threw'),
    );
  }

  async prepare(): Promise<void> {
    await this.thread.call(this.driverId, 'prepare', []);
  }

  async open(): Promise<void> {
    await this.thread.call(this.driverId, 'open', []);
  }

  async close(): Promise<void> {
    await this.thread.call(this.driverId, 'close', []);
  }

  async logout(): Promise<void> {
    await this.thread.call(this.driverId, 'logout', []);
  }

  async requestPairingCode(phone: string): Promise<string> {
    return (await this.thread.call(this.driverId, 'requestPairingCode', [phone])) as string;
  }

  async send(message: { readonly to: string; readonly text: string }, fixedId: string): Promise<void> {
    await this.thread.call(this.driverId, 'send', [{ to: message.to, text: message.text }, fixedId]);
  }

  async checkRecipients(phones: readonly string[]): Promise<Array<{ phone: string; exists: boolean }>> {
    return (await this.thread.call(this.driverId, 'checkRecipients', [[...phones]])) as Array<{
      phone: string;
      exists: boolean;
    }>;
  }

  async typing(to: string, durationMs: number): Promise<void> {
    await this.thread.call(this.driverId, 'typing', [to, durationMs]);
  }

  on<K extends keyof DriverEvents>(event: K, listener: (payload: DriverEvents[K]) => void): () => void {
    return this.listeners.on(event, listener);
  }

  /** An event of the real driver: its state is this stand-in's from now on. */
  deliver<K extends keyof DriverEvents>(event: K, payload: DriverEvents[K]): void {
    if (event === 'state') this.state = payload as DriverState;
    this.listeners.emit(event, payload);
  }
}
