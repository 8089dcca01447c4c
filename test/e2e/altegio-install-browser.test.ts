import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeAltegio, type FakeAltegio } from '../support/fake-altegio.js';
import { waitUntil } from '../support/wait-for.js';
import { altegioEnv } from '../support/altegio-harness.js';
import { browserSuite } from '../support/browser.js';

/**
 * The seed's business arrives from ALTEGIO (Integrations → Notifications → our app → Connect): the
 * registration URL lands on the panel in the owner's language with the QR window already open; a
 * scan turns it green and ALTEGIO is activated.
 */
const ARTIFACTS = 'test-artifacts/altegio-install';
const PARTNER_TOKEN = 'partner-token-for-browser-tests-42';

let fake: FakeAltegio;
const suite = browserSuite({
  artifacts: ARTIFACTS,
  // The fake ALTEGIO starts first: the gateway is configured with its address.
  harness: async () => {
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: '99' });
    return { env: altegioEnv(fake, { ALTEGIO_CHANNEL_UP_AFTER_MS: '200' }) };
  },
});
after(async () => {
  await fake?.stop();
});

test('Connect in ALTEGIO → the panel opens on the QR window in Portuguese → scan → green, activated', async () => {
  const context = await suite.browser.newContext({ locale: 'pt-BR', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const salonId = 515_151;
  await page.goto(
    fake.registrationUrl(`${suite.h.gateway.url}/altegio/install`, salonId, {
      name: 'Joana',
      salon_name: 'Espaço Joana',
    }),
  );
  const dialog = page.getByTestId('qr-window');
  await dialog.waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'pt-BR');
  assert.ok(!page.url().includes('link=1'), 'a reload does not reopen the window');
  const qr = page.getByTestId('qr-code').locator('svg');
  await qr.waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/1-landed-on-qr-window.png` });
  const phone = suite.h.sim.createPhone({ phone: '5511955501234', business: true, name: 'Espaço Joana' });
  const scan = await fetch(`${suite.h.sim.controlUrl}/phones/${phone.phone}/scan-image`, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array(await qr.screenshot()),
  });
  assert.equal(scan.status, 200);
  const green = page.getByTestId('connection-established').first();
  await green.waitFor();
  assert.match(await green.innerText(), /Conexão estabelecida/);
  await page.screenshot({ path: `${ARTIFACTS}/2-connected.png` });
  const activation = await waitUntil(() => fake.activations.get(String(salonId)), {
    what: 'ALTEGIO activated',
    timeoutMs: 15_000,
  });
  assert.match(activation.apiKey, /^zg_live_/);
  await context.close();
});

test('a forged registration URL shows a page saying what to do, and opens no panel session', async () => {
  const url = new URL(
    fake.registrationUrl(`${suite.h.gateway.url}/altegio/install`, 616_161, { salon_name: 'X' }),
  );
  url.searchParams.set('user_data_sign', '0'.repeat(64));
  const response = await fetch(url, { redirect: 'manual' });
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('set-cookie'), null, 'no panel session');
  const context = await suite.browser.newContext({ locale: 'es-ES' });
  const page = await context.newPage();
  await page.goto(url.toString());
  assert.match(await page.locator('h1').innerText(), /No se pudo verificar la conexión desde ALTEGIO/);
  await page.getByTestId('support').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/3-refused-es.png` });
  await context.close();
});

test('the bare URL of a connected salon offers the login route: no session, the panel asks for the login link', async () => {
  // Salon 515151 was connected by Joana in the first test; a stranger opens its URL without proof.
  const context = await suite.browser.newContext({ locale: 'es-ES' });
  const page = await context.newPage();
  const response = await page.goto(`${suite.h.gateway.url}/altegio/install?salon_id=515151`);
  assert.equal(response?.status(), 200);
  assert.match(await page.locator('h1').innerText(), /Este salón ya está conectado a Zapgate/);
  assert.deepEqual(await context.cookies(), [], 'no panel session');
  await page.screenshot({ path: `${ARTIFACTS}/4-known-salon-es.png` });
  await page.getByTestId('open-panel').click();
  await page.waitForURL(/\/panel/);
  assert.doesNotMatch(await page.content(), /data-testid="qr-window"/, 'no panel without a session');
  await context.close();
});
