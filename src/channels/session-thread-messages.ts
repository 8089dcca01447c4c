/**
 * What the main thread and a session thread (session-thread.ts) say to each other. Everything
 * here crosses by structured clone: plain data only, errors as their shape.
 */
import type { WAVersion } from 'baileys';
import { AppError, type ErrorCode } from '../domain/errors.js';
import type { SecretBoxKeys } from '../store/secret-box.js';
import type { ProtocolServer } from '../whatsapp/protocol-server-trust.js';
import type { ConnectPriority } from '../whatsapp/session-options.js';
import type { ChannelRef, DriverEvents } from './channel-driver.js';
import type { DriverMetrics } from './whatsapp-driver.js';

/** What a session thread is started with (its workerData). */
export interface SessionThreadSettings {
  readonly logLevel: string;
  readonly dialect: 'pglite' | 'postgres';
  readonly secretKeys: SecretBoxKeys;
  readonly server: ProtocolServer | undefined;
  readonly qrTimeoutMs: number | undefined;
  /**
   * The WhatsApp Web version the main thread's resolver holds at the thread's start. The threads
   * share that one resolver (ask `clientVersion`), so N threads make one lookup, not N.
   */
  readonly clientVersion: { readonly pinned: boolean; readonly current: WAVersion };
  readonly versionCheckMs: number | undefined;
  /** The main thread can look up a sent message's text (for recipients' retry receipts). */
  readonly storedText: boolean;
}

/** One session thread's own figures (its isolate's heap, its event loop since the last ask). */
export interface ThreadStats {
  readonly heapUsedBytes: number;
  /** What the isolate's young generation may grow to, in MB (V8's limit, as the thread runs with it). */
  readonly youngGenerationMaxMb: number;
  readonly loopDelayP99Ms: number;
}

/** The driver methods a session thread runs on the main thread's word. */
export type DriverMethod =
  'prepare' | 'open' | 'close' | 'logout' | 'requestPairingCode' | 'send' | 'checkRecipients' | 'typing';

/** An error as it crosses: an AppError keeps its code and public message. */
export interface ErrorShape {
  readonly name: string;
  readonly message: string;
  readonly code?: string | undefined;
  readonly publicMessage?: string | undefined;
  readonly details?: Record<string, unknown> | undefined;
}

export type Answer =
  | { readonly t: 'answer'; readonly callId: number; readonly ok: true; readonly value: unknown }
  | { readonly t: 'answer'; readonly callId: number; readonly ok: false; readonly error: ErrorShape };

/** One SQL statement of a session's store, run by the main thread (which holds the database). */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** What a session thread asks of the main thread. `driverId` undefined: no driver's fence. */
export type ThreadAsk =
  | { readonly kind: 'query'; readonly driverId: number | undefined; readonly statement: Statement }
  | { readonly kind: 'batch'; readonly driverId: number | undefined; readonly statements: Statement[] }
  | { readonly kind: 'storedText'; readonly channelId: string; readonly messageId: string }
  | { readonly kind: 'clientVersion' };

export type ToThread =
  | {
      readonly t: 'create';
      readonly driverId: number;
      readonly channel: ChannelRef;
      readonly deviceName: string | undefined;
    }
  | {
      readonly t: 'call';
      readonly callId: number;
      readonly driverId: number;
      readonly method: DriverMethod;
      readonly args: readonly unknown[];
    }
  /** The main thread let go of this driver: close it and forget it. */
  | { readonly t: 'drop'; readonly driverId: number }
  /** A connection attempt's turn at the main thread's connect gate came. */
  | { readonly t: 'turn'; readonly ticketId: number }
  /** How the thread is doing (answered with ThreadStats). */
  | { readonly t: 'stats'; readonly callId: number }
  | Answer;

export type FromThread =
  | {
      readonly t: 'event';
      readonly driverId: number;
      readonly event: keyof DriverEvents;
      readonly payload: DriverEvents[keyof DriverEvents];
    }
  | { readonly t: 'ask'; readonly callId: number; readonly ask: ThreadAsk }
  | {
      readonly t: 'gate';
      readonly op: 'request' | 'release';
      readonly ticketId: number;
      readonly priority: ConnectPriority | undefined;
    }
  | {
      readonly t: 'metric';
      readonly name: keyof DriverMetrics;
      readonly labels: Record<string, string>;
    }
  /** One line of the thread's pino, logged again through the gateway's logger. */
  | { readonly t: 'log'; readonly line: string }
  /** The thread has loaded and listens (sent once, first). */
  | { readonly t: 'ready' }
  | Answer;

export function errorShape(error: unknown): ErrorShape {
  if (error instanceof AppError)
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      publicMessage: error.publicMessage,
      details: error.details,
    };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: String(error) };
}

/** The error again on this side: an AppError when it was one, else an Error keeping name and code. */
export function errorFromShape(shape: ErrorShape): Error {
  if (shape.publicMessage !== undefined && shape.code !== undefined)
    return new AppError(shape.code as ErrorCode, shape.publicMessage, {
      internalMessage: shape.message,
      ...(shape.details !== undefined ? { details: shape.details } : {}),
    });
  const error = new Error(shape.message);
  error.name = shape.name;
  if (shape.code !== undefined) Object.assign(error, { code: shape.code });
  return error;
}

/**
 * Bytes come out of a structured clone as plain Uint8Arrays; the database drivers and the stores
 * read them as Buffers (no copy: a view of the same memory).
 */
export function withBuffers(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(withBuffers);
  return value;
}

/** Calls sent across and not answered yet, by id (each side keeps one for its own calls). */
export class PendingCalls {
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private lastId = 0;

  /** A new call: its id to send, and the answer to wait for. */
  start(): { readonly callId: number; readonly answer: Promise<unknown> } {
    const callId = ++this.lastId;
    const answer = new Promise<unknown>((resolve, reject) => this.waiting.set(callId, { resolve, reject }));
    return { callId, answer };
  }

  settle(answer: Answer): void {
    const waiting = this.waiting.get(answer.callId);
    if (!waiting) return;
    this.waiting.delete(answer.callId);
    if (answer.ok) waiting.resolve(answer.value);
    else waiting.reject(errorFromShape(answer.error));
  }

  /** The other side is gone: every call still waiting fails with `error`. */
  failAll(error: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}
