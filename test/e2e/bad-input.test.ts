import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/gateway-harness.js';

/**
 * Input PostgreSQL or Date cannot take — a NUL character anywhere, an offset such as +25:00,
 * JSON nested thousands deep, a lone surrogate — is a 400 naming the field, never a 500.
 */
describe('bad input is a 400 naming the field', () => {
  let h: Harness;
  let apiKey: string;

  before(async () => {
    h = await startHarness({
      env: {
        // ALTEGIO's routes are mounted only with the integration configured; nothing is called out.
        ALTEGIO_PARTNER_TOKEN: 'partner-token-for-tests',
        ALTEGIO_APPLICATION_ID: '4242',
        ALTEGIO_API_URL: 'http://127.0.0.1:9',
      },
    });
    const created = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'Barbearia', timeZone: 'America/Sao_Paulo' },
    });
    assert.equal(created.status, 201);
    apiKey = created.json.apiKey as string;
  });
  after(async () => h.stop());

  /** Sends a raw body (so it can hold what JSON.stringify would not produce) or none. */
  const raw = async (method: string, path: string, body?: string) => {
    const response = await fetch(h.gateway.url + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const expect400 = (answer: { status: number; json: any }, field: string, what: string) => {
    assert.equal(
      answer.status,
      400,
      `${what}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`,
    );
    assert.equal(answer.json.error.code, 'invalid_input', what);
    assert.equal(answer.json.error.details?.field, field, `${what}: ${answer.json.error.message}`);
    assert.ok(answer.json.error.message.startsWith(`${field}:`), `${what}: ${answer.json.error.message}`);
  };
  const message = (extra: Record<string, unknown>) =>
    JSON.stringify({ to: '+5511987654321', text: 'Lembrete', ...extra });

  test('a NUL character in a string, a JSON key, an id, a query value or name', async () => {
    expect400(await raw('POST', '/v1/messages', message({ text: 'a\u0000b' })), 'text', 'text');
    expect400(
      await raw('POST', '/v1/messages', message({ metadata: { ['ref\u0000']: 1 } })),
      'metadata',
      'metadata key',
    );
    expect400(
      await raw('POST', '/v1/messages', message({ metadata: { deep: ['x', 'y\u0000'] } })),
      'metadata.deep.1',
      'metadata value',
    );
    expect400(
      await raw('POST', '/v1/messages', message({ idempotencyKey: 'k\u0000' })),
      'idempotencyKey',
      'key',
    );
    expect400(await raw('PATCH', '/v1/tenant', JSON.stringify({ name: 'A\u0000' })), 'name', 'tenant name');
    expect400(await raw('GET', '/v1/messages/msg_%00'), 'path', 'id');
    expect400(await raw('GET', '/v1/channels/ch%00x'), 'path', 'channel id');
    expect400(await raw('PUT', '/v1/templates/t%00/en', JSON.stringify({ body: 'x' })), 'path', 'template');
    expect400(await raw('GET', '/v1/messages?phone=%2B55%00'), 'phone', 'query value');
    expect400(await raw('GET', '/v1/messages?cursor=%00'), 'cursor', 'cursor');
    expect400(await raw('GET', '/v1/messages?x%00=1'), 'query', 'query name');
    // Nothing was stored by any of them.
    const list = await raw('GET', '/v1/messages');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.data, []);
  });

  test('a date-time offset Date cannot read, in a body and in a query', async () => {
    expect400(
      await raw('POST', '/v1/messages', message({ sendAfter: '2025-05-01T09:00:00+25:00' })),
      'sendAfter',
      'sendAfter +25:00',
    );
    expect400(
      await raw('POST', '/v1/messages', message({ expiresAt: '2025-05-01T09:00:00-24:00' })),
      'expiresAt',
      'expiresAt -24:00',
    );
    expect400(
      await raw('POST', '/v1/messages', message({ sendAfter: '0000-01-01T00:00:00Z' })),
      'sendAfter',
      'year 0',
    );
    expect400(
      await raw('GET', `/v1/messages?createdFrom=${encodeURIComponent('2025-05-01T09:00:00+25:00')}`),
      'createdFrom',
      'createdFrom',
    );
    const fine = await raw('POST', '/v1/messages', message({ sendAfter: '2025-05-01T09:00:00+23:59' }));
    assert.equal(fine.status, 202, JSON.stringify(fine.json));
  });

  test('JSON nested 5,000 deep (and 33 deep) is refused; 30 deep is fine', async () => {
    const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const deep = await raw(
      'POST',
      '/v1/messages',
      message({}).replace(/}$/, `,"metadata":${nested(5_000)}}`),
    );
    assert.equal(deep.status, 400, JSON.stringify(deep.json).slice(0, 300));
    assert.match(deep.json.error.message, /^metadata(\.a)*: nested deeper than 32 levels/);
    const arrays = await raw('PUT', '/v1/pacing', '['.repeat(5_000) + ']'.repeat(5_000));
    assert.equal(arrays.status, 400);
    const justOver = await raw(
      'POST',
      '/v1/messages',
      message({}).replace(/}$/, `,"metadata":${nested(32)}}`),
    );
    assert.equal(justOver.status, 400);
    const fine = await raw('POST', '/v1/messages', message({}).replace(/}$/, `,"metadata":${nested(30)}}`));
    assert.equal(fine.status, 202, JSON.stringify(fine.json));
  });

  // ALTEGIO's own parsers already refused these; the shared reader now does it first, by the same rule.
  test("ALTEGIO's lifecycle callback: a NUL or deep nesting in its JSON is a 400", async () => {
    const callback = (body: string) =>
      fetch(`${h.gateway.url}/altegio/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const token = 'partner-token-for-tests';
    expect400(
      await callback(
        JSON.stringify({
          salon_id: '1\u0000',
          application_id: 4242,
          event: 'uninstall',
          partner_token: token,
        }),
      ),
      'salon_id',
      'salon_id',
    );
    // Signed correctly, but 5,000 deep: refused by the reader before ALTEGIO's parser sees it.
    const deep = await callback(
      `{"partner_token":"${token}","salon_id":1,"application_id":4242,"event":"uninstall","data":` +
        '{"a":'.repeat(5_000) +
        '1' +
        '}'.repeat(5_001),
    );
    assert.equal(deep.status, 400, JSON.stringify(deep.json).slice(0, 300));
    assert.match(deep.json.error.message, /^data(\.a)*: nested deeper than 32 levels/);
  });

  test("in a batch, a NUL or deep nesting is that item's 400 only", async () => {
    const batch = await raw(
      'POST',
      '/v1/messages/batch',
      JSON.stringify({
        messages: [
          { to: '+5511987650001', text: 'a\u0000b' },
          { to: '+5511987650002', text: 'fine' },
          {
            to: '+5511987650003',
            text: 'deep',
            metadata: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)),
          },
        ],
      }),
    );
    assert.equal(batch.status, 200, JSON.stringify(batch.json).slice(0, 300));
    assert.equal(batch.json.accepted, 1);
    assert.deepEqual(
      batch.json.results.map((r: any) => [r.status, r.error?.details?.field]),
      [
        [400, 'messages.0.text'],
        [202, undefined],
        [400, `messages.2.metadata${'.a'.repeat(29)}`],
      ],
    );
    // The envelope itself is still checked whole.
    expect400(
      await raw('POST', '/v1/messages/batch', JSON.stringify({ messages: [{}], idempotencyKey: 'k\u0000' })),
      'idempotencyKey',
      'batch key',
    );
  });

  test('a lone surrogate in a string', async () => {
    expect400(await raw('POST', '/v1/messages', message({ text: 'a\ud800b' })), 'text', 'text');
    expect400(
      await raw('POST', '/v1/messages', message({ metadata: { note: '\udc00' } })),
      'metadata.note',
      'metadata',
    );
  });
});
