/**
 * The parts of the gateway webhooks touch, wired as app.ts wires them: the /v1 webhook routes
 * behind the real API-key middleware, the outbox, the dispatcher with its real HTTP transport, over
 * an embedded database (on disk when `dataDir` is given, to stand for a restart; else in memory).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import { apiRoutes } from '../../src/http/api-routes.js';
import type { GatewayContext } from '../../src/http/gateway-context.js';
import { errorResponder } from '../../src/http/http-errors.js';
import { webhookRoutes } from '../../src/http/webhook-routes.js';
import { AccessRepository } from '../../src/store/access-repository.js';
import { ChannelsRepository } from '../../src/store/channels-repository.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';
import { QrLinksRepository } from '../../src/store/qr-links-repository.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { TenantService } from '../../src/tenants/tenant-service.js';
import type { RetryPolicy } from '../../src/webhooks/retry-schedule.js';
import type { WebhookDestinationPolicy } from '../../src/webhooks/webhook-destinations.js';
import { createWebhooks, type Webhooks } from '../../src/webhooks/webhooks.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface WebhookStackOptions {
  readonly dataDir?: string;
  readonly masterKey: Buffer;
  readonly destinations: WebhookDestinationPolicy;
  readonly retry: RetryPolicy;
}

export interface WebhookStack {
  readonly db: Database;
  readonly tenants: TenantService;
  readonly webhooks: Webhooks;
  /** A JSON call with a Bearer key (none: unauthenticated); an empty answer is `json: undefined`. */
  api(
    method: string,
    path: string,
    key: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

export async function startWebhookStack(o: WebhookStackOptions): Promise<WebhookStack> {
  const db = await openDatabase(o.dataDir ? { dataDir: o.dataDir } : {});
  await migrate(db);
  const secrets = new SecretBox(o.masterKey);
  const tenants = new TenantService({
    db,
    tenants: new TenantsRepository(db),
    channels: new ChannelsRepository(db),
    access: new AccessRepository(db),
    qrLinks: new QrLinksRepository(db, secrets),
    qrLinkTtlMs: 3_600_000,
    panelLoginTtlMs: 3_600_000,
    panelSessionTtlMs: 3_600_000,
  });
  const webhooks = createWebhooks({
    db,
    secrets,
    logger,
    retry: o.retry,
    destinations: o.destinations,
    dispatcher: { pollIntervalMs: 20, timeoutMs: 2_000 },
  });
  // Only the API-key middleware of apiRoutes runs on /v1/webhooks; channel services are not needed.
  const ctx = { tenants, logger, supportUrl: '', baseUrl: () => '' } as unknown as GatewayContext;
  const app = new Hono();
  app.onError(errorResponder(logger));
  app.route('/v1', apiRoutes(ctx));
  app.route('/v1', webhookRoutes({ webhooks: webhooks.service }));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s)) as Server;
  });
  webhooks.dispatcher.start();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    db,
    tenants,
    webhooks,
    async api(method, path, key, body) {
      const response = await fetch(url + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      await webhooks.dispatcher.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
