/**
 * Webhooks end to end: the /v1 API (behind the real API-key middleware), the outbox, the
 * dispatcher, and a real HTTP receiver on 127.0.0.1, over an on-disk embedded database that is
 * closed and reopened to stand for a restart. Retry timing is shortened (milliseconds instead of
 * minutes, a 700 ms horizon instead of 24 h); everything else is production code.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openApiDocument } from '../../src/http/openapi.js';
import { webhookSchemas } from '../../src/http/schemas.js';
import type { RetryPolicy } from '../../src/webhooks/retry-schedule.js';
import { systemResolver } from '../../src/webhooks/webhook-destinations.js';
import { verifyWebhook } from '../../src/webhooks/webhook-signature.js';
import { waitUntil } from '../support/wait-for.js';
import { startWebhookStack, type WebhookStack } from '../support/webhook-stack.js';

const FAST_RETRY: RetryPolicy = { delaysMs: [30, 60, 90], maxDelayMs: 100, minDelayMs: 10, horizonMs: 700 };

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A CRM's webhook receiver: records every request; answers each path from a script, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const scripts = new Map<string, number[]>();
  const always = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = scripts.get(path)?.shift() ?? always.get(path) ?? 200;
      res
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(status < 300 ? 'ok' : `receiver says ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    script: (path: string, statuses: number[]) => scripts.set(path, [...statuses]),
    always: (path: string, status: number | undefined) =>
      status === undefined ? always.delete(path) : always.set(path, status),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The webhook stack over an on-disk database (reopened to stand for a restart). */
const startStack = (dataDir: string, masterKey: Buffer) =>
  startWebhookStack({
    dataDir,
    masterKey,
    retry: FAST_RETRY,
    // The receiver listens on 127.0.0.1: what WEBHOOK_ALLOW_PRIVATE=true allows (webhook-ssrf.test.ts
    // shows the default refusing it).
    destinations: { allowPrivate: true, resolve: systemResolver },
  });

