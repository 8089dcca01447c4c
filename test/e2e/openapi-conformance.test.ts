/**
 * The OpenAPI document against the running gateway: every documented operation is called (real
 * flows on the simulator: linking by QR and by code, a delivered notification, webhooks to a real
 * receiver), every answer's status must be documented and its JSON body must match the documented
 * schema with objects closed (an undocumented field fails), and coverage is checked both ways:
 * every documented status was seen, and every route the app registers is documented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { apiRoutes } from '../../src/http/api-routes.js';
import { altegioSettingsRoutes } from '../../src/integrations/altegio/http/altegio-settings-routes.js';
import { Integrations } from '../../src/integrations/integration.js';
import type { GatewayContext } from '../../src/http/gateway-context.js';
import { messageRoutes, type MessageRoutesContext } from '../../src/http/message-routes.js';
import { webhookRoutes, type WebhookRoutesContext } from '../../src/http/webhook-routes.js';
import { startFakeAltegio, type FakeAltegio } from '../support/fake-altegio.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { OpenApiConformance, pathShape } from '../support/openapi-conformance.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Answers only a gateway of several nodes gives (a command the holder runs, while the holder does
 * not confirm or nobody holds the channel): this single-node run cannot see them.
 * test/e2e/cluster-delete.test.ts checks DELETE's 409 against this same document.
 */
const SEVERAL_NODES_ONLY =
  /^(DELETE \/v1(\/tenants\/\{tenantId\})?\/channels\/\{channelId\}|PUT \/v1(\/tenants\/\{tenantId\})?\/channels\/\{channelId\}\/(pairing-phone|link-mode)|POST \/v1(\/tenants\/\{tenantId\})?\/channels\/\{channelId\}\/reset) 409$/;

const METRICS_TOKEN = 'metrics-token-for-the-openapi-test';
const ALTEGIO_PARTNER_TOKEN = 'partner-token-for-the-openapi-test';
const ALTEGIO_APPLICATION_ID = '5151';

