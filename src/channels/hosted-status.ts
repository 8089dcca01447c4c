import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ChannelStatus, NewChatCapState, StatusCause } from '../domain/channel-status.js';
import type { Metrics } from '../metrics.js';
import type { ChannelsRepository, LinkedDeviceFacts } from '../store/channels-repository.js';
import type { ChannelChanges } from './channel-changes.js';
import type {
  ChannelDriver,
  ChannelRef,
  DriverState,
  InboundText,
  LinkEvent,
  LinkedAccount,
  DeliveryReport,
} from './channel-driver.js';
import type { WriteFence } from './channel-placement.js';
import { atClockTime } from './clock-timer.js';
import type { QueueGates } from './queue-gates.js';

/** What the delivery side hears from the channels this process holds. */
export interface SessionTraffic {
  onOpen(channel: ChannelRef): void;
  onStatus(channel: ChannelRef, report: DeliveryReport): void;
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

/** What the statuses need of the session host that holds the channels. */
export interface StatusHost {
  isCurrent(hosted: HostedChannel): boolean;
  /** Stops holding the channel (its driver has already given up: removed, replaced). */
  forget(hosted: HostedChannel): void;
  /** Closes the channel's driver here and stops holding it (another node holds it now). */
  dispose(hosted: HostedChannel): Promise<void>;
  /** The link window (set once it listens). */
  linking(): LinkObserver | undefined;
  /** The delivery side (set once it listens). */
  traffic(): SessionTraffic | undefined;
  /** A restriction still runs after an open: back to "connected" by itself at `until`. */
  armRestrictionEnd(hosted: HostedChannel, until: number): void;
}

export interface HostedStatusOptions {
  readonly host: StatusHost;
  readonly channels: ChannelsRepository;
  readonly gates: QueueGates;
  readonly changes: ChannelChanges;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: Metrics | undefined;
}

/** An open session whose status could not be recorded is tried again, backing off, this many times. */
const OPEN_RECORD_ATTEMPTS = 5;
const OPEN_RECORD_RETRY_MS = 2_000;

const RESTORED_STATUSES: ReadonlySet<ChannelStatus | undefined> = new Set([
  'connected',
  'reconnecting',
  'restricted',
]);

/**
 * The stored status of the channels this process holds, kept honest: what each driver state means
 * ("reconnecting" until the socket is really open, also while it waits for its turn at the
 * connection gate; removed, replaced, restricted still after an open), written with its cause in
 * order per channel, fenced when several nodes share the database, counted and told to viewers.
 */
export class HostedStatus {
  constructor(private readonly o: HostedStatusOptions) {}

  /**
   * What the driver's new state means for the channel's stored status. Never rejects: a database
   * that does not answer in time (a pool exhausted under a reconnect wave) is logged, and an open
   * session's status is worked out again shortly, so the channel does not stay "reconnecting" while
   * it is open — and the process does not die of an unhandled rejection (seen at ~5,000 sessions).
   */
  async driverState(hosted: HostedChannel, state: DriverState, attempt = 1): Promise<void> {
    try {
      await this.applyDriverState(hosted, state);
    } catch (err) {
      this.o.logger.error(
        { err, channelId: hosted.channelId, status: state.status, attempt },
        'could not record what the session did',
      );
      if (state.status !== 'open' || attempt >= OPEN_RECORD_ATTEMPTS || !this.o.host.isCurrent(hosted))
        return;
      const at = this.o.clock.now().getTime() + OPEN_RECORD_RETRY_MS * attempt;
      await new Promise<void>((resolve) => atClockTime(this.o.clock, at, resolve));
      if (this.o.host.isCurrent(hosted)) await this.driverState(hosted, state, attempt + 1);
    }
  }

  private async applyDriverState(hosted: HostedChannel, state: DriverState): Promise<void> {
    const { host, metrics } = this.o;
    if (state.status === 'reconnecting') metrics?.reconnects.inc({ cause: state.cause });
    if (!host.isCurrent(hosted)) return;
    const linking = host.linking()?.isLinking(hosted.channelId) ?? false;
    switch (state.status) {
      case 'open':
        return this.opened(hosted, state.account);
      case 'reconnecting':
        if (linking) host.linking()?.trouble(hosted, state.cause);
        if (state.cause === 'version_refused') {
          // Typed, counted and said on the status: "WhatsApp refused this client version — updating".
          if (state.attempt === 1) metrics?.versionRefusals.inc();
          if (!linking) await this.record(hosted, 'reconnecting', 'version_refused', {}, state.attempt === 1);
          return;
        }
        if (!linking) await this.record(hosted, 'reconnecting', 'connection_lost');
        return;
      case 'removed': {
        host.forget(hosted);
        // Nothing can be sent until the phone links again: the queue waits, paused and flagged.
        const { paused } = await this.o.gates.read(hosted.channelId);
        const cause = state.reason === 'login_refused' ? 'login_refused' : 'device_removed';
        const pause = paused ? {} : { paused: { cause: 'removed' as const, at: this.o.clock.now() } };
        await this.record(hosted, 'removed', cause, pause, true);
        return;
      }
      case 'replaced':
        host.forget(hosted);
        await this.record(hosted, 'replaced', 'replaced', {}, true);
        return;
      case 'qr_expired':
        if (linking) await host.linking()?.expired(hosted);
        return;
      case 'awaiting_scan':
      case 'pairing_code':
      case 'connecting':
      case 'idle':
      case 'stopped':
        return;
    }
  }

  private async opened(hosted: HostedChannel, account: LinkedAccount): Promise<void> {
    const { host } = this.o;
    host.linking()?.opened(hosted);
    hosted.cancelRestrictionEnd?.();
    const restored = RESTORED_STATUSES.has(hosted.lastStatus);
    // The stored gates are the truth: earlier writes for this channel land first.
    await hosted.writes;
    const gates = await this.o.gates.read(hosted.channelId);
    if (!host.isCurrent(hosted)) return;
    // A new link after the device was removed on the phone resumes the queue it paused.
    const resumes = !restored && gates.paused === 'removed';
    const restriction = gates.restriction;
    const ref = { tenantId: hosted.tenantId, channelId: hosted.channelId };
    host.traffic()?.onOpen(ref);
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
    if (restriction) host.armRestrictionEnd(hosted, restriction.until.getTime());
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
        if (!written && hosted.fence && this.o.host.isCurrent(hosted)) {
          // Another node holds the channel now (a newer fence): this one lets it go.
          this.o.logger.warn({ channelId: hosted.channelId }, 'channel held elsewhere now; letting it go');
          void this.o.host.dispose(hosted);
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
}
