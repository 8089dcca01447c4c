import type { Channel, WriteFence } from '../store/channels-repository.js';

/**
 * A lease-based placement makes one WriteFence per lease: `token` is the lease's fence (it only
 * grows), `stillHeld` checks, inside the status write's transaction, that the lease row still
 * carries it, e.g. `select 1 from channel_leases where channel_id = $1 and fence = $2 and
 * expires_at > now()`. The repository then writes nothing for a node that lost the channel.
 */
export type { WriteFence };

/** A channel this process should hold, and the fence its writes carry (none on a single node). */
export interface PlacedChannel {
  readonly channel: Channel;
  readonly fence?: WriteFence;
}

/**
 * THE SEAM for "which channels does this process hold". At start the session host asks it which of
 * the linked channels to restore; everything else it holds later comes through
 * `SessionHost.acquire` / `release` (a lease loop calls them as leases are won, renewed or lost).
 */
export interface ChannelPlacement {
  /** Of these linked channels, the ones this process should open now, in the order to open them. */
  place(linked: readonly Channel[]): Promise<PlacedChannel[]>;
  /**
   * Several nodes: before this process links a channel, it takes the channel's lease (the device it
   * links is then held here and nowhere else); 'elsewhere' when another node holds it. Absent on one node.
   */
  claimForLinking?(channelId: string): Promise<WriteFence | 'elsewhere'>;
}

/** One gateway process: it holds every linked channel, unfenced. */
export const everyLinkedChannel: ChannelPlacement = {
  place: async (linked) => linked.map((channel) => ({ channel })),
};