interface CallOptions {
  key?: string | undefined;
  body?: unknown;
  /** Sent as-is (e.g. malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A receiver of webhooks: 200 on every path except those told to fail. */
async function startReceiver() {
  const failing = new Set<string>();
  let count = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      const status = failing.has(req.url ?? '') ? 503 : 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fail: (path: string) => failing.add(path),
    received: () => count,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every route the /v1 route files register, mounted as app.ts mounts them (ALTEGIO's settings API too). */
function registeredV1Routes(): string[] {
  const app = new Hono();
  const integrations = new Integrations().add({
    name: 'altegio',
    apiRoutes: () => altegioSettingsRoutes({} as Parameters<typeof altegioSettingsRoutes>[0]),
    start: async () => undefined,
    stop: async () => undefined,
  });
  app.route('/v1', apiRoutes({ integrations } as GatewayContext));
  app.route('/v1', messageRoutes({} as MessageRoutesContext));
  app.route('/v1', webhookRoutes({} as WebhookRoutesContext));
  return [
    ...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${pathShape(r.path)}`)),
  ];
}

describe('OpenAPI conformance', () => {
  let h: Harness;
  let oa: OpenApiConformance;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let fakeAltegio: FakeAltegio;
  let seq = 0;
  const nextPhone = () => `55119${String(Date.now() % 1_000_000).padStart(6, '0')}${++seq}`;
  let business: { tenant: { id: string }; channelId: string; apiKey: string };

  /** Calls the gateway and checks the answer against the document. */
  const call = async (method: string, path: string, options: CallOptions = {}) => {
    const json = options.body !== undefined || options.rawBody !== undefined;
    const response = await fetch(h.gateway.url + path, {
      method,
      headers: {
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        ...(json ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = Buffer.from(await response.arrayBuffer()).toString('latin1');
    let body: any = text;
    if (contentType.includes('application/json'))
      body = JSON.parse(Buffer.from(text, 'latin1').toString('utf8'));
    oa.check(method, path, { status: response.status, contentType, body });
    return { status: response.status, json: body, contentType };
  };
  /** A call that must answer `status`; with a 400, `field` is the field it must name. */
  const expect = async (
    status: number,
    method: string,
    path: string,
    options: CallOptions = {},
    field?: string,
  ) => {
    const r = await call(method, path, options);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.json).slice(0, 300)}`);
    if (field !== undefined) assert.equal(r.json.error.details.field, field, `${method} ${path}`);
    return r;
  };

  before(async () => {
    // ALTEGIO configured (against a fake), so its routes' answers are checked too.
    fakeAltegio = await startFakeAltegio({
      partnerToken: ALTEGIO_PARTNER_TOKEN,
      applicationId: ALTEGIO_APPLICATION_ID,
    });
    h = await startHarness({
      env: {
        METRICS_TOKEN,
        ALTEGIO_PARTNER_TOKEN,
        ALTEGIO_APPLICATION_ID,
        ALTEGIO_API_URL: fakeAltegio.url,
        ALTEGIO_USER_TOKEN: fakeAltegio.userToken,
      },
    });
    receiver = await startReceiver();
    oa = new OpenApiConformance(
      (await (await fetch(`${h.gateway.url}/openapi.json`)).json()) as Record<string, unknown>,
    );
  });
  after(async () => {
    await receiver?.stop();
    await h?.stop();
    await fakeAltegio?.stop();
  });

  test('health, metrics and the document itself', async () => {
    await expect(200, 'GET', '/health');
    await expect(200, 'GET', '/healthz');
    await expect(200, 'GET', '/readyz');
    await expect(200, 'GET', '/openapi.json');
    await expect(401, 'GET', '/metrics');
    const metrics = await expect(200, 'GET', '/metrics', { key: METRICS_TOKEN });
    assert.match(metrics.contentType, /^text\/plain/);
  });

  test('support: businesses', async () => {
    const created = await expect(201, 'POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'Studio Bela', timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
    });
    business = created.json;
    await expect(
      400,
      'POST',
      '/v1/tenants',
      { key: h.adminKey, body: { name: 'X', timeZone: 'UTC', language: 'fr' } },
      'language',
    );
    await expect(400, 'POST', '/v1/tenants', { key: h.adminKey, rawBody: '{nope' }, 'body');
    await expect(200, 'GET', '/v1/tenants', { key: h.adminKey });
    await expect(200, 'GET', `/v1/tenants/${business.tenant.id}`, { key: h.adminKey });
    await expect(201, 'POST', `/v1/tenants/${business.tenant.id}/panel-login-links`, { key: h.adminKey });
  });

  test('a business: itself, API keys, panel login links', async () => {
    const key = business.apiKey;
    await expect(200, 'GET', '/v1/tenant', { key });
    await expect(200, 'PATCH', '/v1/tenant', { key, body: { name: 'Studio Bela Centro' } });
    await expect(400, 'PATCH', '/v1/tenant', { key, body: { timeZone: 'Mars/Base' } }, 'timeZone');
    await expect(201, 'POST', '/v1/tenant/panel-login-links', { key });
    const issued = await expect(201, 'POST', '/v1/tenant/api-keys', { key, body: { label: 'crm' } });
    await expect(200, 'GET', '/v1/tenant', { key: issued.json.key });
    await expect(400, 'POST', '/v1/tenant/api-keys', { key, body: { label: 'x'.repeat(101) } }, 'label');
    await expect(200, 'GET', '/v1/api-keys', { key });
    const rotated = await expect(201, 'POST', '/v1/api-keys', { key, body: { label: 'rotation' } });
    await expect(400, 'POST', '/v1/api-keys', { key, body: { label: 7 } }, 'label');
    await expect(200, 'DELETE', `/v1/api-keys/${rotated.json.id}`, { key });
    await expect(404, 'DELETE', `/v1/api-keys/${rotated.json.id}`, { key });
  });

  test('a business at its channel limit', async () => {
    const created = await expect(201, 'POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'Full House', timeZone: 'UTC', language: 'en' },
    });
    const key = created.json.apiKey as string;
    let status = 201;
    for (let i = 0; i < 25 && status === 201; i++)
      status = (await call('POST', '/v1/channels', { key, body: {} })).status;
    assert.equal(status, 409);
    await expect(409, 'POST', `/v1/tenants/${created.json.tenant.id}/channels`, {
      key: h.adminKey,
      body: {},
    });
  });

