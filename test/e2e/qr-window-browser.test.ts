import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import { browserSuite } from '../support/browser.js';

/**
 * The panel's QR window (issue 15): one calm size whatever it shows (QR or code), steps beside the
 * code on a wide screen, the business it is for, and no scrolling at 1280×800, in three languages.
 */
const ARTIFACTS = 'test-artifacts/qr-window';
// Generous: the machine running the tests may be busy; the bounds that matter are asserted apart.
const WAIT_MS = 30_000;

interface El {
  scrollHeight: number;
  clientHeight: number;
  tagName: string;
  className: string;
  getBoundingClientRect(): { width: number; height: number; top: number; bottom: number };
  querySelectorAll(selector: string): Iterable<El>;
}

interface Box {
  width: number;
  height: number;
  top: number;
  bottom: number;
  scrolls: string[];
  pageScroll: number;
  viewport: number;
}

describe('the QR window at 1280×800', () => {
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS });

  /** The window's box and every part of it that would need scrolling to be read whole. */
  const measure = (page: Page): Promise<Box> =>
    page.getByTestId('qr-window').evaluate((el: El) => {
      // The page's own globals, typed here (the tests compile without the DOM library).
      const g = globalThis as unknown as {
        getComputedStyle(e: El): { overflowY: string };
        innerHeight: number;
        document: { documentElement: El };
      };
      const r = el.getBoundingClientRect();
      const scrolls = [el, ...el.querySelectorAll('*')]
        .filter((e) => e.scrollHeight > e.clientHeight + 1 && g.getComputedStyle(e).overflowY !== 'visible')
        .map((e) => `${e.tagName}.${e.className} ${e.scrollHeight}>${e.clientHeight}`);
      return {
        width: Math.round(r.width),
        height: Math.round(r.height),
        top: r.top,
        bottom: r.bottom,
        scrolls,
        pageScroll: g.document.documentElement.scrollHeight,
        viewport: g.innerHeight,
      };
    });

  for (const [lang, name, forWord] of [
    ['en', 'Studio Bela', 'For'],
    ['pt-BR', 'Clínica Sorriso', 'Para'],
    ['es', 'Peluquería Luna', 'Para'],
  ] as const) {
    test(`${lang}: for ${name}, steps beside the QR, same size for a code, nothing to scroll`, async () => {
      const r = await suite.h.api('POST', '/v1/tenants', {
        key: suite.h.adminKey,
        body: { name, timeZone: 'America/Sao_Paulo', language: lang },
      });
      assert.equal(r.status, 201);
      const business = r.json as { channelId: string; panelLoginUrl: string; tenant: { id: string } };
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(WAIT_MS);
        await page.goto(suite.h.gateway.url + new URL(business.panelLoginUrl).pathname);
        await page.getByTestId('scan-qr').click();
        const win = page.getByTestId('qr-window');
        await win.getByTestId('qr-code').locator('svg').waitFor();
        assert.match(
          await win.getByTestId('qr-window-business').innerText(),
          new RegExp(`${forWord} ${name}`),
        );
        // Whatever goes wrong while linking, Support is in the window itself.
        await win.getByTestId('support').waitFor();
        // Steps beside the QR, not under it.
        const qrBox = (await win.getByTestId('qr-code').boundingBox())!;
        const stepsBox = (await win.locator('.steps').boundingBox())!;
        assert.ok(stepsBox.x >= qrBox.x + qrBox.width, 'the steps are to the right of the QR');
        assert.ok(stepsBox.y < qrBox.y + qrBox.height, 'the steps start beside the QR');
        const qr = await measure(page);
        await page.screenshot({ path: `${ARTIFACTS}/${lang}-qr.png` });
        assert.deepEqual(qr.scrolls, [], 'nothing in the window scrolls');
        assert.ok(qr.top >= 0 && qr.bottom <= 800, `the window fits the screen: ${qr.top}–${qr.bottom}`);
        assert.ok(qr.pageScroll <= qr.viewport || qr.bottom <= qr.viewport);

        // Support switches the number to code mode: same window size, still nothing to scroll.
        const mode = await suite.h.api(
          'PUT',
          `/v1/tenants/${business.tenant.id}/channels/${business.channelId}/link-mode`,
          { key: suite.h.adminKey, body: { mode: 'code' } },
        );
        assert.equal(mode.status, 200, JSON.stringify(mode.json));
        await win.getByTestId('pairing-phone-input').waitFor();
        const code = await measure(page);
        await page.screenshot({ path: `${ARTIFACTS}/${lang}-code.png` });
        assert.deepEqual(code.scrolls, []);
        assert.equal(code.width, qr.width, 'same width');
        assert.equal(code.height, qr.height, 'same height');
      } finally {
        await context.close();
      }
    });
  }
});
