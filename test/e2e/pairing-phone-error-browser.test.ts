import assert from 'node:assert/strict';
import { test } from 'node:test';
import { t } from '../../src/web/i18n.js';
import { browserSuite } from '../support/browser.js';

/**
 * Code mode: a sending-phone number the server refuses is said in the page's language (issue 15),
 * not in the server's English, on the QR page (Portuguese) and in the panel's window (Spanish).
 */
const suite = browserSuite();

test('a refused pairing phone is explained in the page’s language', async () => {
  const r = await suite.h.api('POST', '/v1/tenants', {
    key: suite.h.adminKey,
    body: { name: 'Clínica Sorriso', timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
  });
  assert.equal(r.status, 201);
  const business = r.json as {
    tenant: { id: string };
    channelId: string;
    qrPageUrl: string;
    panelLoginUrl: string;
  };
  const mode = await suite.h.api(
    'PUT',
    `/v1/tenants/${business.tenant.id}/channels/${business.channelId}/link-mode`,
    {
      key: suite.h.adminKey,
      body: { mode: 'code' },
    },
  );
  assert.equal(mode.status, 200, JSON.stringify(mode.json));

  const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${suite.h.gateway.url}${new URL(business.qrPageUrl).pathname}?lang=pt-BR`);
  await page.getByTestId('pairing-phone-input').fill('12');
  await page.getByTestId('pairing-phone-submit').click();
  const error = page.getByTestId('error');
  await error.waitFor();
  assert.equal(await error.innerText(), t('pt-BR', 'link.phoneHelp'));

  const panel = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const panelPage = await panel.newPage();
  panelPage.setDefaultTimeout(15_000);
  await panelPage.goto(`${suite.h.gateway.url}${new URL(business.panelLoginUrl).pathname}`);
  await panelPage.goto(`${suite.h.gateway.url}/panel?lang=es`);
  await panelPage.getByTestId('scan-qr').click();
  await panelPage.getByTestId('pairing-phone-input').fill('12');
  await panelPage.getByTestId('pairing-phone-submit').click();
  // In the panel it is said beside the field (live.js's showFormError).
  const panelError = panelPage.locator('dialog [data-testid="field-error"]');
  await panelError.waitFor();
  assert.equal(await panelError.innerText(), t('es', 'link.phoneHelp'));
  await context.close();
  await panel.close();
});
