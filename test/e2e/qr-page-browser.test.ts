import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { askPairingCode, browserSuite, createBusiness, typePairingCodeOnPhone } from '../support/browser.js';
import { scanQrOnScreen } from '../support/qr-scan.js';
import { holdWatchHeartbeats } from '../support/watch-heartbeat.js';

/**
 * The public QR page around its edges (issue 15): opened on the very phone that must scan it, revoked
 * by a Reset elsewhere, and its own Reset.
 */
const ARTIFACTS = 'test-artifacts/qr-page';
// Generous: the machine running the tests may be busy; the bounds that matter are asserted apart.
const WAIT_MS = 30_000;
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

describe('the QR page in a real browser', () => {
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS });
  const { here, shot } = suite;
  let seq = 0;

  const newBusiness = (name?: string, language?: string) => createBusiness(suite.h, name, language);
  const newPhone = (): VirtualPhone =>
    suite.h.sim.createPhone({
      phone: `55119${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`,
      business: true,
      name: 'Salon phone',
    });
  const open = (url: string, phone = false): Promise<Page> =>
    suite.openPage(
      url,
      phone
        ? { viewport: { width: 390, height: 844 }, userAgent: IPHONE_UA, isMobile: true, hasTouch: true }
        : undefined,
    );

  test('opened on a phone: the page says so, the owner switches to a code, the phone types it and links', async () => {
    const business = await newBusiness();
    const phone = newPhone();
    const page = await open(here(business.qrPageUrl), true);
    const hint = page.getByTestId('on-phone-hint');
    await hint.waitFor();
    assert.match(await hint.innerText(), /another screen/);
    assert.match(await hint.innerText(), /code instead/);
    await page.getByTestId('qr-code').waitFor();
    await shot(page, 'phone-hint');
    // The way out is in the hint itself, above the QR, not below the fold.
    const inHint = page.getByTestId('on-phone-use-code');
    const box = (await inHint.boundingBox())!;
    assert.ok(box.y + box.height <= 844, 'the switch is on the first screen');
    await inHint.click();
    const code = await askPairingCode(page, phone.phone);
    assert.equal(await hint.isHidden(), true, 'no phone hint in code mode');
    await page.getByTestId('use-qr').waitFor();
    await shot(page, 'phone-code');

    const phonePage = await open(`${suite.h.sim.controlUrl}/phone/${phone.phone}`, true);
    await typePairingCodeOnPhone(phonePage, code);
    await page.getByTestId('connection-established').first().waitFor();
    await page.getByTestId('use-qr').waitFor({ state: 'hidden' });
    assert.equal(phone.linkedDevices().length, 1);
    // Once linked the mode is no longer the page's to change.
    const refused = await fetch(`${page.url()}/api/link-mode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'qr' }),
    });
    assert.equal(refused.status, 409);
  });

  test('on a computer: no phone hint, the QR and a way to switch to a code', async () => {
    const business = await newBusiness();
    const page = await open(here(business.qrPageUrl));
    await page.getByTestId('qr-code').waitFor();
    await page.getByTestId('use-code').waitFor();
    assert.equal(await page.getByTestId('on-phone-hint').isHidden(), true);
  });

  test('revoked by a Reset elsewhere: the page says so at once, with Support; the dead link shows Support', async () => {
    const business = await newBusiness();
    const page = await open(here(business.qrPageUrl));
    await page.getByTestId('qr-code').locator('svg').waitFor();
    const oldUrl = page.url();
    // Before, it took the next heartbeat (20 s); the event stream tells it at once. With the
    // heartbeat held, the stream is the only way the page can learn it, however long a loaded
    // machine takes (a fixed "within 8 s" raced the machine, not the product).
    await holdWatchHeartbeats(page);
    const reset = await suite.h.api('POST', `/v1/channels/${business.channelId}/reset`, {
      key: business.apiKey,
    });
    assert.equal(reset.status, 200);
    await page.getByText('This link is no longer valid').waitFor();
    assert.equal(await page.getByTestId('qr-code').count(), 0, 'no dead QR left on screen');
    await page.getByTestId('support').waitFor();
    await shot(page, 'revoked');
    const dead = await open(oldUrl);
    await dead.getByText('This link is no longer valid').waitFor();
    await dead.getByTestId('support').waitFor();
  });

  test('Reset on the page: last and quiet, confirmed in the page in words, hidden once linked', async () => {
    const business = await newBusiness();
    const page = await open(here(business.qrPageUrl));
    await page.getByTestId('qr-code').locator('svg').waitFor();
    // No browser dialog at all.
    page.on('dialog', () => assert.fail('a browser dialog was shown'));
    const order = await page
      .locator('.qr-actions > :visible')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')));
    assert.notEqual(order[0], 'reset', `Reset is not first: ${order.join(', ')}`);
    assert.equal(order.at(-1), 'reset', `Reset is last: ${order.join(', ')}`);
    const oldUrl = page.url();
    await page.getByTestId('reset').click();
    const confirm = page.getByTestId('reset-confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /This link stops working/);
    await shot(page, 'reset-confirm');
    // Changing one's mind keeps everything as it was.
    await page.getByTestId('reset-no').click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(page.url(), oldUrl);
    assert.equal((await fetch(oldUrl)).status, 200);
    await page.getByTestId('reset').click();
    await page.getByTestId('reset-yes').click();
    await page.waitForURL((url) => url.toString() !== oldUrl);
    assert.equal((await fetch(oldUrl)).status, 404);
    // Linked: no Reset on the page.
    const phone = newPhone();
    const scan = await scanQrOnScreen(page, suite.h.sim.controlUrl, phone);
    assert.equal(scan.status, 200, JSON.stringify(scan.json));
    await page.getByTestId('connection-established').first().waitFor();
    await page.getByTestId('reset').waitFor({ state: 'hidden' });
    assert.equal(await page.getByTestId('reset-confirm').isHidden(), true);
  });
});
