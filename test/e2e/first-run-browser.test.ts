import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { sandboxCurl } from '../../src/sandbox.js';
import { browserSuite } from '../support/browser.js';
import { waitUntil } from '../support/wait-for.js';
import { daytimeClock } from '../support/daytime-clock.js';

/**
 * A newcomer gets in (issue 15): from an empty database, with only the admin key printed at start
 * and a browser, support's console creates the first business (its API key shown once, the panel
 * link, the QR-page link), the panel links the number (a simulator phone scans the QR on screen),
 * a first message goes from the panel's "Send a test message" (the browser alone), and the sandbox's
 * printed curl sends one with that key. `/docs` renders offline.
 */
const ARTIFACTS = 'test-artifacts/first-run';
const WAIT_MS = 15_000;

describe('first run, in a real browser', () => {
  // The sandbox's message is not urgent: on the system clock a night run would see it held.
  const suite = browserSuite({
    artifacts: ARTIFACTS,
    waitMs: WAIT_MS,
    harness: { qrTimeoutMs: 5_000, clock: daytimeClock() },
  });
  const newPage = (): Promise<Page> => suite.openPage();

  test('support console → Create business → panel link → linked → a message sent with the shown key', async () => {
    const page = await newPage();
    await page.goto(`${suite.h.gateway.url}/support/login`);
    await page.locator('#key').fill(suite.h.adminKey);
    await page.locator('button[type="submit"]').click();
    await page.getByTestId('create-business').waitFor();
    assert.match(await page.locator('body').innerText(), /No businesses yet/);

    // A time zone that is not one is refused by the field, with what was typed kept.
    await page.getByTestId('create-business-open').click();
    await page.getByTestId('new-business-name').fill('Studio Primeiro');
    await page.getByTestId('new-business-time-zone').fill('Mars/Olympus');
    await page.getByTestId('new-business-language').selectOption('pt-BR');
    await page.getByTestId('create-business-submit').click();
    const refused = page.getByTestId('new-business-error');
    await refused.waitFor();
    assert.match(await refused.innerText(), /Time zone/);
    assert.equal(await page.getByTestId('new-business-name').inputValue(), 'Studio Primeiro');
    assert.equal(await page.getByTestId('new-business-time-zone').getAttribute('aria-invalid'), 'true');

    await page.getByTestId('new-business-time-zone').fill('America/Sao_Paulo');
    await page.getByTestId('create-business-submit').click();
    await page.getByTestId('business-created').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/business-created.png`, fullPage: true });
    const apiKey = (await page.getByTestId('new-api-key').innerText()).trim();
    const panelLink = await page.getByTestId('new-panel-link').getAttribute('href');
    const qrLink = await page.getByTestId('new-qr-link').getAttribute('href');
    assert.ok(apiKey.length > 20 && panelLink && qrLink);
    assert.match(panelLink, /\/panel\/login\//);
    assert.match(qrLink, /\/link\//);

    // Reloading the answer sends the form again: it creates no second business.
    await page.reload();
    await page.locator('tr', { hasText: 'Studio Primeiro' }).waitFor();
    assert.equal(await page.locator('tr', { hasText: 'Studio Primeiro' }).count(), 1);
    const tenants = await suite.h.api('GET', '/v1/tenants', { key: suite.h.adminKey });
    assert.equal((tenants.json as unknown[]).length, 1);

    // The owner opens the panel link, in the business's language, and links the number.
    const owner = await newPage();
    await owner.goto(suite.h.gateway.url + new URL(panelLink).pathname);
    await owner.getByTestId('scan-qr').click();
    const picture = await owner.getByTestId('qr-code').locator('svg').screenshot();
    const phone = suite.h.sim.createPhone({
      phone: '5511955500001',
      business: true,
      name: 'Studio Primeiro',
    });
    const client = suite.h.sim.createPhone({ phone: '5511955500002', name: 'Cliente' });
    const scan = await fetch(`${suite.h.sim.controlUrl}/phones/${phone.phone}/scan-image`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(picture),
    });
    assert.equal(scan.status, 200, await scan.text());
    await owner.getByTestId('link-connected').waitFor();
    assert.match(await owner.locator('body').innerText(), /Conexão estabelecida/);

    // A first message from the browser alone: the panel's "Send a test message", to a number typed in
    // the national format of the business's country (São Paulo → Brazil).
    await owner.goto(`${suite.h.gateway.url}/panel`);
    await owner.getByTestId('send-test-link').click();
    await owner.waitForURL(/\/panel\/messages/);
    await owner.getByTestId('test-phone').fill('(11) 95550-0002');
    await owner.getByTestId('send-test').click();
    await owner.getByTestId('test-sent').waitFor();
    await waitUntil(() => client.inbox().some((m) => /Studio Primeiro/.test(m.text ?? '')), {
      what: 'the test message from the browser on the client phone',
      timeoutMs: WAIT_MS,
    });
    await owner.screenshot({ path: `${ARTIFACTS}/first-message-sent.png`, fullPage: true });

    // The curl the sandbox prints, run as a newcomer would paste it, with the key the page showed.
    const { stdout } = await promisify(execFile)('bash', [
      '-c',
      sandboxCurl(suite.h.gateway.url, apiKey, client.phone),
    ]);
    const accepted = JSON.parse(stdout) as { id: string; status: string };
    assert.ok(accepted.id, stdout);
    await waitUntil(() => client.inbox().some((m) => m.text === 'Hello from the Zapgate sandbox'), {
      what: 'the message on the client phone',
      timeoutMs: WAIT_MS,
    });
  });

  test('/docs renders the API description from node_modules (no CDN)', async () => {
    const page = await newPage();
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(suite.h.gateway.url) && !request.url().startsWith('data:'))
        outside.push(request.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${suite.h.gateway.url}/docs`);
    await page.locator('.swagger-ui .info .title', { hasText: 'Zapgate API' }).waitFor();
    await page.locator('.opblock', { hasText: '/v1/messages' }).first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/docs.png` });
    assert.deepEqual(outside, []);
    assert.deepEqual(errors, []);
  });
});
