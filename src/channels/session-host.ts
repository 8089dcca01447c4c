import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { hasLinkedDevice, type NewChatCapState, type RestrictionCause } from '../domain/channel-status.js';
import { AppError } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { Channel, ChannelsRepository } from '../store/channels-repository.js';
import type { ChannelChanges } from './channel-changes.js';
import type {
  ChannelDriver,
  ChannelDriverKind,
  ChannelRef,
  DriverState,
  SendingChannel,
} from './channel-driver.js';
import type { ChannelPlacement, PlacedChannel, WriteFence } from './channel-placement.js';
import type { ConnectGate } from './connect-gate.js';
import { HostedStatus, type HostedChannel, type LinkObserver, type SessionTraffic } from './hosted-status.js';
import { Restrictions } from './restrictions.js';
import { SessionRestore } from './session-restore.js';
import type { QueueGates } from './queue-gates.js';

export type { HostedChannel, LinkObserver, SessionTraffic } from './hosted-status.js';

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
  /** The drivers' connection gate: a stop lets nobody waiting in it through any more. */
  readonly connectGate?: ConnectGate;
}

/**
 * Which channels THIS process holds, and their drivers: opens them (restore at start, paced;
 * `acquire` later), keeps their status honest through hosted-status.ts ("reconnecting" until
 * really open, every change recorded with its cause, fenced when several nodes share the
 * database), and closes them (`release` keeps the link, `forget` logs out). Which channels to hold
 * is the placement's call.
 */
export class SessionHost {
  private readonly hosted = new Map<string, HostedChannel>();
  private readonly restrictions: Restrictions;
  private readonly status: HostedStatus;
  private traffic: SessionTraffic | undefined;
  private linking: LinkObserver | undefined;
  private readonly restore: SessionRestore;

  constructor(private readonly o: SessionHostOptions) {
    this.restore = new SessionRestore({
      ...o,
      open: (placed) => this.open(placed),
      isCurrent: (hosted) => this.isCurrent(hosted),
      isHosted: (channelId) => this.hosted.has(channelId),
    });
    this.status = new HostedStatus({
      ...o,
      host: {
        isCurrent: (hosted) => this.isCurrent(hosted),
        forget: (hosted) => this.forgetHosted(hosted),
        dispose: (hosted) => this.dispose(hosted),
        linking: () => this.linking,
        traffic: () => this.traffic,
        armRestrictionEnd: (hosted, until) => this.restrictions.armEnd(hosted, until),
      },
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

  /** Reopens the channels the placement gives this process (paced), once the drivers can run. */
  async restoreAll(): Promise<number> {
    await this.o.drivers.start?.();
    return this.restore.restoreAll();
  }

  /**
   * Takes a linked channel (a lease was won): opens its driver here, every status write fenced by
   * `fence`. False when there is no such channel or it has no credentials left (it says "not
   * linked"). The cluster's LeaseKeeper plugs in as `hold: (lease) => host.acquire(lease.channelId,
   * leaseFence(lease))`, `drop: (channelId) => host.release(channelId)`.
   */
  async acquire(channelId: string, fence?: WriteFence): Promise<boolean> {
    return this.hosted.has(channelId) || this.restore.reopen(channelId, fence);
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
    driver.on('state', (state) => void this.status.driverState(hosted, state));
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

  /** Persists a status change (in order per channel, fenced when held under a lease) and tells viewers. */
  readonly record: HostedStatus['record'] = (...change) => this.status.record(...change);

  publish(ref: ChannelRef): void {
    this.status.publish(ref);
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

  /**
   * Logs the channel's device out and forgets its credentials (a reset, a deleted channel). A linked
   * session still logging in (just restored, or taken over from a node that died) is given up to
   * `LOGOUT_OPEN_WAIT_MS` to open first: logged out while not connected, the phone would keep
   * listing the device, and with the credentials gone nobody could log it out afterwards.
   */
  async logoutAndForget(channelId: string): Promise<void> {
    const opening = this.hosted.get(channelId);
    const linked = opening?.lastStatus !== undefined && hasLinkedDevice(opening.lastStatus);
    if (opening && linked && STILL_OPENING.has(opening.driver.state.status)) {
      await untilSettled(opening.driver, LOGOUT_OPEN_WAIT_MS);
      // Several nodes: let go meanwhile (its lease ran out, or a handoff): the next holder opens it
      // from these credentials, so they are not wiped here; asked again, that holder logs it out.
      if (this.fenced && !this.isCurrent(opening))
        throw new AppError(
          'not_ready',
          'This channel is moving to another gateway node right now; try again in a few seconds.',
          { details: { channelId } },
        );
    }
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
    this.o.connectGate?.close();
    const all = [...this.hosted.values()];
    await Promise.all(all.map((hosted) => this.dispose(hosted)));
    await Promise.all(all.map((hosted) => hosted.writes));
    await this.o.drivers.close?.();
  }
}

/** How long a logout waits for a linked session still logging in before it forgets it unannounced. */
const LOGOUT_OPEN_WAIT_MS = 10_000;
const STILL_OPENING: ReadonlySet<DriverState['status']> = new Set(['idle', 'connecting', 'reconnecting']);

/** Resolves once the driver is no longer logging in (open, removed, stopped…), or after `withinMs`. */
function untilSettled(driver: ChannelDriver, withinMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, withinMs);
    const off = driver.on('state', (state) => {
      if (!STILL_OPENING.has(state.status)) done();
    });
  });
}

function refOf(channel: Channel | ChannelRef): ChannelRef {
  return 'channelId' in channel
    ? { tenantId: channel.tenantId, channelId: channel.channelId }
    : { tenantId: channel.tenantId, channelId: channel.id };
}
