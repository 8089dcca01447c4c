/**
 * Live updates between gateway nodes: QR codes, pairing codes and status changes of a channel held
 * by another node, "a message was accepted, wake the holder's dispatcher", "channels were released,
 * look again". PostgreSQL's LISTEN/NOTIFY carries them between nodes (no second broker); with the
 * embedded database there is one node and the bus stays in the process.
 *
 * A notification is a hint, never the truth: what it says is in the database too, and after the
 * listening connection was lost (notifications meanwhile are gone) subscribers hear `bus.resync`
 * and read again.
 *
 * Every payload is sealed with the master key the nodes share (SecretBox, bound to the bus's
 * channel): a relayed QR's raw text or a pairing code is a secret that links a phone, and a
 * PostgreSQL server logging statements (`log_statement = all`) writes pg_notify's arguments down.
 * The seal also means a NOTIFY sent by anything but a node (no master key) is dropped unheard.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { ErrorCode } from '../domain/errors.js';
import type { SecretBox } from '../store/secret-box.js';
import type { Queryable } from '../store/database.js';
import type { LinkCommand } from './cluster-link-window.js';

/** A link attempt as it travels (the QR's SVG is rendered by the receiving node). */
export interface RelayedLinkAttempt {
  qr?: { raw: string; expiresAt: number; ttlMs: number; sequence: number };
  pairingCode?: { code: string; expiresAt: number };
  needsPairingPhone: boolean;
  windowEndsAt: number;
  waitingSince: number;
  stalled?: { stage: 'slow' | 'stuck'; cause: string };
}

/** What travels on the bus, by topic. */
export interface ClusterTopics {
  /** A channel's status, link attempt, pause or restriction changed: viewers anywhere refresh. */
  'channel.changed': { tenantId: string; channelId: string };
  /**
   * The link window's state on the node that runs it, for viewers on other nodes (the QR raw: they
   * render the SVG). `link` absent: no attempt (linked, or the window ended: `linkWindowEnded`).
   */
  'channel.link': {
    tenantId: string;
    channelId: string;
    link?: RelayedLinkAttempt | undefined;
    linkWindowEnded: boolean;
  };
  /**
   * A surface on another node asked for something only the node running the channel's link window
   * (its lease holder) can do: `to` runs it (a watch or unwatch by `viewer`, a reset, a mode or
   * pairing-phone change, already stored, or a deletion) and answers `link.done` with `requestId`.
   */
  'link.command': {
    tenantId: string;
    channelId: string;
    to: string;
    requestId: string;
    command: LinkCommand;
  };
  /** The answer to a `link.command`, to the node that sent it: done, or the error it ended with. */
  'link.done': {
    to: string;
    requestId: string;
    error?: { code: ErrorCode; message: string } | undefined;
  };
  /** Messages were accepted for a channel: its holder's dispatcher looks now. */
  'messages.accepted': { tenantId: string; channelId: string };
  /** A node released channels (handoff, drain) or a node joined: every node places again now. */
  'leases.changed': { nodeId: string };
  /** Sent by the bus itself after its connection came back: notifications may have been missed. */
  'bus.resync': Record<string, never>;
}

export type ClusterTopic = keyof ClusterTopics;

export interface ClusterMessage<T extends ClusterTopic = ClusterTopic> {
  readonly topic: T;
  /** The node that published it. */
  readonly from: string;
  readonly data: ClusterTopics[T];
}

export type ClusterListener = (message: ClusterMessage) => void;

export interface NotifyBus {
  readonly nodeId: string;
  publish<T extends ClusterTopic>(topic: T, data: ClusterTopics[T]): Promise<void>;
  /** Hears every message, this node's own too (delivered at once, not through the database). */
  subscribe(listener: ClusterListener): () => void;
  close(): Promise<void>;
}

/** NOTIFY's payload limit is 8,000 bytes; ours stay far below (a QR's raw text is ~200, sealed ~1.4×). */
const MAX_PAYLOAD_BYTES = 7_900;

class ListenerSet {
  private readonly listeners = new Set<ClusterListener>();
  constructor(private readonly logger: Logger | undefined) {}
  add(listener: ClusterListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  deliver(message: ClusterMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (err) {
        this.logger?.error({ err, topic: message.topic }, 'a cluster bus listener failed');
      }
    }
  }
}

