import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * A client whose phone has WhatsApp Web / Desktop linked gets every notification on each device,
 * once. A device linked between two notifications gets the second (WhatsApp tells the sender's
 * devices, and the sender addresses the new list at once, not after its 5-minute device cache);
 * a device logged out between two gets nothing more.
 */
describe('recipients with several devices', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('each device once; a device linked or removed between two notifications is handled', async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Salon', timeZone: 'UTC', language: 'en' },
      })
    ).json as { channelId: string; apiKey: string };
    const phone = h.sim.createPhone({ phone: '5541944440001', business: true });
    const client = h.sim.createPhone({ phone: '5541944440002' });
    await linkChannelByQr(h, business, phone);
    assert.equal(
      (await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } })).status,
      200,
    );
    const send = async (text: string) => {
      const r = await h.api('POST', '/v1/messages', {
        key: business.apiKey,
        body: { to: `+${client.phone}`, text },
      });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      await waitUntil(
        async () =>
          (await h.api('GET', `/v1/messages/${r.json.id}`, { key: business.apiKey })).json.status ===
          'delivered',
        { what: `${text} delivered` },
      );
    };
    const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map((m) => m.text);

    const stale: number[] = [];
    h.sim.events.on('stale-device-copy', (e) => stale.push(e.device));
    // "Between two notifications" means the change reached the gateway before the second was
    // sent: WhatsApp's notification and the gateway's send may cross on the wire, and then
    // neither side can know. The gateway acks a notification once it has handled it.
    let deviceListChangesHandled = 0;
    h.sim.events.on('notification-acked', (e) => {
      if (e.phone === phone.phone && e.type === 'devices') deviceListChangesHandled++;
    });
    /** Makes the change, then waits until the gateway has handled WhatsApp's notice of it. */
    const deviceListChange = async <T>(change: () => T): Promise<T> => {
      const before = deviceListChangesHandled;
      const result = change();
      await waitUntil(() => deviceListChangesHandled > before, {
        what: "the gateway's ack of the device-list notification",
      });
      return result;
    };
    const laptop = client.linkWebDevice();
    await send('Welcome');
    await send('First: see you at 10:00');
    await waitUntil(() => client.webInbox(laptop).length === 2, { what: 'the laptop got both' });
    assert.deepEqual(texts(client.inbox()), ['Welcome', 'First: see you at 10:00']);

    // Linked between two notifications: the second reaches it too.
    const desktop = await deviceListChange(() => client.linkWebDevice());
    await send('Second: reminder');
    await waitUntil(() => client.webInbox(desktop).length === 1, {
      what: 'the newly linked desktop got the second',
    });
    await waitUntil(() => client.webInbox(laptop).length === 3, { what: 'the laptop got the second' });
    assert.deepEqual(texts(client.webInbox(desktop)), ['Second: reminder']);

    // Logged out between two notifications: nothing more reaches it; the others still get theirs.
    await deviceListChange(() => client.unlinkWebDevice(laptop));
    await send('Third: thank you');
    await waitUntil(() => client.webInbox(desktop).length === 2, { what: 'the desktop got the third' });
    assert.deepEqual(texts(client.inbox()), [
      'Welcome',
      'First: see you at 10:00',
      'Second: reminder',
      'Third: thank you',
    ]);
    assert.deepEqual(texts(client.webInbox(laptop)), [
      'Welcome',
      'First: see you at 10:00',
      'Second: reminder',
    ]);
    assert.deepEqual(stale, [], 'nothing addressed to the logged-out laptop');

    // Each device saw each message once.
    for (const m of client.inbox()) assert.equal(client.rawArrivals(m.id), 1);
    for (const m of client.webInbox(desktop)) assert.equal(client.webArrivals(desktop, m.id), 1);
  });
});
