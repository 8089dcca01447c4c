import { Hono } from 'hono';
import type { WebhookDeliveryWithAttempts } from '../webhooks/webhook-deliveries-repository.js';
import type { WebhookEndpoint } from '../webhooks/webhook-endpoints-repository.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import { requireBusinessKey, type ApiEnv } from './auth.js';
import { jsonBody, validationError } from './http-errors.js';
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
export function webhookRoutes(ctx: WebhookRoutesContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/webhooks', requireBusiness);
  app.use('/webhooks/*', requireBusiness);

  app.post('/webhooks', async (c) => {
    const body = await jsonBody(c, webhookSchemas.createWebhook);
    const { endpoint, secret } = await ctx.webhooks.create(c.get('tenantId'), body);
    return c.json({ ...endpointView(endpoint), secret }, 201);
  });
  app.get('/webhooks', async (c) => c.json((await ctx.webhooks.list(c.get('tenantId'))).map(endpointView)));
  app.post('/webhooks/deliveries/:deliveryId/replay', async (c) =>
    c.json(deliveryView(await ctx.webhooks.replay(c.get('tenantId'), c.req.param('deliveryId')))),
  );
  app.get('/webhooks/:id', async (c) =>
    c.json(endpointView(await ctx.webhooks.get(c.get('tenantId'), c.req.param('id')))),
  );
  app.patch('/webhooks/:id', async (c) => {
    const body = await jsonBody(c, webhookSchemas.updateWebhook);
    return c.json(endpointView(await ctx.webhooks.update(c.get('tenantId'), c.req.param('id'), body)));
  });
  app.delete('/webhooks/:id', async (c) => {
    await ctx.webhooks.remove(c.get('tenantId'), c.req.param('id'));
    return c.body(null, 204);
  });
  app.post('/webhooks/:id/rotate-secret', async (c) => {
    const { endpoint, secret } = await ctx.webhooks.rotateSecret(c.get('tenantId'), c.req.param('id'));
    return c.json({ ...endpointView(endpoint), secret });
  });
  app.get('/webhooks/:id/deliveries', async (c) => {
    const query = webhookSchemas.deliveriesQuery.safeParse(c.req.query());
    if (!query.success) throw validationError(query.error);
    const deliveries = await ctx.webhooks.deliveries(c.get('tenantId'), c.req.param('id'), query.data);
    return c.json(deliveries.map(deliveryView));
  });
  app.post('/webhooks/:id/test', async (c) =>
    c.json(await ctx.webhooks.sendTest(c.get('tenantId'), c.req.param('id')), 202),
  );
  return app;
}
