import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { WASocket } from 'baileys';
import { type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import {
  connectRaw,
  newRawAuth,
  nextClose,
  nextQr,
  openRawSocket,
  trustSimulator,
} from '../support/raw-baileys-client.js';
import { launchChromium } from '../support/browser.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * The virtual phone page in a real browser (Debian's chromium through playwright-core), linking
 * unmodified Baileys the way a person would: Settings → Linked devices → Link a device → picture.
 */
const ARTIFACTS = 'test-artifacts/virtual-phone';
const WAIT_MS = 15_000;
const PHONE_VIEWPORT = { width: 390, height: 844 };
const QR_TAB_TITLE = 'Gateway QR page';

describe('virtual phone page', () => {
  let sim: Simulator;
  let browser: Browser;
  const sockets: WASocket[] = [];
  let phoneSeq = 0;
  const newNumber = (): string => `1555300${String(++phoneSeq).padStart(4, '0')}`;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
    trustSimulator(sim.rootPublicKey);
    // "Share screen" picks, without a prompt, the tab with this title (only when a page asks to capture).
    browser = await launchChromium([`--auto-select-tab-capture-source-by-title=${QR_TAB_TITLE}`]);
  });

  after(async () => {
    await browser?.close();
    for (const sock of sockets) await Promise.resolve(sock.end(undefined)).catch(() => undefined);
    await sim?.stop();
  });

  async function openPhone(number: string, viewport = PHONE_VIEWPORT): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const response = await page.goto(`${sim.controlUrl}/phone/${number}`);
    assert.equal(response?.status(), 200);
    return page;
  }

  const shot = async (page: Page, name: string): Promise<void> => {
    await page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
  };

  const qrPng = (text: string): Promise<Buffer> => QRCode.toBuffer(text, { scale: 8 });

  function blankPng(): Buffer {
    const png = new PNG({ width: 240, height: 240 });
    png.data.fill(255);
    return PNG.sync.write(png);
  }

  const choosePicture = (page: Page, name: string, buffer: Buffer): Promise<void> =>
    page.getByTestId('qr-file-input').setInputFiles({ name, mimeType: 'image/png', buffer });

  async function openCamera(page: Page): Promise<void> {
    await page.getByTestId('menu').click();
    await page.getByTestId('linked-devices').click();
    await page.getByTestId('link-device').click();
    await page.getByTestId('link-with-phone-number').waitFor();
  }

  /** Waits for the error dialog to say `title`, returns its whole text, and dismisses it. */
  async function errorShown(page: Page, title: string, screenshot: string): Promise<string> {
    const dialog = page.getByTestId('phone-error').filter({ hasText: title });
    await dialog.waitFor();
    await shot(page, screenshot);
    const text = await dialog.innerText();
    await page.getByRole('button', { name: 'OK' }).click();
    await dialog.waitFor({ state: 'hidden' });
    return text;
  }

  test('Linked devices → Link a device → a picture of the QR links Baileys; Log out removes it', async () => {
    const number = newNumber();
    sim.createPhone({ phone: number, business: true, name: 'Salon Bella' });
    let shownQr: (qr: string) => void = () => undefined;
    const qrShown = new Promise<string>((resolve) => (shownQr = resolve));
    let restarted: Promise<number | undefined> | undefined;
    const opened = connectRaw({
      url: sim.protocolUrl,
      auth: newRawAuth(),
      onQr: (qr, sock) => {
        if (restarted) return;
        sockets.push(sock);
        restarted = nextClose(sock, 60_000);
        shownQr(qr);
      },
    });
    opened.catch(() => undefined);
    const qr = await qrShown;

    const page = await openPhone(number);
    await page.getByText('WhatsApp Business').first().waitFor();
    assert.match(
      await page.getByTestId('phone-identity').innerText(),
      new RegExp(`\\+${number} · Salon Bella`),
    );
    await page.getByTestId('chat-list').waitFor({ state: 'attached' });
    await shot(page, '01-chats-empty');
    await page.getByTestId('menu').click();
    await page.getByTestId('linked-devices').waitFor();
    await shot(page, '02-menu');
    await page.getByTestId('linked-devices').click();
    await page.getByTestId('link-device').waitFor();
    await shot(page, '03-linked-devices-empty');
    await page.getByTestId('link-device').click();
    await page.getByTestId('link-with-phone-number').waitFor();
    await shot(page, '04-camera');

    await choosePicture(page, 'qr.png', await qrPng(qr));
    await page.getByTestId('phone-success').filter({ hasText: 'Device linked' }).waitFor();
    await page.getByTestId('device-row').first().waitFor();
    await page.getByTestId('link-device').waitFor();
    assert.equal(await restarted, 515, 'the registration socket is told to restart: linked');
    const linked = await opened;
    sockets.push(linked);
    await page.getByTestId('device-row').filter({ hasText: 'Active now' }).waitFor();
    await shot(page, '05-device-linked');
    assert.equal(await page.getByTestId('device-row').count(), 1);
    assert.deepEqual(
      sim
        .phone(number)
        .linkedDevices()
        .map((d) => d.device),
      [1],
    );

    const loggedOut = nextClose(linked);
    await page.getByTestId('device-logout').click();
    await page.getByTestId('device-row').waitFor({ state: 'detached' });
    await page.getByTestId('phone-success').filter({ hasText: 'Device logged out' }).waitFor();
    assert.equal(await loggedOut, 401, 'the device is logged out');
    assert.equal(sim.phone(number).linkedDevices().length, 0);
    await shot(page, '06-device-logged-out');
    await page.context().close();
  });

  test('an old QR, a foreign QR and a picture without a QR each show their error', async () => {
    const number = newNumber();
    sim.createPhone({ phone: number, business: true });
    // A QR whose registration already finished (linked elsewhere): what an old screenshot shows.
    const sock = openRawSocket({ url: sim.protocolUrl, auth: newRawAuth() });
    sockets.push(sock);
    const oldQr = await nextQr(sock);
    const restarted = nextClose(sock);
    await sim.phone(number).scan(oldQr);
    assert.equal(await restarted, 515);

    const page = await openPhone(number);
    await openCamera(page);

    await choosePicture(page, 'old.png', await qrPng(oldQr));
    const expired = await errorShown(page, "Can't link new devices right now", '07-error-qr-expired');
    assert.match(expired, /not from a screenshot/);

    const foreign = `https://wa.me/settings/linked_devices#2@${Buffer.from('not-a-ref-of-this-network').toString('base64')},AAAA,BBBB,CCCC,1`;
    await choosePicture(page, 'foreign.png', await qrPng(foreign));
    const invalid = await errorShown(page, 'Invalid QR code', '08-error-qr-invalid');
    assert.match(invalid, /Reset/);

    await choosePicture(page, 'blank.png', blankPng());
    await errorShown(page, 'No QR code found in this image', '09-error-no-qr');

    // Still on the camera, nothing linked.
    await page.getByTestId('link-with-phone-number').waitFor();
    assert.equal(sim.phone(number).linkedDevices().length, 1);
    await page.context().close();
  });

  test('"Link with phone number instead": a wrong code is refused, the right one links', async () => {
    const number = newNumber();
    sim.createPhone({ phone: number, business: true });
    const sock = openRawSocket({ url: sim.protocolUrl, auth: newRawAuth() });
    sockets.push(sock);
    await nextQr(sock);
    const code = await sock.requestPairingCode(number);

    const page = await openPhone(number);
    await openCamera(page);
    await page.getByTestId('link-with-phone-number').click();
    const input = page.getByTestId('pairing-code-input');
    await input.waitFor();

    await input.fill('ab1');
    await page.getByTestId('pairing-code-submit').click();
    await errorShown(page, 'Incorrect code', '10-error-code-format');

    const wrong = code === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA';
    await input.fill(wrong.toLowerCase());
    assert.equal(
      await input.inputValue(),
      `${wrong.slice(0, 4)}-${wrong.slice(4)}`,
      'typed codes are shown as XXXX-XXXX',
    );
    await page.getByTestId('pairing-code-submit').click();
    const refused = await errorShown(page, 'Incorrect code', '11-error-code-wrong');
    assert.match(refused, /incorrect/i);

    const restarted = nextClose(sock, 30_000);
    await input.fill(`${code.slice(0, 4)}-${code.slice(4)}`);
    await shot(page, '12-pairing-code');
    await page.getByTestId('pairing-code-submit').click();
    await page.getByTestId('phone-success').filter({ hasText: 'Device linked' }).waitFor();
    await page.getByTestId('device-row').first().waitFor();
    assert.equal(await restarted, 515);
    assert.equal(sim.phone(number).linkedDevices().length, 1);
    await page.context().close();
  });

  test('"Share screen" reads the QR from another tab, like pointing the camera at it', async () => {
    const number = newNumber();
    sim.createPhone({ phone: number, business: true });
    const sock = openRawSocket({ url: sim.protocolUrl, auth: newRawAuth() });
    sockets.push(sock);
    const qr = await nextQr(sock);
    const restarted = nextClose(sock, 30_000);

    const page = await openPhone(number);
    // The tab that shows the QR, as the gateway's QR page would (it fits the 390 px wide tab).
    const qrTab = await page.context().newPage();
    const png = (await QRCode.toBuffer(qr, { scale: 4 })).toString('base64');
    await qrTab.setContent(
      `<title>${QR_TAB_TITLE}</title><body style="margin:0;background:#fff"><img alt="QR" src="data:image/png;base64,${png}">`,
    );
    await page.bringToFront();
    await openCamera(page);
    await page.getByTestId('capture-screen').click();
    await page.getByTestId('phone-success').filter({ hasText: 'Device linked' }).waitFor();
    await page.getByTestId('device-row').first().waitFor();
    assert.equal(await restarted, 515);
    assert.equal(sim.phone(number).linkedDevices().length, 1);
    await page.context().close();
  });

  test('pasting a picture of the QR links too (an iPhone: ⚙ instead of ⋮)', async () => {
    const number = newNumber();
    sim.createPhone({ phone: number, os: 'ios', name: 'Studio Luz' });
    const sock = openRawSocket({ url: sim.protocolUrl, auth: newRawAuth() });
    sockets.push(sock);
    const qr = await nextQr(sock);
    const restarted = nextClose(sock, 30_000);

    const page = await openPhone(number);
    await page.getByRole('button', { name: 'Settings' }).waitFor();
    assert.equal(await page.getByTestId('business-badge').isVisible(), false);
    await shot(page, '17-iphone-chats');
    await openCamera(page);
    const png = (await qrPng(qr)).toString('base64');
    // A browser-side script (this file has no DOM types): the clipboard holds the picture.
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob('${png}'), (ch) => ch.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    })()`);
    await page.getByTestId('phone-success').filter({ hasText: 'Device linked' }).waitFor();
    await page.getByTestId('device-row').first().waitFor();
    assert.equal(await restarted, 515);
    assert.equal(sim.phone(number).describe().platform, 'iphone');
    await page.context().close();
  });

  test('chats: a message from a linked gateway shows in the list and the chat; a reply reaches it', async () => {
    const business = newNumber();
    const client = newNumber();
    sim.createPhone({ phone: business, business: true, name: 'Salon Bella' });
    sim.createPhone({ phone: client, name: 'Alice Martin' });
    const gateway = await connectRaw({
      url: sim.protocolUrl,
      auth: newRawAuth(),
      onQr: (qr, sock) => {
        sockets.push(sock);
        void sim.phone(business).scan(qr);
      },
    });
    sockets.push(gateway);
    const text = 'Your booking on Friday at 10:00 is confirmed.';
    await gateway.sendMessage(`${client}@s.whatsapp.net`, { text });

    const page = await openPhone(client);
    const row = page.getByTestId('chat-row').filter({ hasText: 'Salon Bella' });
    await row.waitFor();
    assert.match(await row.innerText(), /confirmed/);
    await shot(page, '13-chat-list');
    await row.click();
    await page.getByTestId('message-bubble').filter({ hasText: text }).waitFor();

    const inbound = new Promise<string>((resolve) =>
      gateway.ev.on('messages.upsert', ({ messages }) => {
        const body = messages[0]?.message?.conversation;
        if (body && !messages[0]?.key.fromMe) resolve(body);
      }),
    );
    await page.getByTestId('message-input').fill('Thanks, see you then!');
    await page.getByTestId('message-send').click();
    assert.equal(await inbound, 'Thanks, see you then!');
    await page
      .locator('[data-testid=message-bubble][data-dir=out]')
      .filter({ hasText: 'Thanks, see you then!' })
      .waitFor();
    await shot(page, '14-chat');

    // A second message arrives while the chat is open: it appears without reloading.
    await gateway.sendMessage(`${client}@s.whatsapp.net`, { text: 'Reply CANCEL to cancel.' });
    await page.getByTestId('message-bubble').filter({ hasText: 'Reply CANCEL to cancel.' }).waitFor();
    assert.equal(await page.getByTestId('message-bubble').count(), 3);
    await page.context().close();
  });

  test('a chat opened straight from the address (a reload on a chat) shows and the page keeps polling', async () => {
    const owner = newNumber();
    const friend = newNumber();
    sim.createPhone({ phone: owner, name: 'Ana' });
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Before the first poll answered, the chat screen drew the chat list from no state and threw,
    // so the poll never started: the page stayed as the server sent it.
    await page.goto(`${sim.controlUrl}/phone/${owner}#/chat/${friend}`);
    assert.equal(await page.locator('#chat-title').innerText(), `+${friend}`);
    await waitUntil(async () => (await page.locator('#clock').innerText()) !== '', {
      what: 'the first poll (the status bar clock)',
    });
    await page.getByTestId('message-input').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the phone index lists phones and creates one; an unknown number has its own page; desktop layout', async () => {
    const existing = newNumber();
    sim.createPhone({ phone: existing, name: 'Bob' });
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${sim.controlUrl}/phone`);
    await page
      .getByTestId('phone-row')
      .filter({ hasText: `+${existing}` })
      .waitFor();
    await shot(page, '15-index');

    await page.getByTestId('new-phone-number').fill(existing);
    await page.getByTestId('create-phone').click();
    await page.getByTestId('phone-error').filter({ hasText: 'already exists' }).waitFor();

    const created = newNumber();
    await page.getByTestId('new-phone-number').fill(`+${created}`);
    await page.getByTestId('new-phone-name').fill('Clinic Sol');
    await page.getByTestId('new-phone-business').check();
    await page.getByTestId('create-phone').click();
    await page.waitForURL(`**/phone/${created}`);
    await page.getByTestId('business-badge').waitFor();
    assert.match(await page.getByTestId('phone-identity').innerText(), /Clinic Sol/);
    assert.equal(sim.phone(created).describe().platform, 'smba');

    const missing = await page.goto(`${sim.controlUrl}/phone/15550009999`);
    assert.equal(missing?.status(), 404);
    await page.getByTestId('phone-error').filter({ hasText: '15550009999' }).waitFor();
    await context.close();

    const desktop = await openPhone(existing, { width: 1280, height: 860 });
    await desktop.getByTestId('menu').click();
    await desktop.getByTestId('linked-devices').click();
    await desktop.getByTestId('link-device').waitFor();
    await shot(desktop, '16-desktop-linked-devices');
    await desktop.context().close();
  });

  test('POST /phones/:phone/scan-image reads the QR on the server and links', async () => {
    const number = newNumber();
    sim.createPhone({ phone: number });
    const blank = await fetch(`${sim.controlUrl}/phones/${number}/scan-image`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: blankPng(),
    });
    assert.equal(blank.status, 422);
    assert.deepEqual(await blank.json(), {
      error: { code: 'qr_unreadable', message: 'No QR code could be read from this image.' },
    });

    const empty = await fetch(`${sim.controlUrl}/phones/${number}/scan-image`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
    });
    assert.equal(empty.status, 400);

    const foreign = await fetch(`${sim.controlUrl}/phones/${number}/scan-image`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imageBase64: (await qrPng('hello')).toString('base64') }),
    });
    assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, 'qr_invalid');

    const sock = openRawSocket({ url: sim.protocolUrl, auth: newRawAuth() });
    sockets.push(sock);
    const qr = await nextQr(sock);
    const restarted = nextClose(sock);
    const linked = await fetch(`${sim.controlUrl}/phones/${number}/scan-image`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await qrPng(qr),
    });
    assert.equal(linked.status, 200);
    assert.deepEqual(await linked.json(), { device: 1 });
    assert.equal(await restarted, 515);
  });
});
