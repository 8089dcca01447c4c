import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import type { VirtualPhone } from '../../src/simulator/index.js';
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

const PARTNER_TOKEN = 'partner-token-documented-0123456789';
const APPLICATION_ID = '5151';
/** Salons at UTC+5 all year (no DST): a visit written `12:10:00+05:00` is 07:10 UTC. */
const SALON_ZONE = 'Asia/Yekaterinburg';
const PLUS_FIVE = 300;

interface ListedMessage {
  id: string;
  status: string;
  sendAfter: string;
  metadata: { altegio?: { id: string }; altegioRecord?: { kind: string } };
}

/**
 * ALTEGIO as its references document it (issue 10, part B), against the strict fake ALTEGIO, the
 * simulator and the real gateway: operator requests with `channel`, as JSON and form-encoded
 * (PHP brackets) → the client's phone → status reports 8, 4, 1 as JSON arrays with the partner
 * Bearer; record webhooks one at a time and as a list, a phone-less record re-read from the API;
 * notices and reminders on the salon's clock; the sending window in the salon's zone; and every
 * refusal with its documented code and reason, changing nothing.
 */
describe('ALTEGIO as documented', () => {
  let h: Harness;
  let fake: FakeAltegio;
  // A fixed start: 09:00 UTC is 14:00 at the salons.
  const clock = new ManualClock(new Date('2026-03-03T09:00:00Z'));
  let seq = 0;
  // 13 digits, like a Brazilian mobile: a 7-digit prefix, a sequence and the time.
  const phone = (prefix: string) =>
    `${prefix}${String(++seq).padStart(2, '0')}${String(Date.now() % 10_000).padStart(4, '0')}`;

  before(async () => {
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: APPLICATION_ID, clock });
    h = await startHarness({ clock, env: altegioEnv(fake) });
  });
  after(async () => {
    await h?.stop();
    await fake?.stop();
  });

  /** A salon's Connect click, its WhatsApp linked, ALTEGIO's activation: the business and its key. */
  const installAndLink = async (salonId: number, salonName: string) => {
    const response = await fetch(
      fake.registrationUrl(`${h.gateway.url}/altegio/install`, salonId, {
        id: salonId + 1,
        name: 'Olga',
        salon_name: salonName,
      }),
      { redirect: 'manual', headers: { 'accept-language': 'en' } },
    );
    assert.equal(response.status, 302, await response.text());
    const business = await installedBusiness(h, salonName);
    const sender = h.sim.createPhone({ phone: phone('5531970'), business: true, name: salonName });
    await scanChannelQr(h, business.channelPath, sender);
    const { apiKey, webhookUrls } = await activationOf(fake, salonId);
    // Pacing without delays, but with its sending window (08:00–21:00 in the business's zone).
    const pacing = await h.api('PUT', '/v1/pacing', {
      key: apiKey,
      body: { minIntervalMs: 0, jitterMs: 0, typingMsPerChar: 0, typingMaxMs: 0, recipientHourlyCap: 100 },
    });
    assert.equal(pacing.status, 200, JSON.stringify(pacing.json));
    const tenant = async () =>
      (await h.api('GET', `/v1/tenants/${business.tenantId}`, { key: h.adminKey })).json as {
        timeZone: string;
      };
    return { ...business, sender, apiKey, webhookUrl: webhookUrls[0]!, tenant };
  };

  const messagesTo = async (key: string, client: VirtualPhone): Promise<ListedMessage[]> => {
    const r = await h.api('GET', `/v1/messages?phone=%2B${client.phone}&limit=200`, { key });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.data as ListedMessage[];
  };
  const reportsFor = (id: string) =>
    fake
      .statusReports()
      .filter((r) => String(r.id) === id)
      .map((r) => r.status as number);
  const hook = (url: string, body: unknown) => fake.sendRecordWebhook(url, body);

  let ural: Awaited<ReturnType<typeof installAndLink>>;

  test('install: the business takes the salon’s time zone from ALTEGIO’s salons list', async () => {
    fake.setSalon(910_001, { title: 'Studio Ural', timezone_name: SALON_ZONE, city: 'Ekaterinburg' });
    ural = await installAndLink(910_001, 'Studio Ural');
    assert.equal((await ural.tenant()).timeZone, SALON_ZONE);
    assert.ok(fake.calls(`/api/v1/marketplace/application/${APPLICATION_ID}/salons`).length >= 1);
  });

  test('operator requests as JSON and form-encoded reach the phones; reports 8, 4, 1 arrive as arrays', async () => {
    const ana = h.sim.createPhone({ phone: phone('5531981'), name: 'Ana' });
    const json = await sendOperatorRequest(
      h.gateway.url,
      '/altegio/operator',
      ural.apiKey,
      operatorRequestBody(
        { id: 300_001, phone: `+${ana.phone}` },
        'Ana, see you at 12:10.',
        fake.deliveryCallbackUrl,
      ),
    );
    assert.equal(json.status, 200, JSON.stringify(json.body));
    assert.equal((json.body as Array<{ id: string }>)[0]!.id, '300001');
    await waitUntil(() => ana.inbox().length === 1, { what: 'the JSON request delivered' });
    assert.equal(ana.inbox()[0]!.text, 'Ana, see you at 12:10.');

    // Form-encoded as PHP writes it (destination_params[0][phone]=…), two destinations.
    const bia = h.sim.createPhone({ phone: phone('5531982'), name: 'Bia' });
    const caio = h.sim.createPhone({ phone: phone('5531983'), name: 'Caio' });
    const form = await sendOperatorRequest(
      h.gateway.url,
      '/altegio/operator',
      ural.apiKey,
      operatorRequestBody(
        [
          { id: 300_002, phone: `+${bia.phone}` },
          { id: 300_003, phone: caio.phone },
        ],
        'Your visit is tomorrow at 12:10 + see you!',
        fake.deliveryCallbackUrl,
      ),
      'form',
    );
    assert.equal(form.status, 200, JSON.stringify(form.body));
    assert.deepEqual(
      (form.body as Array<{ id: string; ext_id?: string }>).map((e) => [e.id, typeof e.ext_id]),
      [
        ['300002', 'string'],
        ['300003', 'string'],
      ],
    );
    await waitUntil(() => bia.inbox().length === 1 && caio.inbox().length === 1, {
      what: 'the form request delivered to both',
    });
    assert.equal(bia.inbox()[0]!.text, 'Your visit is tomorrow at 12:10 + see you!');

    for (const id of ['300001', '300002', '300003'])
      await waitUntil(() => reportsFor(id).length >= 3, { what: `reports for ${id}`, timeoutMs: 15_000 });
    for (const id of ['300001', '300002', '300003']) assert.deepEqual(reportsFor(id), [8, 4, 1], id);
    const callbacks = fake.calls('/smsprovider/status/callback/');
    assert.ok(callbacks.length >= 9);
    for (const call of callbacks) {
      assert.equal(call.status, 200, call.rawBody);
      assert.ok(Array.isArray(call.body), `a JSON array: ${call.rawBody}`);
      assert.equal(call.headers.authorization, `Bearer ${PARTNER_TOKEN}`);
    }
    const delivered = fake.statusReports().find((r) => String(r.id) === '300001' && r.status === 1)!;
    assert.deepEqual([delivered.payment_sum, delivered.currency_iso, delivered.parts_amount], [0, 'USD', 1]);
  });

  test('refusals: each with its documented code and reason, and nothing stored or reported', async () => {
    const dora = h.sim.createPhone({ phone: phone('5531984'), name: 'Dora' });
    const post = (body: unknown, encoding: 'json' | 'form' = 'json') =>
      sendOperatorRequest(h.gateway.url, '/altegio/operator', ural.apiKey, body, encoding);
    const request = (id: number, overrides: Record<string, unknown> = {}) =>
      operatorRequestBody({ id, phone: dora.phone }, 'Hello Dora', fake.deliveryCallbackUrl, overrides);
    type Refusal = { error_code: number; error_message: string };

    for (const encoding of ['json', 'form'] as const) {
      const sms = await post(request(400_001, { channel: 'sms' }), encoding);
      assert.equal(sms.status, 400, encoding);
      assert.equal((sms.body as Refusal).error_code, 10);
      assert.match((sms.body as Refusal).error_message, /^channel: sms is not delivered by this gateway/);
    }
    const notJson = await post('{"destination_params": [');
    assert.equal(notJson.status, 400);
    assert.deepEqual(
      [(notJson.body as Refusal).error_code, (notJson.body as Refusal).error_message],
      [5, 'body: is not valid JSON'],
    );
    const noText = await post(request(400_002, { text: '' }), 'form');
    assert.equal((noText.body as Refusal).error_code, 10);
    assert.match((noText.body as Refusal).error_message, /^text:/);
    const badPhone = await post(
      operatorRequestBody({ id: 400_003, phone: 'call me' }, 'x', fake.deliveryCallbackUrl),
      'form',
    );
    assert.deepEqual(badPhone.body, [
      { id: '400003', error_code: 10, error_message: 'phone: not a valid phone number' },
    ]);
    const wrongKey = await sendOperatorRequest(
      h.gateway.url,
      '/altegio/operator',
      'zg_live_x',
      request(400_004),
    );
    assert.deepEqual([wrongKey.status, (wrongKey.body as Refusal).error_code], [401, 20]);

    // A paused channel: refused per message with 15 (never 32, which is ALTEGIO's "insufficient funds").
    const channelId = ural.channelPath.split('/').at(-1)!;
    assert.equal((await h.api('POST', `/v1/channels/${channelId}/pause`, { key: ural.apiKey })).status, 200);
    const paused = await post(request(400_005));
    assert.deepEqual(paused.body, [
      { id: '400005', error_code: 15, error_message: 'WhatsApp sending is paused for this business' },
    ]);
    assert.equal((await h.api('POST', `/v1/channels/${channelId}/resume`, { key: ural.apiKey })).status, 200);

    assert.deepEqual(await messagesTo(ural.apiKey, dora), [], 'no refused request stored a message');
    for (let id = 400_001; id <= 400_005; id++)
      assert.deepEqual(reportsFor(String(id)), [], `no report for ${id}`);
  });

  test('record webhooks: one, a list of two, a phone-less one re-read; notices and the reminder on the salon’s clock; “+” confirms in ALTEGIO', async () => {
    const clients = ['5531985', '5531986', '5531987', '5531988'].map((p) =>
      h.sim.createPhone({ phone: phone(p) }),
    );
    const [eva, fabio, gil, hugo] = clients as [VirtualPhone, VirtualPhone, VirtualPhone, VirtualPhone];
    // Two days ahead at 12:10 in the salon (07:10 UTC): the 24 h reminder is still to come.
    const startsAt = new Date('2026-03-05T07:10:00Z');
    const recordFor = (client: VirtualPhone, name: string, overrides: Record<string, unknown> = {}) =>
      altegioRecord({
        companyId: 910_001,
        startsAt,
        offsetMinutes: PLUS_FIVE,
        clientPhone: `+${client.phone}`,
        clientName: name,
        lastChangeDate: clock.now(),
        overrides,
      });
    const one = recordFor(eva, 'Eva');
    assert.match(String(one.datetime), /^2026-03-05T12:10:00\+05:00$/);
    fake.putRecord(one);
    assert.deepEqual((await hook(ural.webhookUrl, recordWebhookEnvelope('create', one))).body, {
      accepted: true,
      reason: 'new',
    });

    // A list of two envelopes: answered with a list, in order.
    const two = [recordFor(fabio, 'Fabio'), recordFor(gil, 'Gil')];
    for (const r of two) fake.putRecord(r);
    const listed = await hook(
      ural.webhookUrl,
      two.map((r) => recordWebhookEnvelope('create', r)),
    );
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body, [
      { accepted: true, reason: 'new' },
      { accepted: true, reason: 'new' },
    ]);

    // No client phone in the webhook: the record is read from ALTEGIO's API (User token, /api/v1).
    const full = recordFor(hugo, 'Hugo');
    fake.putRecord(full);
    const phoneless = { ...full, client: { ...(full.client as object), phone: undefined } };
    assert.deepEqual((await hook(ural.webhookUrl, recordWebhookEnvelope('create', phoneless))).body, {
      accepted: true,
      reason: 'new',
    });
    const read = fake.calls(`/api/v1/record/910001/${full.id}`).find((c) => c.method === 'GET');
    assert.ok(read, 'the record was re-read');
    assert.equal(read.headers.authorization, `Bearer ${PARTNER_TOKEN}, User ${fake.userToken}`);

    // A list with one bad envelope is refused whole, naming it, and applies nothing.
    const ivo = recordFor(h.sim.createPhone({ phone: phone('5531989') }), 'Ivo');
    const bad = await hook(ural.webhookUrl, [
      recordWebhookEnvelope('create', ivo),
      { company_id: 'x', resource: 'record' },
    ]);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /1: company_id/);
    const otherSalon = await hook(ural.webhookUrl, [
      recordWebhookEnvelope('create', { ...ivo, company_id: 1 }),
    ]);
    assert.equal(otherSalon.status, 403);
    const empty = await hook(ural.webhookUrl, []);
    assert.equal(empty.status, 400);
    assert.deepEqual((await hook(ural.webhookUrl, recordWebhookEnvelope('create', ivo))).body, {
      accepted: true,
      reason: 'new',
    });

    // The booking notices go after a minute, saying the salon's 12:10 (not 07:10 UTC).
    clock.advance(61_000);
    for (const client of clients)
      await waitUntil(() => client.inbox().length === 1, { what: 'a booking notice', timeoutMs: 15_000 });
    for (const client of clients) {
      const text = client.inbox()[0]!.text;
      assert.match(text, /Thursday, March 5 at 12:10 PM/, text);
      assert.doesNotMatch(text, /07:10/);
    }
    assert.match(hugo.inbox()[0]!.text, /Hugo/);

    // The 24 h reminder: 12:10 at the salon on March 4 (07:10 UTC), and it names the salon's 12:10.
    clock.advance(new Date('2026-03-04T07:10:30Z').getTime() - clock.now().getTime());
    await waitUntil(() => eva.inbox().length === 2, { what: 'the 24 h reminder', timeoutMs: 15_000 });
    assert.match(eva.inbox()[1]!.text, /March 5 at 12:10 PM.*Reply \+ or 1 to confirm/);

    // Eva answers "+": the attendance write reaches ALTEGIO under /api/v1 with the User token.
    await eva.sendMessage(ural.sender.phone, '+');
    const write = await fake.waitForCall(
      (c) => c.method === 'PUT' && c.path === `/api/v1/record/910001/${one.id}`,
      15_000,
    );
    assert.equal(write.status, 200, write.rawBody);
    assert.equal(write.headers.authorization, `Bearer ${PARTNER_TOKEN}, User ${fake.userToken}`);
    assert.equal(fake.getRecord(910_001, one.id)?.attendance, 2);
    await waitUntil(() => eva.inbox().length === 3, { what: 'the answer to "+"', timeoutMs: 15_000 });
    assert.match(eva.inbox()[2]!.text, /March 5 at 12:10 PM is confirmed/);
  });

  test('the sending window runs in the salon’s zone: a notice due at 22:00 there waits for 08:00', async () => {
    // 17:00 UTC: inside 08:00–21:00 in UTC, but 22:00 at the salon.
    clock.advance(new Date('2026-03-04T17:00:00Z').getTime() - clock.now().getTime());
    const jana = h.sim.createPhone({ phone: phone('5531990') });
    const record = altegioRecord({
      companyId: 910_001,
      startsAt: new Date('2026-03-06T07:10:00Z'),
      offsetMinutes: PLUS_FIVE,
      clientPhone: `+${jana.phone}`,
      clientName: 'Jana',
      lastChangeDate: clock.now(),
    });
    fake.putRecord(record);
    assert.deepEqual((await hook(ural.webhookUrl, recordWebhookEnvelope('create', record))).body, {
      accepted: true,
      reason: 'new',
    });
    clock.advance(61_000);
    // Held by the window until 08:00 at the salon (03:00 UTC), not sent at 17:01 UTC.
    let seen: ListedMessage | undefined;
    const held = await waitUntil(
      async () => {
        [seen] = await messagesTo(ural.apiKey, jana);
        return seen && Date.parse(seen.sendAfter) === Date.parse('2026-03-05T03:00:00Z') ? seen : undefined;
      },
      { what: 'the notice held until 08:00 at the salon', timeoutMs: 15_000 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last seen ${JSON.stringify(seen)}`);
    });
    assert.equal(held.status, 'queued');
    assert.equal(jana.inbox().length, 0);
    clock.advance(new Date('2026-03-05T03:00:30Z').getTime() - clock.now().getTime());
    await waitUntil(() => jana.inbox().length === 1, {
      what: 'sent at 08:00 at the salon',
      timeoutMs: 15_000,
    });
  });

  test('a salon whose zone ALTEGIO cannot say yet: the record’s offset writes 12:10; the zone is taken once known', async () => {
    // 09:00 UTC: inside the window in the default zone too (it runs in UTC until the zone is known).
    clock.advance(new Date('2026-03-05T09:00:00Z').getTime() - clock.now().getTime());
    // Not in the salons list, no company: the business starts in the default zone, pending.
    const kama = await installAndLink(910_002, 'Studio Kama');
    assert.equal((await kama.tenant()).timeZone, 'UTC');
    const lia = h.sim.createPhone({ phone: phone('5531991') });
    const record = altegioRecord({
      companyId: 910_002,
      startsAt: new Date('2026-03-07T07:10:00Z'),
      offsetMinutes: PLUS_FIVE,
      clientPhone: `+${lia.phone}`,
      clientName: 'Lia',
      lastChangeDate: clock.now(),
    });
    fake.putRecord(record);
    assert.deepEqual((await hook(kama.webhookUrl, recordWebhookEnvelope('create', record))).body, {
      accepted: true,
      reason: 'new',
    });
    clock.advance(61_000);
    await waitUntil(() => lia.inbox().length === 1, { what: 'the booking notice', timeoutMs: 15_000 });
    assert.match(lia.inbox()[0]!.text, /Saturday, March 7 at 12:10 PM/);
    assert.equal((await kama.tenant()).timeZone, 'UTC');

    // ALTEGIO now knows the salon; a later webhook (past the retry pause) makes the business take it.
    fake.setSalon(910_002, { title: 'Studio Kama', timezone_name: SALON_ZONE });
    clock.advance(11 * 60_000);
    await hook(kama.webhookUrl, recordWebhookEnvelope('update', { ...record, comment: 'window seat' }));
    await waitUntil(async () => (await kama.tenant()).timeZone === SALON_ZONE, {
      what: 'the business took the salon’s zone',
    });
  });
});
