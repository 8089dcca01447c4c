import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { hasLinkedDevice } from '../domain/channel-status.js';
import type { ChannelsRepository } from '../store/channels-repository.js';
import type { ChannelChanges } from './channel-changes.js';
import type { ChannelDriverKind } from './channel-driver.js';
import type { ChannelPlacement, PlacedChannel, WriteFence } from './channel-placement.js';
import type { HostedChannel } from './session-host.js';

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
    let restored = 0;
    const opening = new Map<HostedChannel, number>();
    for (const placed of await this.o.placement.place(candidates)) {
      if (this.stopping) break;
      const { status } = placed.channel;
      // A link attempt cut off by the restart: nobody is looking now, so no QR loop starts.
      if (!(await this.canReopen(placed, status === 'showing_qr' || status === 'showing_code'))) continue;
      if (restored > 0 && this.o.restoreStaggerMs > 0)
        await sleep(this.o.restoreStaggerMs * (0.5 + Math.random()), undefined, {
          signal: this.abort.signal,
        }).catch(() => undefined);
      await this.whileManyOpening(opening);
      if (this.stopping) break;
      opening.set(await this.o.open(placed), this.o.clock.now().getTime());
      restored++;
    }
    return restored;
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

  private async whileManyOpening(opening: Map<HostedChannel, number>): Promise<void> {
    for (;;) {
      const stale = this.o.clock.now().getTime() - 30_000;
      for (const [hosted, startedAt] of opening)
        if (hosted.driver.state.status === 'open' || !this.o.isCurrent(hosted) || startedAt < stale)
          opening.delete(hosted);
      if (opening.size < this.o.restoreConcurrency || this.stopping) return;
      await sleep(25, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }
}