/** The one-node bus (embedded database, tests). */
export class InProcessNotifyBus implements NotifyBus {
  private readonly listeners: ListenerSet;
  constructor(
    readonly nodeId: string,
    logger?: Logger,
  ) {
    this.listeners = new ListenerSet(logger);
  }
  publish<T extends ClusterTopic>(topic: T, data: ClusterTopics[T]): Promise<void> {
    const message = { topic, from: this.nodeId, data } as ClusterMessage;
    queueMicrotask(() => this.listeners.deliver(message));
    return Promise.resolve();
  }
  subscribe(listener: ClusterListener): () => void {
    return this.listeners.add(listener);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface PostgresNotifyBusOptions {
  readonly nodeId: string;
  readonly url: string;
  /** The schema the gateway's tables live in: the channel is per schema, as the data is. */
  readonly schema?: string | undefined;
  /** Where NOTIFY is sent (the gateway's pool). */
  readonly db: Queryable;
  /** Seals every payload (the master key every node shares); a payload that does not open is dropped. */
  readonly secrets: SecretBox;
  readonly logger?: Logger;
  /** First wait before listening again after the connection was lost (doubles up to 10 s). */
  readonly reconnectMs?: number;
}

/** LISTEN on one dedicated connection; NOTIFY through the pool. */
export class PostgresNotifyBus implements NotifyBus {
  readonly nodeId: string;
  private readonly channel: string;
  private readonly listeners: ListenerSet;
  private client: pg.Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Said once: a payload that did not open (another master key on this database, or not a node). */
  private warnedUnsealed = false;

  private constructor(private readonly o: PostgresNotifyBusOptions) {
    this.nodeId = o.nodeId;
    this.channel = `zapgate_${o.schema ?? 'public'}`;
    this.listeners = new ListenerSet(o.logger);
  }

  /** Listening before it returns, so nothing published after start is missed. */
  static async start(options: PostgresNotifyBusOptions): Promise<PostgresNotifyBus> {
    const bus = new PostgresNotifyBus(options);
    await bus.listen();
    return bus;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.url, keepAlive: true });
    client.on('notification', (note) => {
      if (note.channel !== this.channel || !note.payload) return;
      const message = this.open(note.payload);
      if (!message) return;
      // Our own were delivered when published.
      if (message.from !== this.nodeId) this.listeners.deliver(message);
    });
    const lost = (err?: Error): void => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (!this.closed) {
        this.o.logger?.warn({ err }, 'cluster bus: listening connection lost; listening again');
        this.retry(this.o.reconnectMs ?? 250);
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`listen ${this.channel}`);
    this.client = client;
  }

  private retry(delayMs: number): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      this.listen().then(
        () => this.listeners.deliver({ topic: 'bus.resync', from: this.nodeId, data: {} }),
        () => this.retry(Math.min(delayMs * 2, 10_000)),
      );
    }, delayMs);
  }

  private open(payload: string): ClusterMessage | undefined {
    try {
      const text = this.o.secrets.open(Buffer.from(payload, 'base64'), this.channel).toString('utf8');
      return JSON.parse(text) as ClusterMessage;
    } catch {
      if (!this.warnedUnsealed)
        this.o.logger?.warn(
          { channel: this.channel },
          "cluster bus: a notification did not open with this node's MASTER_KEY; dropped (every node needs the same key)",
        );
      this.warnedUnsealed = true;
      return undefined;
    }
  }

  async publish<T extends ClusterTopic>(topic: T, data: ClusterTopics[T]): Promise<void> {
    const message = { topic, from: this.nodeId, data } as ClusterMessage;
    const sealed = this.o.secrets.seal(Buffer.from(JSON.stringify(message)), this.channel);
    const payload = sealed.toString('base64');
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES)
      throw new RangeError(
        `cluster bus: a ${topic} message of ${Buffer.byteLength(payload)} bytes is too long`,
      );
    queueMicrotask(() => this.listeners.deliver(message));
    await this.o.db.query('select pg_notify($1, $2)', [this.channel, payload]);
  }

  subscribe(listener: ClusterListener): () => void {
    return this.listeners.add(listener);
  }

  /** True while the listening connection is up (for /readyz and tests). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
