import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserSuite, createBusiness } from '../support/browser.js';
import { linkChannelByQr } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * "Send a test message" after linking (issue 15), in Chromium, in Portuguese: from the WhatsApp
 * block's link to the Messages page, a number that is not one is refused by the field in the page's
 * words (the server's invalid_phone, translated), a number written as dialled in Brazil
 * ("(11) 9…") is read as Brazilian (the business's zone is São Paulo), the owner's phone receives
 * the text and the log shows it delivered. Without JavaScript the same form works.
 */
const ARTIFACTS = 'test-artifacts/test-message';
const WAIT_MS = 15_000;

describe('send a test message from the panel', () => {
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS });

  const newLinkedBusiness = async (name: string, sender: string) => {
    const business = await createBusiness(suite.h, name, 'pt-BR');
    await linkChannelByQr(suite.h, business, suite.h.sim.createPhone({ phone: sender, business: true }));
    const pacing = await suite.h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } });
    assert.equal(pacing.status, 200);
    return business;
  };
  const openPanel = (loginUrl: string, javaScriptEnabled = true) =>
    suite.openPage(suite.here(loginUrl), { javaScriptEnabled });

  test('from the WhatsApp block: a wrong number said by the field, a national number sent and delivered', async () => {
    const business = await newLinkedBusiness('Studio Bela', '5511990002001');
    const owner = suite.h.sim.createPhone({ phone: '5511990002002', name: 'Ana (dona)' });
    const page = await openPanel(business.panelLoginUrl);
    await page.getByTestId('send-test-link').click();
    await page.waitForURL(/\/panel\/messages/);
    await page.getByTestId('test-phone').waitFor();

    await page.getByTestId('test-phone').fill('12');
    await page.getByTestId('send-test').click();
    const fieldError = page.getByTestId('test-number-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /^Isso não é um número de telefone/);
    assert.equal(await page.getByTestId('test-phone').getAttribute('aria-invalid'), 'true');

    await page.getByTestId('test-phone').fill('(11) 99000-2002');
    await page.getByTestId('send-test').click();
    await page.getByTestId('test-sent').waitFor();
    assert.equal(await fieldError.isVisible(), false);
    await waitUntil(() => owner.inbox().some((m) => /^Mensagem de teste de Studio Bela/.test(m.text ?? '')), {
      what: 'the test message on the owner’s phone',
      timeoutMs: WAIT_MS,
    });
    const row = page.locator('[data-role="rows"] tr').filter({ hasText: `+${owner.phone}` });
    await waitUntil(async () => (await row.getByTestId('message-status').innerText()) === 'Entregue', {
      what: 'delivered in the log',
      timeoutMs: WAIT_MS,
      intervalMs: 200,
    });
    await page.screenshot({ path: `${ARTIFACTS}/sent-pt-BR.png`, fullPage: true });
  });

  test('without JavaScript: the form posts and comes back with the result', async () => {
    const business = await newLinkedBusiness('Clínica Sol', '5511990002003');
    const owner = suite.h.sim.createPhone({ phone: '5511990002004' });
    const page = await openPanel(business.panelLoginUrl, false);
    await page.goto(`${suite.h.gateway.url}/panel/messages?lang=pt-BR`);
    await page.getByTestId('test-phone').fill('abc');
    await page.getByTestId('send-test').click();
    await page.waitForURL(/test=invalid_phone/);
    assert.match(await page.getByTestId('test-number-error').innerText(), /^Isso não é um número/);
    assert.equal(await page.getByTestId('test-phone').inputValue(), 'abc');
    await page.getByTestId('test-phone').fill('11 99000-2004');
    await page.getByTestId('send-test').click();
    await page.waitForURL(/test=sent/);
    await page.getByTestId('test-sent').waitFor();
    await waitUntil(() => owner.inbox().length > 0, { what: 'the test message arrives', timeoutMs: WAIT_MS });
  });
});
