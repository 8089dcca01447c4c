import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';

/**
 * The panel login link opened again (issue 15): in the browser that used it, it goes to the panel;
 * anywhere else it says "already used" (never "reset"), with a way to ask for a new one.
 */
const ARTIFACTS = 'test-artifacts/panel-login-link';
const WAIT_MS = 15_000;
const SUPPORT_URL = 'mailto:help@salon-support.example';

describe('the panel login link, opened again', () => {
  let h: Harness;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ env: { SUPPORT_URL } });
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await h?.stop();
  });

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    return page;
  };
  const newBusiness = async (name: string, language = 'en') => {
    const r = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name, timeZone: 'America/Sao_Paulo', language },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return h.gateway.url + new URL((r.json as { panelLoginUrl: string }).panelLoginUrl).pathname;
  };

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
    const answer = await page.goto(`${h.gateway.url}/panel/login/${'x'.repeat(43)}`);
    assert.equal(answer?.status(), 410);
    await page.getByTestId('ask-new-link').waitFor();
    assert.doesNotMatch(await page.locator('body').innerText(), /reset/i);
  });
});
