import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { ManualClock } from '../../src/clock.js';
import {
  altegioDateTime,
  altegioRecord,
  recordWebhookEnvelope,
  sendOperatorRequest,
  sendRecordWebhook,
  startFakeAltegio,
  type FakeAltegio,
} from '../support/fake-altegio.js';
import { altegioEnv, activationOf, installedBusiness, scanChannelQr } from '../support/altegio-harness.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';
import { daytimeClock } from '../support/daytime-clock.js';

const PARTNER_TOKEN = 'partner-token-for-tests-0123456789';

interface ListedMessage {
  id: string;
  waMessageId: string;
  status: string;
  failureReason: string | null;
  sendAfter: string;
  metadata: { altegio?: { id: string }; altegioRecord?: { kind: string } };
}

/** What the business's queue holds for a client, newest first (through its API key). */
async function messagesTo(h: Harness, key: string, client: VirtualPhone): Promise<ListedMessage[]> {
  const r = await h.api('GET', `/v1/messages?phone=%2B${client.phone}&limit=200`, { key });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.data as ListedMessage[];
}
const APPLICATION_ID = '4242';

/**
 * ALTEGIO's marketplace flow against a fake ALTEGIO and the simulator: install → link with a
 * virtual phone → activation → availability → ALTEGIO's messages delivered with statuses 8, 4, 1
 * reported in that order; lifecycle callbacks; and bad input answered without side effects.
 */
