/**
 * The two clients the bench compares, behind one small interface: the DRIVER (LinkedDeviceSession
 * over an AuthStateStore, used through its public API) and RAW unmodified Baileys (the baseline in
 * test/support). Both follow the 515 restart after a link and report every QR and the open.
 */
import type { WASocket } from 'baileys';
import { destination, pino, type Logger } from 'pino';
import { LinkedDeviceSession } from '../src/whatsapp/linked-device-session.js';
import type { AuthStateStore } from '../src/whatsapp/auth-state-store.js';
import type { SessionState } from '../src/whatsapp/session-events.js';
import {
  closeStatus,
  openRawSocket,
  trustSimulator,
  type RawAuth,
} from '../test/support/raw-baileys-client.js';
import { withDeadline } from './deadline.js';
import type { SimulatorEndpoint } from './simulator-process.js';

export type ClientKind = 'driver' | 'raw';
export const CLIENT_KINDS: readonly ClientKind[] = ['raw', 'driver'];

export interface BenchSessionOptions {
  /** Keep-alive ping interval (both clients take it; undefined = Baileys' 30 s). */
  keepAliveIntervalMs?: number;
}

/** One linked-device connection under test. */
export interface BenchSession {
  readonly kind: ClientKind;
  /** Every QR the session shows (registration only). */
  onQr(listener: (qr: string) => void): void;
  /** Starts connecting: logs in with saved credentials or starts registration. */
  start(): Promise<void>;
  /** Resolves when the session is open; rejects on a terminal close or after `timeoutMs`. */
  waitOpen(timeoutMs: number): Promise<void>;
  readonly isOpen: boolean;
  /** Anything unexpected after start (closes, reconnects), for the report. */
  readonly troubles: readonly string[];
  stop(): Promise<void>;
}

/** A settable promise that settles once. */
class Latch {
  settled = false;
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (err: Error) => void;
  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.promise.catch(() => undefined);
  }
  resolve(): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve();
  }
  reject(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.#reject(err);
  }
}

/** Raw Baileys (test/support/raw-baileys-client.ts), following the 515 restart itself as connectRaw does. */
export class RawBenchSession implements BenchSession {
  readonly kind = 'raw';
  readonly troubles: string[] = [];
  #sock: WASocket | undefined;
  #stopped = false;
  #open = false;
  readonly #opened = new Latch();
  readonly #qrListeners: Array<(qr: string) => void> = [];

  constructor(
    private readonly endpoint: SimulatorEndpoint,
    private readonly auth: RawAuth,
    private readonly options: BenchSessionOptions = {},
  ) {}

  get isOpen(): boolean {
    return this.#open;
  }

  onQr(listener: (qr: string) => void): void {
    this.#qrListeners.push(listener);
  }

  start(): Promise<void> {
    trustSimulator(this.endpoint.rootPublicKey);
    this.#connect();
    return Promise.resolve();
  }

  #connect(): void {
    const sock = openRawSocket({
      url: this.endpoint.protocolUrl,
      auth: this.auth,
      ...(this.options.keepAliveIntervalMs ? { keepAliveIntervalMs: this.options.keepAliveIntervalMs } : {}),
    });
    this.#sock = sock;
    sock.ev.on('connection.update', (update) => {
      if (this.#stopped || sock !== this.#sock) return;
      if (update.qr) for (const listener of this.#qrListeners) listener(update.qr);
      if (update.connection === 'open') {
        this.#open = true;
        this.#opened.resolve();
      }
      if (update.connection === 'close') {
        this.#open = false;
        const status = closeStatus(update.lastDisconnect?.error);
        if (status === 515) {
          this.#connect();
          return;
        }
        const trouble = `closed with ${status ?? 'no status'} (${update.lastDisconnect?.error?.message ?? 'no error'})`;
        this.troubles.push(trouble);
        this.#opened.reject(new Error(`raw session ${trouble}`));
      }
    });
  }

  waitOpen(timeoutMs: number): Promise<void> {
    return withDeadline(this.#opened.promise, timeoutMs, 'the raw session to open');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#open = false;
    const sock = this.#sock;
    this.#sock = undefined;
    if (sock) await sock.end(undefined);
  }
}

/** The gateway's driver: a LinkedDeviceSession with its own AuthStateStore. */
export class DriverBenchSession implements BenchSession {
  readonly kind = 'driver';
  readonly troubles: string[] = [];
  readonly session: LinkedDeviceSession;
  readonly #opened = new Latch();
  #stopping = false;

  constructor(
    endpoint: SimulatorEndpoint,
    readonly store: AuthStateStore,
    channelId: string,
    logger: Logger,
    options: BenchSessionOptions = {},
  ) {
    this.session = new LinkedDeviceSession({
      channelId,
      authStore: store,
      server: { url: endpoint.protocolUrl, rootPublicKey: endpoint.rootPublicKey },
      logger,
      ...(options.keepAliveIntervalMs ? { keepAliveIntervalMs: options.keepAliveIntervalMs } : {}),
    });
    this.session.on('state', (state) => this.#onState(state));
  }

  get isOpen(): boolean {
    return this.session.state.status === 'open';
  }

  onQr(listener: (qr: string) => void): void {
    this.session.on('qr', ({ qr }) => listener(qr));
  }

  start(): Promise<void> {
    return this.session.start();
  }

  #onState(state: SessionState): void {
    if (this.#stopping) return;
    switch (state.status) {
      case 'open':
        this.#opened.resolve();
        return;
      case 'reconnecting':
        this.troubles.push(`reconnecting (attempt ${state.attempt}, ${state.cause})`);
        return;
      case 'removed':
      case 'replaced':
      case 'qr_expired':
      case 'stopped': {
        const trouble = state.status === 'removed' ? `removed (${state.reason})` : state.status;
        this.troubles.push(trouble);
        this.#opened.reject(new Error(`driver session ended: ${trouble}`));
        return;
      }
      case 'idle':
      case 'connecting':
      case 'awaiting_scan':
      case 'pairing_code':
        return;
    }
  }

  waitOpen(timeoutMs: number): Promise<void> {
    return withDeadline(this.#opened.promise, timeoutMs, 'the driver session to open');
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.session.stop();
  }
}

/**
 * The logger handed to the driver: warnings and errors to stderr (stdout carries worker results).
 * BENCH_LOG_LEVEL overrides the level (e.g. debug, to see the driver's state changes).
 */
export function driverLogger(): Logger {
  return pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, destination({ dest: 2, sync: true }));
}