describe('webhooks end to end', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zapgate-webhooks-'));
  const masterKey = randomBytes(32);
  let stack: WebhookStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let adminKey: string;

  before(async () => {
    receiver = await startReceiver();
    stack = await startStack(dataDir, masterKey);
    const create = async (name: string) => {
      const made = await stack.tenants.create({ name, timeZone: 'UTC', language: 'en' });
      return { tenantId: made.tenant.id, key: made.apiKey };
    };
    a = await create('Alpha Clinic');
    b = await create('Beta Studio');
    adminKey = (await stack.tenants.bootstrapAdmin())!.apiKey;
  });
  after(async () => {
    await stack.stop();
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What the messages service does: change state and enqueue the webhook in one transaction. */
  const emit = (
    tenantId: string,
    data: Record<string, unknown>,
    type: 'message.status' | 'channel.status' = 'message.status',
  ) =>
    stack.db.transaction((tx) =>
      stack.webhooks.outbox.enqueue(tx, { tenantId, type, data, occurredAt: new Date() }),
    );

  const addEndpoint = async (path: string, events?: string[]) => {
    const r = await stack.api('POST', '/v1/webhooks', a.key, {
      url: receiver.base + path,
      ...(events ? { events } : {}),
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    webhookSchemas.endpointWithSecret.parse(r.json);
    return r.json as { id: string; secret: string };
  };

  const deliveryLog = async (endpointId: string, query = '') => {
    const r = await stack.api('GET', `/v1/webhooks/${endpointId}/deliveries${query}`, a.key);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const d of r.json) webhookSchemas.delivery.parse(d);
    return r.json as Array<{
      id: string;
      status: string;
      eventType: string;
      attemptCount: number;
      lastError: string | null;
      attempts: Array<{ statusCode: number | null; error: string | null }>;
    }>;
  };

  test('the API validates input, needs a business key, and shows the secret only once', async () => {
    assert.equal((await stack.api('GET', '/v1/webhooks', undefined)).status, 401);
    assert.equal((await stack.api('GET', '/v1/webhooks', adminKey)).status, 403);
    for (const [body, field] of [
      [{ url: 'ftp://crm.example.com/h' }, 'url'],
      [{ url: 'crm.example.com/h' }, 'url'],
      [{ url: 'https://u:p@crm.example.com/h' }, 'url'],
      [{ url: 'https://crm.example.com/h', events: ['message.nope'] }, 'events.0'],
      [{ url: 'https://crm.example.com/h', events: [] }, 'events'],
      [{ url: 'https://crm.example.com/h', extra: 1 }, 'body'],
    ] as const) {
      const r = await stack.api('POST', '/v1/webhooks', a.key, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.details.field, field, JSON.stringify(r.json));
    }
    const created = await addEndpoint('/validate', ['message.status', 'message.status']);
    const got = await stack.api('GET', `/v1/webhooks/${created.id}`, a.key);
    assert.deepEqual(webhookSchemas.endpoint.parse(got.json).events, ['message.status']);
    assert.equal(got.json.secret, undefined);
    const list = await stack.api('GET', '/v1/webhooks', a.key);
    assert.ok(!JSON.stringify(list.json).includes(created.secret));
    const patched = await stack.api('PATCH', `/v1/webhooks/${created.id}`, a.key, {
      events: null,
      enabled: false,
    });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.json.events, patched.json.enabled], [null, false]);
    assert.equal(
      (await stack.api('PATCH', `/v1/webhooks/${created.id}`, a.key, { url: 'mailto:x@y.z' })).status,
      400,
    );
    assert.equal((await stack.api('POST', `/v1/webhooks/${created.id}/test`, a.key)).status, 409);
    assert.equal((await stack.api('DELETE', `/v1/webhooks/${created.id}`, a.key)).status, 204);
    assert.equal((await stack.api('GET', `/v1/webhooks/${created.id}`, a.key)).status, 404);
  });

  test("another business reaches none of an endpoint's routes (404), nor its deliveries", async () => {
    const endpoint = await addEndpoint('/private');
    await emit(a.tenantId, { messageId: 'msg_private', status: 'sent' });
    await waitUntil(() => receiver.at('/private').length === 1, { what: 'the delivery' });
    const [delivery] = await deliveryLog(endpoint.id);
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${endpoint.id}`],
      ['PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${endpoint.id}`],
      ['POST', `/v1/webhooks/${endpoint.id}/rotate-secret`],
      ['GET', `/v1/webhooks/${endpoint.id}/deliveries`],
      ['POST', `/v1/webhooks/${endpoint.id}/test`],
      ['POST', `/v1/webhooks/deliveries/${delivery!.id}/replay`],
    ] as const) {
      const r = await stack.api(method, path, b.key, body);
      assert.equal(r.status, 404, `${method} ${path} → ${r.status}`);
    }
    assert.deepEqual((await stack.api('GET', '/v1/webhooks', b.key)).json, []);
    // B's events never reach A's endpoint; A's endpoint is untouched.
    assert.equal(await emit(b.tenantId, { messageId: 'msg_b', status: 'sent' }), 0);
    assert.equal((await stack.api('GET', `/v1/webhooks/${endpoint.id}`, a.key)).json.enabled, true);
    assert.equal((await deliveryLog(endpoint.id))[0]!.status, 'delivered');
    await stack.api('DELETE', `/v1/webhooks/${endpoint.id}`, a.key);
  });

  test('a delivery arrives signed with the Standard Webhooks headers and is logged', async () => {
    const endpoint = await addEndpoint('/signed', ['message.status']);
    await emit(a.tenantId, { messageId: 'msg_1', status: 'failed', reason: 'not_on_whatsapp' });
    const request = await waitUntil(() => receiver.at('/signed')[0], { what: 'the webhook' });
    const verified = verifyWebhook(endpoint.secret, request.headers, request.body);
    assert.match(verified.id, /^evt_/);
    assert.ok(Math.abs(verified.timestamp - Date.now() / 1000) < 10);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.match(String(request.headers['user-agent']), /^Zapgate-Webhooks\//);
    const body = JSON.parse(request.body);
    assert.equal(body.type, 'message.status');
    assert.deepEqual(body.data, { messageId: 'msg_1', status: 'failed', reason: 'not_on_whatsapp' });
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
    await waitUntil(async () => (await deliveryLog(endpoint.id))[0]?.status === 'delivered', {
      what: 'delivered',
    });
    const [logged] = await deliveryLog(endpoint.id, '?status=delivered');
    assert.equal(logged!.id, verified.id);
    assert.deepEqual(
      logged!.attempts.map((x) => x.statusCode),
      [200],
    );
    // Filtered out: a channel.status event does not go to a message.status-only endpoint.
    await emit(a.tenantId, { channelId: 'chn_1', status: 'connected' }, 'channel.status');
    assert.equal((await deliveryLog(endpoint.id)).length, 1);
    await stack.api('DELETE', `/v1/webhooks/${endpoint.id}`, a.key);
  });

  test('a receiver failing 500 twice, then 200, has it on the 3rd attempt with the same webhook-id', async () => {
    const endpoint = await addEndpoint('/flaky');
    receiver.script('/flaky', [500, 500, 200]);
    await emit(a.tenantId, { messageId: 'msg_2', status: 'delivered' });
    await waitUntil(async () => (await deliveryLog(endpoint.id))[0]?.status === 'delivered', {
      what: 'delivered after retries',
    });
    const requests = receiver.at('/flaky');
    assert.equal(requests.length, 3);
    const ids = requests.map((r) => verifyWebhook(endpoint.secret, r.headers, r.body).id);
    assert.equal(new Set(ids).size, 1, 'the same webhook-id on every attempt');
    const [logged] = await deliveryLog(endpoint.id);
    assert.equal(logged!.attemptCount, 3);
    assert.deepEqual(
      logged!.attempts.map((x) => x.statusCode),
      [500, 500, 200],
    );
    // The status only: what the receiver answered ("receiver says 500") is not kept or shown.
    assert.equal(logged!.attempts[0]!.error, 'HTTP 500');
    assert.doesNotMatch(JSON.stringify(logged), /receiver says/);
    assert.equal(logged!.lastError, null);
    await stack.api('DELETE', `/v1/webhooks/${endpoint.id}`, a.key);
  });

  test('a receiver that always fails: dead after the retry horizon, then replay delivers it', async () => {
    const endpoint = await addEndpoint('/down');
    receiver.always('/down', 503);
    const deadBefore = stack.webhooks.dispatcher.counters.dead;
    await emit(a.tenantId, { messageId: 'msg_3', status: 'read' });
    await waitUntil(async () => (await deliveryLog(endpoint.id))[0]?.status === 'dead', {
      what: 'dead-lettered',
    });
    assert.equal(stack.webhooks.dispatcher.counters.dead, deadBefore + 1);
    const [dead] = await deliveryLog(endpoint.id, '?status=dead');
    assert.ok(dead!.attemptCount >= 4, `${dead!.attemptCount} attempts`);
    assert.ok(dead!.attempts.every((x) => x.statusCode === 503));
    assert.equal(dead!.attemptCount, receiver.at('/down').length);

    receiver.always('/down', undefined);
    const replay = await stack.api('POST', `/v1/webhooks/deliveries/${dead!.id}/replay`, a.key);
    assert.equal(replay.status, 200);
    assert.equal(webhookSchemas.delivery.parse(replay.json).status, 'pending');
    await waitUntil(async () => (await deliveryLog(endpoint.id))[0]?.status === 'delivered', {
      what: 'delivered after replay',
    });
    const last = receiver.at('/down').at(-1)!;
    assert.equal(verifyWebhook(endpoint.secret, last.headers, last.body).id, dead!.id);
    assert.equal((await stack.api('POST', `/v1/webhooks/deliveries/${dead!.id}/replay`, a.key)).status, 200);
    await waitUntil(() => receiver.at('/down').length === dead!.attemptCount + 2, {
      what: 'a delivered one replayed',
    });
    await stack.api('DELETE', `/v1/webhooks/${endpoint.id}`, a.key);
  });

  test('test events, and secret rotation: both secrets sign during the grace period', async () => {
    const endpoint = await addEndpoint('/rotate', ['channel.status']);
    const queued = await stack.api('POST', `/v1/webhooks/${endpoint.id}/test`, a.key);
    assert.equal(queued.status, 202);
    webhookSchemas.testQueued.parse(queued.json);
    await waitUntil(() => receiver.at('/rotate').length === 1, { what: 'the test event' });
    const first = receiver.at('/rotate')[0]!;
    assert.equal(verifyWebhook(endpoint.secret, first.headers, first.body).id, queued.json.deliveryId);
    assert.equal(JSON.parse(first.body).type, 'webhook.test');

    const rotated = await stack.api('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, a.key);
    assert.equal(rotated.status, 200);
    const { secret: next } = webhookSchemas.endpointWithSecret.parse(rotated.json);
    assert.notEqual(next, endpoint.secret);
    await emit(a.tenantId, { channelId: 'chn_1', status: 'connected' }, 'channel.status');
    await waitUntil(() => receiver.at('/rotate').length === 2, { what: 'the event after rotation' });
    const second = receiver.at('/rotate')[1]!;
    assert.equal(String(second.headers['webhook-signature']).split(' ').length, 2);
    verifyWebhook(next, second.headers, second.body);
    verifyWebhook(endpoint.secret, second.headers, second.body);
    await stack.api('DELETE', `/v1/webhooks/${endpoint.id}`, a.key);
  });

  test('pending deliveries survive a restart; a new dispatcher delivers them', async () => {
    const endpoint = await addEndpoint('/restart');
    await stack.webhooks.dispatcher.stop();
    for (let i = 0; i < 5; i++) await emit(a.tenantId, { messageId: `msg_r${i}`, status: 'sent' });
    assert.equal(await stack.webhooks.dispatcher.pendingDepth(), 5);
    await stack.stop();
    assert.equal(receiver.at('/restart').length, 0);

    stack = await startStack(dataDir, masterKey);
    await waitUntil(() => receiver.at('/restart').length === 5, { what: 'deliveries after the restart' });
    const ids = receiver.at('/restart').map((r) => verifyWebhook(endpoint.secret, r.headers, r.body).id);
    assert.equal(new Set(ids).size, 5);
    await waitUntil(async () => (await stack.webhooks.dispatcher.pendingDepth()) === 0, {
      what: 'nothing pending',
    });
  });

  test('the OpenAPI document describes every webhook route', () => {
    const paths = openApiDocument('http://x').paths as Record<string, Record<string, unknown>>;
    for (const [path, methods] of [
      ['/v1/webhooks', ['get', 'post']],
      ['/v1/webhooks/{webhookId}', ['get', 'patch', 'delete']],
      ['/v1/webhooks/{webhookId}/rotate-secret', ['post']],
      ['/v1/webhooks/{webhookId}/deliveries', ['get']],
      ['/v1/webhooks/{webhookId}/test', ['post']],
      ['/v1/webhooks/deliveries/{deliveryId}/replay', ['post']],
    ] as const)
      for (const method of methods) assert.ok(paths[path]?.[method], `${method} ${path}`);
  });

  test('the OpenAPI document says how to reject replays and what each event carries', () => {
    const paths = openApiDocument('http://x').paths as Record<
      string,
      Record<string, { description?: string }>
    >;
    const description = paths['/v1/webhooks']!.post!.description ?? '';
    assert.match(description, /Reject replays/);
    assert.match(description, /`webhook-timestamp` more than 5 minutes/);
    assert.match(description, /de-duplicate by `webhook-id`/);
    assert.match(description, /`channel\.status` \{channelId, status, cause/);
  });
});
