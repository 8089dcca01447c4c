import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { browserSuite, createBusiness } from '../support/browser.js';
import { ManualClock } from '../../src/clock.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * When the server cannot reach WhatsApp (issue 15): "Preparing the code…" does not spin forever; it
 * says "Still connecting to WhatsApp…", then names the cause with Retry, on every surface.
 */
const ARTIFACTS = 'test-artifacts/linking-viewers';
const WAIT_MS = 15_000;
/**
 * The stall thresholds run on the gateway's clock, set far beyond what real time reaches while a
 * test looks, and the tests move the clock past them: each stage is seen however slow the machine
 * (with 1 s and 3 s of real time, a loaded machine could skip "Still connecting…" altogether). A
 * long grace keeps the attempt going while the jumps outrun a viewer's lease (45 s on the clock).
 */
const STALL = {
  LINK_SLOW_SECONDS: '60',
  LINK_STUCK_SECONDS: '120',
  LINK_GRACE_SECONDS: '300',
  LINK_WINDOW_SECONDS: '1200',
};
const AFTER_MS = { slow: 61_000, stuck: 121_000 };

/**
 * Moves the gateway's clock just past the attempt's `stage` (from when its wait started, as the
 * API says: `link.waitingSince`) until the API reports that stage, and answers the channel. The
 * target follows a wait that starts again (a Retry), and never passes the next stage.
 */
const stalledAt = (
  h: Harness,
  clock: ManualClock,
  b: { channelId: string; apiKey: string },
  stage: 'slow' | 'stuck',
) =>
  waitUntil(
    async () => {
      const channel = (await h.api('GET', `/v1/channels/${b.channelId}`, { key: b.apiKey })).json;
      if (channel.link?.stalled?.stage === stage) return channel;
      if (channel.link?.waitingSince) {
        const target = Date.parse(channel.link.waitingSince) + AFTER_MS[stage];
        const now = clock.now().getTime();
        if (now < target) clock.advance(target - now);
      }
      return undefined;
    },
    { what: `the link attempt ${stage}` },
  );

