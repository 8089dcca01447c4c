import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Integrations } from '../integrations/integration.js';
import { metricsTokenMatches, type Metrics } from '../metrics.js';
import type { Queryable } from '../store/database.js';
import { apiRoutes } from './api-routes.js';
import { browserRoutes } from './browser-routes.js';
import { clientContext } from './client-address.js';
import { docsRoutes } from './docs-routes.js';
import type { GatewayContext } from './gateway-context.js';
import { errorResponder } from './http-errors.js';
import { messageRoutes, type MessageRoutesContext } from './message-routes.js';
import { openApiDocument } from './openapi.js';
import { bodyLimits, urlGuard } from './request-guards.js';
import { webhookRoutes, type WebhookRoutesContext } from './webhook-routes.js';

/** What the edge needs from the built gateway: services to route to, never the loops that run them. */
export interface EdgeOptions {
  readonly config: Pick<Config, 'trustedProxies' | 'secureCookies' | 'bodyLimits' | 'metricsToken'>;
  readonly logger: Logger;
  readonly db: Queryable;
  readonly ctx: GatewayContext & MessageRoutesContext;
  readonly webhooks: WebhookRoutesContext['webhooks'];
  readonly integrations: Integrations;
  readonly metrics: Metrics;
  /** Live session counts, read on each scrape. */
  readonly sessions: {
    sessionCounts(): Iterable<[string, number]>;
    newChatCapCounts(): Iterable<[string, number]>;
  };
  /** The session threads' own figures, read on each scrape (absent: sessions in the main thread). */
  readonly sessionThreads?:
    | {
        stats(): Promise<
          ReadonlyArray<{ thread: number; sessions: number; heapUsedBytes: number; loopDelayP99Ms: number }>
        >;
      }
    | undefined;
  /** Several nodes: whether this node takes traffic (absent on one node: always). */
  readonly cluster?: { readiness(): { ready: true } | { ready: false; reason: string } } | undefined;
}

/**
 * The HTTP edge: guards every request passes, health and readiness, the generated OpenAPI document
 * and its docs, /metrics, the route files by audience (API, messages, webhooks, browsers) and each
 * integration's public routes. Builds the routing only; serving it is the gateway's `start`.
 */
export function gatewayEdge(o: EdgeOptions): Hono {
  const { config, logger, db, ctx, integrations, metrics, sessions, sessionThreads, cluster } = o;
  const app = new Hono();
  app.onError(errorResponder(logger));
  app.use('*', clientContext({ trustedProxies: config.trustedProxies, secureCookies: config.secureCookies }));
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `No route ${c.req.method} ${c.req.path}` } }, 404),
  );
  // Before any route reads anything: bodies are bounded, paths and queries hold no NUL.
  app.use('*', bodyLimits(config.bodyLimits), urlGuard());
  // Liveness (no database: a database outage must not get the process restarted) and readiness.
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    await db.query('select 1');
    // Several nodes: a node that drains or cannot renew its leases takes no new traffic.
    const readiness = cluster?.readiness();
    if (readiness && !readiness.ready) {
      c.header('retry-after', '5');
      return c.json(
        { error: { code: 'not_ready', message: `This node is not ready: ${readiness.reason}.` } },
        503,
      );
    }
    return c.json({ ok: true, database: 'ok' });
  });
  // The core's document, and each integration's API beside it (the route files mount them per gateway).
  app.get('/openapi.json', (c) => {
    const document = openApiDocument(ctx.baseUrl());
    return c.json({ ...document, paths: { ...(document.paths as object), ...integrations.openApiPaths() } });
  });
  app.route('/docs', docsRoutes());
  app.get('/metrics', async (c) => {
    if (config.metricsToken && !metricsTokenMatches(c.req.header('authorization'), config.metricsToken)) {
      return c.json(
        { error: { code: 'unauthorized', message: 'Send the metrics token as a Bearer token.' } },
        401,
      );
    }
    metrics.sessions.reset();
    for (const [status, count] of sessions.sessionCounts()) metrics.sessions.set({ status }, count);
    metrics.newChatCapChannels.reset();
    for (const [state, count] of sessions.newChatCapCounts())
      metrics.newChatCapChannels.set({ state }, count);
    for (const t of (await sessionThreads?.stats()) ?? []) {
      const thread = String(t.thread);
      metrics.sessionThreadSessions.set({ thread }, t.sessions);
      metrics.sessionThreadHeapUsed.set({ thread }, t.heapUsedBytes);
      metrics.sessionThreadLoopDelayP99.set({ thread }, t.loopDelayP99Ms / 1000);
    }
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });
  app.route('/v1', apiRoutes(ctx));
  app.route('/v1', messageRoutes(ctx));
  app.route('/v1', webhookRoutes({ webhooks: o.webhooks }));
  // Each integration's public routes (what its CRM calls or opens) at /<name>.
  for (const integration of integrations.all())
    if (integration.publicRoutes) app.route(`/${integration.name}`, integration.publicRoutes);
  app.route('/', browserRoutes(ctx));
  return app;
}
