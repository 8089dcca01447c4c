import type { Hono } from 'hono';
import { z } from 'zod';
import type { WebhookDeliveryWithAttempts } from '../webhooks/webhook-deliveries-repository.js';
import type { WebhookEndpoint } from '../webhooks/webhook-endpoints-repository.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import { requireBusinessKey, type ApiEnv } from './auth.js';
import { auth, conflict, invalid, json, missing, noContent } from './contract-responses.js';
import { jsonBody, validationError } from './http-errors.js';
import { ContractRouter, pathValue } from './route-contract.js';
import { webhookSchemas } from './schemas.js';

/** What the webhook routes call. */
export interface WebhookRoutesContext {
  readonly webhooks: WebhookService;
}

const endpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  events: e.events ? [...e.events] : null,
  enabled: e.enabled,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

const deliveryView = (d: WebhookDeliveryWithAttempts) => ({
  id: d.id,
  endpointId: d.endpointId,
  eventType: d.eventType,
  payload: d.payload,
  occurredAt: d.occurredAt.toISOString(),
  status: d.status,
  attemptCount: d.attempts,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  attempts: d.attemptLog.map((a) => ({
    at: a.at.toISOString(),
    statusCode: a.statusCode,
    durationMs: a.durationMs,
    error: a.error,
  })),
});

/** A business's own key only; fails closed if mounted where the API-key middleware did not run. */
const requireBusiness = requireBusinessKey('Webhooks are managed with a business API key.');

/**
 * /webhooks: endpoints, secrets, the delivery log, replay and test events. Mount under /v1 after
 * the API-key middleware; every call is scoped to the key's business (another's ids are 404).
 */
