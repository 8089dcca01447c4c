import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import { assertNoReload, browserSuite, createBusiness, markNoReload } from '../support/browser.js';
import { linkChannelByQr } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Panel → Messages in Chromium: a linked business sends a few notifications (one to a number
 * without WhatsApp), the business sees statuses and the reason in words, searches by phone, pauses
 * the queue (a new message waits, the depth shows 1) and resumes it (delivered, without a reload).
 */
const ARTIFACTS = 'test-artifacts/panel-messages';
/** The one browser global used below (the tests' TypeScript has no DOM types). */
type BrowserStyle = { getComputedStyle(element: unknown, pseudo: string): { content: string } };
const WAIT_MS = 15_000;

describe('panel message log in a real browser', () => {
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS });
  const { here, shot } = suite;
  let seq = 0;

  // Brazilian mobile numbers: 55 11 9XXXX-XXXX.
  const nextPhone = () =>
    `55119${String(Date.now() % 1000).padStart(3, '0')}${String(++seq).padStart(5, '0')}`;
  const formatted = (p: string) => `+${p.slice(0, 2)} (${p.slice(2, 4)}) ${p.slice(4, 9)}-${p.slice(9)}`;

  const newBusiness = (name: string) => createBusiness(suite.h, name);
  const send = async (apiKey: string, to: string, text: string): Promise<string> => {
    const r = await suite.h.api('POST', '/v1/messages', { key: apiKey, body: { to: `+${to}`, text } });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    return r.json.id as string;
  };
  const statusOf = async (apiKey: string, id: string): Promise<string> =>
    (await suite.h.api('GET', `/v1/messages/${id}`, { key: apiKey })).json.status as string;
  const openPanel = (loginUrl: string, options: { javaScriptEnabled?: boolean } = {}) =>
    suite.openPage(here(loginUrl), { viewport: { width: 1280, height: 860 }, ...options });
  const rows = (page: Page) => page.locator('[data-role="rows"] tr');
  const rowFor = (page: Page, phone: string) => rows(page).filter({ hasText: `+${phone}` });
  /** Waits (polling, no fixed sleep) until the page shows this depth and newest status. */
  const waitForLog = (page: Page, depth: string, newestStatus: string, what: string) =>
    waitUntil(
      async () =>
        (await page.getByTestId('queue-depth').innerText()) === depth &&
        (await rows(page).first().getByTestId('message-status').innerText()) === newestStatus,
      { what, timeoutMs: WAIT_MS, intervalMs: 200 },
    );

  test('statuses and reasons in words, search by phone, pause → queued → resume → delivered, live', async () => {
    const business = await newBusiness('Studio Bela');
    await linkChannelByQr(suite.h, business, suite.h.sim.createPhone({ phone: nextPhone(), business: true }));
    const pacing = await suite.h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } });
    assert.equal(pacing.status, 200);
    const maria = suite.h.sim.createPhone({ phone: nextPhone(), name: 'Maria' });
    const joao = suite.h.sim.createPhone({ phone: nextPhone(), name: 'João' });
    const nobody = suite.h.sim.createPhone({ phone: nextPhone(), hasWhatsApp: false });
    const longText = `Olá João! ${'Your appointment at Studio Bela is confirmed. '.repeat(4)}See you soon.`;
    const ids = [
      await send(business.apiKey, maria.phone, 'Hi Maria, see you <b>tomorrow</b> at 10:00'),
      await send(business.apiKey, joao.phone, longText),
      await send(business.apiKey, nobody.phone, 'Reminder: your booking is tomorrow at 15:00'),
    ];
    await waitUntil(
      async () => {
        const statuses = await Promise.all(ids.map((id) => statusOf(business.apiKey, id)));
        return statuses.join() === 'delivered,delivered,failed';
      },
      { what: 'two delivered and one failed' },
    );

    // The panel: login link → Settings → the Messages tab.
    const page = await openPanel(business.panelLoginUrl);
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    await page.waitForURL(/\/panel\/messages/);
    await page.getByTestId('message-log').waitFor();
    assert.equal(await rows(page).count(), 3);
    assert.equal(await page.getByTestId('queue-depth').innerText(), '0');
    assert.equal(await page.getByTestId('queue-state').innerText(), 'On');
    assert.match(await page.getByTestId('queue-connection').innerText(), /Connection established/);
    assert.equal(await rowFor(page, maria.phone).getByTestId('message-status').innerText(), 'Delivered');
    assert.equal(await rowFor(page, joao.phone).getByTestId('message-status').innerText(), 'Delivered');
    const failed = rowFor(page, nobody.phone);
    assert.equal(await failed.getByTestId('message-status').innerText(), 'Failed');
    assert.equal(await failed.getByTestId('message-reason').innerText(), 'Not on WhatsApp — send an SMS');
    // The client's text is shown as text, never as markup.
    assert.match(await rowFor(page, maria.phone).innerText(), /see you <b>tomorrow<\/b> at 10:00/);
    assert.equal(await page.locator('[data-role="rows"] b').count(), 0);
    // A long text is shortened and opens in place.
    const details = rowFor(page, joao.phone).locator('details');
    assert.equal(await details.locator('.msg-full').isVisible(), false);
    await details.locator('summary').click();
    assert.ok(await details.locator('.msg-full').isVisible());
    assert.match(await details.locator('.msg-full').innerText(), /See you soon\.$/);
    await shot(page, '1-message-log');

    // Search by phone, typed the way people write it: only Maria's message.
    await page.getByLabel('Phone number', { exact: true }).fill(formatted(maria.phone));
    await Promise.all([page.waitForURL(/phone=/), page.getByTestId('search').click()]);
    await page.getByTestId('message-log').waitFor();
    assert.equal(await rows(page).count(), 1);
    assert.equal(await rows(page).getByTestId('message-to').innerText(), `+${maria.phone}`);
    assert.equal(await page.getByLabel('Phone number', { exact: true }).inputValue(), formatted(maria.phone));
    await shot(page, '2-search-by-phone');

    // A status filter narrows too.
    await page.getByLabel('Phone number', { exact: true }).fill('');
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await Promise.all([page.waitForURL(/status=failed/), page.getByTestId('search').click()]);
    await page.getByTestId('message-log').waitFor();
    assert.equal(await rows(page).count(), 1);
    assert.equal(await rows(page).getByTestId('message-to').innerText(), `+${nobody.phone}`);

    // Not a phone number: a clear error on the field, not a 500.
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByLabel('Phone number', { exact: true }).fill('call me');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/panel/messages?')),
      page.getByTestId('search').click(),
    ]);
    assert.equal(response.status(), 400);
    const error = page.getByTestId('phone-error');
    await error.waitFor();
    assert.match(await error.innerText(), /^Phone number: that is not a valid number/);
    assert.equal(await page.getByLabel('Phone number', { exact: true }).getAttribute('aria-invalid'), 'true');
    await shot(page, '3-invalid-phone');

    // Back to everything, then pause: a new message stays queued and the depth shows 1.
    await Promise.all([
      page.waitForURL((url) => !url.search.includes('phone=')),
      page.getByTestId('clear-search').click(),
    ]);
    await page.getByTestId('message-log').waitFor();
    assert.equal(await rows(page).count(), 3);
    await markNoReload(page);
    await page.getByTestId('pause-sending').click();
    await page.getByTestId('resume-sending').waitFor();
    assert.equal(await page.getByTestId('queue-state').innerText(), 'Paused');
    assert.match(await page.getByTestId('queue-summary').innerText(), /Sending is paused/);
    const waiting = await send(business.apiKey, maria.phone, 'Your booking moved to 11:00');
    const newest = rows(page).first();
    await waitForLog(page, '1', 'Queued', 'the paused message queued, depth 1');
    assert.match(await newest.innerText(), /Your booking moved to 11:00/);
    assert.equal(await rows(page).count(), 4);
    assert.equal(await statusOf(business.apiKey, waiting), 'queued');
    await shot(page, '4-paused-queued');

    // Resume: the message goes out and the row turns Delivered without a reload.
    await page.getByTestId('resume-sending').click();
    await page.getByTestId('pause-sending').waitFor();
    await waitForLog(page, '0', 'Delivered', 'the resumed message delivered, depth 0');
    assert.equal(await page.getByTestId('queue-state').innerText(), 'On');
    await assertNoReload(page);
    assert.ok(
      maria.inbox().some((m) => m.text === 'Your booking moved to 11:00'),
      'the phone got the message',
    );
    await shot(page, '5-resumed-delivered');

    // A phone's width: every message is a card and nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction('document.documentElement.scrollWidth <= window.innerWidth');
    const label = await rows(page)
      .first()
      .locator('td')
      .first()
      .evaluate((td) => (globalThis as unknown as BrowserStyle).getComputedStyle(td, '::before').content);
    assert.equal(label, '"Time"');
    await shot(page, '6-phone-width');

    // The Channels tab links the card to its log.
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByRole('link', { name: 'Channels', exact: true }).click();
    await page.getByTestId('message-log-link').click();
    await page.getByTestId('message-log').waitFor();
    assert.match(page.url(), new RegExp(`channel=${business.channelId}`));

    // Another business's channel is not found through this session.
    const other = await newBusiness('Other Spa');
    for (const [method, path] of [
      ['GET', 'messages'],
      ['GET', 'queue'],
      ['POST', 'pause'],
      ['POST', 'resume'],
    ] as const) {
      const url = `${suite.h.gateway.url}/panel/api/channels/${other.channelId}/${path}`;
      const r = method === 'GET' ? await page.request.get(url) : await page.request.post(url, { data: {} });
      assert.equal(r.status(), 404, `${method} ${path}`);
    }
    const form = await page.request.post(`${suite.h.gateway.url}/panel/channels/${other.channelId}/pause`, {
      form: { lang: 'en' },
      maxRedirects: 0,
    });
    assert.equal(form.status(), 404);
    const otherView = await suite.h.api('GET', `/v1/channels/${other.channelId}`, { key: other.apiKey });
    assert.equal(otherView.json.paused, false, "the other business's queue was not paused");
    const bad = await page.request.get(
      `${suite.h.gateway.url}/panel/api/channels/${business.channelId}/messages?phone=nope`,
    );
    assert.equal(bad.status(), 400);
    assert.equal(
      ((await bad.json()) as { error: { details: { field: string } } }).error.details.field,
      'phone',
    );
  });

  test('without JavaScript: pause and resume are forms that come back to the log', async () => {
    const business = await newBusiness('Clínica Sol');
    const page = await openPanel(business.panelLoginUrl, { javaScriptEnabled: false });
    await page.goto(`${suite.h.gateway.url}/panel/messages?lang=pt-BR`);
    assert.match(await page.getByTestId('log-empty').innerText(), /Nenhuma mensagem ainda/);
    assert.match(await page.getByTestId('queue-summary').innerText(), /aguardam na fila/);
    await page.getByTestId('pause-sending').click();
    await page.getByTestId('resume-sending').waitFor();
    assert.equal(await page.getByTestId('queue-state').innerText(), 'Pausado');
    assert.match(page.url(), /lang=pt-BR/);
    await shot(page, '7-no-js-paused-pt-br');
    await page.getByTestId('resume-sending').click();
    await page.getByTestId('pause-sending').waitFor();
    assert.equal(await page.getByTestId('queue-state').innerText(), 'Ativo');
  });
});
