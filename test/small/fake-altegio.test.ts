import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseInstallQuery } from '../../src/integrations/altegio/domain/install-params.js';
import {
  activationBody,
  attendanceUpdateBody,
  parseInstallStatus,
  partnerHeaders,
} from '../../src/integrations/altegio/domain/partner-api.js';
import { parseRecordWebhook } from '../../src/integrations/altegio/domain/record-webhook.js';
import {
  altegioRecord,
  recordWebhookEnvelope,
  sendOperatorRequest,
  startFakeAltegio,
  type FakeAltegio,
} from '../support/fake-altegio.js';
import { waitUntil } from '../support/wait-for.js';

const TOKEN = 'partner-secret';

/** A stand-in for the gateway: records what it receives and answers 200 with a fixed body. */
async function startReceiver() {
  const received: { path: string; headers: IncomingMessage['headers']; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw || 'null') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ id: '1', ext_id: 'm1' }]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('fake ALTEGIO', () => {
  let fake: FakeAltegio;
  const post = (path: string, body: unknown, token = TOKEN) =>
    fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: partnerHeaders(token),
      body: JSON.stringify(body),
    });

  before(async () => {
    fake = await startFakeAltegio({ partnerToken: TOKEN, applicationId: 123, webhooksOnRecordChange: true });
  });
  after(async () => {
    await fake.stop();
  });

  test('activation: token enforced, body validated, idempotent, every call recorded', async () => {
    const body = activationBody({
      salonId: '4564',
      applicationId: '123',
      apiKey: 'k1',
      webhookUrls: ['http://127.0.0.1:1/hook'],
    });
    assert.equal((await post('/marketplace/partner/callback', body, 'wrong')).status, 401);
    assert.equal((await post('/marketplace/partner/callback', { ...body, api_key: '' })).status, 422);
    assert.equal((await post('/marketplace/partner/callback', { ...body, webhook_urls: 'x' })).status, 422);
    assert.equal((await post('/marketplace/partner/callback', { ...body, application_id: 9 })).status, 403);
    assert.equal(fake.activations.size, 0, 'refused calls change nothing');
    const accepted = await post('/marketplace/partner/callback', body);
    assert.equal(accepted.status, 201);
    assert.deepEqual(await accepted.json(), { success: true, data: null, meta: [] });
    assert.equal((await post('/marketplace/partner/callback', body)).status, 201);
    assert.equal(fake.activations.get('4564')?.count, 2);
    assert.equal(fake.activations.get('4564')?.apiKey, 'k1');

    const calls = fake.calls('/marketplace/partner/callback');
    assert.equal(calls.length, 6);
    assert.deepEqual(
      calls.map((c) => c.status),
      [401, 422, 422, 403, 201, 201],
    );
    assert.equal(calls[4]?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(calls[4]?.headers.accept, 'application/vnd.api.v2+json');
    assert.deepEqual(calls[4]?.body, body);
  });

  test('install status: 404 until the Connect click, pending, then active on activation; both marketplace bases', async () => {
    const status = (base: string, salon: number, app = '123', token = TOKEN) =>
      fetch(`${base}/marketplace/salon/${salon}/application/${app}`, { headers: partnerHeaders(token) });
    assert.equal((await status(fake.url, 6001)).status, 404);
    fake.registrationUrl('https://gw.example/altegio/install', 6001, { id: 1 });
    const pending = await status(fake.restUrl, 6001);
    assert.equal(pending.status, 200);
    const answer = (await pending.json()) as { data: unknown };
    assert.equal(parseInstallStatus(answer), 'pending');
    assert.equal((await status(fake.url, 6001, '124')).status, 404, 'another application');
    assert.equal((await status(fake.url, 6001, '123', 'wrong')).status, 401);
    const body = activationBody({ salonId: '6001', applicationId: '123', apiKey: 'k', webhookUrls: [] });
    assert.equal((await post('/api/v1/marketplace/partner/callback', body)).status, 201);
    const active = (await (await status(fake.url, 6001)).json()) as {
      data: { logs: Array<{ status_to: string }> };
    };
    assert.equal(parseInstallStatus(active), 'active');
    assert.deepEqual(
      active.data.logs.map((l) => l.status_to),
      ['pending', 'active'],
    );
    fake.setInstallStatus(6001, 'freezed');
    const frozen = await (await status(fake.url, 6001)).json();
    // The history mentions "active"; only connection_status.status says what the install is now.
    assert.match(JSON.stringify(frozen), /"active"/);
    assert.equal(parseInstallStatus(frozen), 'freezed');
  });

  test('failNext: the next N calls under a path fail, then it recovers', async () => {
    fake.failNext('/marketplace/partner/callback', 2, 500);
    fake.failNext('/marketplace/application/update_channel', 1, 422);
    const body = activationBody({ salonId: '77', applicationId: '123', apiKey: 'k', webhookUrls: [] });
    assert.equal((await post('/marketplace/partner/callback', body)).status, 500);
    assert.equal((await post('/marketplace/partner/callback', body)).status, 500);
    assert.equal(fake.activations.has('77'), false);
    assert.equal((await post('/marketplace/partner/callback', body)).status, 201);
    const channel = { salon_id: 77, application_id: 123, channel_slug: 'whatsapp', is_available: true };
    assert.equal((await post('/marketplace/application/update_channel', channel)).status, 422);
    assert.equal((await post('/marketplace/application/update_channel', channel)).status, 200);
    assert.deepEqual(fake.channels.get('77'), { whatsapp: true });
    assert.equal(
      (await post('/marketplace/application/update_channel', { ...channel, is_available: 'no' })).status,
      422,
    );
    assert.equal((await post('/marketplace/application/update_channel', channel, 'nope')).status, 401);
  });

  test('records: GET and PUT with the token; PUT sends an update webhook to the activated URLs', async () => {
    const receiver = await startReceiver();
    try {
      const body = activationBody({
        salonId: '900',
        applicationId: '123',
        apiKey: 'k',
        webhookUrls: [`${receiver.url}/hook`],
      });
      assert.equal((await post('/marketplace/partner/callback', body)).status, 201);
      const record = altegioRecord({
        id: 31,
        companyId: 900,
        lastChangeDate: new Date('2025-01-01T00:00:00Z'),
      });
      fake.putRecord(record);
      const headers = partnerHeaders(TOKEN, fake.userToken);
      const got = await fetch(`${fake.restUrl}/record/900/31`, { headers });
      assert.equal(got.status, 200);
      assert.equal(((await got.json()) as { data: { id: number } }).data.id, 31);
      assert.equal((await fetch(`${fake.restUrl}/record/900/32`, { headers })).status, 404);
      assert.equal((await fetch(`${fake.restUrl}/record/900/31`)).status, 401);
      // Like ALTEGIO: a business's data needs the User token, and lives under /api/v1 only.
      const partnerOnly = await fetch(`${fake.restUrl}/record/900/31`, { headers: partnerHeaders(TOKEN) });
      assert.equal(partnerOnly.status, 401);
      const wrongUser = await fetch(`${fake.restUrl}/record/900/31`, {
        headers: partnerHeaders(TOKEN, 'another-user'),
      });
      assert.equal(wrongUser.status, 401);
      assert.equal((await fetch(`${fake.url}/record/900/31`, { headers })).status, 404);

      const put = (b: unknown, h = headers) =>
        fetch(`${fake.restUrl}/record/900/31`, { method: 'PUT', headers: h, body: JSON.stringify(b) });
      const full = attendanceUpdateBody(record, 2);
      assert.equal((await put({ ...full, attendance: 7 })).status, 422);
      assert.equal((await put(full, partnerHeaders('bad'))).status, 401);
      assert.equal((await put(full, partnerHeaders(TOKEN))).status, 401, 'no User token');
      // A full update: each field ALTEGIO requires must be there.
      for (const field of ['staff_id', 'services', 'client', 'datetime', 'seance_length']) {
        const partial: Record<string, unknown> = { ...full };
        delete partial[field];
        const refused = await put(partial);
        assert.equal(refused.status, 422, field);
        assert.match(await refused.text(), new RegExp(field));
      }
      assert.equal((await put({ attendance: 2 })).status, 422, 'attendance alone is not a record');
      assert.equal(fake.getRecord(900, 31)?.attendance, 0, 'refused PUTs change nothing');
      const updated = await put(attendanceUpdateBody(record, 2));
      assert.equal(updated.status, 200);
      assert.equal(fake.getRecord(900, 31)?.attendance, 2);
      assert.ok(
        Date.parse(String(fake.getRecord(900, 31)?.last_change_date)) > Date.parse('2025-01-01T00:00:00Z'),
      );

      const hook = await waitUntil(() => receiver.received[0], {
        what: 'the record webhook',
        timeoutMs: 5000,
      });
      assert.equal(hook.path, '/hook');
      assert.equal(hook.headers.authorization, `Bearer ${TOKEN}`);
      const parsed = parseRecordWebhook(hook.body, { timeZone: 'UTC' });
      assert.equal(parsed.kind === 'record' && parsed.change.appointment?.attendance, 2);
    } finally {
      await receiver.stop();
    }
  });

  test('status callbacks: token in the path and as the Bearer, a JSON array only, flattened', async () => {
    const report = { id: '232674', status: 8, payment_sum: 0, currency_iso: 'USD', parts_amount: 1 };
    const postJson = (url: string, body: unknown, bearer: string | null = TOKEN) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        },
        body: JSON.stringify(body),
      });
    const refusals: Array<[string, unknown, string | null, number]> = [
      [`${fake.url}/smsprovider/status/callback/wrong`, [report], TOKEN, 401],
      [fake.deliveryCallbackUrl, [report], null, 401],
      [fake.deliveryCallbackUrl, [report], 'not-the-partner-token', 401],
      // A bare object is not what ALTEGIO documents.
      [fake.deliveryCallbackUrl, report, TOKEN, 422],
      [fake.deliveryCallbackUrl, [{ id: 1 }], TOKEN, 422],
      [fake.deliveryCallbackUrl, [], TOKEN, 422],
      // 8 and 1 carry the price, currency and parts.
      [fake.deliveryCallbackUrl, [{ id: '1', status: 1 }], TOKEN, 422],
    ];
    for (const [url, body, bearer, status] of refusals)
      assert.equal((await postJson(url, body, bearer)).status, status, JSON.stringify(body));
    assert.deepEqual(fake.statusReports(), [], 'refused reports are not kept');
    assert.equal((await postJson(fake.deliveryCallbackUrl, [report])).status, 200);
    assert.equal(
      (
        await postJson(fake.deliveryCallbackUrl, [
          { id: '232674', status: 4 },
          { ...report, status: 1 },
        ])
      ).status,
      200,
    );
    assert.deepEqual(
      fake.statusReports().map((r) => r.status),
      [8, 4, 1],
    );
  });

  test('waitForCall resolves on a call already made or one still to come, and times out', async () => {
    const seen = await fake.waitForCall((c) => c.path.startsWith('/smsprovider/'));
    assert.equal(seen.method, 'POST');
    const pending = fake.waitForCall((c) => c.path === '/api/v1/record/1/2' && c.method === 'GET', 5000);
    await fetch(`${fake.restUrl}/record/1/2`, { headers: partnerHeaders(TOKEN, fake.userToken) });
    assert.equal((await pending).status, 404);
    await assert.rejects(
      fake.waitForCall(() => false, 50),
      /no matching call/,
    );
  });

  test('acting as ALTEGIO: operator requests with the api_key, signed registration URLs, record webhooks', async () => {
    const receiver = await startReceiver();
    try {
      const answer = await sendOperatorRequest(receiver.url, '/altegio/operator', 'api-key-1', {
        destination_params: [{ id: 1, phone: '79161234567' }],
        text: 'hi',
        delivery_callback_url: fake.deliveryCallbackUrl,
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, [{ id: '1', ext_id: 'm1' }]);
      assert.equal(receiver.received[0]?.path, '/altegio/operator');
      assert.equal(receiver.received[0]?.headers.authorization, 'Bearer api-key-1');

      const hook = await fake.sendRecordWebhook(
        `${receiver.url}/hook`,
        recordWebhookEnvelope('create', altegioRecord()),
      );
      assert.equal(hook.status, 200);
      assert.equal(receiver.received[1]?.headers.authorization, `Bearer ${TOKEN}`);
    } finally {
      await receiver.stop();
    }
    const url = new URL(fake.registrationUrl('https://gw.example/altegio/install', [1, 2], { name: 'Ana' }));
    assert.equal(url.searchParams.get('salon_ids[1]'), '2');
    const params = parseInstallQuery(url.searchParams, TOKEN);
    assert.deepEqual(params.salonIds, ['1', '2']);
    assert.equal(params.userData?.name, 'Ana');
  });

  test('unknown paths are 404 and recorded', async () => {
    assert.equal((await fetch(`${fake.url}/nope?x=1`)).status, 404);
    const last = fake.calls('/nope')[0];
    assert.deepEqual([last?.status, last?.query], [404, { x: '1' }]);
  });
});