describe('linking when the server cannot reach WhatsApp, in a real browser', () => {
  const clock = new ManualClock(new Date('2026-03-02T12:00:00Z'));
  const suite = browserSuite({
    artifacts: ARTIFACTS,
    waitMs: WAIT_MS,
    harness: async () => {
      // A port that was open a moment ago and is closed now: every connection is refused.
      const closed = await new Promise<number>((resolve) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as { port: number };
          server.close(() => resolve(port));
        });
      });
      return { env: { WA_SERVER_URL: `ws://127.0.0.1:${closed}/ws/chat`, ...STALL }, clock };
    },
  });
  const { here } = suite;
  const openPage = (url: string) => suite.openPage(url);

  test('"Still connecting to WhatsApp…", then the cause and Retry: panel, QR page, support console, API', async () => {
    const business = await createBusiness(suite.h, 'Offline Salon');
    const panel = await openPage(here(business.panelLoginUrl));
    await panel.getByTestId('scan-qr').click();
    await stalledAt(suite.h, clock, business, 'slow');
    const slow = panel.getByTestId('link-slow');
    await slow.waitFor();
    assert.match(await slow.innerText(), /Still connecting to WhatsApp/);
    const stuck = panel.getByTestId('link-stuck');
    assert.equal(await stuck.count(), 0, 'not stuck before its time');
    // The clock jumps; the refused connections come in real time (through the session thread): the
    // cause is named once the gateway has seen one, before the attempt is called stuck.
    await waitUntil(
      async () =>
        (await suite.h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json.link
          ?.stalled?.cause === 'unreachable',
      { what: 'the refused connection seen' },
    );
    await stalledAt(suite.h, clock, business, 'stuck');
    await stuck.waitFor();
    assert.equal(await stuck.getAttribute('data-cause'), 'unreachable');
    assert.match(await stuck.innerText(), /cannot reach WhatsApp/);
    await panel.screenshot({ path: `${ARTIFACTS}/panel-whatsapp-unreachable.png` });

    // The API says the same, for integrators.
    const api = await suite.h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey });
    assert.deepEqual(api.json.link.stalled, { stage: 'stuck', cause: 'unreachable' });

    // The QR page (a second viewer) shows it too.
    const page = await openPage(here(business.qrPageUrl));
    await page.getByTestId('link-stuck').waitFor();
    assert.match(await page.getByTestId('link-stuck-cause').innerText(), /cannot reach WhatsApp/);
    await page.screenshot({ path: `${ARTIFACTS}/qr-page-whatsapp-unreachable.png` });

    // The same screen in each language, on a laptop and on a phone (artifacts to look at).
    for (const lang of ['en', 'pt-BR', 'es'] as const)
      for (const [size, viewport] of [
        ['1280x800', { width: 1280, height: 800 }],
        ['390x844', { width: 390, height: 844 }],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.goto(`${here(business.qrPageUrl)}?lang=${lang}`);
        await page.getByTestId('link-stuck').waitFor();
        await page.screenshot({ path: `${ARTIFACTS}/qr-page-unreachable-${lang}-${size}.png` });
      }

    // Support sees it on the business's row.
    const support = await openPage(`${suite.h.gateway.url}/support/login`);
    await support.locator('#key').fill(suite.h.adminKey);
    await support.locator('button[type="submit"]').click();
    const row = support.locator(`tr[data-channel-id="${business.channelId}"]`);
    await row.getByTestId('support-stall').waitFor();
    assert.match(await row.getByTestId('support-stall').innerText(), /cannot reach WhatsApp/);

    // Retry starts the attempt again: "Preparing…"/"Still connecting…" first, then the cause again.
    await panel.getByTestId('link-retry').click();
    await panel.getByTestId('link-stuck').waitFor({ state: 'detached' });
    await stalledAt(suite.h, clock, business, 'stuck');
    await panel.getByTestId('link-stuck').waitFor();
    assert.equal(await panel.getByTestId('link-expired').count(), 0);
  });
});

describe('linking when WhatsApp accepts the connection and never answers', () => {
  let h: Harness;
  const clock = new ManualClock(new Date('2026-03-02T12:00:00Z'));
  const held: Socket[] = [];
  let blackHole: Server;

  before(async () => {
    // Accepts every connection and says nothing: no QR ever comes, and no error either.
    blackHole = createServer((socket) => held.push(socket));
    const port = await new Promise<number>((resolve) =>
      blackHole.listen(0, '127.0.0.1', () => resolve((blackHole.address() as { port: number }).port)),
    );
    h = await startHarness({ env: { WA_SERVER_URL: `ws://127.0.0.1:${port}/ws/chat`, ...STALL }, clock });
  });
  after(async () => {
    await h?.stop();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  });

  test('the API says slow, then stuck with the cause "no_answer"; retry starts again', async () => {
    const business = await createBusiness(h, 'Silent Salon');
    const watch = (body?: unknown) =>
      h.api('POST', `/v1/channels/${business.channelId}/watch`, { key: business.apiKey, body });
    assert.equal((await watch()).status, 200);
    const stalled = async () =>
      (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json.link
        ?.stalled as { stage: string; cause: string } | null | undefined;
    assert.equal(await stalled(), null);
    const slow = await stalledAt(h, clock, business, 'slow');
    assert.deepEqual(slow.link.stalled, { stage: 'slow', cause: 'no_answer' });
    const stuck = await stalledAt(h, clock, business, 'stuck');
    assert.deepEqual(stuck.link.stalled, { stage: 'stuck', cause: 'no_answer' });
    // Retry: a new attempt, whose wait starts over.
    const retried = await watch({ retry: true });
    assert.equal(retried.status, 200);
    assert.equal(retried.json.link.stalled, null);
    assert.equal((await watch({ retry: 'yes' })).status, 400);
  });
});
