import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * A recipient that cannot decrypt (WhatsApp reinstalled: a new Signal identity) answers with a
 * retry receipt. Here it is offline when the notification goes, the gateway's connection drops and
 * comes back meanwhile, and only then the recipient returns and asks: the gateway re-encrypts the
 * same message, same id, from what it stored (not from the old socket's memory), and the client
 * reads it once; the status ends delivered, truthfully, and the resend is counted.
 */
describe('retry receipts', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('a recipient asks again after the gateway’s socket changed: resent from the store, same id, once', async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Salon', timeZone: 'UTC', language: 'en' },
      })
    ).json as { channelId: string; apiKey: string };
    const phone = h.sim.createPhone({ phone: '5541955550001', business: true });
    const client = h.sim.createPhone({ phone: '5541955550002' });
    await linkChannelByQr(h, business, phone);
    assert.equal(
      (await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } })).status,
      200,
    );
    const send = async (text: string): Promise<string> => {
      const r = await h.api('POST', '/v1/messages', {
        key: business.apiKey,
        body: { to: `+${client.phone}`, text },
      });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      return r.json.id as string;
    };
    const statusOf = async (id: string) =>
      (await h.api('GET', `/v1/messages/${id}`, { key: business.apiKey })).json as {
        status: string;
        waMessageId?: string;
      };

    const first = await send('Welcome!');
    await waitUntil(async () => (await statusOf(first)).status === 'delivered', { what: 'first delivered' });

    await client.setOnline(false);
    const second = await send('Your appointment is tomorrow at 10:00');
    await waitUntil(async () => (await statusOf(second)).status === 'sent', { what: 'second sent' });

    // The gateway's connection drops and comes back: a new socket, no memory of what it sent.
    const back = new Promise<void>((resolve) => {
      const listener = (e: { phone: string }) => {
        if (e.phone !== phone.phone) return;
        h.sim.events.off('online', listener);
        resolve();
      };
      h.sim.events.on('online', listener);
    });
    h.sim.injectFault({ kind: 'drop', phone: phone.phone });
    await back;

    const retries: number[] = [];
    h.sim.events.on('retry-requested', (e) => retries.push(e.count));
    client.reinstall();
    await client.setOnline(true);

    await waitUntil(() => client.inbox().some((m) => m.text === 'Your appointment is tomorrow at 10:00'), {
      what: 'the message in the client’s chat after the retry',
      timeoutMs: 20_000,
    });
    await waitUntil(async () => (await statusOf(second)).status === 'delivered', {
      what: 'the status delivered',
    });
    assert.deepEqual(retries, [1], 'one retry receipt was enough');
    const arrived = client.inbox().filter((m) => m.text === 'Your appointment is tomorrow at 10:00');
    assert.equal(arrived.length, 1, 'once in the chat');
    const metrics = (await h.api('GET', '/metrics')).json as string;
    assert.match(metrics, /zapgate_message_resends_total\{outcome="resent"\} 1/);
  });
});
