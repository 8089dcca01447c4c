/**
 * The link window of one node among several: a channel's link window runs on the node holding its
 * lease (the device it links must be held there). A surface served by another node — QR page,
 * panel, support console, the API — sends what it asks to that node and waits for its answer, and
 * shows the link state that node relays (cluster/link-relay.ts carries both over the bus).
 */
import { hasLinkedDevice } from '../domain/channel-status.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Channel } from '../store/channels-repository.js';
import type { ChannelRef } from '../channels/channel-driver.js';
import { atClockTime } from '../channels/clock-timer.js';
import { NO_LINK_STATE, type LiveLinkState } from '../channels/link-attempt.js';
import { LinkWindow, type LinkWindowOptions } from '../channels/link-window.js';

/** What a surface asks of a channel's link window or its holder (carried to the node holding it). */
export type LinkCommand =
  | { kind: 'watch'; viewer: string; retry: boolean }
  | { kind: 'unwatch'; viewer: string }
  | { kind: 'reset' }
  | { kind: 'mode' }
  | { kind: 'pairing_phone' }
  /** The channel is being deleted: the holder logs its device out and closes its session. */
  | { kind: 'delete' };

/** Where a channel's link window runs when it is not here (the cluster node). */
export interface LinkCoordinator {
  /** The node holding the channel when it is another one (undefined: none, or this one). */
  holderElsewhere(channelId: string): Promise<string | undefined>;
  /**
   * Has `node` run the command; resolves once it did, rejects with its error, or with `not_ready`
   * when it did not answer in time (it may still be under way).
   */
  forward(channel: ChannelRef, node: string, command: LinkCommand): Promise<void>;
  /** The link state the node running the channel's window last relayed, if any. */
  relayedState(channelId: string): LiveLinkState | undefined;
}

export interface ClusterLinkWindowOptions extends LinkWindowOptions {
  readonly coordinator: LinkCoordinator;
  /**
   * How long a reset or delete of a linked channel that no node holds waits for the next holder
   * before answering "changing hands" (default 5 s: a handoff's release and the next claim are a
   * lease round or two apart).
   */
  readonly takeoverWaitMs?: number;
}

/** How often a reset or delete waiting for a channel's next holder looks again. */
const TAKEOVER_POLL_MS = 250;

export class ClusterLinkWindow extends LinkWindow {
  constructor(private readonly c: ClusterLinkWindowOptions) {
    super(c);
  }

  /** This node's attempt, else what the node linking the channel relayed. */
  override linkState(channelId: string): LiveLinkState {
    return this.localLinkState(channelId) ?? this.c.coordinator.relayedState(channelId) ?? NO_LINK_STATE;
  }

  override async watch(channel: Channel, viewer = 'api', options: { retry?: boolean } = {}): Promise<void> {
    if (hasLinkedDevice(channel.status)) return;
    const command: LinkCommand = { kind: 'watch', viewer, retry: options.retry ?? false };
    if (await this.sentToHolder(channel, command)) return;
    try {
      await super.watch(channel, viewer, options);
    } catch (err) {
      // Another node claimed the channel between the look-up and the claim: it links, we forward.
      if (!isAppError(err, 'conflict') || !(await this.sentToHolder(channel, command))) throw err;
    }
  }

  override async unwatch(channel: Channel, viewer = 'api'): Promise<void> {
    if (!(await this.sentToHolder(channel, { kind: 'unwatch', viewer })))
      await super.unwatch(channel, viewer);
  }

  /** Several nodes: the holder logs its session out (a wipe here would pull its credentials away). */
  override async reset(channel: Channel): Promise<void> {
    if (!(await this.sentToHolderOnceHeld(channel, { kind: 'reset' }))) await super.reset(channel);
  }

  override async modeChanged(channel: Channel): Promise<void> {
    if (!(await this.sentToHolder(channel, { kind: 'mode' }))) await super.modeChanged(channel);
  }

  override async pairingPhoneChanged(channel: Channel): Promise<void> {
    if (!(await this.sentToHolder(channel, { kind: 'pairing_phone' })))
      await super.pairingPhoneChanged(channel);
  }

