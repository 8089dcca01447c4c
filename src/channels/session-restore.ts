import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { hasLinkedDevice } from '../domain/channel-status.js';
import type { ChannelsRepository } from '../store/channels-repository.js';
import type { ChannelChanges } from './channel-changes.js';
import type { ChannelDriverKind } from './channel-driver.js';
import type { ChannelPlacement, PlacedChannel, WriteFence } from './channel-placement.js';
import type { HostedChannel } from './session-host.js';

/**
 * How many channels are prepared for their restore at once. Each holds a database connection only
 * for its own round trips, so a few keep the pool free for the API while a restart runs.
 */
const RESTORE_WORKERS = 8;

/** One restore's shared progress: the workers take the next channel and places from it. */
interface RestoreRun {
  next: number;
  restored: number;
  /** Channels whose sessions are opening, by when they started (placeholders for the 30 s rule). */
  readonly opening: Map<HostedChannel, number>;
  /** Places taken by workers whose open() is still writing the channel's row. */
  reserved: number;
  /** performance.now() at which the next restore may start (the stagger across workers). */
  nextStartAt: number;
}

export interface SessionRestoreOptions {
  readonly channels: ChannelsRepository;
  readonly drivers: ChannelDriverKind;
  readonly placement: ChannelPlacement;
  readonly changes: ChannelChanges;
  readonly clock: Clock;
  readonly restoreStaggerMs: number;
  /** At most this many restored channels opening at once. */
  readonly restoreConcurrency: number;
  /** Opens a placed channel's driver in the session host ("reconnecting" until open). */
  readonly open: (placed: PlacedChannel) => Promise<HostedChannel>;
  readonly isCurrent: (hosted: HostedChannel) => boolean;
  /** Whether this process already holds a driver for the channel. */
  readonly isHosted: (channelId: string) => boolean;
}

/**
 * The session host's start: which channels say "reconnecting", and reopening them, paced (and one
 * channel taken later, a lease won). Their sockets then wait for their turns at the connection
 * gate (connect-gate.ts) like every reconnect: the pacing here spaces the restores out, the gate
 * bounds how many handshakes run at once.
 */
export class SessionRestore {
  private stopping = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: SessionRestoreOptions) {}

  /**
   * At start, before the gateway answers anyone: every channel this process will hold says
   * "reconnecting" at once, not only when its turn in the restore's stagger comes (1,000 channels ×
   * 150 ms would leave the last one "connected" on a dead process's word for minutes).
   */
  async markRestoring(): Promise<number> {
    const all = await this.o.channels.listAllForSupport();
    const placed = await this.o.placement.place(
      all.filter((c) => c.status === 'connected' || c.status === 'restricted'),
    );
    const marked = await this.o.channels.markRestoring(placed.map((p) => p.channel.id));
    for (const ref of marked) this.o.changes.publish(ref);
    return marked.length;
  }

  /** Ends a restore still under way (its stagger wait too): a stop must not wait for it. */
  stop(): void {
    this.stopping = true;
    this.abort.abort();
  }

  /**
   * Reopens the channels the placement gives this process, spaced out so they do not all hit the
   * network at once, and paced by what it answers: while `restoreConcurrency` are still opening
   * (waiting for a turn at the gate, or in their handshake) the next waits; one not open within 30 s
   * (it keeps retrying by itself) no longer holds a place.
   *
   * A few workers take the channels in turn: each channel's own preparation (is its device still
   * linked, its "reconnecting" row) is a few database round trips, and one after another those
   * round trips alone bounded 10,000 restores to ~24 a second (409 s) with the process mostly idle.
   */
  async restoreAll(): Promise<number> {
    const all = await this.o.channels.listAllForSupport();
    const candidates = all.filter(
      (c) =>
        hasLinkedDevice(c.status) ||
        c.status === 'pairing' ||
        c.status === 'showing_qr' ||
        c.status === 'showing_code',
    );
    const queue = await this.o.placement.place(candidates);
    const run: RestoreRun = { next: 0, restored: 0, opening: new Map(), reserved: 0, nextStartAt: 0 };
    const workers = Math.min(RESTORE_WORKERS, this.o.restoreConcurrency, queue.length);
    await Promise.all(Array.from({ length: workers }, () => this.restoreWorker(queue, run)));
    return run.restored;
  }

  private async restoreWorker(queue: readonly PlacedChannel[], run: RestoreRun): Promise<void> {
    while (!this.stopping && run.next < queue.length) {
      const placed = queue[run.next++]!;
      const { status } = placed.channel;
      // Taken up here since the start (someone began linking it while the session threads were
      // still loading): it is no longer the restart's to restore, and marking it "not linked" would
      // contradict the QR code its viewer is looking at.
      if (this.o.isHosted(placed.channel.id)) continue;
      // A link attempt cut off by the restart: nobody is looking now, so no QR loop starts.
      if (!(await this.canReopen(placed, status === 'showing_qr' || status === 'showing_code'))) continue;
      await this.staggered(run);
      await this.whileManyOpening(run);
      if (this.stopping) return;
      if (this.o.isHosted(placed.channel.id)) continue; // a link begun while it waited its turn
      run.reserved++; // counted while its row is written, so no other worker takes the place meanwhile
      try {
        run.opening.set(await this.o.open(placed), this.o.clock.now().getTime());
      } finally {
        run.reserved--;
      }
      run.restored++;
    }
  }

  /** One start every `restoreStaggerMs` (jittered) across all workers; the first at once. */
  private async staggered(run: RestoreRun): Promise<void> {
    if (this.o.restoreStaggerMs <= 0) return;
    const now = performance.now();
    const startAt = Math.max(now, run.nextStartAt);
    run.nextStartAt = startAt + this.o.restoreStaggerMs * (0.5 + Math.random());
    if (startAt > now)
      await sleep(startAt - now, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  /** One channel taken later (a lease won): opened here when it can still log in. */
  async reopen(channelId: string, fence?: WriteFence): Promise<boolean> {
    const channel = await this.o.channels.getForSessionHost(channelId);
    if (!channel) return false;
    const placed = { channel, ...(fence ? { fence } : {}) };
    if (!(await this.canReopen(placed))) return false;
    await this.o.open(placed);
    return true;
  }

  /**
   * Whether the channel's device can log in again without a scan. If not (its credentials are gone,
   * or the restart cut its link attempt off) it restores as not linked.
   */
  private async canReopen(placed: PlacedChannel, linkAttemptCutOff = false): Promise<boolean> {
    const { channel, fence } = placed;
    if (!linkAttemptCutOff && (await this.o.drivers.isLinked(channel.id))) return true;
    await this.o.channels.changeStatus(
      channel.tenantId,
      channel.id,
      'not_linked',
      'restored',
      {},
      undefined,
      fence,
    );
    return false;
  }

  private async whileManyOpening(run: RestoreRun): Promise<void> {
    for (;;) {
      const stale = this.o.clock.now().getTime() - 30_000;
      for (const [hosted, startedAt] of run.opening)
        if (hosted.driver.state.status === 'open' || !this.o.isCurrent(hosted) || startedAt < stale)
          run.opening.delete(hosted);
      if (run.opening.size + run.reserved < this.o.restoreConcurrency || this.stopping) return;
      await sleep(25, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }
}
