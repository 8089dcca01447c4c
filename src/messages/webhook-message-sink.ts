import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import type { WebhookEvent } from '../webhooks/webhook-events.js';
import type { MessageEventSink, MessageStatusChange } from './message-event-sink.js';

/** Turns message status changes and inbound replies into webhook events, in the same transaction. */
export function webhookMessageSink(outbox: WebhookOutbox): MessageEventSink {
  const toWebhookEvent = (event: MessageStatusChange): WebhookEvent => ({
    tenantId: event.tenantId,
    type: 'message.status',
    data: {
      messageId: event.messageId,
      channelId: event.channelId,
      to: `+${event.toPhone}`,
      status: event.status,
      ...(event.reason ? { reason: event.reason } : {}),
      ...(event.failureDetail ? { failureDetail: event.failureDetail } : {}),
      ...(event.errorCode ? { errorCode: event.errorCode } : {}),
      metadata: event.metadata,
    },
    occurredAt: event.at,
  });
  return {
    async record(tx, event) {
      await outbox.enqueue(tx, toWebhookEvent(event));
    },
    async recordMany(tx, events) {
      await outbox.enqueueMany(tx, events.map(toWebhookEvent));
    },
    async recordInbound(tx, reply) {
      await outbox.enqueue(tx, {
        tenantId: reply.tenantId,
        type: 'message.inbound',
        data: {
          inboundId: reply.inboundId,
          channelId: reply.channelId,
          from: `+${reply.fromPhone}`,
          text: reply.text,
          inReplyToMessageId: reply.inReplyToMessageId,
        },
        occurredAt: reply.receivedAt,
      });
    },
  };
}
