import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Page } from 'playwright-core';
import { t, type Lang } from '../../src/web/i18n.js';
import { browserSuite } from '../support/browser.js';

/**
 * A value the server refuses is said beside its field, in the page's language (issue 15): the
 * panel's sending-phone form (JSON, through live.js's showFormError) and support's Create business
 * (a plain form), in Portuguese and Spanish.
 */
const suite = browserSuite();

const LANGS: Lang[] = ['pt-BR', 'es'];

test('the panel’s sending-phone form: the refusal is beside the field, translated', async () => {
  const r = await suite.h.api('POST', '/v1/tenants', {
    key: suite.h.adminKey,
    body: { name: 'Barbearia Norte', timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
  });
  assert.equal(r.status, 201);
  const business = r.json as { tenant: { id: string }; channelId: string; panelLoginUrl: string };
  const mode = await suite.h.api(
    'PUT',
    `/v1/tenants/${business.tenant.id}/channels/${business.channelId}/link-mode`,
    { key: suite.h.adminKey, body: { mode: 'code' } },
  );
  assert.equal(mode.status, 200, JSON.stringify(mode.json));

  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${suite.h.gateway.url}${new URL(business.panelLoginUrl).pathname}`);
  for (const lang of LANGS) {
    await page.goto(`${suite.h.gateway.url}/panel?lang=${lang}`);
    // A reload reopens the window that was open (panel.js): open it only when it is not.
    if (!(await page.getByTestId('qr-window').isVisible())) await page.getByTestId('scan-qr').click();
    const form = page.locator('dialog form[data-action="pairing-phone"]');
    const input = form.getByTestId('pairing-phone-input');
    await input.fill('12');
    await form.getByTestId('pairing-phone-submit').click();
    const fieldError = form.getByTestId('field-error');
    await fieldError.waitFor();
    assert.equal(await fieldError.innerText(), t(lang, 'link.phoneHelp'));
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    const id = await fieldError.getAttribute('id');
    assert.ok(id && (await input.getAttribute('aria-describedby'))?.split(' ').includes(id));
    assert.equal(await page.locator('[data-testid="error"]:visible').count(), 0);
    // Sent again, still refused: one message, not two.
    await input.fill('1');
    await form.getByTestId('pairing-phone-submit').click();
    await fieldError.waitFor();
    assert.equal(await form.getByTestId('field-error').count(), 1);
  }
  await context.close();
});

test('support’s Create business: a bad time zone is refused beside the field, translated', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page: Page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${suite.h.gateway.url}/support/login`);
  await page.locator('#key').fill(suite.h.adminKey);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId('create-business').waitFor();
  for (const lang of LANGS) {
    await page.goto(`${suite.h.gateway.url}/support?lang=${lang}`);
    await page.getByTestId('create-business-open').click();
    await page.getByTestId('new-business-name').fill('Estúdio Sul');
    await page.getByTestId('new-business-time-zone').fill('Mars/Olympus');
    await page.getByTestId('create-business-submit').click();
    const field = page.locator('.field', { has: page.getByTestId('new-business-time-zone') });
    const refused = field.getByTestId('new-business-error');
    await refused.waitFor();
    assert.equal(await refused.innerText(), t(lang, 'support.newBusiness.badTimeZone'));
    assert.equal(await page.getByTestId('new-business-time-zone').getAttribute('aria-invalid'), 'true');
  }
  await context.close();
});