  /** A fresh channel through QR display, code mode, a pairing code, and reset, at `base` with `key`. */
  const channelFlow = async (base: string, key: string) => {
    const support = `/v1/tenants/${business.tenant.id}/channels`;
    await expect(200, 'GET', base, { key });
    await expect(400, 'POST', base, { key, body: { name: '' } }, 'name');
    const id = (await expect(201, 'POST', base, { key, body: {} })).json.id as string;
    await expect(200, 'GET', `${base}/${id}`, { key });
    await expect(200, 'GET', `${base}/${id}/events`, { key });
    await expect(200, 'GET', `${base}/${id}/qr-page-link`, { key });
    await expect(200, 'POST', `${base}/${id}/watch`, { key });
    await expect(200, 'POST', `${base}/${id}/unwatch`, { key });
    await waitUntil(async () => (await call('GET', `${base}/${id}/qr?format=raw`, { key })).status === 200, {
      what: 'a QR',
    });
    const png = await expect(200, 'GET', `${base}/${id}/qr`, { key });
    assert.equal(png.contentType, 'image/png');
    const svg = await expect(200, 'GET', `${base}/${id}/qr?format=svg`, { key });
    assert.equal(svg.contentType, 'image/svg+xml');
    await expect(400, 'GET', `${base}/${id}/qr?format=bmp`, { key }, 'format');
    await expect(409, 'GET', `${base}/${id}/pairing-code`, { key });

    await expect(
      400,
      'PUT',
      `${support}/${id}/link-mode`,
      { key: h.adminKey, body: { mode: 'sms' } },
      'mode',
    );
    const switched = await expect(200, 'PUT', `${support}/${id}/link-mode`, {
      key: h.adminKey,
      body: { mode: 'code' },
    });
    assert.equal(switched.json.linkMode, 'code');
    const needsPhone = await expect(409, 'GET', `${base}/${id}/pairing-code`, { key });
    assert.equal(needsPhone.json.error.details.field, 'phone');
    const phone = h.sim.createPhone({ phone: nextPhone(), business: false });
    await expect(400, 'PUT', `${base}/${id}/pairing-phone`, { key, body: { phone: '12' } }, 'phone');
    await expect(200, 'PUT', `${base}/${id}/pairing-phone`, { key, body: { phone: `+${phone.phone}` } });
    await waitUntil(async () => (await call('GET', `${base}/${id}/pairing-code`, { key })).status === 200, {
      what: 'a pairing code',
    });
    await expect(409, 'GET', `${base}/${id}/qr?format=raw`, { key });
    const reset = await expect(200, 'POST', `${base}/${id}/reset`, { key });
    assert.equal(reset.json.channel.id, id);
    assert.equal((await expect(200, 'POST', `${base}/${id}/pause`, { key })).json.paused, true);
    assert.equal((await expect(200, 'POST', `${base}/${id}/resume`, { key })).json.paused, false);
    await expect(200, 'DELETE', `${base}/${id}`, { key });
    await expect(404, 'GET', `${base}/${id}`, { key });
  };

  test('channels as the business', async () => channelFlow('/v1/channels', business.apiKey));
  test('channels as support', async () =>
    channelFlow(`/v1/tenants/${business.tenant.id}/channels`, h.adminKey));

