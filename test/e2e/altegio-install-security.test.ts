import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  sendOperatorRequest,
  signedRegistrationUrl,
  startFakeAltegio,
  type FakeAltegio,
} from '../support/fake-altegio.js';
import { altegioEnv, activationOf, installedBusiness, scanChannelQr } from '../support/altegio-harness.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';
import { daytimeClock } from '../support/daytime-clock.js';

const PARTNER_TOKEN = 'partner-token-for-install-security-0123';
const APPLICATION_ID = '4343';

/**
 * The registration URL is public: whoever opens it must not get a business's panel, cut ALTEGIO
 * off, or hold a salon id before its owner. And nothing secret is kept in clear in ALTEGIO's tables.
 * Against the strict fake ALTEGIO (install status, User token, /api/v1) and the real gateway.
 */
describe('ALTEGIO install: proof, squatting, keys and secrets', () => {
  let h: Harness;
  let fake: FakeAltegio;
  let seq = 0;
  const nextPhone = () =>
    `55419${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;

  before(async () => {
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: APPLICATION_ID });
    h = await startHarness({
      env: altegioEnv(fake),
      clock: daytimeClock(),
    });
  });
  after(async () => {
    await h?.stop();
    await fake?.stop();
  });

  const installPath = () => `${h.gateway.url}/altegio/install`;
  const open = (url: string) => fetch(url, { redirect: 'manual', headers: { 'accept-language': 'en' } });
  const tenantCount = async () =>
    ((await h.api('GET', '/v1/tenants', { key: h.adminKey })).json as unknown[]).length;
  /** Whether ALTEGIO's key still opens the business's API. */
  const keyWorks = async (key: string) =>
    (await h.api('GET', '/v1/messages?limit=1', { key })).status === 200;

  /** A salon installed by ALTEGIO user `userId`, linked and activated: its key at ALTEGIO. */
  const installed = async (salonId: number, userId: number, salonName: string) => {
    const response = await open(
      fake.registrationUrl(installPath(), salonId, { id: userId, salon_name: salonName }),
    );
    assert.equal(response.status, 302, await response.text());
    const business = await installedBusiness(h, salonName);
    await scanChannelQr(h, business.channelPath, h.sim.createPhone({ phone: nextPhone(), business: true }));
    const activation = await activationOf(fake, salonId);
    return { ...business, apiKey: activation.apiKey };
  };

  test('a salon we serve: no session without the recorded user and ALTEGIO’s word; no key revoked', async () => {
    const salonId = 710_001;
    const { apiKey } = await installed(salonId, 11, 'Studio Dona');
    const before = await tenantCount();

    const attempts: Array<[string, string]> = [
      ['no user_data at all', `${installPath()}?salon_id=${salonId}`],
      [
        'user_data of another ALTEGIO user (validly signed)',
        signedRegistrationUrl(installPath(), salonId, PARTNER_TOKEN, { id: 99, salon_name: 'Studio Dona' }),
      ],
    ];
    for (const [what, url] of attempts) {
      const response = await open(url);
      const page = await response.text();
      assert.equal(response.status, 200, what);
      assert.equal(response.headers.get('set-cookie'), null, `${what}: no panel session`);
      assert.match(page, /already connected/, what);
      assert.match(page, /data-testid="open-panel"/, `${what}: the login route is offered`);
      assert.ok(await keyWorks(apiKey), `${what}: ALTEGIO's key still works`);
    }

    // The right user, but ALTEGIO says the salon no longer has the app: still no session.
    fake.setInstallStatus(salonId, undefined);
    const rightUser = signedRegistrationUrl(installPath(), salonId, PARTNER_TOKEN, { id: 11 });
    const gone = await open(rightUser);
    assert.equal(gone.status, 200);
    assert.equal(gone.headers.get('set-cookie'), null, 'no session when ALTEGIO does not confirm');
    assert.ok(await keyWorks(apiKey));
    assert.equal(fake.activations.get(String(salonId))?.count, 1, 'no new activation');
    assert.equal(await tenantCount(), before, 'no business created');

    // The recorded user (the KB's `user_id` key) and ALTEGIO confirms: the panel opens. The key
    // ALTEGIO has keeps working until the new one is activated, and only then stops.
    fake.setInstallStatus(salonId, 'active');
    const proven = await open(signedRegistrationUrl(installPath(), salonId, PARTNER_TOKEN, { user_id: 11 }));
    assert.equal(proven.status, 302);
    assert.match(proven.headers.get('set-cookie') ?? '', /^zg_panel=/);
    const renewed = await waitUntil(
      () => {
        const a = fake.activations.get(String(salonId));
        return a && a.count === 2 ? a : undefined;
      },
      { what: 'the new key activated', timeoutMs: 20_000 },
    );
    assert.notEqual(renewed.apiKey, apiKey);
    assert.ok(await keyWorks(renewed.apiKey));
    await waitUntil(async () => !(await keyWorks(apiKey)), { what: 'the old key revoked after activation' });
  });

  test('the old key stays valid while the new activation keeps failing', async () => {
    const salonId = 710_002;
    const { apiKey } = await installed(salonId, 12, 'Studio Eco');
    // Under both marketplace bases: whichever the gateway is configured with.
    const bases = ['/api/v1/marketplace/partner/callback', '/marketplace/partner/callback'];
    for (const base of bases) fake.failNext(base, 1000, 503);
    try {
      const again = await open(fake.registrationUrl(installPath(), salonId, { id: 12 }));
      assert.equal(again.status, 302);
      await fake.waitForCall((c) => c.path.endsWith('/marketplace/partner/callback') && c.status === 503);
      assert.ok(await keyWorks(apiKey), 'not revoked before the activation succeeds');
    } finally {
      for (const base of bases) fake.stopFailing(base);
    }
  });

  test('a 422 read as "already active" retires no key: ALTEGIO may still hold the old one', async () => {
    const salonId = 710_005;
    const { apiKey } = await installed(salonId, 15, 'Studio Par');
    const bases = ['/api/v1/marketplace/partner/callback', '/marketplace/partner/callback'];
    for (const base of bases) fake.failNext(base, 1, 422);
    const again = await open(fake.registrationUrl(installPath(), salonId, { id: 15 }));
    assert.equal(again.status, 302);
    await waitUntil(
      async () => {
        const [row] = await h.gateway.db.query<{ state: string }>(
          'select activation_state as state from altegio_installs where salon_id = $1',
          [String(salonId)],
        );
        return row?.state === 'accepted';
      },
      { what: 'the activation taken as done (status active)' },
    );
    for (const base of bases) fake.stopFailing(base);
    assert.equal(fake.activations.get(String(salonId))?.count, 1, 'ALTEGIO never took the new key');
    assert.ok(await keyWorks(apiKey), 'the key ALTEGIO holds still works');
  });

  test('a salon ALTEGIO does not show installing the app becomes no business (no squatting)', async () => {
    const before = await tenantCount();
    const salonId = 710_003;
    for (const url of [
      `${installPath()}?salon_id=${salonId}`,
      signedRegistrationUrl(installPath(), salonId, PARTNER_TOKEN, { id: 5, salon_name: 'Squat' }),
    ]) {
      const response = await open(url);
      assert.equal(response.status, 403, await response.text());
      assert.equal(response.headers.get('set-cookie'), null);
    }
    // Frozen at ALTEGIO is not "installing" either.
    fake.setInstallStatus(salonId, 'freezed');
    assert.equal((await open(`${installPath()}?salon_id=${salonId}`)).status, 403);
    assert.equal(await tenantCount(), before, 'nothing created');
    // The owner's own Connect click (ALTEGIO records the install as pending) creates it.
    const ok = await open(fake.registrationUrl(installPath(), salonId, { id: 5, salon_name: 'Squat' }));
    assert.equal(ok.status, 302);
    assert.equal(await tenantCount(), before + 1);
  });

  test('lifecycle callback for a salon we do not serve: 2xx, nothing changes', async () => {
    const response = await fetch(`${h.gateway.url}/altegio/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        salon_id: 719_999,
        application_id: Number(APPLICATION_ID),
        event: 'uninstall',
        partner_token: PARTNER_TOKEN,
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { known: boolean }).known, false);
  });

  test('no secret in clear in any ALTEGIO table', async () => {
    const salonId = 710_004;
    const { apiKey, tenantId } = await installed(salonId, 14, 'Studio Sigilo');
    const webhookUrl = fake.activations.get(String(salonId))!.webhookUrls[0]!;
    const webhookToken = webhookUrl.split('/').pop()!;
    const client = h.sim.createPhone({ phone: nextPhone() });
    const answer = await sendOperatorRequest(h.gateway.url, '/altegio/operator', apiKey, {
      destination_params: [{ id: 555_001, phone: `+${client.phone}` }],
      from: 'Sigilo',
      text: 'Your visit is tomorrow.',
      channel: 'whatsapp',
      dispatch_type: 'service',
      delivery_callback_url: fake.deliveryCallbackUrl,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    // Reports still reach ALTEGIO's URL with the token in its path (filled in when sent).
    await waitUntil(() => fake.statusReports().some((r) => String(r.id) === '555001' && r.status === 1), {
      what: 'the delivered report',
      timeoutMs: 15_000,
    });
    const tables = await h.gateway.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables
       where table_schema = current_schema() and table_name like 'altegio%'`,
    );
    assert.ok(tables.length >= 4);
    const secrets = { apiKey, webhookToken, partnerToken: PARTNER_TOKEN, userToken: fake.userToken };
    for (const { table_name } of tables) {
      const rows = await h.gateway.db.query(`select * from ${table_name}`);
      const text = JSON.stringify(rows, (_k, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
      );
      for (const [name, secret] of Object.entries(secrets))
        assert.ok(!text.includes(secret), `${table_name} holds the ${name} in clear`);
    }
    const [activation] = await h.gateway.db.query<{ body: Record<string, unknown> }>(
      `select body from altegio_calls where tenant_id = $1 and kind = 'activation'`,
      [tenantId],
    );
    assert.equal(activation!.body.salon_id, salonId, 'the rest of the activation is kept for support');
  });

  // Last: it spends this address's allowance.
  test('the registration URL is rate-limited per client address (each request asks ALTEGIO)', async () => {
    const asked = () => fake.calls('/api/v1/marketplace/salon/710999').length;
    let limited: Response | undefined;
    // 30 a minute; a window boundary during the loop restarts the count at most once.
    for (let i = 0; i < 70 && !limited; i++) {
      const response = await open(`${installPath()}?salon_id=710999`);
      if (response.status === 429) limited = response;
      else await response.body?.cancel();
    }
    assert.ok(limited, 'refused with 429');
    const before = asked();
    assert.equal((await open(`${installPath()}?salon_id=710999`)).status, 429);
    assert.equal(asked(), before, 'a refused request does not reach ALTEGIO');
  });
});
