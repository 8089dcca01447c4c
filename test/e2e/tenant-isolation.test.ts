import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/gateway-harness.js';

/**
 * One business can never see or act on another's channels, QR codes, links or data: every
 * endpoint is tried with business A's credentials against business B's channel.
 */
describe('tenant isolation across every endpoint', () => {
  let h: Harness;
  let a: {
    tenant: { id: string };
    channelId: string;
    apiKey: string;
    panelLoginUrl: string;
    qrPageUrl: string;
  };
  let b: typeof a;
  let panelCookieA = '';

  before(async () => {
    h = await startHarness();
    const create = async (name: string) =>
      (
        await h.api('POST', '/v1/tenants', {
          key: h.adminKey,
          body: { name, timeZone: 'UTC', language: 'en' },
        })
      ).json as typeof a;
    a = await create('Alpha Clinic');
    b = await create('Beta Studio');
    const login = await fetch(a.panelLoginUrl, { redirect: 'manual' });
    panelCookieA = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(panelCookieA, /^zg_panel=/);
  });
  after(async () => h.stop());

  const channelEndpoints = (id: string): Array<[string, string, unknown?]> => [
    ['GET', `/v1/channels/${id}`],
    ['GET', `/v1/channels/${id}/events`],
    ['POST', `/v1/channels/${id}/watch`],
    ['GET', `/v1/channels/${id}/qr?format=raw`],
    ['GET', `/v1/channels/${id}/qr?format=png`],
    ['GET', `/v1/channels/${id}/pairing-code`],
    ['PUT', `/v1/channels/${id}/pairing-phone`, { phone: '+5511987654321' }],
    ['POST', `/v1/channels/${id}/reset`],
    ['GET', `/v1/channels/${id}/qr-page-link`],
  ];

  test("a business API key reaches none of another business's channel endpoints", async () => {
    for (const [method, path, body] of channelEndpoints(b.channelId)) {
      const r = await h.api(method, path, { key: a.apiKey, body });
      assert.equal(r.status, 404, `${method} ${path} → ${r.status}`);
      assert.ok(!JSON.stringify(r.json).includes(b.tenant.id), `${method} ${path} leaked B's id`);
    }
    const list = await h.api('GET', '/v1/channels', { key: a.apiKey });
    assert.deepEqual(
      list.json.map((c: { id: string }) => c.id),
      [a.channelId],
    );
    const channelB = await h.api('GET', `/v1/channels/${b.channelId}`, { key: b.apiKey });
    assert.equal(channelB.status, 200, 'B still sees its own channel');
    assert.equal(channelB.json.status, 'not_linked', "A's attempts changed nothing of B's");
  });

  test('a business key cannot use support routes, nor reach other businesses through them', async () => {
    for (const [method, path] of [
      ['GET', '/v1/tenants'],
      ['POST', '/v1/tenants'],
      ['GET', `/v1/tenants/${b.tenant.id}`],
      ['GET', `/v1/tenants/${b.tenant.id}/channels`],
      ['POST', `/v1/tenants/${b.tenant.id}/panel-login-links`],
      ['PUT', `/v1/tenants/${b.tenant.id}/channels/${b.channelId}/link-mode`],
    ] as const) {
      const r = await h.api(method, path, { key: a.apiKey, body: method === 'GET' ? undefined : {} });
      assert.equal(r.status, 403, `${method} ${path} → ${r.status}`);
    }
    const tenantA = await h.api('GET', '/v1/tenant', { key: a.apiKey });
    assert.equal(tenantA.json.id, a.tenant.id);
  });

  test("a panel session reaches none of another business's channels", async () => {
    const panel = (method: string, path: string, body?: unknown) =>
      fetch(h.gateway.url + path, {
        method,
        // The panel's JSON routes take JSON only (a cross-site form cannot send it).
        headers: {
          cookie: panelCookieA,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      });
    for (const [method, path, body] of [
      ['POST', `/panel/api/channels/${b.channelId}/watch`],
      ['POST', `/panel/api/channels/${b.channelId}/unwatch`],
      ['POST', `/panel/api/channels/${b.channelId}/reset`],
      ['POST', `/panel/api/channels/${b.channelId}/pairing-phone`, { phone: '+5511987654321' }],
    ] as const) {
      const r = await panel(method, path, body);
      assert.equal(r.status, 404, `${method} ${path} → ${r.status}`);
    }
    const list = (await (await panel('GET', '/panel/api/channels')).json()) as Array<{ id: string }>;
    assert.deepEqual(
      list.map((c) => c.id),
      [a.channelId],
    );
    const page = await (await panel('GET', '/panel')).text();
    assert.ok(!page.includes('Beta Studio') && !page.includes(b.channelId));
    const noCookie = await fetch(h.gateway.url + '/panel/api/channels');
    assert.equal(noCookie.status, 401);
  });

  test("a QR-page link shows only its own channel and cannot be bent to another's", async () => {
    const tokenA = a.qrPageUrl.split('/link/')[1]!;
    const pageA = await (await fetch(a.qrPageUrl)).text();
    assert.ok(!pageA.includes('Alpha Clinic'), 'the QR page does not reveal the business');
    assert.ok(!pageA.includes(b.channelId));
    const viewA = (await (await fetch(`${h.gateway.url}/link/${tokenA}/api/channel`)).json()) as {
      id: string;
      qrPageUrl?: string;
    };
    assert.equal(viewA.id, a.channelId);
    assert.equal(viewA.qrPageUrl, undefined);
    const forged = await fetch(`${h.gateway.url}/link/${tokenA.slice(0, -2)}xx/api/channel`);
    assert.equal(forged.status, 410);
    const support = await fetch(`${h.gateway.url}/support/api/rows`, { headers: { cookie: panelCookieA } });
    assert.equal(support.status, 401, 'a panel session is not a support session');
  });
});
