import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import {
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
import { Restrictions } from './restrictions.js';
import { SessionRestore } from './session-restore.js';
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
  private readonly restrictions: Restrictions;
  private traffic: SessionTraffic | undefined;
  private linking: LinkObserver | undefined;
  private readonly restore: SessionRestore;

  constructor(private readonly o: SessionHostOptions) {
    this.restore = new SessionRestore({
      ...o,
      open: (placed) => this.open(placed),
      isCurrent: (hosted) => this.isCurrent(hosted),
    });
    this.restrictions = new Restrictions({
      host: this,
      channels: o.channels,
      gates: o.gates,
      changes: o.changes,
      clock: o.clock,
      logger: o.logger,
      ...(o.restrictionMs !== undefined ? { restrictionMs: o.restrictionMs } : {}),
    });
  }

  /** The delivery side listens to every held channel's statuses and inbound texts (set once). */
  listen(traffic: SessionTraffic): void {
    this.traffic = traffic;
  }

  /** The link window hears linking channels' events (set once). */
  observeLinking(observer: LinkObserver): void {
    this.linking = observer;
  }

  /** Several nodes: every write about a channel carries its lease's fence (none is held unfenced). */
  get fenced(): boolean {
    return this.o.placement.claimForLinking !== undefined;
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

  /** At start, before the gateway answers anyone: what this process will hold says "reconnecting". */
  markRestoring(): Promise<number> {
    return this.restore.markRestoring();
  }

  /** Ends a restore still under way (its stagger wait too): a stop must not wait for it. */
  stopRestoring(): void {
    this.restore.stop();
  }

  /** Reopens the channels the placement gives this process (paced). */
  restoreAll(): Promise<number> {
    return this.restore.restoreAll();
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
      this.restrictions.quota(ref, quota).catch(failed('could not record the new-chat cap'));
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
    if (restriction) this.restrictions.armEnd(hosted, restriction.until.getTime());
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

  /**
   * No messages to new contacts for a while (a 463 timelock, or the new-chat cap): stored on the
   * channel with the status it causes, and back to "connected" by itself afterwards.
   */
  restrict(ref: ChannelRef, whatsappUntil?: number, cause?: RestrictionCause): Promise<void> {
    return this.restrictions.restrict(ref, whatsappUntil, cause);
  }

  /** The network says the timelock (or the cap) is over: new contacts are written to again. */
  liftRestriction(ref: ChannelRef, cause: RestrictionCause): Promise<void> {
    return this.restrictions.lift(ref, cause);
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
