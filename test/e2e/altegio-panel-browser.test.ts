import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import {
  altegioRecord,
  recordWebhookEnvelope,
  sendRecordWebhook,
  startFakeAltegio,
  type FakeAltegio,
} from '../support/fake-altegio.js';
import { altegioEnv, activationOf, installedBusiness, scanChannelQr } from '../support/altegio-harness.js';
import { waitUntil } from '../support/wait-for.js';
import { browserSuite } from '../support/browser.js';

/**
 * Panel → Notifications in Chromium: an ALTEGIO install lands on the panel, the owner edits the
 * reminder with variable chips while the preview follows, saves (the next reminder uses the text),
 * sees an unknown %VAR% refused next to the field, turns test mode on (banner), goes back to the
 * default text; and without JavaScript the forms still save.
 */
const ARTIFACTS = 'test-artifacts/altegio-panel';
const PARTNER_TOKEN = 'partner-token-for-the-panel-test-7';
const APPLICATION_ID = '6161';
const WAIT_MS = 15_000;
const HOUR = 3_600_000;

describe('Panel → Notifications (ALTEGIO) in a real browser', () => {
  let fake: FakeAltegio;
  // The fake ALTEGIO starts first: the gateway is configured with its address.
  before(async () => {
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: APPLICATION_ID });
  });
  const suite = browserSuite({
    artifacts: ARTIFACTS,
    waitMs: WAIT_MS,
    harness: () => ({ env: altegioEnv(fake) }),
  });
  const { shot } = suite;
  after(async () => {
    await fake?.stop();
  });

  const newPage = (options: { javaScriptEnabled?: boolean; width?: number } = {}) =>
    suite.openPage(undefined, {
      viewport: { width: options.width ?? 1280, height: 900 },
      locale: 'en-US',
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
  const reminderCard = (page: Page) => page.getByTestId('template-reminder');
  const previewText = (page: Page) => reminderCard(page).getByTestId('template-preview').innerText();

  test('edit the reminder with chips and a live preview, save, errors by the field, test mode, default', async () => {
    const salonId = 940_001;
    const page = await newPage();
    // ALTEGIO's Connect opens the registration URL in the owner's browser: it lands on the panel.
    await page.goto(
      fake.registrationUrl(`${suite.h.gateway.url}/altegio/install`, salonId, {
        salon_name: 'Studio Notifications',
      }),
    );
    await page.waitForURL(/\/panel\?lang=en/);
    const business = await installedBusiness(suite.h, 'Studio Notifications');

    // Link the WhatsApp number (the simulator's phone), so ALTEGIO activates the install.
    const sender = suite.h.sim.createPhone({
      phone: `5531933${String(Date.now() % 100000).padStart(5, '0')}`,
      business: true,
    });
    await scanChannelQr(suite.h, business.channelPath, sender);
    const activation = await activationOf(fake, salonId);

    await page.getByRole('link', { name: 'Notifications', exact: true }).click();
    await page.waitForURL(/\/panel\/notifications/);
    assert.equal(await page.getByTestId('test-mode-banner').count(), 0);
    assert.match(await previewText(page), /^Hi Anna! A reminder of your Haircut with Maria on/);
    await shot(page, '1-notifications');

    // Write a text, inserting variables at the cursor with the chips; the preview follows.
    const textarea = reminderCard(page).getByTestId('template-body');
    await textarea.fill('Hello ');
    await page.getByTestId('variable-menu').getByRole('button', { name: '%CLIENT_NAME%' }).click();
    await textarea.press('End');
    await textarea.pressSequentially(', see you on ');
    await page.getByTestId('variable-menu').getByRole('button', { name: '%DATETIME_SHORT%' }).click();
    await textarea.pressSequentially('. <b>Studio</b>');
    assert.match(
      await textarea.inputValue(),
      /^Hello %CLIENT_NAME%, see you on %DATETIME_SHORT%\. <b>Studio<\/b>$/,
    );
    await waitUntil(
      async () =>
        /^Hello Anna, see you on \d\d\/\d\d, \d\d:\d\d(\s[AP]M)?\. <b>Studio<\/b>$/.test(
          await previewText(page),
        ),
      {
        what: 'the preview updated',
        timeoutMs: WAIT_MS,
        intervalMs: 100,
      },
    );
    await shot(page, '2-live-preview');

    await reminderCard(page).getByTestId('save-template').click();
    await page.waitForURL(/saved=template&kind=reminder/);
    assert.equal(await reminderCard(page).getByTestId('template-saved').innerText(), 'Saved.');
    assert.equal(await reminderCard(page).getByTestId('template-state').innerText(), 'Your text');
    const saved = (
      await suite.h.api('GET', `/v1/tenants/${business.tenantId}/altegio/templates`, {
        key: suite.h.adminKey,
      })
    ).json.templates as Array<{ kind: string; language: string; body: string; custom: boolean }>;
    const reminder = saved.find((t) => t.kind === 'reminder' && t.language === 'en')!;
    assert.equal(reminder.body, 'Hello %CLIENT_NAME%, see you on %DATETIME_SHORT%. <b>Studio</b>');
    assert.equal(reminder.custom, true);

    // A booking in ALTEGIO: the reminder planned for it is written with the saved text.
    const record = altegioRecord({
      companyId: salonId,
      startsAt: new Date(Date.now() + 26 * HOUR),
      clientPhone: '+5531988776655',
      clientName: 'Pedro',
    });
    const webhook = await sendRecordWebhook(
      activation.webhookUrls[0]!,
      recordWebhookEnvelope('create', record),
      PARTNER_TOKEN,
    );
    assert.equal(webhook.status, 200);
    await waitUntil(
      async () => {
        const list = (await suite.h.api('GET', '/v1/messages?limit=50', { key: activation.apiKey })).json
          .data as Array<{
          text: string;
        }>;
        return list.some((m) =>
          /^Hello Pedro, see you on \d\d\/\d\d, \d\d:\d\d(\s[AP]M)?\. <b>Studio<\/b>$/.test(m.text),
        );
      },
      { what: 'the reminder with the new text' },
    );

    // An unknown variable: the preview warns at once, and saving is refused next to the field.
    await textarea.fill('Hi %CLIENT_NAME%, your %VISIT_TIME% is soon');
    await waitUntil(async () => /%VISIT_TIME% is not a known variable/.test(await previewText(page)), {
      what: 'the preview names the unknown variable',
      timeoutMs: WAIT_MS,
      intervalMs: 100,
    });
    await reminderCard(page).getByTestId('save-template').click();
    const error = page.locator('#tpl-reminder-error');
    await error.waitFor();
    assert.match(await error.innerText(), /Unknown variable %VISIT_TIME%/);
    assert.equal(await textarea.getAttribute('aria-invalid'), 'true');
    assert.equal(await textarea.inputValue(), 'Hi %CLIENT_NAME%, your %VISIT_TIME% is soon');
    await error.scrollIntoViewIfNeeded();
    await shot(page, '3-unknown-variable');

    // Test mode on: a clear banner; a bad phone is refused next to its field first.
    await page.getByTestId('test-phone').fill('12');
    await page.getByTestId('save-settings').click();
    await page.locator('#f-test-phone-error').waitFor();
    assert.match(await page.locator('#f-test-phone-error').innerText(), /not a phone number/);
    await page.getByTestId('test-phone').fill('+55 11 98765-4321');
    await page.getByRole('checkbox', { name: '12 h before' }).check();
    await page.getByTestId('save-settings').click();
    await page.waitForURL(/saved=settings/);
    const banner = page.getByTestId('test-mode-banner');
    assert.match(await banner.innerText(), /Test mode is on: every message goes to \+5511987654321/);
    const settings = (
      await suite.h.api('GET', `/v1/tenants/${business.tenantId}/altegio`, { key: suite.h.adminKey })
    ).json.settings;
    assert.equal(settings.testPhone, '+5511987654321');
    assert.deepEqual(settings.schedule.reminderOffsetsHours, [24, 12, 2]);
    await shot(page, '4-test-mode');

    // Back to the default text.
    await reminderCard(page).getByTestId('template-default').click();
    await page.waitForURL(/saved=default&kind=reminder/);
    assert.equal(await reminderCard(page).getByTestId('template-state').innerText(), 'Default text');
    assert.match(await textarea.inputValue(), /^Hi %CLIENT_NAME%! A reminder of your/);

    // Other languages' texts, and the page on a phone.
    await page.getByTestId('template-language-pt-BR').click();
    await page.waitForURL(/tl=pt-BR/);
    assert.match(await previewText(page), /^Olá, Ana! Lembrete/);
    const phone = await newPage({ width: 390 });
    // The cookie belongs to the first context: sign this one in through a login link.
    const login = await suite.h.api('POST', `/v1/tenants/${business.tenantId}/panel-login-links`, {
      key: suite.h.adminKey,
    });
    await phone.goto(suite.h.gateway.url + new URL(login.json.url as string).pathname);
    await phone.goto(`${suite.h.gateway.url}/panel/notifications?lang=pt-BR`);
    await phone.getByTestId('test-mode-banner').waitFor();
    await shot(phone, '5-phone-pt-BR');
    await phone.screenshot({ path: `${ARTIFACTS}/6-phone-pt-BR-top.png` });
    const overflow = await phone.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
        .document;
      return root.documentElement.scrollWidth;
    });
    assert.ok(overflow <= 390, `no sideways scrolling on a phone (${overflow}px wide)`);
  });

  test('without JavaScript the forms still save (post/redirect/get)', async () => {
    const salonId = 940_002;
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(
      fake.registrationUrl(`${suite.h.gateway.url}/altegio/install`, salonId, {
        salon_name: 'Studio No Script',
      }),
    );
    await page.waitForURL(/\/panel\?lang=en/);
    await page.goto(`${suite.h.gateway.url}/panel/notifications?lang=en`);
    // The chips need the script: the variables are listed as text instead.
    assert.equal(await page.locator('[data-role="chips"]').isVisible(), false);
    assert.match(await page.locator('[data-role="variables-text"]').innerText(), /%CLIENT_NAME%/);
    await reminderCard(page).getByTestId('template-body').fill('Plain %CLIENT_NAME% text');
    await reminderCard(page).getByTestId('save-template').click();
    await page.waitForURL(/saved=template/);
    assert.match(await previewText(page), /^Plain Anna text$/);
    await page.getByRole('checkbox', { name: 'Review request' }).check();
    // A review delay that is not a whole number of minutes: the error sits next to the field.
    await page.getByTestId('review-delay').fill('-5');
    await page.getByTestId('save-settings').click();
    await page.getByTestId('f-review-delay-error').waitFor();
    assert.match(await page.getByTestId('f-review-delay-error').innerText(), /whole number of minutes/);
    await page.getByTestId('review-delay').fill('90');
    await page.getByTestId('save-settings').click();
    await page.waitForURL(/saved=settings/);
    assert.equal(await page.getByRole('checkbox', { name: 'Review request' }).isChecked(), true);
    assert.equal(await page.getByTestId('review-delay').inputValue(), '90');
  });

  test('a list of kinds beside one editor: short page, one variable menu at the cursor, a WhatsApp bubble', async () => {
    const salonId = 940_003;
    const page = await newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(
      fake.registrationUrl(`${suite.h.gateway.url}/altegio/install`, salonId, {
        salon_name: 'Studio Layout',
      }),
    );
    await page.waitForURL(/\/panel\?lang=en/);
    await page.goto(`${suite.h.gateway.url}/panel/notifications?lang=en`);
    const height = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document
          .documentElement.scrollHeight,
    );
    await shot(page, '7-layout-1280');
    assert.ok(height < 1600, `the page is ${height}px tall at 1280x800 (was about 4,400)`);
    // One editor at a time: the reminder first; one variable menu for it.
    assert.equal(await page.locator('.tpl-card:visible').count(), 1);
    assert.equal(await reminderCard(page).isVisible(), true);
    assert.equal(await page.locator('[data-role="chips"]').count(), 1);

    // Another kind from the list: its editor shows and the menu inserts into its text, at the cursor.
    await page.getByTestId('kind-booking_cancelled').click();
    const card = page.getByTestId('template-booking_cancelled');
    await card.waitFor();
    assert.equal(await reminderCard(page).isVisible(), false);
    assert.equal(await page.getByTestId('kind-booking_cancelled').getAttribute('aria-current'), 'true');
    const textarea = card.getByTestId('template-body');
    await textarea.fill('Dear , cancelled.');
    await textarea.evaluate((el) => {
      (el as unknown as { setSelectionRange(a: number, b: number): void }).setSelectionRange(5, 5);
    });
    await page.getByTestId('variable-menu').getByRole('button', { name: '%CLIENT_NAME%' }).click();
    assert.equal(await textarea.inputValue(), 'Dear %CLIENT_NAME%, cancelled.');
    const bubble = card.getByTestId('template-preview');
    assert.match((await bubble.getAttribute('class')) ?? '', /wa-bubble/);
    await waitUntil(async () => (await bubble.innerText()) === 'Dear Anna, cancelled.', {
      what: 'the bubble shows the new text',
      timeoutMs: WAIT_MS,
      intervalMs: 100,
    });
    await shot(page, '8-layout-cancelled');

    // "Send a test to my phone": the typed text (not saved) goes out; the page keeps it.
    await card.getByTestId('test-send-phone').fill('12');
    await card.getByTestId('test-send').click();
    await page.getByTestId('tpl-booking_cancelled-test-to-error').waitFor();
    assert.equal(
      await page.getByTestId('template-booking_cancelled').getByTestId('template-body').inputValue(),
      'Dear %CLIENT_NAME%, cancelled.',
    );
    await page
      .getByTestId('template-booking_cancelled')
      .getByTestId('test-send-phone')
      .fill('+55 31 98877-6655');
    await page.getByTestId('template-booking_cancelled').getByTestId('test-send').click();
    await page.getByTestId('test-send-sent').waitFor();
    assert.equal(await page.getByTestId('template-booking_cancelled').isVisible(), true);
    assert.equal(
      await page.getByTestId('template-booking_cancelled').getByTestId('template-body').inputValue(),
      'Dear %CLIENT_NAME%, cancelled.',
    );
    assert.equal(
      await page.getByTestId('template-booking_cancelled').getByTestId('template-state').innerText(),
      'Default text',
    );
    await shot(page, '9-test-sent');

    // Without JavaScript the list's links select the kind too (a #fragment), and its form saves.
    const plain = await newPage({ javaScriptEnabled: false });
    const login = await suite.h.api(
      'POST',
      `/v1/tenants/${(await installedBusiness(suite.h, 'Studio Layout')).tenantId}/panel-login-links`,
      {
        key: suite.h.adminKey,
      },
    );
    await plain.goto(suite.h.gateway.url + new URL(login.json.url as string).pathname);
    await plain.goto(`${suite.h.gateway.url}/panel/notifications?lang=en`);
    assert.equal(await plain.locator('.tpl-card:visible').count(), 1);
    await plain.getByTestId('kind-booking_changed').click();
    const changed = plain.getByTestId('template-booking_changed');
    assert.equal(await changed.isVisible(), true);
    assert.equal(await reminderCard(plain).isVisible(), false);
    await changed.getByTestId('template-body').fill('Changed for %CLIENT_NAME%');
    await changed.getByTestId('save-template').click();
    await plain.waitForURL(/saved=template&kind=booking_changed/);
    assert.equal(await plain.getByTestId('template-booking_changed').isVisible(), true);
    assert.equal(
      await plain.getByTestId('template-booking_changed').getByTestId('template-saved').innerText(),
      'Saved.',
    );
  });
});
