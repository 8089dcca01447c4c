import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import {
  hasLinkedDevice,
  type ChannelStatus,
  type NewChatCapState,
  type RestrictionCause,
  type StatusCause,
} from '../domain/channel-status.js';
import { AppError } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { Channel, ChannelsRepository, LinkedDeviceFacts } from '../store/channels-repository.js';
import type { ChannelChanges } from './channel-changes.js';
import type {
  ChannelDriver,
  ChannelDriverKind,
  ChannelRef,
  DriverState,
  InboundText,
  LinkEvent,
  LinkedAccount,
  SendingChannel,
  StatusReport,
} from './channel-driver.js';
import type { ChannelPlacement, PlacedChannel, WriteFence } from './channel-placement.js';
import { atClockTime } from './clock-timer.js';
import type { QueueGates } from './queue-gates.js';

/** What the delivery side hears from the channels this process holds. */
export interface SessionTraffic {
  onOpen(channel: ChannelRef): void;
  onStatus(channel: ChannelRef, report: StatusReport): void;
  onInbound(channel: ChannelRef, message: InboundText): void;
}

/** A channel whose driver this process holds (linked, or linking while someone looks). */
export interface HostedChannel extends ChannelRef {
  readonly driver: ChannelDriver;
  /** Carried by every status write (several nodes); undefined on a single node and while linking. */
  readonly fence: WriteFence | undefined;
  /** Status writes in order, one after the other. */
  writes: Promise<unknown>;
  lastStatus: ChannelStatus | undefined;
  /** When a phone linked it in this attempt (stored with the status once it opens). */
  linkedAt: Date | undefined;
  /** WhatsApp's last word on the new-chat cap (for /metrics only; the stored row is the truth). */
  newChatCap: NewChatCapState | undefined;
  cancelRestrictionEnd: (() => void) | undefined;
}

/** The link window, as the host tells it what a linking channel's driver does. */
export interface LinkObserver {
  isLinking(channelId: string): boolean;
  onLink(hosted: HostedChannel, event: LinkEvent): void;
  /** The channel opened: linking is over. */
  opened(hosted: HostedChannel): void;
  /** The driver is reconnecting because of `cause` (what a stalled link is put down to). */
  trouble(hosted: HostedChannel, cause: string): void;
  /** Every QR ran out. */
  expired(hosted: HostedChannel): Promise<void>;
  /** The host let the channel go: its link attempt ends quietly. */
  dropped(channelId: string): void;
}

export interface SessionHostOptions {
  readonly channels: ChannelsRepository;
  readonly gates: QueueGates;
  readonly drivers: ChannelDriverKind;
  readonly placement: ChannelPlacement;
  readonly changes: ChannelChanges;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly clock: Clock;
  readonly restoreStaggerMs: number;
  /** At most this many restored channels opening at once. */
  readonly restoreConcurrency: number;
  /** After a 463 (reach-out timelock) with no end said, how long new contacts wait (default 24 h). */
  readonly restrictionMs?: number;
  /** How a newly linked device is listed on the phone, per business ("Zapgate · Salon Bella"). */
  readonly deviceName?: (tenantId: string) => Promise<string>;
}

const RESTORED_STATUSES: ReadonlySet<ChannelStatus | undefined> = new Set([
  'connected',
  'reconnecting',
  'restricted',
]);

/**
 * Which channels THIS process holds, and their drivers: opens them (restore at start, paced;
 * `acquire` later), keeps their status honest ("reconnecting" until really open), records every
 * status change with its cause (fenced when several nodes share the database), and closes them
 * (`release` keeps the link, `forget` logs out). Which channels to hold is the placement's call.
 */
export class SessionHost {
  private readonly hosted = new Map<string, HostedChannel>();
  private readonly turns = new Map<string, Promise<unknown>>();
  private traffic: SessionTraffic | undefined;
  private linking: LinkObserver | undefined;
  private stopping = false;
  private readonly restoreAbort = new AbortController();

  constructor(private readonly o: SessionHostOptions) {}

  /** The delivery side listens to every held channel's statuses and inbound texts (set once). */
  listen(traffic: SessionTraffic): void {
    this.traffic = traffic;
  }

  /** The link window hears linking channels' events (set once). */
  observeLinking(observer: LinkObserver): void {
    this.linking = observer;
  }

  currentTime(): Date {
    return this.o.clock.now();
  }

