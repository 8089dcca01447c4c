import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before } from 'node:test';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { startHarness, type Harness, type HarnessOptions } from './gateway-harness.js';

/** Debian's Chromium, headless, the way every browser test runs it (never a downloaded browser). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

/** A business as `POST /v1/tenants` answers it. */
// Creating a business is the harness's (any e2e test uses it); browser tests import it from here too.
export { createBusiness, type NewBusiness } from './gateway-harness.js';

/** What a browser test gets from {@link browserSuite}: the gateway, Chromium, and pages on it. */
export interface BrowserSuite {
  /** The gateway and simulator (set once the suite's `before` ran). */
  readonly h: Harness;
  readonly browser: Browser;
  /** A fresh browser context (1280×800 unless told), closed after the suite. */
  newContext: (options?: BrowserContextOptions) => Promise<BrowserContext>;
  /** A page in its own context, with the suite's wait; opened at `url` when one is given. */
  openPage: (url?: string, options?: BrowserContextOptions) => Promise<Page>;
  /** A link the API gave (on the public URL) as this gateway's own address. */
  here: (url: string) => string;
  /** A full-page screenshot under the suite's artifacts folder. */
  shot: (page: Page, name: string) => Promise<Buffer>;
}

/**
 * The preamble every browser test shares: a gateway harness and Chromium started before the tests
 * of the enclosing `describe` (or file), every context opened through the suite closed after, then
 * the browser and the harness. `harness` may be a function, run in the suite's `before`, for options
 * that need something started first (a fake ALTEGIO whose address the gateway is given).
 */
export function browserSuite(
  options: {
    artifacts?: string;
    waitMs?: number;
    harness?: HarnessOptions | (() => HarnessOptions | Promise<HarnessOptions>);
  } = {},
): BrowserSuite {
  const { artifacts, waitMs = 15_000 } = options;
  let harness: Harness | undefined;
  let chromiumBrowser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  before(async () => {
    if (artifacts) mkdirSync(artifacts, { recursive: true });
    harness = await startHarness(
      typeof options.harness === 'function' ? await options.harness() : (options.harness ?? {}),
    );
    chromiumBrowser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await chromiumBrowser?.close();
    await harness?.stop();
  });

  const suite: BrowserSuite = {
    get h() {
      assert.ok(harness, 'the suite has not started');
      return harness;
    },
    get browser() {
      assert.ok(chromiumBrowser, 'the suite has not started');
      return chromiumBrowser;
    },
    newContext: async (contextOptions = {}) => {
      const context = await suite.browser.newContext({
        viewport: { width: 1280, height: 800 },
        ...contextOptions,
      });
      contexts.push(context);
      return context;
    },
    openPage: async (url, contextOptions) => {
      const page = await (await suite.newContext(contextOptions)).newPage();
      page.setDefaultTimeout(waitMs);
      if (url !== undefined) await page.goto(url);
      return page;
    },
    here: (url) => suite.h.gateway.url + new URL(url).pathname,
    shot: (page, name) =>
      page.screenshot({ path: `${artifacts ?? 'test-artifacts'}/${name}.png`, fullPage: true }),
  };
  return suite;
}

/** Marks the page so that {@link assertNoReload} can tell it was not reloaded since. */
export const markNoReload = (page: Page): Promise<boolean> =>
  page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));

/** The marker {@link markNoReload} set on the page's global object survives only without a reload. */
export const assertNoReload = async (page: Page): Promise<void> =>
  assert.equal(
    await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload),
    true,
    'the page was reloaded',
  );

/**
 * On a panel or QR page already in code mode: the business's number typed and sent, then the pairing
 * code the page shows (checked to be WhatsApp's 8-character form, XXXX-XXXX).
 */
export async function askPairingCode(page: Page, phone: string): Promise<string> {
  await page.getByTestId('pairing-phone-input').fill(`+${phone}`);
  await page.getByTestId('pairing-phone-submit').click();
  const codeEl = page.getByTestId('pairing-code').first();
  await codeEl.waitFor();
  const code = (await codeEl.innerText()).trim();
  assert.match(code, /^[1-9A-Z]{4}-[1-9A-Z]{4}$/);
  return code;
}

/**
 * On the simulator's phone page (`/phone/{number}`), what its owner does with a pairing code:
 * menu → Linked devices → Link a device → Link with phone number, the code typed, until it says linked.
 */
export async function typePairingCodeOnPhone(phonePage: Page, code: string): Promise<void> {
  await openLinkADevice(phonePage);
  await phonePage.getByTestId('link-with-phone-number').click();
  await phonePage.getByTestId('pairing-code-input').fill(code);
  await phonePage.getByTestId('pairing-code-submit').click();
  await phonePage.getByTestId('phone-success').waitFor();
}

/** On the simulator's phone page: menu → Linked devices → Link a device (its camera is open). */
export async function openLinkADevice(phonePage: Page): Promise<void> {
  await phonePage.getByTestId('menu').click();
  await phonePage.getByTestId('linked-devices').click();
  await phonePage.getByTestId('link-device').click();
}
