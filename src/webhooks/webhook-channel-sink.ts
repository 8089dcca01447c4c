import type { ChannelStatusChange, ChannelStatusSink } from '../store/channels-repository.js';
import type { WebhookEvent } from './webhook-events.js';
import type { WebhookOutbox } from './webhook-outbox.js';

/** The `data` of a `channel.status` webhook: the channel as it is now (documented in openapi.ts). */
export function channelStatusData(change: ChannelStatusChange): Record<string, unknown> {
  const { channel } = change;
  return {
    channelId: channel.id,
    status: channel.status,
    cause: channel.statusCause,
    statusSince: channel.statusChangedAt.toISOString(),
    phone: channel.phone ? `+${channel.phone}` : null,
    paused: channel.paused,
    pausedCause: channel.pausedCause,
    restrictedUntil: channel.restrictedUntil?.toISOString() ?? null,
    // What the restriction is: the reach-out timelock or the monthly new-chat cap (stored with it).
    restrictedBy: channel.restrictedUntil ? (channel.restrictedBy ?? 'reach_out_timelock') : null,
  };
}

/**
 * Turns channel status and pause changes into `channel.status` webhooks, in the transaction that
 * writes them: a business hears when its number is linked, reconnecting, restricted, removed,
 * replaced, reset, paused, resumed or deleted.
 */
export function webhookChannelStatusSink(outbox: WebhookOutbox): ChannelStatusSink {
  return {
    async record(tx, changes) {
      const events: WebhookEvent[] = changes.map((change) => ({
        tenantId: change.channel.tenantId,
        type: 'channel.status',
        data: channelStatusData(change),
        occurredAt: change.at,
      }));
      await outbox.enqueueMany(tx, events);
    },
  };
}