  /** What this process holds now: each channel, its fence (if any) and its driver's status. */
  held(): Array<ChannelRef & { fence: bigint | undefined; status: DriverState['status'] }> {
    return [...this.hosted.values()].map((h) => ({
      tenantId: h.tenantId,
      channelId: h.channelId,
      fence: h.fence?.token,
      status: h.driver.state.status,
    }));
  }

  holds(channelId: string): boolean {
    return this.hosted.has(channelId);
  }

  hostedChannel(channelId: string): HostedChannel | undefined {
    return this.hosted.get(channelId);
  }

  isCurrent(hosted: HostedChannel): boolean {
    return this.hosted.get(hosted.channelId) === hosted;
  }

  /** The channel's driver when it is open here (the dispatcher sends through it), else undefined. */
  sendingChannel(channelId: string): SendingChannel | undefined {
    const hosted = this.hosted.get(channelId);
    return hosted?.driver.state.status === 'open' ? hosted.driver : undefined;
  }

  get liveCount(): number {
    return this.hosted.size;
  }

  /** Held channels by WhatsApp's last word on their new-chat cap (for /metrics). */
  newChatCapCounts(): Map<NewChatCapState, number> {
    const counts = new Map<NewChatCapState, number>();
    for (const h of this.hosted.values())
      if (h.newChatCap) counts.set(h.newChatCap, (counts.get(h.newChatCap) ?? 0) + 1);
    return counts;
  }

