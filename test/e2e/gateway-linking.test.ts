import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/** The gateway's linking lifecycle through its REST API, against the simulator with unmodified Baileys. */
describe('gateway linking over the API', () => {
  let h: Harness;
  let seq = 0;
  const nextPhone = () => `55119${String(Date.now() % 1_000_000).padStart(6, '0')}${++seq}`;

  before(async () => {
    h = await startHarness();
  });
  after(async () => h.stop());

  const newBusiness = async () => {
    const created = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'Studio Bela', timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    return created.json as {
      tenant: { id: string };
      channelId: string;
      apiKey: string;
      qrPageUrl: string;
      panelLoginUrl: string;
    };
  };
  const channelOf = async (key: string, id: string) =>
    (await h.api('GET', `/v1/channels/${id}`, { key })).json;

  test('QR link, restart without re-scan, then Reset revokes the QR-page link', async () => {
    const business = await newBusiness();
    const phone = h.sim.createPhone({ phone: nextPhone(), business: true, name: 'Studio Bela' });
    const raw = await waitUntil(
      async () => {
        const r = await h.api('GET', `/v1/channels/${business.channelId}/qr?format=raw`, {
          key: business.apiKey,
        });
        return r.status === 200 ? (r.json.qr as string) : undefined;
      },
      { what: 'a QR from the API' },
    );
    assert.match(raw, /^https:\/\/wa\.me\/settings\/linked_devices#/);
    const png = await h.api('GET', `/v1/channels/${business.channelId}/qr?format=png`, {
      key: business.apiKey,
    });
    assert.equal(png.headers.get('content-type'), 'image/png');
    await phone.scan(raw);
    const connected = await waitUntil(
      async () => {
        const c = await channelOf(business.apiKey, business.channelId);
        return c.status === 'connected' ? c : undefined;
      },
      { what: 'connected' },
    );
    assert.equal(connected.phone, `+${phone.phone}`);
    assert.equal(connected.business, true);
    assert.equal(connected.tone, 'green');

    await h.restartGateway();
    const events = await waitUntil(
      async () => {
        const list = (
          await h.api('GET', `/v1/channels/${business.channelId}/events`, { key: business.apiKey })
        ).json as Array<{ status: string; cause: string }>;
        return list[0]?.status === 'connected' && list[0].cause === 'restored' ? list : undefined;
      },
      { what: 'connected again after the restart' },
    );
    assert.deepEqual(
      events.slice(0, 2).map((e) => e.status),
      ['connected', 'reconnecting'],
    );
    assert.equal(phone.linkedDevices().length, 1, 'no second device: nothing was re-scanned');
    assert.equal(phone.linkedDevices()[0]?.online, true);

    // The restarted gateway listens on a new port: reach the same paths there.
    const here = (url: string) => h.gateway.url + new URL(url).pathname;
    const oldPage = await fetch(here(business.qrPageUrl));
    assert.equal(oldPage.status, 200);
    const reset = await h.api('POST', `/v1/channels/${business.channelId}/reset`, { key: business.apiKey });
    assert.equal(reset.status, 200);
    assert.notEqual(reset.json.qrPageUrl, business.qrPageUrl);
    assert.equal((await fetch(here(business.qrPageUrl))).status, 404, 'the old QR-page link is dead');
    assert.equal((await fetch(here(reset.json.qrPageUrl))).status, 200);
    await waitUntil(() => phone.linkedDevices().length === 0, {
      what: 'the phone no longer lists the device',
    });
    assert.equal((await channelOf(business.apiKey, business.channelId)).status, 'not_linked');
  });

  test('support switches to code mode; the code links; the phone removing it turns the channel red', async () => {
    const business = await newBusiness();
    const phone = h.sim.createPhone({ phone: nextPhone(), business: false });
    const forbidden = await h.api('PUT', `/v1/channels/${business.channelId}/link-mode`, {
      key: business.apiKey,
      body: { mode: 'code' },
    });
    assert.equal(forbidden.status, 403);
    const switched = await h.api(
      'PUT',
      `/v1/tenants/${business.tenant.id}/channels/${business.channelId}/link-mode`,
      { key: h.adminKey, body: { mode: 'code' } },
    );
    assert.equal(switched.status, 200);
    assert.equal(switched.json.linkMode, 'code');
    const notReady = await h.api('GET', `/v1/channels/${business.channelId}/pairing-code`, {
      key: business.apiKey,
    });
    assert.equal(notReady.status, 409);
    assert.equal(notReady.json.error.details.field, 'phone');
    const badPhone = await h.api('PUT', `/v1/channels/${business.channelId}/pairing-phone`, {
      key: business.apiKey,
      body: { phone: '12' },
    });
    assert.equal(badPhone.status, 400);
    await h.api('PUT', `/v1/channels/${business.channelId}/pairing-phone`, {
      key: business.apiKey,
      body: { phone: `+${phone.phone}` },
    });
    const code = await waitUntil(
      async () => {
        const r = await h.api('GET', `/v1/channels/${business.channelId}/pairing-code`, {
          key: business.apiKey,
        });
        return r.status === 200 ? (r.json.code as string) : undefined;
      },
      { what: 'a pairing code' },
    );
    assert.match(code, /^[1-9A-Z]{4}-[1-9A-Z]{4}$/);
    await phone.enterPairingCode(code);
    const connected = await waitUntil(
      async () => {
        const c = await channelOf(business.apiKey, business.channelId);
        return c.status === 'connected' ? c : undefined;
      },
      { what: 'connected by code' },
    );
    assert.equal(connected.business, false, 'personal WhatsApp app detected');

    phone.removeDevice(phone.linkedDevices()[0]!.device);
    const removed = await waitUntil(
      async () => {
        const c = await channelOf(business.apiKey, business.channelId);
        return c.status === 'removed' ? c : undefined;
      },
      { what: 'removed' },
    );
    assert.equal(removed.tone, 'red');
  });

  test('/metrics exposes session states and status changes in Prometheus format', async () => {
    const response = await fetch(`${h.gateway.url}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /zapgate_channel_status_changes_total\{status="connected",cause="opened"\} \d+/);
    assert.match(text, /# TYPE zapgate_sessions gauge/);
    // The sessions run in a session thread (SESSION_THREADS=1): its own heap and loop are shown.
    assert.match(text, /zapgate_session_thread_heap_used_bytes\{thread="0"\} [1-9]\d*/);
    assert.match(text, /zapgate_session_thread_sessions\{thread="0"\} \d+/);
    assert.match(text, /zapgate_session_thread_event_loop_delay_p99_seconds\{thread="0"\} [\d.e-]+/);
  });

  test('bad input gets a clear error naming the problem', async () => {
    const noKey = await h.api('GET', '/v1/channels');
    assert.equal(noKey.status, 401);
    const bad = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'X', timeZone: 'Mars/Base', language: 'en' },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /timeZone/);
    const unknownField = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'X', timeZone: 'UTC', color: 'red' },
    });
    assert.equal(unknownField.status, 400);
    const badLang = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'X', timeZone: 'UTC', language: 'fr' },
    });
    assert.equal(badLang.status, 400);
    assert.equal(badLang.json.error.details.field, 'language');
    const openapi = await h.api('GET', '/openapi.json');
    assert.equal(openapi.status, 200);
    assert.ok(openapi.json.paths['/v1/channels/{channelId}/qr']);
  });
});
