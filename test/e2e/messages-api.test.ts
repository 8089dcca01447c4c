import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/gateway-harness.js';

/** Accepting notifications over the REST API: messages, batches, templates, pacing, errors, isolation. */
describe('messages API', () => {
  let h: Harness;
  let seq = 0;
  const nextPhone = () => `+55 11 9${String(7000_0000 + ++seq).padStart(8, '0')}`;

  before(async () => {
    h = await startHarness();
  });
  after(async () => h.stop());

  const newBusiness = async () => {
    const created = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'Clínica Sorriso', timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    return created.json as { tenant: { id: string }; channelId: string; apiKey: string };
  };
  const send = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${h.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

  test('accept, get, events, list, cancel', async () => {
    const b = await newBusiness();
    const accepted = await send(b.apiKey, {
      to: '+55 (11) 98765-4321',
      text: 'Lembrete: consulta amanhã às 10:00',
      metadata: { appointmentId: 'a-1' },
      priority: 'transactional',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
    const message = accepted.json;
    assert.match(message.id, /^msg_/);
    assert.equal(message.status, 'queued');
    assert.equal(message.to, '+5511987654321');
    assert.equal(message.channelId, b.channelId);
    assert.match(message.waMessageId, /^3EB0[0-9A-F]{18}$/);
    assert.deepEqual(message.metadata, { appointmentId: 'a-1' });

    const got = await h.api('GET', `/v1/messages/${message.id}`, { key: b.apiKey });
    assert.equal(got.status, 200);
    // Reads add why a queued message waits: this business has not linked its phone yet.
    const { waiting, ...stored } = got.json;
    assert.deepEqual(stored, message);
    assert.deepEqual(waiting, { reason: 'not_linked', until: null, timeZone: 'America/Sao_Paulo' });
    const events = await h.api('GET', `/v1/messages/${message.id}/events`, { key: b.apiKey });
    assert.deepEqual(
      events.json.map((e: any) => [e.status, e.reason]),
      [['queued', 'accepted']],
    );

    const second = await send(b.apiKey, { to: nextPhone(), text: 'Promo', priority: 'marketing' });
    const list = await h.api('GET', '/v1/messages?limit=1', { key: b.apiKey });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.data.map((m: any) => m.id),
      [second.json.id],
    );
    const page2 = await h.api('GET', `/v1/messages?limit=1&cursor=${list.json.nextCursor}`, {
      key: b.apiKey,
    });
    assert.deepEqual(
      page2.json.data.map((m: any) => m.id),
      [message.id],
    );
    assert.equal(page2.json.nextCursor, null);
    const byPhone = await h.api('GET', `/v1/messages?phone=${encodeURIComponent('5511987654321')}`, {
      key: b.apiKey,
    });
    assert.deepEqual(
      byPhone.json.data.map((m: any) => m.id),
      [message.id],
    );

    const cancelled = await h.api('POST', `/v1/messages/${message.id}/cancel`, { key: b.apiKey });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.json.status, 'failed');
    assert.equal(cancelled.json.failureReason, 'cancelled');
    const again = await h.api('POST', `/v1/messages/${message.id}/cancel`, { key: b.apiKey });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.details.status, 'failed');
    const failed = await h.api('GET', '/v1/messages?status=failed', { key: b.apiKey });
    assert.deepEqual(
      failed.json.data.map((m: any) => m.id),
      [message.id],
    );
  });

  test('idempotency keys: header or body; a repeat answers 200 with the first message, another message under the key 409', async () => {
    const b = await newBusiness();
    const to = nextPhone();
    const first = await send(
      b.apiKey,
      { to, text: 'one', metadata: { booking: 77, by: 'crm' } },
      { 'idempotency-key': 'booking-77' },
    );
    assert.equal(first.status, 202);
    // The same message (the number spelt differently, metadata keys in another order): the first.
    const repeat = await send(
      b.apiKey,
      { to: to.replace(/\s/g, ''), text: 'one', metadata: { by: 'crm', booking: 77 } },
      { 'idempotency-key': 'booking-77' },
    );
    assert.equal(repeat.status, 200, JSON.stringify(repeat.json));
    assert.equal(repeat.json.id, first.json.id);
    assert.equal(repeat.json.text, 'one');
    const viaBody = await send(b.apiKey, {
      to,
      text: 'one',
      metadata: { booking: 77, by: 'crm' },
      idempotencyKey: 'booking-77',
    });
    assert.equal(viaBody.status, 200);
    assert.equal(viaBody.json.id, first.json.id);
    // Another message under the same key: refused, naming the problem and the first message.
    for (const other of [
      { to, text: 'two', metadata: { booking: 77, by: 'crm' } },
      { to: nextPhone(), text: 'one', metadata: { booking: 77, by: 'crm' } },
      { to, text: 'one', metadata: { booking: 78, by: 'crm' } },
      { to, text: 'one', metadata: { booking: 77, by: 'crm' }, priority: 'marketing' },
    ]) {
      const reused = await send(b.apiKey, other, { 'idempotency-key': 'booking-77' });
      assert.equal(reused.status, 409, JSON.stringify(other));
      assert.equal(reused.json.error.code, 'conflict');
      assert.equal(reused.json.error.details.field, 'idempotencyKey');
      assert.equal(reused.json.error.details.messageId, first.json.id);
      assert.match(reused.json.error.message, /already used for a different message/);
    }
    const stored = await h.api('GET', '/v1/messages', { key: b.apiKey });
    assert.equal(stored.json.data.length, 1, 'nothing stored by the refused requests');
    const racing = await Promise.all(
      Array.from({ length: 8 }, () => send(b.apiKey, { to, text: 'race' }, { 'idempotency-key': 'race-1' })),
    );
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 202]);
    assert.equal(new Set(racing.map((r) => r.json.id)).size, 1);
    const mismatch = await send(b.apiKey, { to, text: 'x', idempotencyKey: 'a' }, { 'idempotency-key': 'b' });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error.details.field, 'idempotencyKey');
  });

  test("a number without its country code is the business's country's (São Paulo → Brazil)", async () => {
    const b = await newBusiness();
    for (const [to, expected] of [
      ['(11) 98765-4321', '+5511987654321'],
      ['5511987654322', '+5511987654322'],
      ['351912345678', '+351912345678'],
      ['+1 415 555 2671', '+14155552671'],
    ]) {
      const r = await send(b.apiKey, { to, text: 'Olá' });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      assert.equal(r.json.to, expected, to);
    }
  });

  test('bad input is a 400 naming the field', async () => {
    const b = await newBusiness();
    const cases: Array<[unknown, string]> = [
      [{ to: '123', text: 'x' }, 'to'],
      [{ to: 'not a phone at all', text: 'x' }, 'to'],
      [{ text: 'x' }, 'to'],
      [{ to: nextPhone() }, 'text'],
      [{ to: nextPhone(), text: 'x', colour: 'red' }, ''],
      [{ to: nextPhone(), text: 'x', sendAfter: 'tomorrow' }, 'sendAfter'],
      [{ to: nextPhone(), text: 'x', priority: 'vip' }, 'priority'],
      [{ to: nextPhone(), text: 'x', channelId: 'chn_nope' }, 'channelId'],
      [{ to: nextPhone(), template: 'missing' }, 'template'],
      ['{not json', 'body'],
    ];
    for (const [body, field] of cases) {
      const r = await send(b.apiKey, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      if (field) assert.equal(r.json.error.details.field, field, JSON.stringify(body));
    }
    const badList = await h.api('GET', '/v1/messages?status=lost', { key: b.apiKey });
    assert.equal(badList.status, 400);
    assert.equal(badList.json.error.details.field, 'status');
    const badLimit = await h.api('GET', '/v1/messages?limit=1000', { key: b.apiKey });
    assert.equal(badLimit.json.error.details.field, 'limit');
    assert.equal(
      (await h.api('GET', '/v1/messages', { key: b.apiKey })).json.data.length,
      0,
      'nothing stored',
    );
  });

  test('batch: each item on its own, in order', async () => {
    const b = await newBusiness();
    const to = nextPhone();
    const r = await h.api('POST', '/v1/messages/batch', {
      key: b.apiKey,
      body: {
        idempotencyKey: 'import-1',
        messages: [
          { to, text: 'a' },
          { to: 'x', text: 'b' },
          { to, text: 'c', idempotencyKey: 'own' },
          { text: 'd' },
        ],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(
      r.json.results.map((x: any) => x.status),
      [202, 400, 202, 400],
    );
    assert.equal(r.json.results[1].error.details.field, 'to');
    assert.equal(r.json.results[0].message.idempotencyKey, 'import-1:0');
    assert.equal(r.json.results[2].message.idempotencyKey, 'own');
    assert.deepEqual([r.json.accepted, r.json.duplicates, r.json.invalid], [2, 0, 2]);
    const again = await h.api('POST', '/v1/messages/batch', {
      key: b.apiKey,
      body: {
        idempotencyKey: 'import-1',
        messages: [
          { to, text: 'a' },
          { to, text: 'changed' },
        ],
      },
    });
    assert.equal(again.json.results[0].status, 200);
    assert.equal(again.json.results[0].message.id, r.json.results[0].message.id);
    // import-1:1 was the invalid item (nothing stored): a new message under it is accepted.
    assert.equal(again.json.results[1].status, 202);
    const reused = await h.api('POST', '/v1/messages/batch', {
      key: b.apiKey,
      body: { idempotencyKey: 'import-1', messages: [{ to, text: 'not a' }] },
    });
    assert.equal(reused.json.results[0].status, 409);
    assert.equal(reused.json.results[0].error.details.field, 'idempotencyKey');
    assert.deepEqual([reused.json.accepted, reused.json.duplicates, reused.json.invalid], [0, 0, 1]);
    const tooMany = await h.api('POST', '/v1/messages/batch', {
      key: b.apiKey,
      body: { messages: Array.from({ length: 101 }, () => ({ to, text: 'x' })) },
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.json.error.details.field, 'messages');
  });

  test('templates: CRUD, rendering at accept time, a missing variable is a 400', async () => {
    const b = await newBusiness();
    const put = await h.api('PUT', '/v1/templates/reminder/pt-BR', {
      key: b.apiKey,
      body: { body: 'Olá {{name}}, sua consulta é amanhã às {{time}}.' },
    });
    assert.equal(put.status, 201, JSON.stringify(put.json));
    assert.deepEqual(put.json.variables, ['name', 'time']);
    const replaced = await h.api('PUT', '/v1/templates/reminder/pt-br', {
      key: b.apiKey,
      body: { body: 'Olá %CLIENT_NAME%, até amanhã às {{time}}!' },
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.json.language, 'pt-BR');
    const listed = await h.api('GET', '/v1/templates', { key: b.apiKey });
    assert.deepEqual(
      listed.json.map((t: any) => [t.name, t.language]),
      [['reminder', 'pt-BR']],
    );
    const ok = await send(b.apiKey, {
      to: nextPhone(),
      template: 'reminder',
      variables: { client_name: 'Ana', time: '10:00' },
    });
    assert.equal(ok.status, 202, JSON.stringify(ok.json));
    assert.equal(ok.json.text, 'Olá Ana, até amanhã às 10:00!');
    assert.deepEqual(ok.json.template, { name: 'reminder', language: 'pt-BR' });
    const missing = await send(b.apiKey, {
      to: nextPhone(),
      template: 'reminder',
      variables: { client_name: 'Ana' },
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.details.field, 'variables.time');
    const broken = await h.api('PUT', '/v1/templates/bad/en', { key: b.apiKey, body: { body: 'Hi {{name' } });
    assert.equal(broken.status, 400);
    assert.equal(broken.json.error.details.field, 'body');
    const badName = await h.api('PUT', '/v1/templates/bad%20name/en', { key: b.apiKey, body: { body: 'x' } });
    assert.equal(badName.json.error.details.field, 'name');
    assert.equal((await h.api('DELETE', '/v1/templates/reminder/pt-BR', { key: b.apiKey })).status, 204);
    assert.equal((await h.api('GET', '/v1/templates/reminder/pt-BR', { key: b.apiKey })).status, 404);
  });

  test('pacing: defaults, overrides, validation', async () => {
    const b = await newBusiness();
    const initial = await h.api('GET', '/v1/pacing', { key: b.apiKey });
    assert.equal(initial.status, 200);
    assert.equal(initial.json.settings.minIntervalMs, 4_000);
    assert.deepEqual(initial.json.settings.sendingWindow, { start: '08:00', end: '21:00' });
    assert.equal(initial.json.timeZone, 'America/Sao_Paulo');
    const changed = await h.api('PUT', '/v1/pacing', {
      key: b.apiKey,
      body: { minIntervalMs: 6_000, sendingWindow: { start: '09:00', end: '19:30' } },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.json));
    assert.equal(changed.json.settings.minIntervalMs, 6_000);
    assert.equal(changed.json.settings.jitterMs, 3_000);
    assert.deepEqual(changed.json.overrides, {
      minIntervalMs: 6_000,
      sendingWindow: { start: '09:00', end: '19:30' },
    });
    const bad = await h.api('PUT', '/v1/pacing', {
      key: b.apiKey,
      body: { sendingWindow: { start: '9', end: '19:00' } },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.details.field, 'sendingWindow.start');
    const negative = await h.api('PUT', '/v1/pacing', { key: b.apiKey, body: { jitterMs: -1 } });
    assert.equal(negative.json.error.details.field, 'jitterMs');
  });

  test("isolation and keys: another business's message is a 404; support keys and no key are refused", async () => {
    const a = await newBusiness();
    const b = await newBusiness();
    const message = (await send(a.apiKey, { to: nextPhone(), text: 'private' })).json;
    for (const [method, path] of [
      ['GET', `/v1/messages/${message.id}`],
      ['GET', `/v1/messages/${message.id}/events`],
      ['POST', `/v1/messages/${message.id}/cancel`],
    ] as const) {
      const r = await h.api(method, path, { key: b.apiKey });
      assert.equal(r.status, 404, `${method} ${path}`);
    }
    assert.equal((await h.api('GET', '/v1/messages', { key: b.apiKey })).json.data.length, 0);
    const foreignChannel = await send(b.apiKey, { to: nextPhone(), text: 'x', channelId: a.channelId });
    assert.equal(foreignChannel.status, 400);
    assert.equal(foreignChannel.json.error.details.field, 'channelId');
    assert.equal((await h.api('GET', '/v1/messages')).status, 401);
    assert.equal((await h.api('GET', '/v1/messages', { key: h.adminKey })).status, 403);
    assert.equal((await h.api('GET', '/v1/pacing', { key: h.adminKey })).status, 403);
    // The support routes next to these keep working with a support key.
    assert.equal((await h.api('GET', '/v1/tenants', { key: h.adminKey })).status, 200);
    assert.equal((await h.api('GET', `/v1/channels/${a.channelId}`, { key: a.apiKey })).status, 200);
  });

  test('the OpenAPI document lists the message endpoints', async () => {
    const doc = (await h.api('GET', '/openapi.json')).json;
    for (const path of [
      '/v1/messages',
      '/v1/messages/batch',
      '/v1/messages/{messageId}',
      '/v1/messages/{messageId}/cancel',
      '/v1/templates',
      '/v1/templates/{name}/{language}',
      '/v1/pacing',
    ])
      assert.ok(doc.paths[path], path);
    assert.ok(doc.paths['/v1/messages'].post.requestBody.content['application/json'].schema.properties.to);
  });
});
