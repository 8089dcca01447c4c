/**
 * Keeps this node's share of the channels on a PostgreSQL shared by several gateway nodes: a
 * heartbeat and the renewal of every lease held, each TTL/3; the placement rule
 * (domain/placement.ts) on the database's facts, then handoffs (stop the session, then release) and
 * takes (acquire, then open the session under the new fence).
 *
 * Safety: each lease's deadline is measured on this process's monotonic clock from the moment the
 * renewal (or acquire) was SENT, which is no later than the database's now() that set expires_at, so
 * the local deadline never outlives the lease. A watchdog stops every session whose deadline is
 * within `safetyMs` — whether or not the database answers — so two nodes never hold one WhatsApp
 * session (WhatsApp would answer 440 "replaced", which only a new scan fixes).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { placeChannels } from '../domain/placement.js';
import type { ChannelLeases, HeldLease } from './channel-leases.js';
import { forPlacement } from './channel-leases.js';
import type { NodeRegistry } from './node-registry.js';
import type { ClusterMessage, NotifyBus } from './notify-bus.js';

/** Why a session is stopped by the keeper. */
export type DropReason = 'lease_lost' | 'handoff' | 'drain' | 'stop';

/** The port the session host offers the keeper (which channels this process holds). */
export interface SessionHolder {
  /** Open the channel's session; its writes carry `lease.fence`. */
  hold(lease: HeldLease): Promise<void>;
  /** Stop the channel's session; resolves once it writes nothing more. */
  drop(channelId: string, reason: DropReason): Promise<void>;
  /** Whether a channel claimed for linking still has its socket here (else its lease goes back). */
  stillWanted(channelId: string): boolean;
}

/** Per-node counters (src/metrics.ts), optional. */
export interface KeeperMetrics {
  leaseHeld(count: number): void;
  leaseLost(count: number): void;
  handoff(direction: 'out' | 'in'): void;
}

export interface LeaseKeeperOptions {
  readonly nodeId: string;
  readonly address: string | null;
  readonly leases: ChannelLeases;
  readonly nodes: NodeRegistry;
  readonly holder: SessionHolder;
  readonly bus: NotifyBus;
  readonly ttlMs: number;
  /** Stop a session this long before its lease could expire (default TTL/5). */
  readonly safetyMs?: number;
  /** At most this many channels acquired per round (reconnect pacing; default 50). */
  readonly maxTakesPerRound?: number;
  readonly logger: Logger;
  readonly metrics?: KeeperMetrics;
  /** Monotonic milliseconds (tests pass their own). */
  readonly monotonic?: () => number;
}

interface Held extends HeldLease {
  /** Local monotonic time after which the lease may have expired. */
  deadline: number;
  /** When it was claimed for linking (monotonic), for a claim whose link window never opened. */
  claimedAt?: number;
}

