import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ManualClock } from '../../src/clock.js';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { launchChromium } from '../support/browser.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { scanQrOnScreen } from '../support/qr-scan.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Linking, whoever and however many are looking (issue 15): each open QR window, QR page or code is
 * a viewer with a lease; one leaving (closing, reloading) does not stop linking for the others, a
 * reload finds the same attempt, and a stop is never worded as the user's fault.
 */
const ARTIFACTS = 'test-artifacts/linking-viewers';
const WAIT_MS = 15_000;
const QR_TTL_MS = 3_000;
/** The linking grace after the last viewer left; its timer runs on the gateway's clock. */
const GRACE_S = 10;

const newBusinessWith = async (h: Harness, name: string) => {
  const r = await h.api('POST', '/v1/tenants', {
    key: h.adminKey,
    body: { name, timeZone: 'America/Sao_Paulo', language: 'en' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json as { channelId: string; apiKey: string; panelLoginUrl: string; qrPageUrl: string };
};

describe('linking with several viewers, in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  // The link window's timers (grace, window, code renewal) run on this clock: the tests move it
  // past the grace instead of sleeping through it. Two moves stay well inside a viewer's 45 s lease.
  const clock = new ManualClock(new Date('2026-03-02T12:00:00Z'));
  let seq = 0;
  const contexts: BrowserContext[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({
      qrTimeoutMs: QR_TTL_MS,
      env: { LINK_GRACE_SECONDS: String(GRACE_S) },
      clock,
    });
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await h?.stop();
  });

  const newPhone = (): VirtualPhone =>
    h.sim.createPhone({
      phone: `55118${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`,
      business: true,
      name: 'Salon phone',
    });
  const here = (url: string) => h.gateway.url + new URL(url).pathname;
  const openPage = async (url: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(url);
    return page;
  };
  const qrSequence = async (page: Page): Promise<number> =>
    Number(await page.getByTestId('qr-code').first().getAttribute('data-sequence'));
  /** Scans the QR the page shows now (again if it rotated meanwhile: its codes live 3 s here). */
  const scanFrom = async (page: Page, phone: VirtualPhone) => {
    const scan = await scanQrOnScreen(page, h.sim.controlUrl, phone);
    assert.equal(scan.status, 200, JSON.stringify(scan.json));
  };
  const causes = async (apiKey: string, channelId: string): Promise<string[]> => {
    const r = await h.api('GET', `/v1/channels/${channelId}/events`, { key: apiKey });
    return (r.json as Array<{ cause: string }>).map((e) => e.cause);
  };
  /**
   * The page's next watch, answered. A reloaded page may draw the QR from the live state before its
   * watch reached the gateway; the grace must pass only once the viewer is back (it would end the
   * attempt otherwise, which is the test's race, not the product's).
   */
  const nextWatchAnswered = (page: Page) =>
    page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/watch') && r.ok(),
    );
  /** Moves the clock past the grace: if linking were going to stop, it stops now. */
  const pastTheGrace = () => clock.advance(GRACE_S * 1000 + 1_000);

  test('two viewers: the panel window closes, the QR page still links (never "expired")', async () => {
    const business = await newBusinessWith(h, 'Two Viewers Salon');
    const phone = newPhone();
    const panel = await openPage(here(business.panelLoginUrl));
    await panel.getByTestId('scan-qr').click();
    await panel.getByTestId('qr-code').waitFor();
    const qrPage = await openPage(here(business.qrPageUrl));
    await qrPage.getByTestId('qr-code').waitFor();
    // The first viewer leaves.
    await panel.getByTestId('qr-window').locator('[data-action="close"]').click();
    await panel.getByTestId('qr-window').waitFor({ state: 'hidden' });
    const before = await qrSequence(qrPage);
    pastTheGrace();
    // The other viewer still gets fresh codes, and never "This code has expired".
    await waitUntil(async () => (await qrSequence(qrPage)) > before, {
      what: 'a new QR after the panel left',
      timeoutMs: WAIT_MS,
    });
    // Past the grace again, now that the panel's leaving has surely reached the gateway.
    pastTheGrace();
    await waitUntil(async () => (await qrSequence(qrPage)) > before + 1, {
      what: 'another new QR after the grace',
      timeoutMs: WAIT_MS,
    });
    assert.equal(await qrPage.getByTestId('link-expired').count(), 0);
    assert.doesNotMatch(await qrPage.locator('body').innerText(), /expired|not used in time/i);
    const seen = await causes(business.apiKey, business.channelId);
    assert.ok(!seen.includes('viewers_left') && !seen.includes('link_window_ended'), seen.join(', '));
    await qrPage.screenshot({ path: `${ARTIFACTS}/other-viewer-still-linking.png` });
    await scanFrom(qrPage, phone);
    await qrPage.getByTestId('connection-established').waitFor();
  });

  test('a reload of the QR page mid-link keeps the same attempt, and the scan links', async () => {
    const business = await newBusinessWith(h, 'Reload Salon');
    const phone = newPhone();
    const page = await openPage(here(business.qrPageUrl));
    await page.getByTestId('qr-code').waitFor();
    const watchedAgain = nextWatchAnswered(page);
    await page.reload();
    await watchedAgain;
    await page.getByTestId('qr-code').waitFor();
    const before = await qrSequence(page);
    pastTheGrace();
    await waitUntil(async () => (await qrSequence(page)) > before, { what: 'a new QR', timeoutMs: WAIT_MS });
    pastTheGrace();
    await page.getByTestId('qr-code').waitFor();
    assert.equal(await page.getByTestId('link-expired').count(), 0);
    const seen = await causes(business.apiKey, business.channelId);
    assert.ok(
      !seen.includes('viewers_left') && !seen.includes('link_window_ended'),
      `linking stopped on the reload: ${seen.join(', ')}`,
    );
    assert.equal(seen.filter((c) => c === 'viewer_opened').length, 1, 'one attempt, not a new one');
    await scanFrom(page, phone);
    await page.getByTestId('connection-established').waitFor();
  });

  test('a reload of the panel with the QR window open reopens it, still linking', async () => {
    const business = await newBusinessWith(h, 'Panel Reload Salon');
    const phone = newPhone();
    const panel = await openPage(here(business.panelLoginUrl));
    await panel.getByTestId('scan-qr').click();
    await panel.getByTestId('qr-code').waitFor();
    const watchedAgain = nextWatchAnswered(panel);
    await panel.reload();
    await watchedAgain;
    await panel.getByTestId('qr-window').waitFor();
    await panel.getByTestId('qr-code').waitFor();
    const before = await qrSequence(panel);
    pastTheGrace();
    await waitUntil(async () => (await qrSequence(panel)) > before, { what: 'a new QR', timeoutMs: WAIT_MS });
    pastTheGrace();
    await panel.getByTestId('qr-code').waitFor();
    const seen = await causes(business.apiKey, business.channelId);
    assert.ok(
      !seen.includes('viewers_left') && !seen.includes('link_window_ended'),
      `linking stopped on the reload: ${seen.join(', ')}`,
    );
    assert.equal(seen.filter((c) => c === 'viewer_opened').length, 1, 'one attempt, not a new one');
    await panel.screenshot({ path: `${ARTIFACTS}/panel-reopened-after-reload.png` });
    await scanFrom(panel, phone);
    await panel.getByTestId('link-connected').waitFor();
  });

  test('code mode: the panel window closes while the code is typed on the phone; the code still links', async () => {
    const business = await newBusinessWith(h, 'Code Salon');
    const phone = newPhone();
    const tenantId = (await h.api('GET', '/v1/tenant', { key: business.apiKey })).json.id as string;
    const mode = await h.api('PUT', `/v1/tenants/${tenantId}/channels/${business.channelId}/link-mode`, {
      key: h.adminKey,
      body: { mode: 'code' },
    });
    assert.equal(mode.status, 200, JSON.stringify(mode.json));
    const panel = await openPage(here(business.panelLoginUrl));
    await panel.getByTestId('scan-qr').click();
    await panel.getByTestId('pairing-phone-input').fill(`+${phone.phone}`);
    await panel.getByTestId('pairing-phone-submit').click();
    const code = (await panel.getByTestId('pairing-code').first().innerText()).trim();
    const qrPage = await openPage(here(business.qrPageUrl));
    await qrPage.getByTestId('pairing-code').first().waitFor();
    // The owner closes the panel's window while typing the code shown on the QR page.
    await panel.getByTestId('qr-window').locator('[data-action="close"]').click();
    await panel.getByTestId('qr-window').waitFor({ state: 'hidden' });
    pastTheGrace();
    assert.equal((await qrPage.getByTestId('pairing-code').first().innerText()).trim(), code);
    pastTheGrace();
    assert.equal((await qrPage.getByTestId('pairing-code').first().innerText()).trim(), code);
    const seen = await causes(business.apiKey, business.channelId);
    assert.ok(!seen.includes('viewers_left'), `linking stopped: ${seen.join(', ')}`);
    const typed = await fetch(`${h.sim.controlUrl}/phones/${phone.phone}/pairing-code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    assert.equal(typed.status, 200, await typed.text());
    await qrPage.getByTestId('connection-established').waitFor();
  });

  test('the last viewer leaving stops linking after the grace, in words that blame no one', async () => {
    const business = await newBusinessWith(h, 'Last Viewer Salon');
    const page = await openPage(here(business.qrPageUrl));
    await page.getByTestId('qr-code').waitFor();
    const url = page.url();
    await page.goto('about:blank');
    // The grace passes on the clock (a few times at most, in case the leaving reaches the gateway
    // late; still inside the link window).
    let moves = 0;
    await waitUntil(
      async () => {
        if (moves++ < 3) pastTheGrace();
        return (await causes(business.apiKey, business.channelId)).includes('viewers_left');
      },
      { what: 'linking stops once nobody looks', timeoutMs: WAIT_MS, intervalMs: 500 },
    );
    const channel = await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey });
    assert.equal(channel.json.cause, 'viewers_left');
    // Someone comes back: linking starts again by itself.
    await page.goto(url);
    await page.getByTestId('qr-code').waitFor();
  });
});
