import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChannelAuthStore } from '../../src/whatsapp/channel-auth-store.js';
import { SecretBox, loadMasterKey } from '../../src/store/secret-box.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/** Codes only while someone looks; secrets sealed after a real link; staggered restore after a restart. */
describe('gateway lifecycle', () => {
  let h: Harness;
  let seq = 0;
  const nextPhone = () =>
    `55219${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;

  before(async () => {
    h = await startHarness({ linkWindowSeconds: 10, env: { RESTORE_STAGGER_MS: '600' } });
  });
  after(async () => h.stop());

  const newBusiness = async () =>
    (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Barber Co', timeZone: 'UTC', language: 'es' },
      })
    ).json as {
      tenant: { id: string };
      channelId: string;
      apiKey: string;
    };
  const link = async (business: { channelId: string; apiKey: string }) => {
    const phone = h.sim.createPhone({ phone: nextPhone(), business: true });
    await linkChannelByQr(h, business, phone);
    return phone;
  };

  test('QR codes are generated only while someone looks, then "show a new code"', async () => {
    const business = await newBusiness();
    const watched = await h.api('POST', `/v1/channels/${business.channelId}/watch`, { key: business.apiKey });
    assert.equal(watched.json.status, 'showing_qr');
    assert.ok(Date.parse(watched.json.link.windowEndsAt) > Date.now());
    await waitUntil(() => h.sim.network.connectionCount > 0, { what: 'a registration socket' });
    const ended = await waitUntil(
      async () => {
        const c = (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json;
        return c.linkWindowEnded ? c : undefined;
      },
      { what: 'the link window to end', timeoutMs: 20_000 },
    );
    assert.equal(ended.status, 'not_linked');
    assert.equal(ended.cause, 'link_window_ended');
    assert.equal(ended.link, null);
    await waitUntil(() => h.sim.network.connectionCount === 0, { what: 'no socket left open to WhatsApp' });
    const again = await h.api('POST', `/v1/channels/${business.channelId}/watch`, { key: business.apiKey });
    assert.equal(again.json.status, 'showing_qr', '"Show a new code" starts a fresh window');
    assert.equal(again.json.linkWindowEnded, false);
  });

  test('after a real link, no key material is in clear in the database', async () => {
    const business = await newBusiness();
    await link(business);
    const secrets = new SecretBox(loadMasterKey(undefined, join(h.dataDir, 'master.key')));
    const creds = await new ChannelAuthStore(h.gateway.db, secrets, business.channelId).loadCreds();
    assert.ok(creds?.me, 'the credentials open with the master key');
    const rows = JSON.stringify(
      [
        ...(await h.gateway.db.query('select * from channel_credentials')),
        ...(await h.gateway.db.query('select * from channel_signal_keys')),
      ],
      (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
    );
    const secretsInClear = [
      creds.noiseKey.private,
      creds.signedIdentityKey.private,
      creds.signedPreKey.keyPair.private,
      Buffer.from(creds.advSecretKey, 'base64'),
    ];
    for (const secret of secretsInClear) {
      const bytes = Buffer.from(secret);
      assert.ok(
        !rows.includes(bytes.toString('hex')) && !rows.includes(bytes.toString('base64')),
        'secret found in clear',
      );
    }
    assert.ok(
      !rows.includes('noiseKey') && !rows.includes('pre-key'),
      'no readable structure in the sealed rows',
    );
    const keyRows = await h.gateway.db.query<{ n: number }>(
      'select count(*)::int as n from channel_signal_keys where channel_id = $1',
      [business.channelId],
    );
    assert.ok(keyRows[0]!.n > 800, 'the uploaded pre-keys are stored (sealed)');
  });

  test('after a restart linked channels reconnect by themselves, staggered', async () => {
    const businesses = [await newBusiness(), await newBusiness(), await newBusiness()];
    const phones = [];
    for (const business of businesses) phones.push(await link(business));
    // The stagger spaces the logins WhatsApp sees. They are taken at the handshake, where a session
    // thread's own latency adds the least: sessions restored on different threads log in on their
    // own time, and a cold thread's first login is slower than a warm one's.
    /** Each phone's first login after the restart (a retry later is not the stagger's). */
    const logins = new Map<string, number>();
    let sessionsOnline = 0;
    const numbers = new Set(phones.map((p) => p.phone));
    const onLogin = (e: { kind: string; phone?: string }) => {
      if (e.kind === 'login' && e.phone && numbers.has(e.phone) && !logins.has(e.phone))
        logins.set(e.phone, Date.now());
    };
    const listener = (e: { phone: string }) => {
      if (numbers.has(e.phone)) sessionsOnline++;
    };
    h.sim.events.on('handshake', onLogin);
    h.sim.events.on('online', listener);
    await h.restartGateway();
    // Right after the start, a channel whose session is not open yet says so (it is not
    // "connected" on the word of the process that stopped).
    const statuses = await Promise.all(
      businesses.map(
        async (b) => (await h.api('GET', `/v1/channels/${b.channelId}`, { key: b.apiKey })).json.status,
      ),
    );
    assert.ok(
      statuses.filter((s) => s === 'connected').length <= sessionsOnline,
      `statuses right after the restart: ${statuses.join(', ')}`,
    );
    assert.ok(statuses.includes('reconnecting'), `statuses right after the restart: ${statuses.join(', ')}`);
    try {
      await waitUntil(() => sessionsOnline >= 3, { what: 'three reconnects', timeoutMs: 15_000 });
    } finally {
      h.sim.events.off('online', listener);
      h.sim.events.off('handshake', onLogin);
    }
    assert.equal(logins.size, 3, 'each channel logged in');
    const firstLogins = [...logins.values()].sort((a, b) => a - b);
    for (let i = 1; i < firstLogins.length; i++) {
      const apart = firstLogins[i]! - firstLogins[i - 1]!;
      assert.ok(apart >= 100, `logins ${apart} ms apart`);
    }
    for (const phone of phones) assert.equal(phone.linkedDevices().length, 1);
    for (const business of businesses) {
      await waitUntil(
        async () =>
          (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json.status ===
          'connected',
        {
          what: 'connected again',
        },
      );
    }
  });
});

describe('a link window outlives one socket of QR refs', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ qrTimeoutMs: 1000, linkWindowSeconds: 15 });
  });
  after(async () => h.stop());

  test('when the refs of one socket run out while someone looks, fresh QR codes keep coming', async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Nails', timeZone: 'UTC', language: 'en' },
      })
    ).json as {
      channelId: string;
      apiKey: string;
    };
    await h.api('POST', `/v1/channels/${business.channelId}/watch`, { key: business.apiKey });
    const seen = new Set<string>();
    // Six refs of 1 s each per socket: more than eight distinct codes means a second socket took over.
    await waitUntil(
      async () => {
        const view = (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey }))
          .json;
        if (view.link?.qr?.raw) seen.add(view.link.qr.raw as string);
        return seen.size > 8;
      },
      { what: 'QR codes from a second registration socket', timeoutMs: 14_000 },
    );
    const view = (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json;
    assert.equal(view.status, 'showing_qr');
  });
});
