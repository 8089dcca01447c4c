import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import {
  altegioRecord,
  operatorRequestBody,
  recordWebhookEnvelope,
  sendOperatorRequest,
  startFakeAltegio,
  type FakeAltegio,
} from '../support/fake-altegio.js';
import { altegioEnv, activationOf, installedBusiness, scanChannelQr } from '../support/altegio-harness.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

const YCLIENTS_ACCEPT = 'application/vnd.yclients.v2+json';

/**
 * The same adapter serving YCLIENTS (ALTEGIO_BRAND=yclients): a fake that wants YCLIENTS' Accept
 * header on every API call and serves marketplace calls at the host's root, as integrators' code
 * calls api.yclients.com. Install in the salon's zone → link → activation → an operator request
 * delivered and reported → a booking notice on the salon's clock.
 */
describe('YCLIENTS through the same adapter', () => {
  let h: Harness;
  let fake: FakeAltegio;
  const clock = new ManualClock(new Date('2026-03-03T09:00:00Z'));

  before(async () => {
    fake = await startFakeAltegio({
      partnerToken: 'yclients-partner-token-0123456789',
      applicationId: '6262',
      accept: YCLIENTS_ACCEPT,
      clock,
    });
    h = await startHarness({ clock, env: altegioEnv(fake, { ALTEGIO_BRAND: 'yclients' }) });
  });
  after(async () => {
    await h?.stop();
    await fake?.stop();
  });

  test('install, activation, a message and a booking notice, every API call with YCLIENTS’ Accept', async () => {
    const salonId = 920_001;
    fake.setSalon(salonId, { title: 'Salon Moskva', timezone_name: 'Europe/Moscow' });
    const response = await fetch(
      fake.registrationUrl(`${h.gateway.url}/altegio/install`, salonId, {
        id: 77,
        name: 'Irina',
        salon_name: 'Salon Moskva',
      }),
      { redirect: 'manual', headers: { 'accept-language': 'en' } },
    );
    assert.equal(response.status, 302, await response.text());
    const business = await installedBusiness(h, 'Salon Moskva');
    const tenant = (await h.api('GET', `/v1/tenants/${business.tenantId}`, { key: h.adminKey })).json;
    assert.equal(tenant.timeZone, 'Europe/Moscow');
    const sender = h.sim.createPhone({
      phone: `5531971${String(Date.now() % 1_000_000).padStart(6, '0')}`,
      business: true,
    });
    await scanChannelQr(h, business.channelPath, sender);
    const { apiKey, webhookUrls } = await activationOf(fake, salonId);
    // Marketplace calls at the host's root (YCLIENTS' form), not under /api/v1.
    assert.ok(fake.calls('/marketplace/partner/callback').length >= 1);
    assert.equal(fake.calls('/api/v1/marketplace/').length, 0);
    await h.api('PUT', '/v1/pacing', { key: apiKey, body: { enabled: false } });

    const client = h.sim.createPhone({ phone: `5531972${String(Date.now() % 1_000_000).padStart(6, '0')}` });
    const answer = await sendOperatorRequest(
      h.gateway.url,
      '/altegio/operator',
      apiKey,
      operatorRequestBody(
        { id: 777_001, phone: client.phone },
        'Ваша запись завтра в 12:10',
        fake.deliveryCallbackUrl,
      ),
      'form',
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    await waitUntil(() => client.inbox().length === 1, { what: 'the message' });
    await waitUntil(
      () =>
        fake
          .statusReports()
          .filter((r) => r.id === '777001')
          .map((r) => r.status)
          .join() === '8,4,1',
      { what: 'reports 8, 4, 1', timeoutMs: 15_000 },
    );

    // A visit at 12:10 in Moscow (+03:00): the notice says 12:10.
    const record = altegioRecord({
      companyId: salonId,
      startsAt: new Date('2026-03-05T09:10:00Z'),
      offsetMinutes: 180,
      clientPhone: `+${client.phone}`,
      clientName: 'Olga',
      lastChangeDate: clock.now(),
    });
    fake.putRecord(record);
    const created = await fake.sendRecordWebhook(webhookUrls[0]!, recordWebhookEnvelope('create', record));
    assert.deepEqual(created.body, { accepted: true, reason: 'new' });
    clock.advance(61_000);
    await waitUntil(() => client.inbox().length === 2, { what: 'the booking notice', timeoutMs: 15_000 });
    assert.match(client.inbox()[1]!.text, /Thursday, March 5 at 12:10 PM/);

    // Every API call the gateway made carried YCLIENTS' Accept header; the fake refuses ALTEGIO's.
    const apiCalls = fake
      .calls()
      .filter((c) => c.path.startsWith('/marketplace') || c.path.startsWith('/api/v1'));
    assert.ok(apiCalls.length >= 3);
    for (const call of apiCalls) assert.equal(call.headers.accept, YCLIENTS_ACCEPT, call.path);
    const wrong = await fetch(`${fake.url}/marketplace/application/6262/salons`, {
      headers: { authorization: `Bearer ${fake.partnerToken}`, accept: 'application/vnd.api.v2+json' },
    });
    assert.equal(wrong.status, 406);
  });
});
