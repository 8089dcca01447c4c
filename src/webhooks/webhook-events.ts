/** Event types a business can subscribe an endpoint to. */
export const WEBHOOK_EVENT_TYPES = ['message.status', 'message.inbound', 'channel.status'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only to the endpoint it was asked for (`POST /v1/webhooks/:id/test`), whatever its filter. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
export type DeliveredEventType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

/** A change the business should hear about, written to the outbox with the change itself. */
export interface WebhookEvent {
  readonly tenantId: string;
  readonly type: WebhookEventType;
  /** The event's own fields (JSON-serialisable), e.g. `{ messageId, status, reason }`. */
  readonly data: Record<string, unknown>;
  readonly occurredAt: Date;
}

/** The JSON body POSTed to the endpoint, the envelope the Standard Webhooks spec recommends. */
export function webhookBody(type: string, occurredAt: Date, data: unknown): string {
  return JSON.stringify({ type, timestamp: occurredAt.toISOString(), data });
}
