import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ManualClock } from '../../src/clock.js';
import { altegioEnv, installedBusiness } from '../support/altegio-harness.js';
import { launchChromium } from '../support/browser.js';
import { startFakeAltegio, type FakeAltegio } from '../support/fake-altegio.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Every screen a business owner or support sees, at a laptop's 1280×800 and a phone's 390×844, in
 * English, Portuguese and Spanish, saved under test-artifacts/screenshots/ (git-ignored) for people
 * to look at. What can be checked by a machine is: nothing runs wider than the screen, and the top
 * bar stays on one line at 1280 px.
 */
const ARTIFACTS = 'test-artifacts/screenshots';
const PARTNER_TOKEN = 'partner-token-for-the-screenshots';
const WAIT_MS = 15_000;
const LANGS = ['en', 'pt-BR', 'es'] as const;
const VIEWPORTS = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '390x844', width: 390, height: 844 },
] as const;

type Lang = (typeof LANGS)[number];
type Viewport = (typeof VIEWPORTS)[number];
type Doc = {
  documentElement: { scrollWidth: number; clientWidth: number };
  querySelector(s: string): { getBoundingClientRect(): { height: number } } | null;
};

describe('screenshots of every screen, two sizes, three languages', () => {
  let h: Harness;
  let fake: FakeAltegio;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  // 23:00 in São Paulo: a confirmation sent now waits for quiet hours.
  const clock = new ManualClock(new Date('2026-12-07T02:00:00Z'));
  let linked: { apiKey: string; panelState: Awaited<ReturnType<BrowserContext['storageState']>> };
  let fresh: { qrPageUrl: string; panelState: Awaited<ReturnType<BrowserContext['storageState']>> };
  let removed: { panelState: Awaited<ReturnType<BrowserContext['storageState']>> };
  let altegioState: Awaited<ReturnType<BrowserContext['storageState']>>;
  let supportState: Awaited<ReturnType<BrowserContext['storageState']>>;
  const wide: string[] = [];
  const wraps: string[] = [];

  const here = (url: string) => h.gateway.url + new URL(url).pathname;
  const signedIn = async (loginUrl: string) => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(here(loginUrl));
    return context.storageState();
  };
  const newBusiness = async (name: string) => {
    const r = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name, timeZone: 'America/Sao_Paulo', language: 'en' },
    });
    assert.equal(r.status, 201);
    return r.json as { channelId: string; apiKey: string; panelLoginUrl: string; qrPageUrl: string };
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: '7171' });
    h = await startHarness({ clock, env: altegioEnv(fake) });
    browser = await launchChromium();

    // A linked business with a few messages: delivered, held for quiet hours, a reminder.
    const bela = await newBusiness('Studio Bela Cabeleireiros');
    await linkChannelByQr(h, bela, h.sim.createPhone({ phone: '5511990001001', business: true }));
    const maria = h.sim.createPhone({ phone: '5511990001002', name: 'Maria' });
    const joao = h.sim.createPhone({ phone: '5511990001003', name: 'João' });
    for (const body of [
      { to: `+${maria.phone}`, text: 'Olá Maria! Seu horário está confirmado.', urgent: true },
      { to: `+${joao.phone}`, text: 'Olá João! Seu horário está confirmado.' },
      {
        to: `+${maria.phone}`,
        text: 'Lembrete: amanhã às 10:00 no Studio Bela.',
        sendAfter: '2026-12-07T12:24:00Z',
        metadata: { altegioRecord: { kind: 'reminder' } },
      },
    ]) {
      const r = await h.api('POST', '/v1/messages', { key: bela.apiKey, body });
      assert.equal(r.status, 202, JSON.stringify(r.json));
    }
    linked = { apiKey: bela.apiKey, panelState: await signedIn(bela.panelLoginUrl) };

    // A business whose phone removed the linked device: its queue is paused until it links again.
    const sol = await newBusiness('Clínica Sol e Mar Estética Avançada');
    const solPhone = h.sim.createPhone({ phone: '5511990001004', business: true });
    await linkChannelByQr(h, sol, solPhone);
    solPhone.removeDevice(solPhone.linkedDevices()[0]!.device);
    await waitUntil(
      async () =>
        (await h.api('GET', `/v1/channels/${sol.channelId}`, { key: sol.apiKey })).json.status === 'removed',
      { what: 'the device removed' },
    );
    const held = await h.api('POST', '/v1/messages', {
      key: sol.apiKey,
      body: { to: `+${maria.phone}`, text: 'Olá!' },
    });
    assert.equal(held.status, 202);
    removed = { panelState: await signedIn(sol.panelLoginUrl) };

    // A business not linked yet: the red "Scan the QR code", the QR window, the QR page.
    const sorriso = await newBusiness('Clínica Sorriso');
    fresh = { qrPageUrl: sorriso.qrPageUrl, panelState: await signedIn(sorriso.panelLoginUrl) };

    // An ALTEGIO business (the Notifications tab).
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(
      fake.registrationUrl(`${h.gateway.url}/altegio/install`, 950_001, { salon_name: 'Salão Notificações' }),
    );
    await page.waitForURL(/\/panel/);
    await installedBusiness(h, 'Salão Notificações');
    altegioState = await context.storageState();

    const support = await browser.newContext();
    contexts.push(support);
    const supportPage = await support.newPage();
    await supportPage.goto(`${h.gateway.url}/support/login`);
    await supportPage.locator('input[name=key]').fill(h.adminKey);
    await supportPage.locator('button[type=submit]').click();
    await supportPage.waitForURL(/\/support(\?|$)/);
    supportState = await support.storageState();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await h?.stop();
    await fake?.stop();
  });

  const open = async (
    viewport: Viewport,
    state: Awaited<ReturnType<BrowserContext['storageState']>> | undefined,
  ): Promise<Page> => {
    const context = await browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      ...(state ? { storageState: state } : {}),
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    return page;
  };
  const shoot = async (page: Page, name: string, lang: Lang, viewport: Viewport) => {
    const file = `${ARTIFACTS}/${name}-${lang}-${viewport.name}.png`;
    await page.screenshot({ path: file, fullPage: viewport.width < 600 });
    const overflow = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: Doc }).document.documentElement;
      return d.scrollWidth - d.clientWidth;
    });
    if (overflow > 1) wide.push(`${name}-${lang}-${viewport.name} (+${overflow}px)`);
    return file;
  };
  const headerHeight = (page: Page) =>
    page.evaluate(
      () =>
        (globalThis as unknown as { document: Doc }).document.querySelector('header')?.getBoundingClientRect()
          .height ?? 0,
    );

  /** At 1280 px the top bar is one line: brand, tabs, help links, languages and Sign out. */
  const oneLineHeader = async (page: Page, name: string, lang: Lang, viewport: Viewport) => {
    if (viewport.width < 1280) return;
    const height = await headerHeight(page);
    if (height >= 80) wraps.push(`${name}, ${lang} at ${viewport.width} px: ${height} px tall`);
  };

  for (const viewport of VIEWPORTS) {
    for (const lang of LANGS) {
      test(`${lang} at ${viewport.name}`, async () => {
        const q = `lang=${lang}`;
        let page = await open(viewport, linked.panelState);
        await page.goto(`${h.gateway.url}/panel?${q}`);
        await shoot(page, 'panel-settings-linked', lang, viewport);
        // "WhatsApp" once: the default channel name is not repeated under the block's title.
        assert.equal(await page.getByTestId('channel-name').count(), 0);
        await oneLineHeader(page, 'settings', lang, viewport);
        await page.goto(`${h.gateway.url}/panel/channels?${q}`);
        await shoot(page, 'panel-channels', lang, viewport);
        await page.goto(`${h.gateway.url}/panel/messages?${q}`);
        await page.getByTestId('message-log').waitFor();
        await shoot(page, 'panel-messages', lang, viewport);

        // Removed on the phone: the red state wraps in its own column (never over "Sending"), the
        // message says it waits for a new link, and no Resume is offered (it resumes by itself).
        page = await open(viewport, removed.panelState);
        await page.goto(`${h.gateway.url}/panel/messages?${q}`);
        await page.getByTestId('message-log').waitFor();
        await shoot(page, 'panel-messages-removed', lang, viewport);
        assert.equal(await page.getByTestId('resume-sending').count(), 0, 'Resume offered');
        await page.getByTestId('to-channels').waitFor();
        assert.equal(await page.getByTestId('send-test').count(), 0, 'a test message offered while unlinked');
        assert.equal(
          await page.getByTestId('message-waiting').first().getAttribute('data-reason'),
          'device_removed',
        );
        const pill = await page.getByTestId('queue-connection').boundingBox();
        const sending = await page.getByTestId('queue-state').boundingBox();
        assert.ok(pill && sending, 'the queue facts are shown');
        const sideBySide = Math.abs(pill.y - sending.y) < 30;
        if (sideBySide) assert.ok(pill.x + pill.width <= sending.x, 'the red pill runs into "Sending"');

        page = await open(viewport, fresh.panelState);
        await page.goto(`${h.gateway.url}/panel?${q}`);
        await shoot(page, 'panel-settings-not-linked', lang, viewport);
        await page.getByTestId('scan-qr').click();
        await page.getByTestId('qr-window').waitFor();
        await page.getByTestId('qr-code').locator('svg').waitFor();
        await shoot(page, 'panel-qr-window', lang, viewport);

        page = await open(viewport, undefined);
        await page.goto(`${here(fresh.qrPageUrl)}?${q}`);
        await page.getByTestId('qr-code').locator('svg').waitFor();
        await shoot(page, 'qr-page', lang, viewport);
        assert.equal(await page.locator('.channel-name').count(), 0, '"WhatsApp" under "Connect WhatsApp"');
        await page.goto(`${h.gateway.url}/help/how-to-scan?${q}`);
        await shoot(page, 'help', lang, viewport);
        await page.goto(`${h.gateway.url}/support/login?${q}`);
        await shoot(page, 'support-sign-in', lang, viewport);
        // In the page's language, the label above its field.
        const signIn = {
          en: 'Support API key',
          'pt-BR': 'Chave de API de suporte',
          es: 'Clave de API de soporte',
        };
        const label = page.locator('label[for="key"]');
        assert.equal(await label.innerText(), signIn[lang]);
        const [labelBox, inputBox] = [await label.boundingBox(), await page.locator('#key').boundingBox()];
        assert.ok(
          labelBox && inputBox && labelBox.y + labelBox.height <= inputBox.y,
          'label above the field',
        );
        await page.locator('#key').fill('not-a-key');
        await page.getByTestId('sign-in').click();
        await page.getByTestId('key-error').waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), lang);
        await shoot(page, 'support-sign-in-refused', lang, viewport);

        page = await open(viewport, altegioState);
        await page.goto(`${h.gateway.url}/panel/notifications?${q}`);
        await shoot(page, 'panel-notifications', lang, viewport);
        await oneLineHeader(page, 'notifications (four tabs)', lang, viewport);
        // Review requests are off by default: their delay field is not shown until they are on.
        const review = page.getByTestId('kinds').locator('input[value="review_request"]');
        assert.equal(await review.isChecked(), false);
        assert.equal(await page.getByTestId('review-delay').isVisible(), false, 'delay shown while off');
        await review.check();
        assert.equal(await page.getByTestId('review-delay').isVisible(), true, 'delay hidden while on');

        page = await open(viewport, supportState);
        await page.goto(`${h.gateway.url}/support?${q}`);
        await shoot(page, 'support-console', lang, viewport);
      });
    }
  }

  test('nothing is wider than the screen, and the top bar is one line at 1280 px', () => {
    assert.deepEqual(wide, []);
    assert.deepEqual(wraps, []);
  });
});
