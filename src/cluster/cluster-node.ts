/**
 * One gateway node among several on one PostgreSQL (NODE_ID set): the lease keeper drives the
 * session host (acquire with a fence, release), the bus carries "this channel changed" and "a
 * message was accepted" to the other nodes, link windows are coordinated across nodes
 * (link-relay.ts), and channels whose holder is gone stop saying "connected" (a status is true or
 * absent).
 *
 * With the embedded database there is one node: none of this runs (the session host holds every
 * linked channel, unfenced, and ChannelChanges stays in the process).
 */
import type { Logger } from 'pino';
import { ChannelChanges, type ChannelChange } from '../channels/channel-changes.js';
import type { ChannelRef } from '../channels/channel-driver.js';
import type { LiveLinkState } from '../channels/link-attempt.js';
import { systemClock, type Clock } from '../clock.js';
import type { Metrics } from '../metrics.js';
import type { ChannelsRepository } from '../store/channels-repository.js';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';
import { ChannelLeases, type HeldLease } from './channel-leases.js';
import type { LinkCommand, LinkCoordinator } from './cluster-link-window.js';
import type { ReportedStatus } from '../dispatch/dispatch-store.js';
import { leaseFence, type LeaseWriteFence } from './fenced-database.js';
import { markStatusesFenced, type StatusWrites } from './fenced-statuses.js';
import { LeaseKeeper, type DropReason, type KeeperMetrics, type SessionHolder } from './lease-keeper.js';
import { LinkRelay } from './link-relay.js';
import { NodeRegistry } from './node-registry.js';
import { PostgresNotifyBus, type NotifyBus } from './notify-bus.js';

/** What the node needs of the session host (channels/session-host.ts). */
export interface ClusterSessions {
  /** Opens a linked channel here, every write fenced; false when it is gone or no longer linked. */
  acquire(channelId: string, fence?: LeaseWriteFence): Promise<boolean>;
  release(channelId: string): Promise<void>;
  holds(channelId: string): boolean;
  held(): ReadonlyArray<{ readonly channelId: string; readonly status: string }>;
}

/**
 * ChannelChanges across nodes: a change published here is told to this node's viewers at once and
 * to the other nodes through the bus; a change heard on the bus is told to this node's viewers.
 */
export class ClusterChannelChanges extends ChannelChanges {
  private bus: NotifyBus | undefined;
  constructor(private readonly logger: Logger) {
    super();
  }

  connect(bus: NotifyBus): () => void {
    this.bus = bus;
    return bus.subscribe((message) => {
      if (message.from === bus.nodeId) return;
      if (message.topic === 'channel.changed') super.publish(message.data as ChannelChange);
    });
  }

  /** Tells this node's viewers only (what another node relayed). */
  tellHere(change: ChannelChange): void {
    super.publish(change);
  }

  override publish(change: ChannelChange): void {
    super.publish(change);
    this.bus
      ?.publish('channel.changed', { tenantId: change.tenantId, channelId: change.channelId })
      .catch((err: unknown) => this.logger.warn({ err }, 'cluster bus: a channel change was not sent'));
  }
}

export interface ClusterNodeOptions {
  readonly nodeId: string;
  /** How others reach this node (its URL), shown in the node list. */
  readonly address: string | null;
  readonly databaseUrl: string;
  readonly db: Database;
  /** Seals what travels on the bus (QR codes and pairing codes among it). */
  readonly secrets: SecretBox;
  readonly channels: ChannelsRepository;
  readonly changes: ClusterChannelChanges;
  readonly leaseTtlMs: number;
  readonly takesPerRound: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** The link windows' clock (a relayed attempt's times). */
  readonly clock?: Clock;
  /** How long a command forwarded to the holder may take before the answer says "under way" (15 s). */
  readonly commandTimeoutMs?: number;
}

/** What the node drives, built after it (the session host takes the node as its placement). */
export interface ClusterParts {
  readonly sessions: ClusterSessions;
  /** Wakes this node's dispatcher for a channel (a message was accepted on another node). */
  readonly wakeDispatcher: (channelId: string) => void;
  /** The link state of an attempt running on this node (undefined: none here). */
  readonly localLinkState: (channelId: string) => LiveLinkState | undefined;
  /** Runs a command another node forwarded on this node's link window (cluster-link-window.ts `run`). */
  readonly runLinkCommand: (channel: ChannelRef, command: LinkCommand) => Promise<void>;
}

/**
 * Also the session host's placement (channels/channel-placement.ts): nothing is restored at start
 * (the keeper acquires, then the host opens), and a channel about to be linked is claimed first.
 */
export class ClusterNode implements LinkCoordinator {
  readonly nodeId: string;
  private keeper: LeaseKeeper | undefined;
  private bus!: PostgresNotifyBus;
  private readonly leases: ChannelLeases;
  private readonly nodes: NodeRegistry;
  private readonly unsubscribe: Array<() => void> = [];
  /** Channels acquired and not yet open here: when the lease was granted (for the takeover time). */
  private readonly opening = new Map<string, number>();
  private openPoll: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  private parts: ClusterParts | undefined;
  /** Link windows across nodes: commands to the holder, link states from it. */
  private readonly links: LinkRelay;
  /** Resolves once the keeper runs (a link asked for before then waits for it). */
  private readonly running: Promise<void>;
  private markRunning!: () => void;

