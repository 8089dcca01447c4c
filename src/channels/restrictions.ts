import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ChannelStatus, RestrictionCause, StatusCause } from '../domain/channel-status.js';
import type { ChannelsRepository, LinkedDeviceFacts } from '../store/channels-repository.js';
import type { ChannelChanges } from './channel-changes.js';
import type { ChannelRef, NewContactQuota } from './channel-driver.js';
import { atClockTime } from './clock-timer.js';
import type { QueueGates } from './queue-gates.js';
import type { HostedChannel } from './session-host.js';

/** What the restrictions need of the session host: its channels and their ordered status writes. */
export interface RestrictionHost {
  /** Several nodes: restriction and new-chat-cap writes about a channel come only from its holder. */
  readonly fenced: boolean;
  hostedChannel(channelId: string): HostedChannel | undefined;
  isCurrent(hosted: HostedChannel): boolean;
  record(
    hosted: HostedChannel,
    status: ChannelStatus,
    cause: StatusCause,
    facts?: LinkedDeviceFacts,
    force?: boolean,
  ): Promise<unknown>;
}

export interface RestrictionsOptions {
  readonly host: RestrictionHost;
  readonly channels: ChannelsRepository;
  readonly gates: QueueGates;
  readonly changes: ChannelChanges;
  readonly clock: Clock;
  readonly logger: Logger;
  /** After a 463 (reach-out timelock) with no end said, how long new contacts wait (default 24 h). */
  readonly restrictionMs?: number;
}

/**
 * A channel's restriction (no new contacts: WhatsApp's reach-out timelock or its new-chat cap) as a
 * stored row and the status it causes: written with its cause, read back before every change (one
 * change at a time per channel), and ended on the clock.
 */
export class Restrictions {
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(private readonly o: RestrictionsOptions) {}

  /** The network's word on the new-chat cap: stored, then at the cap first contacts wait. */
  async quota(ref: ChannelRef, quota: NewContactQuota): Promise<void> {
    const now = this.o.clock.now();
    const hosted = this.o.host.hostedChannel(ref.channelId);
    if (!hosted && this.o.host.fenced) return; // several nodes: not held here, not ours to write
    const written = await this.o.channels.setNewChatCap(
      ref.tenantId,
      ref.channelId,
      { ...quota, updatedAt: now },
      hosted?.fence,
    );
    if (!written) return; // the lease moved: the new holder hears WhatsApp's word itself
    this.o.changes.publish(ref);
    if (quota.state === 'capped')
      await this.restrict(
        ref,
        quota.resetsAt?.getTime() ?? now.getTime() + 24 * 3_600_000,
        'new_chats_capped',
      );
    else await this.lift(ref, 'new_chats_capped');
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
      const hosted = this.o.host.hostedChannel(ref.channelId);
      if (!hosted) {
        // Several nodes: a channel not held here is not this node's to restrict (its holder hears it).
        if (!this.o.host.fenced)
          await this.o.channels.setRestrictedUntil(ref.tenantId, ref.channelId, new Date(until), cause);
        return;
      }
      await this.o.host.record(
        hosted,
        'restricted',
        cause,
        { restrictedUntil: new Date(until), restrictedBy: cause },
        true,
      );
      this.armEnd(hosted, until);
      this.o.logger.warn(
        { channelId: ref.channelId, restrictedUntil: new Date(until).toISOString(), cause },
        'WhatsApp restricted new chats: no messages to new contacts until the restriction ends',
      );
    });
  }

  /** The network says the timelock (or the cap) is over: new contacts are written to again. */
  lift(ref: ChannelRef, cause: RestrictionCause): Promise<void> {
    return this.inTurn(ref.channelId, async () => {
      const hosted = this.o.host.hostedChannel(ref.channelId);
      const stored = await this.o.channels.gates(ref.channelId);
      if (!hosted || !stored?.restrictedUntil) return;
      // The end of one cause does not lift the other (an unknown cause is the timelock, as before).
      if ((stored.restrictedBy ?? 'reach_out_timelock') !== cause) return;
      await this.end(hosted);
    });
  }

  private async end(hosted: HostedChannel): Promise<void> {
    hosted.cancelRestrictionEnd?.();
    hosted.cancelRestrictionEnd = undefined;
    if (hosted.lastStatus === 'restricted')
      await this.o.host.record(hosted, 'connected', 'restriction_ended', {
        restrictedUntil: null,
        restrictedBy: null,
      });
    else
      await this.o.channels.setRestrictedUntil(hosted.tenantId, hosted.channelId, null, null, hosted.fence);
  }

  armEnd(hosted: HostedChannel, until: number): void {
    hosted.cancelRestrictionEnd?.();
    hosted.cancelRestrictionEnd = atClockTime(this.o.clock, until, () => {
      hosted.cancelRestrictionEnd = undefined;
      if (!this.o.host.isCurrent(hosted)) return;
      void this.inTurn(hosted.channelId, async () => {
        const running = (await this.o.gates.read(hosted.channelId)).restriction;
        if (running) this.armEnd(hosted, running.until.getTime());
        else await this.end(hosted);
      }).catch((err: unknown) =>
        this.o.logger.error({ err, channelId: hosted.channelId }, 'could not end the restriction'),
      );
    });
  }
}
