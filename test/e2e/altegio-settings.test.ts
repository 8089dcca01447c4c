import { isDeepStrictEqual } from 'node:util';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
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

const PARTNER_TOKEN = 'partner-token-for-settings-tests-42';
const APPLICATION_ID = '4343';
const HOUR = 3_600_000;

interface Message {
  id: string;
  to: string;
  text: string;
  status: string;
  metadata: Record<string, unknown>;
}

/**
 * ALTEGIO's settings and texts over the API (business and support), against the fake ALTEGIO: the
 * install's state for support, settings with field-named errors, texts with unknown variables
 * refused, the preview, a saved text used by the next reminder, and test mode sending both
 * Zapgate's reminders and ALTEGIO's own messages to the test phone.
 */
describe('ALTEGIO settings and templates (API)', () => {
  let h: Harness;
  let fake: FakeAltegio;
  let business: { tenantId: string; apiKey: string; webhookUrl: string; salonId: number };
  const phone = (prefix: string) => `${prefix}${String(Date.now() % 100000).padStart(5, '0')}`;

  before(async () => {
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: APPLICATION_ID });
    h = await startHarness({
      env: altegioEnv(fake),
    });
    const salonId = 910_001;
    const response = await fetch(
      fake.registrationUrl(`${h.gateway.url}/altegio/install`, salonId, {
        salon_name: 'Studio Settings',
      }),
      { redirect: 'manual', headers: { 'accept-language': 'en' } },
    );
    assert.equal(response.status, 302);
    const installed = await installedBusiness(h, 'Studio Settings');
    const sender = h.sim.createPhone({ phone: phone('5531966'), business: true });
    await scanChannelQr(h, installed.channelPath, sender);
    const activation = await activationOf(fake, salonId);
    business = {
      tenantId: installed.tenantId,
      apiKey: activation.apiKey,
      webhookUrl: activation.webhookUrls[0]!,
      salonId,
    };
    // Pacing off: the sending window would otherwise hold messages at night.
    const pacing = await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } });
    assert.equal(pacing.status, 200);
  });
  after(async () => {
    await h?.stop();
    await fake?.stop();
  });

  const messages = async (): Promise<Message[]> =>
    (await h.api('GET', '/v1/messages?limit=200', { key: business.apiKey })).json.data as Message[];

  test('the install and the settings, for the business and for support', async () => {
    const own = await h.api('GET', '/v1/altegio', { key: business.apiKey });
    assert.equal(own.status, 200, JSON.stringify(own.json));
    const [install] = own.json.installs;
    assert.equal(install.salonId, String(business.salonId));
    assert.equal(install.activation.state, 'accepted');
    assert.ok(install.recentCalls.some((c: { kind: string }) => c.kind === 'activation'));
    assert.deepEqual(own.json.settings.schedule.reminderOffsetsHours, [24, 2]);
    assert.deepEqual(own.json.settings.replies, {
      confirm: ['+', '1'],
      cancel: ['-', '3'],
      cancelAction: 'no_show',
    });
    assert.equal(own.json.settings.testPhone, null);
    // Support sees exactly what the business sees. The two reads are compared as a pair taken
    // together, again while an update_channel call the link queued is still moving (its attempt count
    // may change between two reads); a real difference never settles and fails below.
    const readBoth = async () => {
      const mine = await h.api('GET', '/v1/altegio', { key: business.apiKey });
      const theirs = await h.api('GET', `/v1/tenants/${business.tenantId}/altegio`, { key: h.adminKey });
      assert.equal(theirs.status, 200);
      return { mine: mine.json, theirs: theirs.json };
    };
    let pair = await readBoth();
    for (let tries = 0; tries < 20 && !isDeepStrictEqual(pair.mine, pair.theirs); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      pair = await readBoth();
    }
    assert.deepEqual(pair.theirs, pair.mine);

    // A business without an install, and a business key on the support route.
    const other = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'No ALTEGIO', timeZone: 'UTC', language: 'en' },
    });
    const none = await h.api('GET', '/v1/altegio', { key: other.json.apiKey });
    assert.equal(none.status, 404);
    assert.match(none.json.error.message, /not connected the app in ALTEGIO/);
    assert.equal((await h.api('GET', '/v1/altegio', { key: h.adminKey })).status, 403);
  });

  test('settings: saved, read back, and refused with the field named', async () => {
    const put = (body: unknown, key = business.apiKey, path = '/v1/altegio/settings') =>
      h.api('PUT', path, { key, body });
    const saved = await put({
      schedule: {
        reminderOffsetsHours: [2, 24, 12],
        enabled: { review_request: true },
        reviewDelayMinutes: 90,
      },
      replies: { confirm: ['+', 'sim'], cancel: ['-', 'não'], cancelAction: 'none' },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    assert.deepEqual(saved.json.schedule.reminderOffsetsHours, [24, 12, 2]);
    assert.equal(saved.json.schedule.enabled.review_request, true);
    assert.equal(saved.json.schedule.enabled.reminder, true);
    assert.equal(saved.json.schedule.reviewDelayMinutes, 90);
    assert.deepEqual(saved.json.replies, {
      confirm: ['+', 'sim'],
      cancel: ['-', 'não'],
      cancelAction: 'none',
    });
    assert.deepEqual((await h.api('GET', '/v1/altegio', { key: business.apiKey })).json.settings, saved.json);

    const refused = async (body: unknown, field: string) => {
      const r = await put(body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.details.field, field, JSON.stringify(r.json));
    };
    await refused(
      { schedule: { reminderOffsetsHours: [1, 2, 3, 4, 5, 6] } },
      'schedule.reminderOffsetsHours',
    );
    await refused({ schedule: { reminderOffsetsHours: [0] } }, 'schedule.reminderOffsetsHours.0');
    await refused({ replies: { confirm: ['+', 'ok'], cancel: ['OK'] } }, 'replies.cancel');
    await refused({ replies: { cancelAction: 'delete' } }, 'replies.cancelAction');
    await refused({ testPhone: 'not a phone' }, 'testPhone');
    await refused({ schedule: { timeZone: 'UTC' } }, 'schedule');
    // Nothing was half-written.
    assert.deepEqual((await h.api('GET', '/v1/altegio', { key: business.apiKey })).json.settings, saved.json);

    // Support writes the same way; back to the defaults.
    const reset = await put({}, h.adminKey, `/v1/tenants/${business.tenantId}/altegio/settings`);
    assert.equal(reset.status, 200);
    assert.deepEqual(reset.json.schedule.reminderOffsetsHours, [24, 2]);
  });

  test('templates: listed, previewed, changed (unknown variables refused), back to default', async () => {
    const key = business.apiKey;
    const list = await h.api('GET', '/v1/altegio/templates', { key });
    assert.equal(list.status, 200);
    assert.equal(list.json.templates.length, 7 * 3);
    assert.ok(list.json.variables.includes('CLIENT_NAME'));
    assert.ok(list.json.templates.every((t: { custom: boolean }) => !t.custom));

    const preview = await h.api('POST', '/v1/altegio/templates/preview', {
      key,
      body: { body: 'Hi %CLIENT_NAME%, <b>%FOO%</b> at %TIME%', language: 'en' },
    });
    assert.equal(preview.status, 200);
    assert.match(preview.json.text, /^Hi Anna, <b>%FOO%<\/b> at \d\d:\d\d/);
    assert.deepEqual(preview.json.issues, [{ variable: 'FOO', problem: 'unknown_variable' }]);
    const badLanguage = await h.api('POST', '/v1/altegio/templates/preview', {
      key,
      body: { body: 'x', language: 'fr' },
    });
    assert.equal(badLanguage.json.error.details.field, 'language');

    const unknown = await h.api('PUT', '/v1/altegio/templates/reminder/en', {
      key,
      body: { body: 'Hi %CLIENT_NAME%, see you %WHEN%' },
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.details.field, 'body');
    assert.deepEqual(unknown.json.error.details.unknown, ['WHEN']);
    assert.match(unknown.json.error.message, /%WHEN%/);
    const badKind = await h.api('PUT', '/v1/altegio/templates/birthday/en', { key, body: { body: 'x' } });
    assert.equal(badKind.json.error.details.field, 'kind');

    const text = 'Custom: %CLIENT_NAME%, %SERVICE_TITLE% on %DATE_TIME_NOPE%';
    assert.equal(
      (await h.api('PUT', '/v1/altegio/templates/reminder/en', { key, body: { body: text } })).status,
      400,
    );
    const changed = await h.api('PUT', '/v1/altegio/templates/reminder/en', {
      key,
      body: { body: 'Custom reminder for %CLIENT_NAME%: %SERVICE_TITLE% on %DATETIME_SHORT%.' },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.custom, true);
    const support = await h.api('GET', `/v1/tenants/${business.tenantId}/altegio/templates`, {
      key: h.adminKey,
    });
    const reminder = support.json.templates.find(
      (t: { kind: string; language: string }) => t.kind === 'reminder' && t.language === 'en',
    );
    assert.equal(reminder.body, changed.json.body);

    // The next reminder planned uses the saved text.
    const client = h.sim.createPhone({ phone: phone('5531955') });
    const record = altegioRecord({
      companyId: business.salonId,
      startsAt: new Date(Date.now() + 26 * HOUR),
      clientPhone: `+${client.phone}`,
      clientName: 'Pedro',
    });
    const webhook = await sendRecordWebhook(
      business.webhookUrl,
      recordWebhookEnvelope('create', record),
      PARTNER_TOKEN,
    );
    assert.equal(webhook.status, 200, JSON.stringify(webhook.body));
    const planned = await waitUntil(
      async () => (await messages()).find((m) => m.text.startsWith('Custom reminder for Pedro: Haircut on')),
      { what: 'the reminder with the saved text' },
    );
    assert.equal(planned.to, `+${client.phone}`);

    const back = await h.api('DELETE', '/v1/altegio/templates/reminder/en', { key });
    assert.equal(back.status, 200);
    assert.equal(back.json.custom, false);
    assert.match(back.json.body, /Reply \+ or 1 to confirm/);
  });

  test('test mode: reminders and ALTEGIO’s own messages go to the test phone', async () => {
    const tester = h.sim.createPhone({ phone: phone('5531944') });
    const on = await h.api('PUT', '/v1/altegio/settings', {
      key: business.apiKey,
      body: { testPhone: `+${tester.phone}` },
    });
    assert.equal(on.status, 200, JSON.stringify(on.json));
    assert.equal(on.json.testPhone, `+${tester.phone}`);

    const client = '5531999887766';
    const answer = await sendOperatorRequest(h.gateway.url, '/altegio/operator', business.apiKey, {
      destination_params: [{ id: 555001, phone: `+${client}` }],
      text: 'Olá, sua visita é amanhã.',
      type: 'sms',
      dispatch_type: 'service',
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [entry] = answer.body as Array<{ ext_id: string }>;
    const sent = (await h.api('GET', `/v1/messages/${entry!.ext_id}`, { key: business.apiKey }))
      .json as Message;
    assert.equal(sent.to, `+${tester.phone}`);
    assert.equal(sent.metadata.testModeFor, `+${client}`);
    await waitUntil(() => tester.inbox().some((m) => m.text === 'Olá, sua visita é amanhã.'), {
      what: 'the test phone received ALTEGIO’s message',
    });

    const record = altegioRecord({
      companyId: business.salonId,
      startsAt: new Date(Date.now() + 30 * HOUR),
      clientPhone: `+${client}`,
      clientName: 'Julia',
    });
    await sendRecordWebhook(business.webhookUrl, recordWebhookEnvelope('create', record), PARTNER_TOKEN);
    const reminder = await waitUntil(
      async () => (await messages()).find((m) => m.text.includes('Julia') && /reminder/i.test(m.text)),
      { what: 'the reminder planned' },
    );
    assert.equal(reminder.to, `+${tester.phone}`);
    assert.equal(reminder.metadata.testModeFor, `+${client}`);

    const off = await h.api('PUT', '/v1/altegio/settings', {
      key: business.apiKey,
      body: { testPhone: null },
    });
    assert.equal(off.json.testPhone, null);
  });
});