describe('ALTEGIO integration (aggregator mode)', () => {
  let h: Harness;
  let fake: FakeAltegio;
  let seq = 0;
  const nextPhone = () =>
    `55219${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;

  before(async () => {
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: APPLICATION_ID });
    h = await startHarness({
      env: altegioEnv(fake, { ALTEGIO_CHANNEL_DOWN_AFTER_MS: '2500' }),
      clock: daytimeClock(),
    });
  });
  after(async () => {
    await h?.stop();
    await fake?.stop();
  });

  const installUrl = (salonId: number, userData?: object) =>
    fake.registrationUrl(`${h.gateway.url}/altegio/install`, salonId, userData);

  /** Opens the registration URL as the owner's browser would; returns the panel cookie and the business. */
  const install = async (salonId: number, salonName: string) => {
    const response = await fetch(installUrl(salonId, { id: 1, name: 'Ana', salon_name: salonName }), {
      redirect: 'manual',
      headers: { 'accept-language': 'pt-BR,pt;q=0.9' },
    });
    assert.equal(response.status, 302, await response.text());
    assert.match(response.headers.get('location') ?? '', /^\/panel\?lang=pt-BR/);
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /^zg_panel=/);
    const business = await installedBusiness(h, salonName);
    const tenant = (await h.api('GET', `/v1/tenants/${business.tenantId}`, { key: h.adminKey })).json;
    assert.equal(tenant.language, 'pt-BR', 'the business speaks the owner’s language');
    return { cookie, ...business };
  };

  const link = async (channelPath: string, phone: VirtualPhone) => {
    await scanChannelQr(h, channelPath, phone);
    await waitUntil(
      async () => (await h.api('GET', channelPath, { key: h.adminKey })).json.status === 'connected',
      { what: 'connected' },
    );
  };

  const reportsFor = (id: string) =>
    fake
      .statusReports()
      .filter((r) => String(r.id) === id)
      .map((r) => r.status as number);

  test('install → link → activation → a message from ALTEGIO delivered, reported 8, 4, 1 in order', async () => {
    const salonId = 700_001;
    const business = await install(salonId, 'Salão Bela Vista');
    const panel = await fetch(`${h.gateway.url}/panel?lang=pt-BR`, { headers: { cookie: business.cookie } });
    assert.equal(panel.status, 200);
    assert.match(await panel.text(), /WhatsApp/);
    assert.equal(fake.activations.has(String(salonId)), false, 'no activation before the link is up');

    // ALTEGIO refuses the first activation attempt: it is retried.
    fake.failNext('/api/v1/marketplace/partner/callback', 1, 503);
    const sender = h.sim.createPhone({ phone: nextPhone(), business: true, name: 'Salão' });
    await link(business.channelPath, sender);
    const activation = await waitUntil(() => fake.activations.get(String(salonId)), {
      what: 'the activation accepted',
      timeoutMs: 20_000,
    });
    assert.match(activation.apiKey, /^zg_live_/);
    assert.match(activation.webhookUrls[0]!, /\/altegio\/records\/awh_/);
    assert.ok(fake.calls('/api/v1/marketplace/partner/callback').length >= 2, 'retried after the 503');
    await waitUntil(() => fake.channels.get(String(salonId))?.whatsapp === true, {
      what: 'update_channel available',
    });

    const client = h.sim.createPhone({ phone: nextPhone(), name: 'Maria' });
    const answer = await sendOperatorRequest(h.gateway.url, '/altegio/operator', activation.apiKey, {
      destination_params: [{ id: 232674, phone: `+${client.phone}` }],
      from: 'Salao',
      text: 'Olá Maria, sua visita é amanhã às 10:00.',
      type: 'sms',
      dispatch_type: 'service',
      delivery_callback_url: fake.deliveryCallbackUrl,
      some_future_field: { ignored: true },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [entry] = answer.body as Array<{ id: string; ext_id: string }>;
    assert.equal(entry!.id, '232674');
    assert.match(entry!.ext_id, /^msg_/);
    await waitUntil(() => client.inbox().length === 1, { what: 'the client received it' });
    assert.equal(client.inbox()[0]!.text, 'Olá Maria, sua visita é amanhã às 10:00.');
    await waitUntil(() => reportsFor('232674').length >= 3, {
      what: 'three status reports',
      timeoutMs: 15_000,
    });
    assert.deepEqual(reportsFor('232674'), [8, 4, 1]);
    const report = fake.statusReports().find((r) => String(r.id) === '232674')!;
    assert.equal(report.payment_sum, 0);
    assert.equal(report.currency_iso, 'USD');
    assert.equal(report.parts_amount, 1);

    // The same ALTEGIO id again: the same message, not a second one.
    const again = await sendOperatorRequest(h.gateway.url, '/altegio/operator', activation.apiKey, {
      destination_params: { id: '232674', phone: `+${client.phone}` },
      text: 'Olá Maria, sua visita é amanhã às 10:00.',
      delivery_callback_url: fake.deliveryCallbackUrl,
    });
    assert.deepEqual(again.body, [{ id: '232674', ext_id: entry!.ext_id }]);
    const stored = await messagesTo(h, activation.apiKey, client);
    assert.deepEqual(
      stored.map((m) => m.id),
      [entry!.ext_id],
      'one message for the two requests: nothing else can be sent',
    );
    assert.equal(client.rawArrivals(stored[0]!.waMessageId), 1);
  });

  test('availability: a short reconnect does not flap; a removed device is reported unavailable', async () => {
    const salonId = 700_005;
    const business = await install(salonId, 'Spa Onda');
    const sender = h.sim.createPhone({ phone: nextPhone(), business: true });
    await link(business.channelPath, sender);
    await waitUntil(() => fake.channels.get(String(salonId))?.whatsapp === true, { what: 'available' });
    const reports = () =>
      fake
        .calls('/api/v1/marketplace/application/update_channel')
        .filter((c) => String((c.body as { salon_id: unknown }).salon_id) === String(salonId));
    assert.equal(reports().length, 1);

    h.sim.injectFault({ kind: 'drop', phone: sender.phone });
    await waitUntil(
      async () => (await h.api('GET', business.channelPath, { key: h.adminKey })).json.status === 'connected',
      { what: 'reconnected' },
    );
    sender.removeDevice(sender.linkedDevices()[0]!.device);
    await waitUntil(() => fake.channels.get(String(salonId))?.whatsapp === false, {
      what: 'reported unavailable',
      timeoutMs: 10_000,
    });
    // Reports of one salon go out in order, so a flap during the blip would stand before this one.
    assert.deepEqual(
      reports().map((c) => (c.body as { is_available: boolean }).is_available),
      [true, false],
      'the blip shorter than the debounce was never reported',
    );
  });

  test('an activation ALTEGIO refuses (401) is given up and shown to support with the reason', async () => {
    const salonId = 700_006;
    const business = await install(salonId, 'Studio Recusado');
    fake.failNext('/api/v1/marketplace/partner/callback', 1, 401);
    await link(business.channelPath, h.sim.createPhone({ phone: nextPhone(), business: true }));
    const view = await waitUntil(
      async () => {
        const r = await h.api('GET', `/v1/tenants/${business.tenantId}/altegio`, { key: h.adminKey });
        const [i] = r.json.installs as Array<{ activation: { state: string; error: string | null } }>;
        return i?.activation.state === 'failed' ? i : undefined;
      },
      { what: 'the activation given up' },
    );
    // The status only: ALTEGIO's answer ("injected failure" in its meta) is not kept anywhere.
    assert.equal(view.activation.error, 'HTTP 401');
    const calls = await h.gateway.db.query<{ last_error: string | null }>(
      `select last_error from altegio_calls where tenant_id = $1 and kind = 'activation'`,
      [business.tenantId],
    );
    assert.deepEqual(
      calls.map((c) => c.last_error),
      ['HTTP 401'],
    );
    assert.equal(fake.activations.has(String(salonId)), false);
    // The support console shows it in the business's row.
    const login = await fetch(`${h.gateway.url}/support/login`, {
      method: 'POST',
      body: new URLSearchParams({ key: h.adminKey }),
      redirect: 'manual',
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const rows = (await (
      await fetch(`${h.gateway.url}/support/api/rows`, { headers: { cookie } })
    ).json()) as Array<{ tenant: { id: string }; altegio?: Array<{ activation: string; error: string }> }>;
    const row = rows.find((r) => r.tenant.id === business.tenantId)!;
    assert.equal(row.altegio?.[0]?.activation, 'failed');
    const page = await (await fetch(`${h.gateway.url}/support?lang=en`, { headers: { cookie } })).text();
    assert.match(page, /ALTEGIO 700006: activation failed — HTTP 401/);
  });

  test('bad operator requests get ALTEGIO-shaped answers and change nothing', async () => {
    const salonId = 700_002;
    const business = await install(salonId, 'Clínica Sol');
    const sender = h.sim.createPhone({ phone: nextPhone(), business: true });
    await link(business.channelPath, sender);
    const { apiKey } = await waitUntil(() => fake.activations.get(String(salonId)), { what: 'activated' });
    const client = h.sim.createPhone({ phone: nextPhone() });
    const post = (body: unknown, key = apiKey) =>
      sendOperatorRequest(h.gateway.url, '/altegio/operator', key, body);

    const wrongKey = await post(
      { destination_params: [{ id: 1, phone: client.phone }], text: 'x' },
      'zg_live_nope',
    );
    assert.equal(wrongKey.status, 401);
    assert.equal((wrongKey.body as { error_code: number }).error_code, 20);

    const notJson = await post('{not json');
    assert.equal(notJson.status, 400);
    assert.equal((notJson.body as { error_code: number }).error_code, 5);

    const wrongType = await post({ destination_params: [{ id: 2, phone: client.phone }], text: 42 });
    assert.equal(wrongType.status, 400);
    assert.match((wrongType.body as { error_message: string }).error_message, /text/);

    const mixed = await post({
      destination_params: [{ id: 3, phone: `+${client.phone}` }, { id: 4 }, { id: 5, phone: '12' }],
      text: 'Lembrete',
      delivery_callback_url: fake.deliveryCallbackUrl,
    });
    assert.equal(mixed.status, 200);
    const [ok, missing, invalid] = mixed.body as Array<Record<string, unknown>>;
    assert.equal(ok!.id, '3');
    assert.ok(ok!.ext_id);
    assert.deepEqual({ id: missing!.id, code: missing!.error_code }, { id: '4', code: 10 });
    assert.deepEqual({ id: invalid!.id, code: invalid!.error_code }, { id: '5', code: 10 });
    await waitUntil(() => client.inbox().length === 1, { what: 'only the valid entry delivered' });

    const foreignCallback = await post({
      destination_params: [{ id: 6, phone: client.phone }],
      text: 'x',
      delivery_callback_url: 'https://attacker.example/steal',
    });
    assert.equal(foreignCallback.status, 403);
    assert.equal((foreignCallback.body as { error_code: number }).error_code, 15);
    assert.deepEqual(
      (await messagesTo(h, apiKey, client)).map((m) => m.metadata.altegio?.id),
      ['3'],
      'refused requests and entries stored nothing that could be sent',
    );
  });

  test('a registration URL with a wrong signature is refused and creates nothing', async () => {
    const before = ((await h.api('GET', '/v1/tenants', { key: h.adminKey })).json as unknown[]).length;
    const url = new URL(installUrl(700_003, { salon_name: 'Forged' }));
    url.searchParams.set('user_data_sign', 'a'.repeat(64));
    const forged = await fetch(url, { redirect: 'manual' });
    assert.equal(forged.status, 401);
    const noSalon = await fetch(`${h.gateway.url}/altegio/install?salon_id=abc`, { redirect: 'manual' });
    assert.equal(noSalon.status, 400);
    const after = ((await h.api('GET', '/v1/tenants', { key: h.adminKey })).json as unknown[]).length;
    assert.equal(after, before);
  });

  test('lifecycle: wrong token changes nothing; freeze pauses, payment resumes, uninstall unlinks', async () => {
    const salonId = 700_004;
    const business = await install(salonId, 'Studio Lua');
    const sender = h.sim.createPhone({ phone: nextPhone(), business: true });
    await link(business.channelPath, sender);
    const { apiKey } = await waitUntil(() => fake.activations.get(String(salonId)), { what: 'activated' });
    const callback = (event: string, token = PARTNER_TOKEN) =>
      fetch(`${h.gateway.url}/altegio/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          salon_id: salonId,
          application_id: Number(APPLICATION_ID),
          event,
          partner_token: token,
        }),
      });
    const channel = async () => (await h.api('GET', business.channelPath, { key: h.adminKey })).json;

    assert.equal((await callback('uninstall', 'wrong-token')).status, 401);
    assert.equal((await channel()).status, 'connected');

    assert.equal((await callback('freeze')).status, 200);
    assert.equal((await channel()).paused, true);
    assert.equal((await callback('payment')).status, 200);
    assert.equal((await channel()).paused, false);

    assert.equal((await callback('uninstall')).status, 200);
    const unlinked = await channel();
    assert.equal(unlinked.status, 'not_linked');
    await waitUntil(() => sender.linkedDevices().length === 0, { what: 'the device logged out' });
    const refused = await sendOperatorRequest(h.gateway.url, '/altegio/operator', apiKey, {
      destination_params: [{ id: 9, phone: nextPhone() }],
      text: 'x',
    });
    assert.equal(refused.status, 401, 'the api_key was revoked');
  });
});

