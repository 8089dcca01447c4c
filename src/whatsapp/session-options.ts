import type { Logger } from 'pino';
import type { ReconnectPolicy } from '../domain/reconnect-policy.js';
import type { AuthStateStore } from './auth-state-store.js';
import type { ClientVersionSource } from './client-version.js';
import type { ProtocolServer } from './protocol-server-trust.js';

/** Who is waiting on a connection: a person linking goes before restores and reconnects. */
export type ConnectPriority = 'linking' | 'background';

/** A place asked of the connection gate: waiting for its turn, then in its handshake. */
export interface ConnectTicket {
  /**
   * Gives the place back: the handshake is over (the socket opened, showed its first QR, or
   * closed) or the attempt was abandoned (a stop). While still waiting, the turn never comes.
   * Calling it again does nothing.
   */
  release(): void;
}

/**
 * The process-wide bound on connection attempts in their handshake (channels/connect-gate.ts):
 * every socket a session opens asks it first, so a fleet that lost its server at once comes back
 * a few at a time instead of all running the Noise handshake together.
 */
export interface ConnectAdmission {
  /** Queues an attempt; `onTurn` runs when it may connect (at once when a place is free). */
  request(priority: ConnectPriority, onTurn: () => void): ConnectTicket;
}

/** How a LinkedDeviceSession is built: its channel, credential store, server and timings. */
export interface LinkedDeviceSessionOptions {
  readonly channelId: string;
  readonly authStore: AuthStateStore;
  /** A compatible protocol server (the simulator); undefined means the real WhatsApp. */
  readonly server?: ProtocolServer;
  readonly logger: Logger;
  /** Lifetime of every QR ref; WhatsApp's defaults (60 s, then 20 s) when unset. */
  readonly qrTimeoutMs?: number;
  readonly reconnect?: ReconnectPolicy;
  /** Randomness for the reconnect jitter, in [0, 1). */
  readonly random?: () => number;
  /** [os, browser, version] shown on the phone's "Linked devices" list. */
  readonly browser?: [string, string, string];
  /** Keep-alive ping interval; the connection counts as lost after interval + 5 s of silence. */
  readonly keepAliveIntervalMs?: number;
  /** How long requestPairingCode waits for a registration socket before giving up. */
  readonly pairingCodeTimeoutMs?: number;
  /** Which WhatsApp Web version to announce, re-resolved after a 405; Baileys' own when unset. */
  readonly clientVersion?: ClientVersionSource;
  /** After a 405, how often the version is looked up again until WhatsApp takes it (default 30 s). */
  readonly versionCheckMs?: number;
  /**
   * The text of a message this channel sent, by its id, for a recipient's retry receipt (so the
   * retry works on any socket, after any restart). Undefined: not this channel's, or not kept.
   */
  readonly storedText?: (messageId: string) => Promise<string | undefined>;
  /** The connection gate every socket of this session waits for; none: sockets open at once. */
  readonly connectGate?: ConnectAdmission;
  /** Cap on Baileys' own log level (never above the given logger's level). */
  readonly baileysLogLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}
