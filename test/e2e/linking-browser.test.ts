import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import type { VirtualPhone } from '../../src/simulator/index.js';
import {
  askPairingCode,
  assertNoReload,
  browserSuite,
  createBusiness,
  markNoReload,
  openLinkADevice,
} from '../support/browser.js';
import { photographQr, scanQrOnScreen } from '../support/qr-scan.js';
import { waitUntil } from '../support/wait-for.js';
import { holdWatchHeartbeats } from '../support/watch-heartbeat.js';

/**
 * The seed's linking experience end to end in Chromium: panel, QR page, code mode, Reset, an old
 * screenshot, removal on the phone, restart. The QR is read from a screenshot of the page, as a
 * phone's camera would, and scanned by a virtual phone.
 */
const ARTIFACTS = 'test-artifacts/linking';
const WAIT_MS = 15_000;
const QR_TTL_MS = 3_000;

describe('linking in a real browser', () => {
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS, harness: { qrTimeoutMs: QR_TTL_MS } });
  const { here, shot } = suite;
  let seq = 0;

  const newBusiness = (name?: string, language?: string) => createBusiness(suite.h, name, language);
  const newPhone = (business = true): VirtualPhone =>
    suite.h.sim.createPhone({
      phone: `55119${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`,
      business,
      name: 'Salon phone',
    });

  const openPage = (url: string, viewport = { width: 1280, height: 800 }): Promise<Page> =>
    suite.openPage(url, { viewport });

  /** The phone's camera on the QR the page shows now (again if it rotated meanwhile: qr-scan.ts). */
  const scanQr = (page: Page, phone: VirtualPhone) => scanQrOnScreen(page, suite.h.sim.controlUrl, phone);
  /** A new business linked from its panel (QR window, scan, green), with the panel page. */
  const linkedFromThePanel = async () => {
    const business = await newBusiness();
    const phone = newPhone();
    const page = await openPage(here(business.panelLoginUrl));
    await page.getByTestId('scan-qr').click();
    assert.equal((await scanQr(page, phone)).status, 200);
    await page.getByTestId('connection-established').first().waitFor();
    return { business, phone, page };
  };

  test('1. panel → red "Scan the QR code" → QR window → scan → green "Connection established", no reload', async () => {
    const business = await newBusiness();
    const phone = newPhone();
    const page = await openPage(here(business.panelLoginUrl));
    await markNoReload(page);
    const red = page.getByTestId('scan-qr');
    await red.waitFor();
    assert.match(await red.innerText(), /Scan the QR code/);
    await shot(page, '1-panel-not-linked');
    await red.click();
    await page.getByTestId('qr-window').waitFor();
    await page.getByTestId('qr-code').locator('svg').waitFor();
    await page.getByTestId('qr-countdown').waitFor();
    await shot(page, '1-qr-window');
    // The green must be pushed: with the heartbeat held, the event stream is the only way the page
    // can learn it (a fixed "within 5 s of the scan" also timed the linking itself, which a loaded
    // machine can stretch while the product is right).
    await holdWatchHeartbeats(page);
    const scan = await scanQr(page, phone);
    assert.equal(scan.status, 200, JSON.stringify(scan.json));
    const green = page.getByTestId('connection-established').first();
    await green.waitFor();
    assert.match(await green.innerText(), /Connection established/);
    await assertNoReload(page);
    await page.getByTestId('qr-window').waitFor({ state: 'hidden' });
    const block = await page.locator('body').innerText();
    assert.ok(block.includes(phone.phone.slice(-4)), 'the linked number is shown');
    await shot(page, '1-panel-connected');
  });

  test('2. QR page on a phone-sized screen → scan → "Connection established"', async () => {
    const business = await newBusiness('Clínica Sorriso', 'pt-BR');
    const phone = newPhone();
    const page = await openPage(here(business.qrPageUrl), { width: 390, height: 844 });
    await markNoReload(page);
    await page.getByTestId('support').waitFor();
    await page.getByTestId('how-to-scan').waitFor();
    await page.getByTestId('reset').waitFor();
    await page.getByTestId('qr-code').locator('svg').waitFor();
    await shot(page, '2-qr-page-phone');
    const scan = await scanQr(page, phone);
    assert.equal(scan.status, 200, JSON.stringify(scan.json));
    const green = page.getByTestId('connection-established').first();
    await green.waitFor();
    assert.match(await green.innerText(), /Conexão estabelecida/);
    await assertNoReload(page);
    await shot(page, '2-qr-page-connected');
  });

  test('3. support switches to code mode → code in the panel and on the QR page → typed on the phone → connected', async () => {
    const business = await newBusiness();
    const phone = newPhone();
    const support = await openPage(`${suite.h.gateway.url}/support/login`);
    await support.locator('input[name=key]').fill(suite.h.adminKey);
    await support.locator('button[type=submit]').click();
    const row = support
      .locator('tr', { hasText: business.channelId })
      .or(support.locator(`[data-channel-id="${business.channelId}"]`))
      .first();
    await row.getByTestId('mode-toggle').click();
    await waitUntil(
      async () =>
        (await suite.h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json
          .linkMode === 'code',
      { what: 'code mode' },
    );
    await shot(support, '3-support-console');

    const panel = await openPage(here(business.panelLoginUrl));
    await panel.getByTestId('scan-qr').click();
    const code = await askPairingCode(panel, phone.phone);
    await shot(panel, '3-panel-code');

    const qrPage = await openPage(here(business.qrPageUrl), { width: 390, height: 844 });
    await waitUntil(
      async () =>
        (
          await qrPage
            .getByTestId('pairing-code')
            .first()
            .innerText()
            .catch(() => '')
        ).trim() === code,
      { what: 'the same code on the QR page' },
    );
    await shot(qrPage, '3-qr-page-code');

    const phonePage = await openPage(`${suite.h.sim.controlUrl}/phone/${phone.phone}`, {
      width: 390,
      height: 844,
    });
    await openLinkADevice(phonePage);
    await phonePage.getByTestId('link-with-phone-number').click();
    await phonePage.getByTestId('pairing-code-input').fill(code);
    await shot(phonePage, '3-phone-typing-code');
    await phonePage.getByTestId('pairing-code-submit').click();
    await phonePage.getByTestId('phone-success').waitFor();
    await panel.getByTestId('connection-established').first().waitFor();
    await qrPage.getByTestId('connection-established').first().waitFor();
    await shot(panel, '3-panel-connected');
  });

  test('4. Reset → the old QR-page link is dead, a new QR appears, another phone links; a linked number is not reset from the page', async () => {
    const business = await newBusiness();
    const first = newPhone();
    const page = await openPage(here(business.qrPageUrl));
    // Reset on the page while nothing is linked: a new link, a new QR.
    const oldUrl = page.url();
    await photographQr(page);
    await page.getByTestId('reset').click();
    await page.getByTestId('reset-yes').click();
    await page.waitForURL((url) => url.toString() !== oldUrl);
    assert.equal((await fetch(oldUrl)).status, 404);
    assert.equal((await scanQr(page, first)).status, 200);
    await page.getByTestId('connection-established').first().waitFor();
    // Linked: whoever holds the link cannot unlink the working number (no button, and a 409).
    await page.getByTestId('reset').waitFor({ state: 'hidden' });
    const refused = await fetch(`${page.url()}/api/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(refused.status, 409);
    assert.equal(first.linkedDevices().length, 1);
    // The business (panel, API) still can: the page's link dies, another phone links on the new one.
    const linkedUrl = page.url();
    const reset = await suite.h.api('POST', `/v1/channels/${business.channelId}/reset`, {
      key: business.apiKey,
    });
    assert.equal(reset.status, 200);
    await waitUntil(() => first.linkedDevices().length === 0, { what: 'the first phone lost the device' });
    assert.equal((await fetch(linkedUrl)).status, 404);
    const fresh = await openPage(here(reset.json.qrPageUrl));
    const second = newPhone();
    await fresh.getByTestId('qr-code').locator('svg').waitFor();
    await shot(fresh, '4-after-reset-new-qr');
    assert.equal((await scanQr(fresh, second)).status, 200);
    await fresh.getByTestId('connection-established').first().waitFor();
    const gone = await openPage(linkedUrl);
    await shot(gone, '4-old-link-dead');
  });

  test('5. a screenshot scanned after the QR rotated → "Can\'t link new devices right now"', async () => {
    const business = await newBusiness();
    const phone = newPhone();
    const page = await openPage(here(business.qrPageUrl));
    const qr = page.getByTestId('qr-code');
    await qr.locator('svg').waitFor();
    const firstMarkup = await qr.innerHTML();
    const { picture: screenshot } = await photographQr(page);
    // However long the rotation takes here (a loaded machine): what matters is that it happened.
    await waitUntil(async () => (await qr.innerHTML()) !== firstMarkup, {
      what: 'the QR rotated',
      timeoutMs: WAIT_MS,
    });
    const phonePage = await openPage(`${suite.h.sim.controlUrl}/phone/${phone.phone}`, {
      width: 390,
      height: 844,
    });
    await openLinkADevice(phonePage);
    await phonePage
      .getByTestId('qr-file-input')
      .setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: screenshot });
    const error = phonePage.getByTestId('phone-error');
    await error.waitFor();
    assert.match(await error.innerText(), /Can.t link new devices right now/);
    await shot(phonePage, '5-phone-cant-link');
    assert.equal(phone.linkedDevices().length, 0);
  });

  test('6. the phone removes the device → the panel turns red with "scan again"', async () => {
    const { phone, page } = await linkedFromThePanel();
    // The QR window closes itself after the link; with it open, a removal would start a new QR at once.
    await page.getByTestId('qr-window').waitFor({ state: 'hidden' });
    await markNoReload(page);
    phone.removeDevice(phone.linkedDevices()[0]!.device);
    await page
      .getByText(/scan again/i)
      .first()
      .waitFor();
    await page.getByTestId('scan-qr').first().waitFor();
    await assertNoReload(page);
    await shot(page, '6-removed-on-phone');
  });

  test('7. the gateway restarts → the channel is connected again with no scan', async () => {
    const { business, phone, page } = await linkedFromThePanel();
    await suite.h.restartGateway();
    await waitUntil(
      async () => {
        const events = (
          await suite.h.api('GET', `/v1/channels/${business.channelId}/events`, { key: business.apiKey })
        ).json as Array<{ status: string; cause: string }>;
        return events[0]?.status === 'connected' && events[0].cause === 'restored';
      },
      { what: 'reconnected' },
    );
    // Cookies are per host, not port: the same panel session works on the restarted gateway.
    await page.goto(`${suite.h.gateway.url}/panel`);
    await page.getByTestId('connection-established').first().waitFor();
    assert.equal(phone.linkedDevices().length, 1, 'no new scan');
    await shot(page, '7-after-restart');
  });
});
