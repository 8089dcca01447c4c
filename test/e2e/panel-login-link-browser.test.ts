import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, createBusiness } from '../support/browser.js';

/**
 * The panel login link opened again (issue 15): in the browser that used it, it goes to the panel;
 * anywhere else it says "already used" (never "reset"), with a way to ask for a new one.
 */
const ARTIFACTS = 'test-artifacts/panel-login-link';
const WAIT_MS = 15_000;
const SUPPORT_URL = 'mailto:help@salon-support.example';

describe('the panel login link, opened again', () => {
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS, harness: { env: { SUPPORT_URL } } });
  const newPage = (): Promise<Page> => suite.openPage();
  /** A new business's panel login link, on this gateway. */
  const newBusiness = async (name: string, language = 'en') =>
    suite.here((await createBusiness(suite.h, name, language)).panelLoginUrl);

  test('the same browser goes to its panel; another browser is told "already used", with a way on', async () => {
    const link = await newBusiness('Studio Again');
    const owner = await newPage();
    await owner.goto(link);
    await owner.getByTestId('scan-qr').waitFor();
    // The message with the link is tapped again a day later, in the same browser.
    const again = await owner.goto(link);
    assert.equal(again?.status(), 200);
    assert.equal(new URL(owner.url()).pathname, '/panel');
    await owner.getByTestId('scan-qr').waitFor();

    const stranger = await newPage();
    const answer = await stranger.goto(link);
    assert.equal(answer?.status(), 410);
    const text = await stranger.locator('body').innerText();
    assert.match(text, /This login link was already used/);
    assert.doesNotMatch(text, /reset/i);
    assert.equal(await stranger.getByTestId('ask-new-link').getAttribute('href'), SUPPORT_URL);
    for (const lang of ['en', 'pt-BR', 'es'] as const)
      for (const [size, viewport] of [
        ['1280x800', { width: 1280, height: 800 }],
        ['390x844', { width: 390, height: 844 }],
      ] as const) {
        await stranger.setViewportSize(viewport);
        await stranger.goto(`${link}?lang=${lang}`);
        await stranger.getByTestId('ask-new-link').waitFor();
        await stranger.screenshot({ path: `${ARTIFACTS}/already-used-${lang}-${size}.png` });
      }
  });

  test("another business's session does not open this business's used link; words in its language", async () => {
    const used = await newBusiness('Clínica Usada', 'pt-BR');
    const first = await newPage();
    await first.goto(used);
    await first.getByTestId('scan-qr').waitFor();
    const other = await newPage();
    await other.goto(await newBusiness('Other Salon'));
    await other.getByTestId('scan-qr').waitFor();
    const answer = await other.goto(used);
    assert.equal(answer?.status(), 410);
    assert.match(await other.locator('body').innerText(), /Este link de acesso já foi usado/);
  });

  test('an unknown link: not valid, with the way to ask for a new one', async () => {
    const page = await newPage();
    const answer = await page.goto(`${suite.h.gateway.url}/panel/login/${'x'.repeat(43)}`);
    assert.equal(answer?.status(), 410);
    await page.getByTestId('ask-new-link').waitFor();
    assert.doesNotMatch(await page.locator('body').innerText(), /reset/i);
  });
});