  /** Held channels by driver status (for the metrics gauge). */
  sessionCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const h of this.hosted.values())
      counts.set(h.driver.state.status, (counts.get(h.driver.state.status) ?? 0) + 1);
    return counts;
  }

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
  stopRestoring(): void {
    this.stopping = true;
    this.restoreAbort.abort();
  }

  /**
   * Reopens the channels the placement gives this process, spaced out so they do not all hit the
   * network at once, and paced by what it answers: while `restoreConcurrency` are still opening the
   * next waits; one not open within 30 s (it keeps retrying by itself) no longer holds a place.
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
      const { channel } = placed;
      if (channel.status === 'showing_qr' || channel.status === 'showing_code') {
        // A link attempt cut off by the restart: nobody is looking now, so no QR loop starts.
        await this.o.channels.changeStatus(
          channel.tenantId,
          channel.id,
          'not_linked',
          'restored',
          {},
          undefined,
          placed.fence,
        );
        continue;
      }
      if (!(await this.o.drivers.isLinked(channel.id))) {
        await this.o.channels.changeStatus(
          channel.tenantId,
          channel.id,
          'not_linked',
          'restored',
          {},
          undefined,
          placed.fence,
        );
        continue;
      }
      if (restored > 0 && this.o.restoreStaggerMs > 0)
        await sleep(this.o.restoreStaggerMs * (0.5 + Math.random()), undefined, {
          signal: this.restoreAbort.signal,
        }).catch(() => undefined);
      await this.whileManyOpening(opening);
      if (this.stopping) break;
      opening.set(await this.open(placed), this.o.clock.now().getTime());
      restored++;
    }
    return restored;
  }

  /**
   * Takes a linked channel (a lease was won): opens its driver here, every status write fenced by
   * `fence`. False when there is no such channel or it has no credentials left (it says "not
   * linked"). The cluster's LeaseKeeper plugs in as `hold: (lease) => host.acquire(lease.channelId,
   * leaseFence(lease))`, `drop: (channelId) => host.release(channelId)`.
   */
  async acquire(channelId: string, fence?: WriteFence): Promise<boolean> {
    if (this.hosted.has(channelId)) return true;
    const channel = await this.o.channels.getForSessionHost(channelId);
    if (!channel) return false;
    if (!(await this.o.drivers.isLinked(channel.id))) {
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
    await this.open({ channel, ...(fence ? { fence } : {}) });
    return true;
  }

  /** Lets a channel go without logging out (a hand-over, a lost lease): its driver closes, the link stays. */
  async release(channelId: string): Promise<void> {
    const hosted = this.hosted.get(channelId);
    if (!hosted) return;
    await this.dispose(hosted);
    await hosted.writes;
  }

  private async open(placed: PlacedChannel): Promise<HostedChannel> {
    const driver = this.o.drivers.create(refOf(placed.channel), placed.fence ? { fence: placed.fence } : {});
    const hosted = this.host(placed.channel, driver, placed.fence);
    // Honest until proven: "reconnecting" until the driver is really open (already so when
    // markRestoring ran at start; then this writes nothing).
    await this.record(hosted, 'reconnecting', 'restored');
    void hosted.driver
      .open()
      .catch((err: unknown) => this.o.logger.error({ err, channelId: hosted.channelId }, 'restore failed'));
    return hosted;
  }

  private async whileManyOpening(opening: Map<HostedChannel, number>): Promise<void> {
    for (;;) {
      const stale = this.o.clock.now().getTime() - 30_000;
      for (const [hosted, startedAt] of opening)
        if (hosted.driver.state.status === 'open' || !this.isCurrent(hosted) || startedAt < stale)
          opening.delete(hosted);
      if (opening.size < this.o.restoreConcurrency || this.stopping) return;
      await sleep(25, undefined, { signal: this.restoreAbort.signal }).catch(() => undefined);
    }
  }

  /** A fresh driver for linking `channel` (replacing any it had), named for the phone's list. */
  async openForLinking(channel: Channel): Promise<HostedChannel> {
    const existing = this.hosted.get(channel.id);
    // Several nodes: the device linked here must be held here (a lease claimed first, its fence on
    // every write); a channel another node holds is linked there.
    const claim = existing?.fence ?? (await this.o.placement.claimForLinking?.(channel.id));
    if (claim === 'elsewhere')
      throw new AppError('conflict', 'Another gateway node is linking this channel; try again shortly.', {
        details: { channelId: channel.id },
      });
    const deviceName = await this.deviceName(channel);
    if (existing) await this.dispose(existing, false);
    const driver = this.o.drivers.create(refOf(channel), {
      ...(deviceName ? { deviceName } : {}),
      ...(claim ? { fence: claim } : {}),
    });
    return this.host(channel, driver, claim);
  }

  private async deviceName(channel: Channel): Promise<string | undefined> {
    if (!this.o.deviceName) return undefined;
    try {
      return (await this.o.deviceName(channel.tenantId)).trim() || undefined;
    } catch (err) {
      this.o.logger.warn({ err, channelId: channel.id }, 'could not name the linked device');
      return undefined;
    }
  }

  private host(channel: Channel, driver: ChannelDriver, fence?: WriteFence): HostedChannel {
    const hosted: HostedChannel = {
      ...refOf(channel),
      driver,
      fence,
      writes: Promise.resolve(),
      lastStatus: channel.status,
      linkedAt: undefined,
      newChatCap: channel.newChatCap?.state,
      cancelRestrictionEnd: undefined,
    };
    this.hosted.set(channel.id, hosted);
    const ref = refOf(channel);
    const failed = (what: string) => (err: unknown) =>
      this.o.logger.error({ err, channelId: channel.id }, what);
    driver.on('state', (state) => void this.onState(hosted, state));
    driver.on('link', (event) => {
      if (this.isCurrent(hosted)) this.linking?.onLink(hosted, event);
    });
    driver.on('status', (report) => this.traffic?.onStatus(ref, report));
    driver.on('inbound', (message) => this.traffic?.onInbound(ref, message));
    driver.on('restriction', ({ active, until }) => {
      const done = active ? this.restrict(ref, until) : this.liftRestriction(ref, 'reach_out_timelock');
      done.catch(failed('could not record the reach-out timelock'));
    });
    driver.on('quota', (quota) => {
      hosted.newChatCap = quota.state;
      this.o.channels
        .setNewChatCap(ref.tenantId, ref.channelId, { ...quota, updatedAt: this.o.clock.now() })
        .then(() => this.o.changes.publish(ref))
        .then(() =>
          quota.state === 'capped'
            ? this.restrict(
                ref,
                quota.resetsAt?.getTime() ?? this.o.clock.now().getTime() + 24 * 3_600_000,
                'new_chats_capped',
              )
            : this.liftRestriction(ref, 'new_chats_capped'),
        )
        .catch(failed('could not record the new-chat cap'));
    });
    return hosted;
  }

  private async onState(hosted: HostedChannel, state: DriverState): Promise<void> {
    if (state.status === 'reconnecting') this.o.metrics?.reconnects.inc({ cause: state.cause });
    if (!this.isCurrent(hosted)) return;
    const linking = this.linking?.isLinking(hosted.channelId) ?? false;
    switch (state.status) {
      case 'open':
        return this.onOpen(hosted, state.account);
      case 'reconnecting':
        if (linking) this.linking?.trouble(hosted, state.cause);
        if (state.cause === 'version_refused') {
          // Typed, counted and said on the status: "WhatsApp refused this client version — updating".
          if (state.attempt === 1) this.o.metrics?.versionRefusals.inc();
          if (!linking) await this.record(hosted, 'reconnecting', 'version_refused', {}, state.attempt === 1);
          return;
        }
        if (!linking) await this.record(hosted, 'reconnecting', 'connection_lost');
        return;
      case 'removed': {
        this.forgetHosted(hosted);
        // Nothing can be sent until the phone links again: the queue waits, paused and flagged.
        const { paused } = await this.o.gates.read(hosted.channelId);
        const cause = state.reason === 'login_refused' ? 'login_refused' : 'device_removed';
        const pause = paused ? {} : { paused: { cause: 'removed' as const, at: this.o.clock.now() } };
        await this.record(hosted, 'removed', cause, pause, true);
        return;
      }
      case 'replaced':
        this.forgetHosted(hosted);
        await this.record(hosted, 'replaced', 'replaced', {}, true);
        return;
      case 'qr_expired':
        if (linking) await this.linking?.expired(hosted);
        return;
      case 'awaiting_scan':
      case 'pairing_code':
      case 'connecting':
      case 'idle':
      case 'stopped':
        return;
    }
  }

  private async onOpen(hosted: HostedChannel, account: LinkedAccount): Promise<void> {
    this.linking?.opened(hosted);
    hosted.cancelRestrictionEnd?.();
    const restored = RESTORED_STATUSES.has(hosted.lastStatus);
    // The stored gates are the truth: earlier writes for this channel land first.
    await hosted.writes;
    const gates = await this.o.gates.read(hosted.channelId);
    if (!this.isCurrent(hosted)) return;
    // A new link after the device was removed on the phone resumes the queue it paused.
    const resumes = !restored && gates.paused === 'removed';
    const restriction = gates.restriction;
    const ref = refOf(hosted);
    this.traffic?.onOpen(ref);
    // Still restricted after a reconnect or a restart: the status says by what (stored with it).
    const cause = restriction ? restriction.by : restored ? 'restored' : 'opened';
    await this.record(hosted, restriction ? 'restricted' : 'connected', cause, {
      phone: account.phone,
      platform: account.platform,
      business: account.business,
      ...(hosted.linkedAt ? { linkedAt: hosted.linkedAt } : {}),
      ...(resumes ? { paused: null } : {}),
      ...(restriction ? {} : { restrictedUntil: null, restrictedBy: null }),
    });
    if (restriction) this.armRestrictionEnd(hosted, restriction.until.getTime());
    if (resumes) this.o.gates.announceResumed(ref);
  }

  /** Persists a status change (in order per channel, fenced when held under a lease) and tells viewers. */
  record(
    hosted: HostedChannel,
    status: ChannelStatus,
    cause: StatusCause,
    facts: LinkedDeviceFacts = {},
    force = false,
  ): Promise<unknown> {
    hosted.writes = hosted.writes
      .then(async () => {
        if (!force && hosted.lastStatus === status && Object.keys(facts).length === 0) return;
        hosted.lastStatus = status;
        const written = await this.o.channels.changeStatus(
          hosted.tenantId,
          hosted.channelId,
          status,
          cause,
          facts,
          undefined,
          hosted.fence,
        );
        if (!written && hosted.fence && this.isCurrent(hosted)) {
          // Another node holds the channel now (a newer fence): this one lets it go.
          this.o.logger.warn({ channelId: hosted.channelId }, 'channel held elsewhere now; letting it go');
          void this.dispose(hosted);
          return;
        }
        this.o.metrics?.channelStatusChanges.inc({ status, cause });
        this.publish(hosted);
      })
      .catch((err: unknown) =>
        this.o.logger.error(
          { err, channelId: hosted.channelId, status },
          'could not record the channel status',
        ),
      );
    return hosted.writes;
  }

  publish(ref: ChannelRef): void {
    this.o.changes.publish({ tenantId: ref.tenantId, channelId: ref.channelId });
  }

  /** One restriction change at a time per channel: each reads the stored row the last one wrote. */
  private inTurn(channelId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.turns.get(channelId) ?? Promise.resolve()).then(work);
    const settled = next.catch(() => undefined);
    this.turns.set(channelId, settled);
    void settled.then(() => {
      if (this.turns.get(channelId) === settled) this.turns.delete(channelId);
    });
    return next;
  }

  /**
   * No messages to new contacts for a while (a 463 timelock, or the new-chat cap): stored on the
   * channel with the status it causes, and back to "connected" by itself afterwards.
   */
  restrict(
    ref: ChannelRef,
    whatsappUntil?: number,
    cause: RestrictionCause = 'reach_out_timelock',
  ): Promise<void> {
    return this.inTurn(ref.channelId, async () => {
      const running = (await this.o.gates.read(ref.channelId)).restriction;
      // WhatsApp's end time when it said one; otherwise a restriction already running stands.
      if (whatsappUntil === undefined && running) return;
      if (whatsappUntil !== undefined && running?.until.getTime() === whatsappUntil && running.by === cause)
        return;
      const until = whatsappUntil ?? this.o.clock.now().getTime() + (this.o.restrictionMs ?? 24 * 3_600_000);
      const hosted = this.hosted.get(ref.channelId);
      if (!hosted) {
        await this.o.channels.setRestrictedUntil(ref.tenantId, ref.channelId, new Date(until), cause);
        return;
      }
      await this.record(
        hosted,
        'restricted',
        cause,
        { restrictedUntil: new Date(until), restrictedBy: cause },
        true,
      );
      this.armRestrictionEnd(hosted, until);
      this.o.logger.warn(
        { channelId: ref.channelId, restrictedUntil: new Date(until).toISOString(), cause },
        'WhatsApp restricted new chats: no messages to new contacts until the restriction ends',
      );
    });
  }

  /** The network says the timelock (or the cap) is over: new contacts are written to again. */
  liftRestriction(ref: ChannelRef, cause: RestrictionCause): Promise<void> {
    return this.inTurn(ref.channelId, async () => {
      const hosted = this.hosted.get(ref.channelId);
      const stored = await this.o.channels.gates(ref.channelId);
      if (!hosted || !stored?.restrictedUntil) return;
      // The end of one cause does not lift the other (an unknown cause is the timelock, as before).
      if ((stored.restrictedBy ?? 'reach_out_timelock') !== cause) return;
      await this.endRestriction(hosted);
    });
  }

  private async endRestriction(hosted: HostedChannel): Promise<void> {
    hosted.cancelRestrictionEnd?.();
    hosted.cancelRestrictionEnd = undefined;
    if (hosted.lastStatus === 'restricted')
      await this.record(hosted, 'connected', 'restriction_ended', {
        restrictedUntil: null,
        restrictedBy: null,
      });
    else await this.o.channels.setRestrictedUntil(hosted.tenantId, hosted.channelId, null);
  }

  private armRestrictionEnd(hosted: HostedChannel, until: number): void {
    hosted.cancelRestrictionEnd?.();
    hosted.cancelRestrictionEnd = atClockTime(this.o.clock, until, () => {
      hosted.cancelRestrictionEnd = undefined;
      if (!this.isCurrent(hosted)) return;
      void this.inTurn(hosted.channelId, async () => {
        const running = (await this.o.gates.read(hosted.channelId)).restriction;
        if (running) this.armRestrictionEnd(hosted, running.until.getTime());
        else await this.endRestriction(hosted);
      }).catch((err: unknown) =>
        this.o.logger.error({ err, channelId: hosted.channelId }, 'could not end the restriction'),
      );
    });
  }

  /** Logs the channel's device out and forgets its credentials (a reset, a deleted channel). */
  async logoutAndForget(channelId: string): Promise<void> {
    const hosted = this.hosted.get(channelId);
    if (hosted) {
      this.forgetHosted(hosted);
      await hosted.driver
        .logout()
        .catch((err: unknown) => this.o.logger.warn({ err, channelId }, 'logout failed; forgetting locally'));
    }
    this.linking?.dropped(channelId);
    await this.o.drivers.forget(channelId);
  }

  /** Closes the channel's driver here and stops holding it. */
  async dispose(hosted: HostedChannel, dropLink = true): Promise<void> {
    this.forgetHosted(hosted, dropLink);
    await hosted.driver.close();
  }

  private forgetHosted(hosted: HostedChannel, dropLink = true): void {
    hosted.cancelRestrictionEnd?.();
    hosted.cancelRestrictionEnd = undefined;
    if (this.isCurrent(hosted)) this.hosted.delete(hosted.channelId);
    if (dropLink) this.linking?.dropped(hosted.channelId);
  }

  async stopAll(): Promise<void> {
    this.stopRestoring();
    const all = [...this.hosted.values()];
    await Promise.all(all.map((hosted) => this.dispose(hosted)));
    await Promise.all(all.map((hosted) => hosted.writes));
  }
}

function refOf(channel: Channel | ChannelRef): ChannelRef {
  return 'channelId' in channel
    ? { tenantId: channel.tenantId, channelId: channel.channelId }
    : { tenantId: channel.tenantId, channelId: channel.id };
}
