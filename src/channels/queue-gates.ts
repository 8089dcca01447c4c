import type { Clock } from '../clock.js';
import type { RestrictionCause } from '../domain/channel-status.js';
import { AppError } from '../domain/errors.js';
import type { Channel, ChannelsRepository, PausedCause } from '../store/channels-repository.js';
import type { ChannelChanges } from './channel-changes.js';
import type { ChannelRef } from './channel-driver.js';

/** What holds a channel's queue back now. */
export interface GateState {
  /** Paused by the business, or because the phone removed the device: nothing is sent. */
  readonly paused: PausedCause | undefined;
  /** No messages to new contacts until `until`, because of `by` (undefined: it may write to anyone). */
  readonly restriction: { readonly until: Date; readonly by: RestrictionCause } | undefined;
}

export interface QueueGatesOptions {
  readonly channels: ChannelsRepository;
  readonly changes: ChannelChanges;
  readonly clock: Clock;
}

/**
 * The queue's pause and restriction, kept as stored rows in the channels table and read back as the
 * truth before each message (any node, after any restart, reads the same): no process memory says
 * whether a channel may send. The session host writes a restriction with the status it causes.
 */
export class QueueGates {
  private resumed: ((channel: ChannelRef) => void) | undefined;

  constructor(private readonly o: QueueGatesOptions) {}

  /** Who hears that a queue was resumed (the sender wakes the channel's worker); set by the wiring. */
  onResumed(listener: (channel: ChannelRef) => void): void {
    this.resumed = listener;
  }

  /** The channel's gates as stored; a restriction whose end has passed (on the clock) is none. */
  async read(channelId: string): Promise<GateState> {
    const stored = await this.o.channels.gates(channelId);
    const until = stored?.restrictedUntil;
    return {
      paused: stored?.pausedCause ?? undefined,
      restriction:
        until && until.getTime() > this.o.clock.now().getTime()
          ? { until, by: stored.restrictedBy ?? 'reach_out_timelock' }
          : undefined,
    };
  }

  /** Pauses or resumes a channel's queue; the sender stops before its next message, or starts again. */
  async setPaused(channel: Channel, paused: boolean): Promise<Channel> {
    const updated = await this.o.channels.setPaused(
      channel.tenantId,
      channel.id,
      paused ? 'manual' : null,
      this.o.clock.now(),
    );
    if (!updated) throw new AppError('not_found', 'No such channel.', { details: { channelId: channel.id } });
    const ref = { tenantId: channel.tenantId, channelId: channel.id };
    this.o.changes.publish(ref);
    if (!paused) this.resumed?.(ref);
    return updated;
  }

  /** Tells the sender a queue was resumed by something other than `setPaused` (a new link). */
  announceResumed(channel: ChannelRef): void {
    this.resumed?.(channel);
  }
}
