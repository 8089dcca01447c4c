import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import {
  connectRaw,
  newRawAuth,
  nextClose,
  nextQr,
  openRawSocket,
  trustSimulator,
} from '../support/raw-baileys-client.js';

/** The simulator through its public HTTP control API, with unmodified Baileys as the linked device. */
describe('simulator control API with unmodified Baileys', () => {
  let sim: Simulator;
  let phoneSeq = 0;
  const newNumber = (): string => `1555100${String(++phoneSeq).padStart(4, '0')}`;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: any }> => {
    const response = await fetch(sim.controlUrl + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
    trustSimulator(sim.rootPublicKey);
  });
  after(async () => sim.stop());

  test('creating phones validates input and names the field', async () => {
    const missing = await call('POST', '/phones', { name: 'x' });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, 'invalid_request');
    assert.match(missing.json.error.message, /phone/);
    const notJson = await fetch(sim.controlUrl + '/phones', { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);
    const number = newNumber();
    const created = await call('POST', '/phones', { phone: `+${number}`, business: true, name: 'Salon' });
    assert.equal(created.status, 201);
    assert.equal(created.json.phone, number);
    assert.equal(created.json.platform, 'smba');
    assert.equal((await call('POST', '/phones', { phone: number })).json.error.code, 'phone_exists');
    assert.equal((await call('GET', '/phones/15559999999')).status, 404);
    assert.equal((await call('POST', '/phones', { phone: 'abc' })).status, 400);
    // Existing chats (sent to a linking device in its history sync): each named when wrong.
    const badChat = await call('POST', '/phones', { phone: newNumber(), chats: [{ phone: 'x' }] });
    assert.equal(badChat.status, 400);
    assert.match(badChat.json.error.message, /chats/);
    const badToken = await call('POST', '/phones', {
      phone: newNumber(),
      chats: [{ phone: newNumber(), tcToken: 'not base64!' }],
    });
    assert.equal(badToken.status, 400);
    assert.match(badToken.json.error.message, /tcToken/);
    const withChats = await call('POST', '/phones', {
      phone: newNumber(),
      chats: [{ phone: `+${newNumber()}`, lid: '123456789', tcToken: 'AAECAwQ=', text: 'hi' }],
      historySync: false,
    });
    assert.equal(withChats.status, 201);
  });

  test('a QR that is not a WhatsApp linking code is refused as invalid', async () => {
    const number = newNumber();
    await call('POST', '/phones', { phone: number });
    const garbage = await call('POST', `/phones/${number}/scan`, { qr: 'hello' });
    assert.equal(garbage.status, 422);
    assert.equal(garbage.json.error.code, 'qr_invalid');
    assert.match(garbage.json.error.message, /Invalid QR code/);
    const foreign = await call('POST', `/phones/${number}/scan`, {
      qr: 'https://wa.me/settings/linked_devices#2@unknownref,AAAA,BBBB,CCCC,1',
    });
    assert.equal(foreign.json.error.code, 'qr_invalid');
  });

  test('link by HTTP scan, list the device, message both ways, then remove it on the phone', async () => {
    const business = newNumber();
    const client = newNumber();
    await call('POST', '/phones', { phone: business, business: true });
    await call('POST', '/phones', { phone: client, name: 'Alice' });
    const auth = newRawAuth();
    let scanned: Promise<{ status: number; json: any }> | undefined;
    const sock = await connectRaw({
      url: sim.protocolUrl,
      auth,
      onQr: (qr) => {
        scanned ??= call('POST', `/phones/${business}/scan`, { qr });
      },
    });
    const scan = await scanned!;
    assert.equal(scan.status, 200);
    assert.equal(scan.json.device, 1);
    assert.equal(auth.creds.platform, 'smba');

    const devices = await call('GET', `/phones/${business}/linked-devices`);
    assert.equal(devices.json.length, 1);
    assert.equal(devices.json[0].online, true);

    const [onWa] = (await sock.onWhatsApp(client)) ?? [];
    assert.equal(onWa?.exists, true);

    const receipt = new Promise<void>((resolve) =>
      sock.ev.on('messages.update', (updates) => {
        if (updates.some((u) => u.key.id === 'ZGTEST0001' && Number(u.update.status ?? 0) >= 3)) resolve();
      }),
    );
    await sock.sendMessage(
      `${client}@s.whatsapp.net`,
      { text: 'Your booking is confirmed' },
      { messageId: 'ZGTEST0001' },
    );
    await receipt;
    const inbox = await call('GET', `/phones/${client}/inbox`);
    assert.deepEqual(
      inbox.json.map((m: { id: string; text: string; rawArrivals: number }) => [m.id, m.text, m.rawArrivals]),
      [['ZGTEST0001', 'Your booking is confirmed', 1]],
    );

    // A resend with the same id reaches the phone (counted) but the chat shows it once.
    const second = new Promise<void>((resolve) =>
      sim.events.on('message-arrived', (e) => e.id === 'ZGTEST0001' && e.arrivals === 2 && resolve()),
    );
    await sock.sendMessage(
      `${client}@s.whatsapp.net`,
      { text: 'Your booking is confirmed' },
      { messageId: 'ZGTEST0001' },
    );
    await second;
    const again = await call('GET', `/phones/${client}/inbox`);
    assert.equal(again.json.length, 1);
    assert.equal(again.json[0].rawArrivals, 2);

    const inbound = new Promise<string>((resolve) =>
      sock.ev.on('messages.upsert', ({ messages }) => {
        const text = messages[0]?.message?.conversation;
        if (text && !messages[0]?.key.fromMe) resolve(text);
      }),
    );
    const reply = await call('POST', `/phones/${client}/messages`, { to: business, text: '+' });
    assert.equal(reply.status, 201);
    assert.equal(await inbound, '+');

    const closed = nextClose(sock);
    assert.equal((await call('DELETE', `/phones/${business}/linked-devices/1`)).status, 204);
    assert.equal(await closed, 401);
    assert.equal((await call('GET', `/phones/${business}/linked-devices`)).json.length, 0);
    assert.equal(
      (await call('DELETE', `/phones/${business}/linked-devices/1`)).json.error.code,
      'unknown_device',
    );
  });

  test('a wrong pairing code is refused on the phone; the right one links', async () => {
    const business = newNumber();
    await call('POST', '/phones', { phone: business, business: true });
    const auth = newRawAuth();
    const sock = openRawSocket({ url: sim.protocolUrl, auth });
    await nextQr(sock);
    const code = await sock.requestPairingCode(business);
    const wrongCode = code === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA';
    const wrong = await call('POST', `/phones/${business}/pairing-code`, { code: wrongCode });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.json.error.code, 'code_wrong');
    const restarted = nextClose(sock);
    const right = await call('POST', `/phones/${business}/pairing-code`, {
      code: `${code.slice(0, 4)}-${code.slice(4)}`,
    });
    assert.equal(right.status, 200);
    assert.equal(await restarted, 515);
    assert.equal(
      (await call('POST', `/phones/${business}/pairing-code`, { code })).json.error.code,
      'no_pending_code',
    );
  });

  test('faults are validated', async () => {
    const bad = await call('POST', '/faults', { kind: 'error-ack', phone: '15550000000', code: 500 });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /code/);
    assert.equal((await call('POST', '/faults', { kind: 'drop' })).json.applied, true);
  });
});

test('`npm run simulator` prints one JSON line a gateway can be pointed at', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--qr-refs', '2'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, 'line', { signal: AbortSignal.timeout(20_000) })) as [string];
    const info = JSON.parse(line) as { protocolUrl: string; controlUrl: string; rootPublicKey: string };
    assert.match(info.protocolUrl, /^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
    assert.equal(Buffer.from(info.rootPublicKey, 'base64').length, 32);
    const root = (await (await fetch(info.controlUrl + '/')).json()) as { rootPublicKey: string };
    assert.equal(root.rootPublicKey, info.rootPublicKey);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