/**
 * Zapgate's own reminders for an ALTEGIO business: a record webhook → booking notice and reminders
 * scheduled → time advanced through the injectable clock → delivered → the client answers "+" → the
 * record is confirmed at the fake ALTEGIO; a moved visit re-plans; replays and bad webhooks change nothing.
 */
describe('ALTEGIO integration (scheduling mode)', () => {
  let h: Harness;
  let fake: FakeAltegio;
  // A fixed start (a Tuesday morning, UTC): the dates the notices carry never depend on today.
  const clock = new ManualClock(new Date('2026-03-03T09:00:00Z'));
  const HOUR = 3_600_000;

  before(async () => {
    fake = await startFakeAltegio({
      partnerToken: PARTNER_TOKEN,
      applicationId: APPLICATION_ID,
      webhooksOnRecordChange: true,
      clock,
    });
    h = await startHarness({
      clock,
      env: altegioEnv(fake),
    });
  });
  after(async () => {
    await h?.stop();
    await fake?.stop();
  });

  test('record webhook → reminders → client answers "+" → confirmed in ALTEGIO; a move re-plans', async () => {
    const salonId = 800_001;
    const response = await fetch(
      fake.registrationUrl(`${h.gateway.url}/altegio/install`, salonId, {
        salon_name: 'Barbearia Centro',
      }),
      { redirect: 'manual', headers: { 'accept-language': 'en' } },
    );
    assert.equal(response.status, 302);
    const { channelPath } = await installedBusiness(h, 'Barbearia Centro');
    const sender = h.sim.createPhone({
      phone: `5531977${String(Date.now() % 100000).padStart(5, '0')}`,
      business: true,
    });
    await scanChannelQr(h, channelPath, sender);
    const activation = await activationOf(fake, salonId);
    const webhookUrl = activation.webhookUrls[0]!;
    // Pacing off: the sending window would otherwise hold messages at the clock's night hours.
    assert.equal(
      (await h.api('PUT', '/v1/pacing', { key: activation.apiKey, body: { enabled: false } })).status,
      200,
    );

    const client = h.sim.createPhone({ phone: `5531988${String(Date.now() % 100000).padStart(5, '0')}` });
    const startsAt = new Date(clock.now().getTime() + 26 * HOUR);
    const record = altegioRecord({
      companyId: salonId,
      startsAt,
      clientPhone: `+${client.phone}`,
      clientName: 'Pedro',
      lastChangeDate: clock.now(),
    });
    fake.putRecord(record);
    const created = await sendRecordWebhook(
      webhookUrl,
      recordWebhookEnvelope('create', record),
      PARTNER_TOKEN,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body, { accepted: true, reason: 'new' });

    // Replays and out-of-order deliveries are acknowledged and change nothing.
    const replay = await sendRecordWebhook(webhookUrl, recordWebhookEnvelope('create', record));
    assert.deepEqual(replay.body, { accepted: false, reason: 'duplicate' });
    const older = {
      ...record,
      datetime: altegioDateTime(new Date(startsAt.getTime() + HOUR)),
      last_change_date: altegioDateTime(new Date(clock.now().getTime() - HOUR)),
    };
    const stale = await sendRecordWebhook(webhookUrl, recordWebhookEnvelope('update', older));
    assert.deepEqual(stale.body, { accepted: false, reason: 'stale' });
    // Same last_change_date, different content: the order cannot be told, so ALTEGIO's record (read
    // through its API, unchanged) decides — nothing changes.
    const ambiguous = { ...record, datetime: altegioDateTime(new Date(startsAt.getTime() + 5 * HOUR)) };
    const sameTime = await sendRecordWebhook(webhookUrl, recordWebhookEnvelope('update', ambiguous));
    assert.deepEqual(sameTime.body, { accepted: false, reason: 'duplicate' });
    assert.ok(fake.calls(`/api/v1/record/${salonId}/${record.id}`).some((c) => c.method === 'GET'));
    const otherSalon = await sendRecordWebhook(
      webhookUrl,
      recordWebhookEnvelope('update', { ...record, company_id: 1 }),
    );
    assert.equal(otherSalon.status, 403);
    const badType = await sendRecordWebhook(webhookUrl, { company_id: 'x', resource: 'record' });
    assert.equal(badType.status, 400);
    assert.equal(
      (
        await sendRecordWebhook(
          `${h.gateway.url}/altegio/records/awh_unknown`,
          recordWebhookEnvelope('create', record),
        )
      ).status,
      404,
    );

    // The booking notice goes after a minute; the 24 h reminder two hours from now.
    clock.advance(61_000);
    await waitUntil(() => client.inbox().length === 1, { what: 'the booking notice', timeoutMs: 15_000 });
    assert.match(client.inbox()[0]!.text, /Pedro/);
    clock.advance(2 * HOUR);
    await waitUntil(() => client.inbox().length === 2, { what: 'the 24 h reminder', timeoutMs: 15_000 });
    const reminder = client.inbox()[1]!.text;
    assert.match(reminder, /Pedro/);
    assert.match(reminder, /\+/);

    await client.sendMessage(sender.phone, '+');
    await fake.waitForCall(
      (call) => call.method === 'PUT' && call.path === `/api/v1/record/${salonId}/${record.id}`,
      15_000,
    );
    await waitUntil(() => fake.getRecord(salonId, record.id)?.attendance === 2, {
      what: 'confirmed at ALTEGIO',
    });
    await waitUntil(() => client.inbox().length === 3, { what: 'the answer to "+"', timeoutMs: 15_000 });

    // The visit moves one day later: the 2 h reminder is re-planned, and a change notice goes.
    const moved = {
      ...fake.getRecord(salonId, record.id)!,
      datetime: altegioDateTime(new Date(startsAt.getTime() + 24 * HOUR)),
      last_change_date: altegioDateTime(new Date(clock.now().getTime() + 10 * HOUR)),
    };
    fake.putRecord(moved);
    const update = await sendRecordWebhook(webhookUrl, recordWebhookEnvelope('update', moved));
    assert.deepEqual(update.body, { accepted: true, reason: 'newer' });
    clock.advance(61_000);
    await waitUntil(() => client.inbox().length === 4, { what: 'the change notice', timeoutMs: 15_000 });
    // The old 2 h reminder was withdrawn from the queue before its time; the new ones wait.
    const reminders = async () =>
      (await messagesTo(h, activation.apiKey, client)).filter(
        (m) => m.metadata.altegioRecord?.kind === 'reminder',
      );
    // ALTEGIO's times have whole seconds.
    const old2h = Math.floor(startsAt.getTime() / 1000) * 1000 - 2 * HOUR;
    const withdrawn = (await reminders()).find((m) => Date.parse(m.sendAfter) === old2h);
    assert.deepEqual([withdrawn?.status, withdrawn?.failureReason], ['failed', 'cancelled']);
    // The new 24 h reminder (the visit is now 48 h after the start of the test), with the new day.
    clock.advance(24 * HOUR);
    await waitUntil(() => client.inbox().length === 5, {
      what: 'the re-planned reminder',
      timeoutMs: 15_000,
    });
    assert.match(client.inbox()[4]!.text, /March 5/);

    // The visit is deleted in ALTEGIO: a cancellation notice, and the 2 h reminder never comes.
    const removed = {
      ...moved,
      deleted: true,
      last_change_date: altegioDateTime(new Date(clock.now().getTime() + 60_000)),
    };
    const deletion = await sendRecordWebhook(webhookUrl, recordWebhookEnvelope('delete', removed));
    assert.deepEqual(deletion.body, { accepted: true, reason: 'deleted' });
    const afterDelete = await sendRecordWebhook(webhookUrl, recordWebhookEnvelope('update', moved));
    assert.deepEqual(afterDelete.body, { accepted: false, reason: 'after_delete' });
    clock.advance(61_000);
    await waitUntil(() => client.inbox().length === 6, {
      what: 'the cancellation notice',
      timeoutMs: 15_000,
    });
    assert.match(client.inbox()[5]!.text, /cancel/i);
    const pending = (await reminders()).filter((m) => m.status === 'queued' || m.status === 'sending');
    assert.deepEqual(pending, [], 'no reminder left in the queue for a deleted visit');
  });
});