  /** The holder logs the device out and closes its session; the deletion is written after it did. */
  override async deleted(channel: Channel): Promise<void> {
    if (!(await this.sentToHolderOnceHeld(channel, { kind: 'delete' }))) await super.deleted(channel);
  }

  /**
   * A command another node forwarded here (it read this node as the holder). Looked at again as if
   * asked here: if the lease moved on meanwhile it goes on to the new holder rather than running
   * beside it (a reset here would wipe the credentials under the holder's feet).
   */
  run(channel: Channel, command: LinkCommand): Promise<void> {
    switch (command.kind) {
      case 'watch':
        return this.watch(channel, command.viewer, { retry: command.retry });
      case 'unwatch':
        return this.unwatch(channel, command.viewer);
      case 'reset':
        return this.reset(channel);
      case 'mode':
        return this.modeChanged(channel);
      case 'pairing_phone':
        return this.pairingPhoneChanged(channel);
      case 'delete':
        return this.deleted(channel);
    }
  }

  /**
   * Reset and delete log the device out of the phone, which only the session holding it can do. A
   * linked channel that no node holds right now (between a handoff's release and the next holder's
   * claim, or after its holder died) is asked again as the next holder takes it over, for up to
   * `takeoverWaitMs`; then the answer is "changing hands, try again" and nothing is wiped. Wiped
   * here, the phone would list the device for good with nobody left to log it out (the support
   * console's Reset, sent during a handoff, did exactly that). False: it runs here (this node links
   * or holds the channel, or the channel has no device to log out).
   */
  private async sentToHolderOnceHeld(channel: Channel, command: LinkCommand): Promise<boolean> {
    const giveUpAt = this.c.clock.now().getTime() + (this.c.takeoverWaitMs ?? 5_000);
    for (;;) {
      if (await this.sentToHolder(channel, command)) return true;
      if (this.runsHere(channel.id)) return false;
      // 'pairing': just linked, its credentials stored; placed like a linked channel.
      if (!hasLinkedDevice(channel.status) && channel.status !== 'pairing') return false;
      const now = this.c.clock.now().getTime();
      if (now >= giveUpAt) throw changingHands(channel.id);
      await new Promise<void>((resolve) =>
        atClockTime(this.c.clock, Math.min(giveUpAt, now + TAKEOVER_POLL_MS), resolve),
      );
    }
  }

  /** This node links the channel or holds its session: its commands run here. */
  private runsHere(channelId: string): boolean {
    return this.isLinking(channelId) || this.c.host.holds(channelId);
  }

  /**
   * No attempt and no session here, and another node holds the channel: it runs the command and
   * true is returned once it did; false: it runs here. A watch or unwatch the holder did not answer
   * in time is let go (the viewer's next heartbeat asks again); anything else says so.
   */
  private async sentToHolder(channel: Channel, command: LinkCommand): Promise<boolean> {
    if (this.runsHere(channel.id)) return false;
    const holder = await this.c.coordinator.holderElsewhere(channel.id);
    if (holder === undefined) return false;
    try {
      await this.c.coordinator.forward(
        { tenantId: channel.tenantId, channelId: channel.id },
        holder,
        command,
      );
    } catch (err) {
      const viewing = command.kind === 'watch' || command.kind === 'unwatch';
      if (!(viewing && isAppError(err, 'not_ready'))) throw err;
      this.c.logger.warn(
        { channelId: channel.id, holder, command: command.kind },
        'holder did not answer in time',
      );
    }
    return true;
  }
}

/** A linked channel no node holds right now: its next holder is being chosen. */
export function changingHands(channelId: string): AppError {
  return new AppError(
    'not_ready',
    'This channel is changing hands: the gateway node that held it let it go or stopped, and another takes it over within seconds. Try again in a few seconds; the device is then logged out of the phone as well.',
    { details: { channelId, heldBy: null } },
  );
}

/** The error a forwarded command ends with when its node did not answer in time. */
export function notConfirmed(channelId: string, node: string, command: LinkCommand): AppError {
  return new AppError(
    'not_ready',
    'The gateway node holding this channel has not confirmed this yet; it may still be under way. Look again in a moment.',
    { details: { channelId, heldBy: node, command: command.kind } },
  );
}
