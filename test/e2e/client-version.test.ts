import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WAVersion } from 'baileys';
import { CLIENT_VERSION_FLOOR } from '../../src/whatsapp/client-version.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * WhatsApp raises its minimum client version: every login of the old version is refused with 405.
 * The gateway does not loop on reconnects: the channel says "version refused — updating", the
 * gateway looks the version up again (here at the simulator's sw.js; nothing reaches the internet)
 * and, once WhatsApp Web serves the new revision, logs in with it — same device, no re-scan.
 */
describe('client version refused (405)', () => {
  let h: Harness;
  const bumped: WAVersion = [2, 3000, CLIENT_VERSION_FLOOR[2] + 1_000];

  before(async () => {
    h = await startHarness({ env: { WA_VERSION: 'auto', WA_VERSION_CHECK_SECONDS: '0.5' } });
  });
  after(async () => {
    await h.stop();
  });

  test('the simulator serves its current version as sw.js text', async () => {
    const text = await (await fetch(`${h.sim.controlUrl}/sw.js`)).text();
    assert.match(text, new RegExp(`\\\\"client_revision\\\\":${CLIENT_VERSION_FLOOR[2]}`));
  });

  test('refused with 405: "version refused — updating", no reconnect loop, back by itself after the bump', async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Salon', timeZone: 'UTC', language: 'en' },
      })
    ).json as { channelId: string; apiKey: string };
    const phone = h.sim.createPhone({ phone: '5541966660001', business: true });
    const client = h.sim.createPhone({ phone: '5541966660002' });
    await linkChannelByQr(h, business, phone);
    const channel = async () =>
      (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json;

    let refusals = 0;
    h.sim.events.on('version-refused', () => refusals++);
    // WhatsApp stops accepting the old version before its sw.js serves the new one.
    h.sim.network.setClientVersions({ minimum: bumped });
    h.sim.injectFault({ kind: 'drop', phone: phone.phone });

    const refused = await waitUntil(
      async () => {
        const c = await channel();
        return c.status === 'reconnecting' && c.cause === 'version_refused' ? c : undefined;
      },
      { what: 'the channel saying its version was refused' },
    );
    assert.equal(refused.tone, 'amber');
    // While sw.js has nothing newer, the gateway looks again and again but does not log in again.
    const lookups = h.sim.network.serviceWorkerFetches;
    await waitUntil(() => h.sim.network.serviceWorkerFetches >= lookups + 3, {
      what: 'three more version lookups',
    });
    assert.equal(refusals, 1, 'one refused login, not a reconnect loop');
    assert.equal((await channel()).cause, 'version_refused');

    // WhatsApp Web now serves the new revision: the channel comes back by itself, same device.
    h.sim.network.setClientVersions({ current: bumped });
    await waitUntil(async () => (await channel()).status === 'connected', {
      what: 'connected again with the new version',
      timeoutMs: 20_000,
    });
    assert.equal(phone.linkedDevices().length, 1, 'no re-scan: the same linked device');
    assert.equal(refusals, 1);

    const metrics = (await h.api('GET', '/metrics')).json as string;
    assert.match(metrics, /zapgate_client_version_refusals_total 1/);
    assert.match(metrics, /zapgate_session_reconnects_total\{cause="version_refused"\} \d+/);

    assert.equal(
      (await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } })).status,
      200,
    );
    const sent = await h.api('POST', '/v1/messages', {
      key: business.apiKey,
      body: { to: `+${client.phone}`, text: 'Back online' },
    });
    assert.equal(sent.status, 202);
    await waitUntil(() => client.inbox().some((m) => m.text === 'Back online'), { what: 'the message' });

    // A restart resolves the version at start: it logs in with the new one at once.
    await h.restartGateway();
    await waitUntil(async () => (await channel()).status === 'connected', { what: 'restored' });
    assert.equal(refusals, 1, 'no refusal after a restart');
  });
});

/** The session threads share the process's one version resolver: one lookup, not one per thread. */
describe('client version with two session threads', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ env: { WA_VERSION: 'auto', SESSION_THREADS: '2' } });
  });
  after(async () => {
    await h.stop();
  });

  test("two channels' first sessions, one in each thread, make one version lookup", async () => {
    await h.gateway.restored;
    const before = h.sim.network.serviceWorkerFetches;
    const businesses = [];
    for (const name of ['Salon', 'Studio']) {
      const business = (
        await h.api('POST', '/v1/tenants', {
          key: h.adminKey,
          body: { name, timeZone: 'UTC', language: 'en' },
        })
      ).json as { channelId: string; apiKey: string };
      await h.api('POST', `/v1/channels/${business.channelId}/watch`, { key: business.apiKey });
      businesses.push(business);
    }
    for (const business of businesses)
      await waitUntil(
        async () =>
          (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json.link?.qr,
        { what: 'a QR code (its session connected, so its thread had the version)' },
      );
    const threads = ((await h.api('GET', '/metrics')).json as string).match(
      /^zapgate_session_thread_sessions\{thread="\d+"\} 1$/gm,
    );
    assert.equal(threads?.length, 2, 'one session in each thread');
    assert.equal(h.sim.network.serviceWorkerFetches - before, 1);
  });
});