  test('pacing, templates, and a notification delivered to a virtual phone', async () => {
    const key = business.apiKey;
    const sender = h.sim.createPhone({ phone: nextPhone(), business: true, name: 'Studio Bela' });
    await linkChannelByQr(h, business, sender);
    const linked = await expect(409, 'GET', `/v1/channels/${business.channelId}/qr?format=raw`, { key });
    assert.equal(linked.json.error.code, 'already_linked');
    const recipient = h.sim.createPhone({ phone: nextPhone() });

    await expect(200, 'GET', '/v1/pacing', { key });
    await expect(400, 'PUT', '/v1/pacing', { key, body: { jitterMs: -1 } }, 'jitterMs');
    await expect(200, 'PUT', '/v1/pacing', { key, body: { enabled: false, sendingWindow: null } });

    await expect(400, 'PUT', '/v1/templates/reminder/pt-BR', { key, body: { body: 'Olá {{name' } }, 'body');
    await expect(201, 'PUT', '/v1/templates/reminder/pt-BR', { key, body: { body: 'Olá {{name}}!' } });
    await expect(200, 'PUT', '/v1/templates/reminder/pt-BR', {
      key,
      body: { body: 'Olá {{name}}, até amanhã!' },
    });
    await expect(200, 'GET', '/v1/templates', { key });
    await expect(200, 'GET', '/v1/templates/reminder/pt-BR', { key });
    await expect(400, 'GET', '/v1/templates/bad%20name/pt-BR', { key }, 'name');

    const headers = { 'idempotency-key': 'booking-1' };
    const body = {
      to: `+${recipient.phone}`,
      template: 'reminder',
      variables: { name: 'Ana' },
      metadata: { id: 1 },
    };
    const accepted = await expect(202, 'POST', '/v1/messages', { key, body, headers });
    await expect(200, 'POST', '/v1/messages', { key, body, headers });
    const reused = { to: body.to, text: 'Another message' };
    await expect(409, 'POST', '/v1/messages', { key, body: reused, headers }, 'idempotencyKey');
    await expect(400, 'POST', '/v1/messages', { key, body: { to: '123', text: 'x' } }, 'to');
    const id = accepted.json.id as string;
    await waitUntil(
      async () => (await call('GET', `/v1/messages/${id}`, { key })).json.status === 'delivered',
      { what: 'the message delivered' },
    );
    await expect(200, 'GET', `/v1/messages/${id}/events`, { key });
    await expect(409, 'POST', `/v1/messages/${id}/cancel`, { key });
    const later = await expect(202, 'POST', '/v1/messages', {
      key,
      body: {
        to: `+${recipient.phone}`,
        text: 'Later',
        sendAfter: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    const cancelled = await expect(200, 'POST', `/v1/messages/${later.json.id}/cancel`, { key });
    assert.equal(cancelled.json.failureReason, 'cancelled');
    await expect(200, 'GET', '/v1/messages?limit=1', { key });
    await expect(400, 'GET', '/v1/messages?status=lost', { key }, 'status');
    const batch = await expect(200, 'POST', '/v1/messages/batch', {
      key,
      body: {
        idempotencyKey: 'import-1',
        messages: [
          { to: `+${recipient.phone}`, text: 'a' },
          { to: 'x', text: 'b' },
        ],
      },
    });
    assert.deepEqual(
      batch.json.results.map((r: { status: number }) => r.status),
      [202, 400],
    );
    await expect(400, 'POST', '/v1/messages/batch', { key, body: { messages: [] } }, 'messages');

    await expect(204, 'DELETE', '/v1/templates/reminder/pt-BR', { key });
    await expect(400, 'DELETE', '/v1/templates/bad%20name/pt-BR', { key }, 'name');
  });

  test('webhooks: endpoints, test events, the delivery log, replay, secrets', async () => {
    const key = business.apiKey;
    await expect(400, 'POST', '/v1/webhooks', { key, body: { url: 'ftp://crm.example.com/h' } }, 'url');
    const endpoint = await expect(201, 'POST', '/v1/webhooks', { key, body: { url: `${receiver.base}/ok` } });
    const id = endpoint.json.id as string;
    await expect(200, 'GET', '/v1/webhooks', { key });
    await expect(200, 'GET', `/v1/webhooks/${id}`, { key });
    await expect(200, 'PATCH', `/v1/webhooks/${id}`, {
      key,
      body: { events: ['message.status', 'channel.status'] },
    });
    await expect(400, 'PATCH', `/v1/webhooks/${id}`, { key, body: { url: 'mailto:x@y.z' } }, 'url');
    const queued = await expect(202, 'POST', `/v1/webhooks/${id}/test`, { key });
    const delivered = await waitUntil(
      async () => {
        const log = await expect(200, 'GET', `/v1/webhooks/${id}/deliveries?status=delivered`, { key });
        return log.json.find((d: { id: string }) => d.id === queued.json.deliveryId);
      },
      { what: 'the test event delivered' },
    );
    await expect(400, 'GET', `/v1/webhooks/${id}/deliveries?status=lost`, { key }, 'status');
    await expect(200, 'POST', `/v1/webhooks/deliveries/${delivered.id}/replay`, { key });
    await expect(200, 'POST', `/v1/webhooks/${id}/rotate-secret`, { key });

    receiver.fail('/down');
    const down = (await expect(201, 'POST', '/v1/webhooks', { key, body: { url: `${receiver.base}/down` } }))
      .json;
    const failing = (await expect(202, 'POST', `/v1/webhooks/${down.id}/test`, { key })).json.deliveryId;
    await waitUntil(
      async () => {
        const log = await expect(200, 'GET', `/v1/webhooks/${down.id}/deliveries`, { key });
        return log.json.some(
          (d: { id: string; attemptCount: number }) => d.id === failing && d.attemptCount > 0,
        );
      },
      { what: 'a failed attempt' },
    );
    await expect(409, 'POST', `/v1/webhooks/deliveries/${failing}/replay`, { key });
    await expect(200, 'PATCH', `/v1/webhooks/${down.id}`, { key, body: { enabled: false } });
    await expect(409, 'POST', `/v1/webhooks/${down.id}/test`, { key });

    const extra: string[] = [];
    for (let status = 201; status === 201;) {
      const r = await call('POST', '/v1/webhooks', { key, body: { url: `${receiver.base}/extra` } });
      status = r.status;
      if (status === 201) extra.push(r.json.id);
      else assert.equal(status, 409, JSON.stringify(r.json));
      assert.ok(extra.length < 50, 'a cap on endpoints');
    }
    for (const extraId of [...extra, down.id, id])
      await expect(204, 'DELETE', `/v1/webhooks/${extraId}`, { key });
  });

  test('ALTEGIO: the install, settings and texts, as the business and as support', async () => {
    const installed = await fetch(
      fakeAltegio.registrationUrl(`${h.gateway.url}/altegio/install`, 930_001, {
        salon_name: 'Salão OpenAPI',
      }),
      { redirect: 'manual', headers: { 'accept-language': 'pt-BR' } },
    );
    assert.equal(installed.status, 302);
    const tenants = (await expect(200, 'GET', '/v1/tenants', { key: h.adminKey })).json as Array<{
      id: string;
      name: string;
    }>;
    const tenant = tenants.find((t) => t.name === 'Salão OpenAPI')!;
    const { key } = await h.gateway.tenants.issueApiKey(tenant.id, 'openapi');
    const flow = async (base: string, k: string) => {
      const view = await expect(200, 'GET', base, { key: k });
      assert.equal(view.json.installs[0].activation.state, 'waiting_link');
      await expect(200, 'PUT', `${base}/settings`, {
        key: k,
        body: {
          schedule: { reminderOffsetsHours: [24], enabled: { review_request: true } },
          replies: { confirm: ['+', 'sim'], cancelAction: 'none' },
          testPhone: '+5511987654321',
        },
      });
      await expect(
        400,
        'PUT',
        `${base}/settings`,
        { key: k, body: { schedule: { reminderOffsetsHours: [200] } } },
        'schedule.reminderOffsetsHours.0',
      );
      await expect(200, 'PUT', `${base}/settings`, { key: k, body: {} });
      await expect(200, 'GET', `${base}/templates`, { key: k });
      await expect(200, 'POST', `${base}/templates/preview`, {
        key: k,
        body: { body: 'Olá %CLIENT_NAME% %NOME%', language: 'pt-BR' },
      });
      await expect(400, 'POST', `${base}/templates/preview`, { key: k, body: { body: 'x' } }, 'language');
      await expect(200, 'PUT', `${base}/templates/reminder/pt-BR`, {
        key: k,
        body: { body: 'Olá %CLIENT_NAME%, até %DATETIME%!' },
      });
      await expect(
        400,
        'PUT',
        `${base}/templates/reminder/pt-BR`,
        { key: k, body: { body: 'Olá %NOME%' } },
        'body',
      );
      await expect(200, 'DELETE', `${base}/templates/reminder/pt-BR`, { key: k });
      await expect(400, 'DELETE', `${base}/templates/birthday/pt-BR`, { key: k }, 'kind');
    };
    await flow('/v1/altegio', key);
    await flow(`/v1/tenants/${tenant.id}/altegio`, h.adminKey);
  });

  test('every operation: 401 without a key, 403 with the wrong kind, 404 for unknown ids', async () => {
    const sampleBody: Record<string, unknown> = {
      'PUT /v1/channels/{channelId}/pairing-phone': { phone: '+5511987654321' },
      'PUT /v1/tenants/{tenantId}/channels/{channelId}/pairing-phone': { phone: '+5511987654321' },
      'PUT /v1/channels/{channelId}/link-mode': { mode: 'qr' },
      'PUT /v1/tenants/{tenantId}/channels/{channelId}/link-mode': { mode: 'qr' },
      'PATCH /v1/webhooks/{webhookId}': { enabled: true },
    };
    for (const op of oa.operations.filter((o) => o.path.startsWith('/v1/'))) {
      const responses = op.spec.responses as Record<string, unknown>;
      const path = op.path.replace('{language}', 'en').replace(/\{[^}]+\}/g, 'nope_123');
      const body = sampleBody[op.id] ?? (op.spec.requestBody ? {} : undefined);
      await expect(401, op.method, path, { body });
      const wrongKind = op.path.startsWith('/v1/tenants') ? business.apiKey : h.adminKey;
      await expect(403, op.method, path, { key: wrongKind, body });
      if (!responses['404']) continue;
      const rightKind = wrongKind === h.adminKey ? business.apiKey : h.adminKey;
      await expect(404, op.method, path, { key: rightKind, body });
      // Under a known business, an unknown channel is also a 404.
      if (op.path.startsWith('/v1/tenants/{tenantId}/channels/{channelId}'))
        await expect(
          404,
          op.method,
          op.path.replace('{tenantId}', business.tenant.id).replace('{channelId}', 'nope'),
          {
            key: h.adminKey,
            body,
          },
        );
    }
  });

  test('the document matches the routes, and every documented answer was seen and matched', () => {
    const documented = oa.operations.map((op) => `${op.method} ${pathShape(op.path)}`);
    const routes = registeredV1Routes();
    // The routes app.ts registers outside /v1, and the route files it mounts there (mirrored above).
    const appSource = readFileSync(new URL('../../src/app.ts', import.meta.url), 'utf8');
    const topLevel = [...appSource.matchAll(/app\.(get|post|put|patch|delete)\('([^']+)'/g)].map(
      (m) => `${m[1]!.toUpperCase()} ${m[2]}`,
    );
    const mounted = [...appSource.matchAll(/app\.route\('\/v1', (\w+)\(/g)].map((m) => m[1]).sort();
    // All problems at once, so one run shows every drift.
    const problems = {
      'routes missing from the document': [...routes, ...topLevel].filter((r) => !documented.includes(r)),
      'documented /v1 operations with no route': documented.filter(
        (d) => d.includes(' /v1/') && !routes.includes(d),
      ),
      'route files mounted under /v1 in app.ts that this test does not mirror': mounted.filter(
        (name) => !['apiRoutes', 'messageRoutes', 'webhookRoutes'].includes(name!),
      ),
      'undeclared path parameters': oa.operations
        .filter(
          (op) =>
            [...op.path.matchAll(/\{([^}]+)\}/g)]
              .map((m) => m[1])
              .sort()
              .join() !== [...op.pathParams].sort().join(),
        )
        .map((op) => op.id),
      'answers that do not match the document': oa.mismatches,
      'operations never called': oa.operations.filter((op) => !oa.seen.has(op.id)).map((op) => op.id),
      'documented answers never seen': oa.unseenResponses().filter((a) => !SEVERAL_NODES_ONLY.test(a)),
    };
    assert.deepEqual(Object.fromEntries(Object.entries(problems).filter(([, list]) => list.length > 0)), {});
  });
});