export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private readonly mono: () => number;
  private readonly safetyMs: number;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private draining = false;
  private stopped = false;
  /** The current leases as the last round read them: who holds each channel, since when. */
  private seen = new Map<string, { nodeId: string; since: Date }>();
  /** When the last heartbeat and renewal that succeeded were sent (monotonic; undefined: none yet). */
  private renewedAt: number | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: LeaseKeeperOptions) {
    this.mono = o.monotonic ?? (() => performance.now());
    this.safetyMs = o.safetyMs ?? Math.floor(o.ttlMs / 5);
  }

  /**
   * Whether this node should be sent traffic (/readyz): not while it drains, nor when its last
   * successful renewal is older than the time the watchdog allows (it is stopping its sessions).
   */
  readiness(): { ready: true } | { ready: false; reason: 'starting' | 'draining' | 'not_renewing' } {
    if (this.draining || this.stopped) return { ready: false, reason: 'draining' };
    if (this.renewedAt === undefined) return { ready: false, reason: 'starting' };
    if (this.mono() - this.renewedAt > this.o.ttlMs - this.safetyMs)
      return { ready: false, reason: 'not_renewing' };
    return { ready: true };
  }

  /** Who held the channel at the last round (at most TTL/3 old; undefined: nobody then). */
  holderSeen(channelId: string): { nodeId: string; since: Date } | undefined {
    return this.seen.get(channelId);
  }

  /** The channels this node holds now, with their fences. */
  heldLeases(): HeldLease[] {
    return [...this.held.values()].map(({ channelId, fence }) => ({ channelId, fence }));
  }

  /** The fence a channel's writes carry on this node (undefined: not held here). */
  fenceOf(channelId: string): bigint | undefined {
    return this.held.get(channelId)?.fence;
  }

  /**
   * Takes a channel's lease now, outside the placement rule: this node is about to link it (the
   * device it links must be held here). Undefined when another node holds it.
   */
  async claim(channelId: string): Promise<HeldLease | undefined> {
    const existing = this.held.get(channelId);
    if (existing) return { channelId, fence: existing.fence };
    if (this.draining || this.stopped) return undefined;
    const sentAt = this.mono();
    const lease = await this.o.leases.acquire(channelId, this.o.nodeId);
    if (!lease) return undefined;
    this.held.set(channelId, { ...lease, deadline: sentAt + this.o.ttlMs, claimedAt: sentAt });
    this.o.metrics?.leaseHeld(this.held.size);
    return lease;
  }

  async start(): Promise<void> {
    this.started = true;
    await this.o.nodes.register(this.o.nodeId, this.o.address);
    this.unsubscribe = this.o.bus.subscribe((message) => this.onBus(message));
    await this.o.bus.publish('leases.changed', { nodeId: this.o.nodeId });
    this.watchdog = setInterval(() => void this.expireDue(), Math.max(50, Math.floor(this.safetyMs / 2)));
    await this.round();
    this.schedule();
  }

  /** Runs a round soon (another node released channels, or joined). */
  nudge(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    // A little jitter so the nodes hearing one release do not all acquire in the same instant.
    this.timer = setTimeout(() => void this.round().finally(() => this.schedule()), 20 + Math.random() * 80);
  }

  private onBus(message: ClusterMessage): void {
    if (message.topic === 'leases.changed' && message.from !== this.o.nodeId) this.nudge();
    if (message.topic === 'bus.resync') this.nudge();
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const delay = this.again ? 0 : Math.floor(this.o.ttlMs / 3);
    this.again = false;
    this.timer = setTimeout(() => void this.round().finally(() => this.schedule()), delay);
  }

  /** One heartbeat + renewal + placement round; never two at once. */
  round(): Promise<void> {
    this.running ??= this.runRound().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runRound(): Promise<void> {
    try {
      await this.renew();
      if (!this.stopped) await this.place();
    } catch (err) {
      this.o.logger.warn({ err }, 'lease round failed; the watchdog stops sessions whose leases run out');
    }
  }

  private async renew(): Promise<void> {
    const sentAt = this.mono();
    await this.o.nodes.heartbeat(this.o.nodeId);
    const mine = [...this.held.values()];
    const renewed = await this.o.leases.renew(this.o.nodeId, mine);
    const lost: string[] = [];
    for (const lease of mine) {
      if (this.held.get(lease.channelId) !== lease) continue;
      if (renewed.has(lease.channelId)) lease.deadline = sentAt + this.o.ttlMs;
      else lost.push(lease.channelId);
    }
    this.renewedAt = sentAt;
    if (lost.length) {
      this.o.logger.warn({ channels: lost.length }, 'leases lost: their sessions stop');
      this.o.metrics?.leaseLost(lost.length);
      await Promise.all(lost.map((channelId) => this.dropHeld(channelId, 'lease_lost')));
    }
  }

  private async place(): Promise<void> {
    const [nodes, leases, linked] = await Promise.all([
      this.o.nodes.list(),
      this.o.leases.list(),
      this.o.leases.linkedChannelIds(),
    ]);
    this.seen = new Map(
      leases
        .filter((lease) => lease.current)
        .map((lease) => [lease.channelId, { nodeId: lease.nodeId, since: lease.acquiredAt }]),
    );
    // This node's own view: it just wrote its heartbeat, and it knows whether it drains.
    const me = { nodeId: this.o.nodeId, live: true, draining: this.draining };
    const decision = placeChannels({
      nodeId: this.o.nodeId,
      nodes: [...nodes.filter((n) => n.nodeId !== this.o.nodeId), me],
      linkedChannelIds: linked,
      leases: forPlacement(leases),
      maxTakes: this.o.maxTakesPerRound ?? 50,
    });
    // Claimed for linking, never linked, and the link window is gone: give the lease back (not in
    // the moment between the claim and the linking socket being opened).
    const linkedSet = new Set(linked);
    for (const [channelId, lease] of [...this.held])
      if (
        !linkedSet.has(channelId) &&
        !this.o.holder.stillWanted(channelId) &&
        this.mono() - (lease.claimedAt ?? 0) > this.o.ttlMs
      )
        await this.dropHeld(channelId, 'handoff');
    if (decision.handOff.length) {
      await Promise.all(decision.handOff.map((channelId) => this.handOff(channelId)));
      await this.o.bus.publish('leases.changed', { nodeId: this.o.nodeId });
    }
    const previous = new Map(leases.map((lease) => [lease.channelId, lease.nodeId]));
    for (const channelId of decision.take) {
      if (this.stopped || this.draining) break;
      const sentAt = this.mono();
      const lease = await this.o.leases.acquire(channelId, this.o.nodeId);
      if (!lease) continue; // another node was faster
      const held: Held = { ...lease, deadline: sentAt + this.o.ttlMs };
      this.held.set(channelId, held);
      if (previous.has(channelId) && previous.get(channelId) !== this.o.nodeId) this.o.metrics?.handoff('in');
      this.o.metrics?.leaseHeld(this.held.size);
      try {
        await this.o.holder.hold(lease);
      } catch (err) {
        this.o.logger.error({ err, channelId }, 'could not open a session under its new lease');
        await this.dropHeld(channelId, 'handoff');
      }
    }
    // The round took its fill: more may be free (a dead node's channels), go on at once.
    if (decision.take.length >= (this.o.maxTakesPerRound ?? 50)) this.again = true;
  }

  private async handOff(channelId: string): Promise<void> {
    this.o.metrics?.handoff('out');
    await this.dropHeld(channelId, this.draining ? 'drain' : 'handoff');
  }

  /** Stops the session first, then gives the lease back (at once, so another node takes it now). */
  private async dropHeld(channelId: string, reason: DropReason): Promise<void> {
    const lease = this.held.get(channelId);
    if (!lease) return;
    this.held.delete(channelId);
    this.o.metrics?.leaseHeld(this.held.size);
    try {
      await this.o.holder.drop(channelId, reason);
    } catch (err) {
      this.o.logger.error({ err, channelId }, 'could not stop a session');
    }
    if (reason === 'lease_lost') return;
    await this.o.leases
      .release(lease, this.o.nodeId)
      .catch((err: unknown) =>
        this.o.logger.warn({ err, channelId }, 'could not release a lease (it expires)'),
      );
  }

  /** The watchdog: sessions whose lease may run out within the safety margin stop now. */
  private async expireDue(): Promise<void> {
    const limit = this.mono() + this.safetyMs;
    const due = [...this.held.values()].filter((lease) => lease.deadline <= limit);
    if (due.length === 0) return;
    this.o.logger.warn({ channels: due.length }, 'leases not renewed in time: their sessions stop');
    this.o.metrics?.leaseLost(due.length);
    await Promise.all(due.map((lease) => this.dropHeld(lease.channelId, 'lease_lost')));
  }

  /**
   * SIGTERM: take nothing more, hand every channel over (others take them at once), and resolve
   * when none is left here.
   */
  async drain(): Promise<void> {
    this.draining = true;
    await this.o.nodes.setDraining(this.o.nodeId, true).catch(() => undefined);
    await this.round();
    await Promise.all([...this.held.keys()].map((channelId) => this.handOff(channelId)));
    await this.o.bus.publish('leases.changed', { nodeId: this.o.nodeId }).catch(() => undefined);
  }

  /** Drains (unless `abrupt`), then stops the loops and leaves the node list. */
  async stop(options: { abrupt?: boolean } = {}): Promise<void> {
    if (!options.abrupt) await this.drain();
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.unsubscribe?.();
    await this.running;
    await Promise.all([...this.held.keys()].map((channelId) => this.dropHeld(channelId, 'stop')));
    await this.o.nodes.remove(this.o.nodeId).catch(() => undefined);
  }
}
