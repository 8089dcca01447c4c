import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimulatorError } from '../../src/simulator/errors.js';
import { es } from '../../src/web/catalogue-es.js';
import { ptBR } from '../../src/web/catalogue-pt-br.js';
import { browserSuite, createBusiness } from '../support/browser.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * WhatsApp asks some accounts for a passkey after the scan (issue 12): in a real browser, the QR
 * page and the panel's QR window say so in plain words (what the owner can do), in the business's
 * language, while the QR stays on offer; once the owner removed the passkey, a scan links and both
 * say "Connection established". Before, both went on showing the QR as if nothing had happened.
 */
const ARTIFACTS = 'test-artifacts/passkey-linking';
const WAIT_MS = 15_000;

describe('passkey-gated linking in a real browser', () => {
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS });
  const { here, openPage } = suite;

  test('the QR page (pt-BR) and the panel’s QR window (es) name the passkey request and what to do; after it is removed a scan links', async () => {
    const business = await createBusiness(suite.h, 'Salão Passkey', 'pt-BR');
    const phone = suite.h.sim.createPhone({ phone: '5541922220011', business: true });
    phone.setPasskeyRequired(true);

    const qrPage = await openPage(here(business.qrPageUrl));
    await qrPage.getByTestId('qr-code').waitFor();
    const panel = await openPage(here(business.panelLoginUrl));
    await panel.goto(`${suite.h.gateway.url}/panel?lang=es`);
    await panel.getByTestId('scan-qr').click();
    await panel.getByTestId('qr-code').waitFor();
    for (const page of [qrPage, panel]) assert.equal(await page.getByTestId('passkey-required').count(), 0);

    const liveQr = () =>
      waitUntil(
        async () => {
          const q = await suite.h.api('GET', `/v1/channels/${business.channelId}/qr?format=raw`, {
            key: business.apiKey,
          });
          return q.status === 200 ? (q.json.qr as string) : undefined;
        },
        { what: 'the live QR' },
      );
    await assert.rejects(
      phone.scan(await liveQr()),
      (err: unknown) => err instanceof SimulatorError && err.code === 'passkey_required',
    );

    // Both surfaces say it, in the business's words, and keep the QR for the scan after.
    for (const [page, words] of [
      [qrPage, ptBR],
      [panel, es],
    ] as const) {
      const alert = page.getByTestId('passkey-required');
      await alert.waitFor();
      const text = await alert.innerText();
      assert.ok(text.includes(words['link.passkeyTitle']), text);
      assert.ok(text.includes(words['note.passkeyRequired']), text);
      assert.ok(await page.getByTestId('qr-code').isVisible(), 'the QR stays on offer');
      assert.equal(await page.getByTestId('preparing').count(), 0, 'not "Preparing the code…"');
    }
    await qrPage.screenshot({ path: `${ARTIFACTS}/qr-page-pt-BR.png` });
    await panel.screenshot({ path: `${ARTIFACTS}/panel-window-es.png` });

    // The owner removes the passkey on the phone and scans again: linked, and the guidance goes.
    phone.setPasskeyRequired(false);
    await phone.scan(await liveQr());
    await qrPage.getByTestId('connection-established').waitFor();
    await panel.getByTestId('link-connected').waitFor();
    for (const page of [qrPage, panel]) assert.equal(await page.getByTestId('passkey-required').count(), 0);
  });
});