export function webhookRouter(ctx: WebhookRoutesContext): ContractRouter<ApiEnv> {
  const r = new ContractRouter<ApiEnv>();
  // '/webhooks/*' matches '/webhooks' itself too (one registration, one check per request).
  r.app.use('/webhooks/*', requireBusiness);
  const endpoint = json('The endpoint', webhookSchemas.endpoint);
  const id = (c: Parameters<typeof pathValue>[0]) => pathValue(c, 'webhookId');

  r.route(
    {
      method: 'post',
      path: '/webhooks',
      summary: 'Add a webhook endpoint; its signing secret is shown once',
      description:
        'Deliveries are POSTed as JSON `{type, timestamp, data}` with the Standard Webhooks headers ' +
        '`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of ' +
        '`id.timestamp.body` keyed with the bytes after `whsec_`). A 2xx answer within 10 s is a ' +
        'delivery; anything else is retried with backoff for 24 h, then the delivery is dead (replayable). ' +
        'Reject replays: verify the signature over the raw body, refuse a `webhook-timestamp` more than ' +
        '5 minutes from your clock (each attempt is signed anew, so genuine retries pass), and ' +
        'de-duplicate by `webhook-id` (the same on every retry and replay of a delivery; keep the ids ' +
        'at least 24 h). Event data: `message.status` {messageId, channelId, to, status, reason?, ' +
        'failureDetail? (as on the message), errorCode?, metadata}; ' +
        '`message.inbound` {inboundId, channelId, from, text, ' +
        'inReplyToMessageId}; `channel.status` {channelId, status, cause, statusSince, phone, paused, ' +
        'pausedCause, restrictedUntil, restrictedBy}, sent on every status change and pause or resume; ' +
        '`webhook.test` {endpointId, message}. The URL must reach a public address (private, loopback, ' +
        'link-local and reserved ones are refused, 400 naming `url`, unless the operator allows them).',
      request: { body: webhookSchemas.createWebhook },
      responses: {
        201: json('The endpoint and its secret', webhookSchemas.endpointWithSecret),
        ...conflict('The business already has the most endpoints allowed (20)'),
        ...invalid,
        ...auth,
      },
    },
    async (c) => {
      const body = await jsonBody(c, webhookSchemas.createWebhook);
      const { endpoint: created, secret } = await ctx.webhooks.create(c.get('tenantId'), body);
      return c.json({ ...endpointView(created), secret }, 201);
    },
  );
  r.route(
    {
      method: 'get',
      path: '/webhooks',
      summary: 'Webhook endpoints of this business',
      responses: { 200: json('Endpoints', z.array(webhookSchemas.endpoint)), ...auth },
    },
    async (c) => c.json((await ctx.webhooks.list(c.get('tenantId'))).map(endpointView)),
  );
  r.route(
    {
      method: 'post',
      path: '/webhooks/deliveries/{deliveryId}/replay',
      summary: 'Send a dead or delivered delivery again, now (same webhook-id)',
      responses: {
        200: json('The delivery, pending again', webhookSchemas.delivery),
        ...conflict('Still pending: it is retried automatically'),
        ...missing,
      },
    },
    async (c) =>
      c.json(deliveryView(await ctx.webhooks.replay(c.get('tenantId'), pathValue(c, 'deliveryId')))),
  );
  r.route(
    {
      method: 'get',
      path: '/webhooks/{webhookId}',
      summary: 'A webhook endpoint',
      responses: { 200: endpoint, ...missing },
    },
    async (c) => c.json(endpointView(await ctx.webhooks.get(c.get('tenantId'), id(c)))),
  );
  r.route(
    {
      method: 'patch',
      path: '/webhooks/{webhookId}',
      summary: 'Change the URL, the event filter, or enable/disable',
      request: { body: webhookSchemas.updateWebhook },
      responses: { 200: endpoint, ...invalid, ...missing },
    },
    async (c) => {
      const body = await jsonBody(c, webhookSchemas.updateWebhook);
      return c.json(endpointView(await ctx.webhooks.update(c.get('tenantId'), id(c), body)));
    },
  );
  r.route(
    {
      method: 'delete',
      path: '/webhooks/{webhookId}',
      summary: 'Remove the endpoint and its delivery log',
      responses: { 204: noContent('Removed'), ...missing },
    },
    async (c) => {
      await ctx.webhooks.remove(c.get('tenantId'), id(c));
      return c.body(null, 204);
    },
  );
  r.route(
    {
      method: 'post',
      path: '/webhooks/{webhookId}/rotate-secret',
      summary: 'A new signing secret (shown once); the old one also signs for 24 h',
      responses: {
        200: json('The endpoint and its new secret', webhookSchemas.endpointWithSecret),
        ...missing,
      },
    },
    async (c) => {
      const { endpoint: rotated, secret } = await ctx.webhooks.rotateSecret(c.get('tenantId'), id(c));
      return c.json({ ...endpointView(rotated), secret });
    },
  );
  r.route(
    {
      method: 'get',
      path: '/webhooks/{webhookId}/deliveries',
      summary: 'The delivery log, newest first, with every attempt',
      request: { query: webhookSchemas.deliveriesQuery },
      responses: { 200: json('Deliveries', z.array(webhookSchemas.delivery)), ...invalid, ...missing },
    },
    async (c) => {
      const query = webhookSchemas.deliveriesQuery.safeParse(c.req.query());
      if (!query.success) throw validationError(query.error);
      const deliveries = await ctx.webhooks.deliveries(c.get('tenantId'), id(c), query.data);
      return c.json(deliveries.map(deliveryView));
    },
  );
  r.route(
    {
      method: 'post',
      path: '/webhooks/{webhookId}/test',
      summary: 'Queue a webhook.test event for this endpoint',
      responses: {
        202: json('Queued', webhookSchemas.testQueued),
        ...conflict('The endpoint is disabled'),
        ...missing,
      },
    },
    async (c) => c.json(await ctx.webhooks.sendTest(c.get('tenantId'), id(c)), 202),
  );
  return r;
}

/** The webhook routes as a Hono app (app.ts mounts it under /v1). */
export const webhookRoutes = (ctx: WebhookRoutesContext): Hono<ApiEnv> => webhookRouter(ctx).app;