  constructor(private readonly o: ClusterNodeOptions) {
    this.nodeId = o.nodeId;
    this.leases = new ChannelLeases(o.db, o.leaseTtlMs);
    this.nodes = new NodeRegistry(o.db, o.leaseTtlMs);
    this.running = new Promise((resolve) => (this.markRunning = resolve));
    this.links = new LinkRelay({
      nodeId: o.nodeId,
      leases: this.leases,
      tellHere: (change) => o.changes.tellHere(change),
      clock: o.clock ?? systemClock,
      logger: o.logger,
      ...(o.commandTimeoutMs !== undefined ? { commandTimeoutMs: o.commandTimeoutMs } : {}),
    });
  }

  /** The session host and the dispatcher, once built. */
  attach(parts: ClusterParts): void {
    this.parts = parts;
  }

  private get sessions(): ClusterSessions {
    if (!this.parts) throw new Error('the cluster node runs only once attached to a session host');
    return this.parts.sessions;
  }

  /** The placement's answer at start: nothing (the keeper acquires this node's share). */
  place(): Promise<never[]> {
    return Promise.resolve([]);
  }

  /** Listens on the bus, enters the node list and takes this node's share. */
  async start(): Promise<void> {
    const [{ schema } = { schema: 'public' }] = await this.o.db.query<{ schema: string }>(
      'select current_schema() as schema',
    );
    this.bus = await PostgresNotifyBus.start({
      nodeId: this.o.nodeId,
      url: this.o.databaseUrl,
      schema,
      db: this.o.db,
      secrets: this.o.secrets,
      logger: this.o.logger,
    });
    this.unsubscribe.push(this.o.changes.connect(this.bus));
    this.unsubscribe.push(
      this.bus.subscribe((message) => {
        if (message.topic !== 'messages.accepted' || message.from === this.nodeId) return;
        const { channelId } = message.data as { channelId: string };
        if (this.sessions.holds(channelId)) this.parts?.wakeDispatcher(channelId);
      }),
    );
    this.unsubscribe.push(
      this.links.connect(this.bus, {
        state: (channelId) => this.parts?.localLinkState(channelId),
        run: (channel, command) => this.parts?.runLinkCommand(channel, command) ?? Promise.resolve(),
      }),
    );
    // Every change of a channel linking here relays its link state (QR, code, window) to the others.
    this.unsubscribe.push(this.o.changes.subscribe((change) => this.links.relay(change)));
    this.keeper = new LeaseKeeper({
      nodeId: this.o.nodeId,
      address: this.o.address,
      leases: this.leases,
      nodes: this.nodes,
      holder: this.holder(),
      bus: this.bus,
      ttlMs: this.o.leaseTtlMs,
      maxTakesPerRound: this.o.takesPerRound,
      logger: this.o.logger,
      ...(this.o.metrics ? { metrics: keeperMetrics(this.o.metrics) } : {}),
    });
    await this.sweepOrphans();
    await this.keeper.start();
    this.markRunning();
    this.openPoll = setInterval(() => this.noteOpened(), 100);
    this.sweepTimer = setInterval(() => void this.sweep(), Math.floor(this.o.leaseTtlMs / 3));
  }

  /** A message was accepted for a channel: its holder's dispatcher looks now, wherever it is. */
  messageAccepted(channel: { tenantId: string; channelId: string }): void {
    if (this.sessions.holds(channel.channelId)) return;
    this.bus
      ?.publish('messages.accepted', channel)
      .catch((err: unknown) => this.o.logger.warn({ err }, 'cluster bus: a wake was not sent'));
  }

  /**
   * Before this node links a channel (opens a socket showing a QR or code), it takes the channel's
   * lease, so the device it links is held here and nowhere else. 'elsewhere': another node holds it.
   */
  async claimForLinking(channelId: string): Promise<LeaseWriteFence | 'elsewhere'> {
    await this.running;
    const lease = await this.keeper!.claim(channelId);
    return lease ? leaseFence(lease) : 'elsewhere';
  }

  /** LinkCoordinator: the node holding the channel, when it is another one. */
  async holderElsewhere(channelId: string): Promise<string | undefined> {
    const holder = await this.leases.holder(channelId);
    return holder && holder.nodeId !== this.nodeId ? holder.nodeId : undefined;
  }

  /** LinkCoordinator: the holder runs the command and answers; this resolves once it did. */
  forward(channel: ChannelRef, node: string, command: LinkCommand): Promise<void> {
    return this.links.forward(channel, node, command);
  }

  /** LinkCoordinator: what the node linking the channel last relayed (while it holds the lease). */
  relayedState(channelId: string): LiveLinkState | undefined {
    return this.links.relayedState(channelId);
  }

  /**
   * The node holding the channel when it is another one, and since when, as the last lease round
   * read it (for the channel view on this node; undefined: held here, or by nobody).
   */
  heldElsewhere(channelId: string): { nodeId: string; since: Date } | undefined {
    const seen = this.keeper?.holderSeen(channelId);
    return seen && seen.nodeId !== this.nodeId && !this.sessions.holds(channelId) ? seen : undefined;
  }

  /** Who holds a channel now (undefined: nobody, its holder is gone). */
  holderOf(channelId: string): Promise<{ nodeId: string; since: Date } | undefined> {
    return this.leases
      .holder(channelId)
      .then((lease) => (lease ? { nodeId: lease.nodeId, since: lease.acquiredAt } : undefined));
  }

  /** /readyz: not ready before the keeper runs, while draining, or when its renewals fail. */
  readiness(): ReturnType<LeaseKeeper['readiness']> {
    return this.keeper?.readiness() ?? { ready: false, reason: 'starting' };
  }

  /** The nodes sharing the database (for /readyz and operators). */
  nodeList() {
    return this.nodes.list();
  }

  /**
   * The dispatcher's store with its status writes fenced: acks and receipts of a channel whose lease
   * this node no longer holds are not written (cluster/fenced-statuses.ts).
   */
  fenceStatuses<S extends StatusWrites>(store: S): S {
    const fenced = (reports: readonly ReportedStatus[]) =>
      markStatusesFenced(this.o.db, store, reports, this.keeper?.heldLeases() ?? [], this.o.logger);
    // Inbound texts too: only under the lease held here (a stale node's late delivery is dropped;
    // the holder's socket gets the same message from WhatsApp).
    const inbound: StatusWrites['recordInbound'] = async (input) => {
      const lease = this.keeper?.heldLeases().find((held) => held.channelId === input.channelId);
      if (!lease) {
        this.o.logger.warn(
          { channelId: input.channelId },
          'inbound text on a channel not held here: not written',
        );
        return undefined;
      }
      return store.recordInbound(input, leaseFence(lease));
    };
    return new Proxy(store, {
      get: (target, property, receiver) =>
        property === 'markStatuses'
          ? fenced
          : property === 'recordInbound'
            ? inbound
            : (Reflect.get(target, property, receiver) as unknown),
    });
  }

  /** SIGTERM: every channel handed over; resolves when none is left here. */
  async drain(): Promise<void> {
    await this.keeper?.drain();
  }

  async stop(options: { abrupt?: boolean } = {}): Promise<void> {
    clearInterval(this.openPoll);
    clearInterval(this.sweepTimer);
    this.links.stop();
    await this.keeper?.stop(options);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.bus?.close();
  }

  private holder(): SessionHolder {
    return {
      hold: async (lease: HeldLease) => {
        this.opening.set(lease.channelId, performance.now());
        const opened = await this.sessions.acquire(lease.channelId, leaseFence(lease));
        if (!opened) this.opening.delete(lease.channelId);
      },
      stillWanted: (channelId: string) => this.sessions.holds(channelId),
      drop: async (channelId: string, reason: DropReason) => {
        this.opening.delete(channelId);
        this.o.logger.info({ channelId, reason }, 'channel let go');
        await this.sessions.release(channelId);
      },
    };
  }

  /** Records how long each channel taken took to open here. */
  private noteOpened(): void {
    if (this.opening.size === 0) return;
    const now = performance.now();
    for (const { channelId, status } of this.sessions.held()) {
      const since = this.opening.get(channelId);
      if (since === undefined || status !== 'open') continue;
      this.opening.delete(channelId);
      this.o.metrics?.clusterTakeover.observe((now - since) / 1000);
    }
    for (const [channelId, since] of this.opening)
      if (now - since > 120_000 || !this.sessions.holds(channelId)) this.opening.delete(channelId);
  }

  /** Each TTL/3: statuses and relayed link states whose node no longer holds the channel. */
  private async sweep(): Promise<void> {
    await this.sweepOrphans();
    await this.links
      .dropStale()
      .catch((err: unknown) => this.o.logger.warn({ err }, 'could not look at relayed link states'));
  }

  /**
   * Channels that say "connected" or "restricted" while no node holds a current lease (their node
   * died or handed them over, and nobody has them open yet) say "reconnecting" instead.
   */
  private async sweepOrphans(): Promise<void> {
    try {
      const rows = await this.o.db.query<{ id: string }>(
        `select c.id from channels c
          where c.deleted_at is null and c.status in ('connected', 'restricted')
            and not exists (select 1 from channel_leases l
                             where l.channel_id = c.id and l.expires_at > now())`,
      );
      if (rows.length === 0) return;
      const marked = await this.o.channels.markRestoring(rows.map((row) => row.id));
      for (const ref of marked) this.o.changes.publish(ref);
    } catch (err) {
      this.o.logger.warn({ err }, 'could not mark channels without a holder');
    }
  }
}

function keeperMetrics(metrics: Metrics): KeeperMetrics {
  return {
    leaseHeld: (count) => metrics.clusterHeldSessions.set(count),
    leaseLost: (count) => metrics.clusterLeasesLost.inc(count),
    handoff: (direction) => metrics.clusterHandoffs.inc({ direction }),
  };
}
