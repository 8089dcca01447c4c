import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { verifyWebhook } from '../../src/webhooks/webhook-signature.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/** Accept → paced queue → WhatsApp (simulator) → statuses → webhooks, and the failure paths. */
describe('notification delivery end to end', () => {
  let h: Harness;
  let seq = 0;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  const nextPhone = () =>
    `55319${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;

  before(async () => {
    h = await startHarness();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await h.stop();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  /** A business with a linked channel, pacing off (so the test is fast), and a webhook. */
  const linkedBusiness = async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Spa', timeZone: 'UTC', language: 'en' },
      })
    ).json as {
      channelId: string;
      apiKey: string;
    };
    const phone = h.sim.createPhone({ phone: nextPhone(), business: true });
    await linkChannelByQr(h, business, phone);
    assert.equal(
      (await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } })).status,
      200,
    );
    const { port } = receiver.address() as AddressInfo;
    const hook = await h.api('POST', '/v1/webhooks', {
      key: business.apiKey,
      body: { url: `http://127.0.0.1:${port}/hook` },
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.json));
    return { ...business, phone, webhookSecret: hook.json.secret as string };
  };
  const statusOf = async (key: string, id: string) =>
    (await h.api('GET', `/v1/messages/${id}`, { key })).json;

  test('accepted → sent → delivered, seen once by the client, with signed webhooks', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone(), name: 'Maria' });
    const accepted = await h.api('POST', '/v1/messages', {
      key: b.apiKey,
      body: { to: `+${client.phone}`, text: 'Your booking is confirmed for 10:00', idempotencyKey: 'k1' },
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
    const again = await h.api('POST', '/v1/messages', {
      key: b.apiKey,
      body: { to: `+${client.phone}`, text: 'Your booking is confirmed for 10:00', idempotencyKey: 'k1' },
    });
    assert.equal(again.json.id, accepted.json.id, 'the same idempotency key returns the first message');
    const delivered = await waitUntil(
      async () => {
        const m = await statusOf(b.apiKey, accepted.json.id);
        return m.status === 'delivered' || m.status === 'read' ? m : undefined;
      },
      { what: 'delivered' },
    );
    assert.equal(client.inbox().filter((m) => m.id === delivered.waMessageId).length, 1);
    assert.equal(client.rawArrivals(delivered.waMessageId), 1);
    const events = (await h.api('GET', `/v1/messages/${accepted.json.id}/events`, { key: b.apiKey }))
      .json as Array<{ status: string }>;
    const statuses = events.map((e) => e.status);
    for (const s of ['queued', 'sending', 'sent', 'delivered'])
      assert.ok(statuses.includes(s), `${s} in ${statuses.join(',')}`);
    const hooks = await waitUntil(
      () => {
        const mine = received.filter((r) => r.body.includes(accepted.json.id));
        return mine.some((r) => r.body.includes('"delivered"')) ? mine : undefined;
      },
      { what: 'the delivered webhook' },
    );
    for (const hook of hooks) verifyWebhook(b.webhookSecret, hook.headers, hook.body);
  });

  test('a number without WhatsApp fails at once as not_on_whatsapp', async () => {
    const b = await linkedBusiness();
    const nobody = h.sim.createPhone({ phone: nextPhone(), hasWhatsApp: false });
    const accepted = await h.api('POST', '/v1/messages', {
      key: b.apiKey,
      body: { to: `+${nobody.phone}`, text: 'Hello' },
    });
    const failed = await waitUntil(
      async () => {
        const m = await statusOf(b.apiKey, accepted.json.id);
        return m.status === 'failed' ? m : undefined;
      },
      { what: 'failed' },
    );
    assert.equal(failed.failureReason ?? failed.reason, 'not_on_whatsapp');
  });

  test('a 463 reach-out timelock fails the message as restricted', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone() });
    h.sim.injectFault({ kind: 'error-ack', phone: b.phone.phone, code: 463 });
    const accepted = await h.api('POST', '/v1/messages', {
      key: b.apiKey,
      body: { to: `+${client.phone}`, text: 'Reminder' },
    });
    const failed = await waitUntil(
      async () => {
        const m = await statusOf(b.apiKey, accepted.json.id);
        return m.status === 'failed' ? m : undefined;
      },
      { what: 'failed' },
    );
    assert.equal(failed.failureReason ?? failed.reason, 'restricted');
    assert.equal(client.inbox().length, 0);
  });

  test('a channel that is down keeps messages queued, then delivers them when it is back', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone() });
    h.sim.injectFault({ kind: 'refuse-logins', phone: b.phone.phone, enabled: true });
    h.sim.injectFault({ kind: 'drop', phone: b.phone.phone });
    await waitUntil(
      async () =>
        (await h.api('GET', `/v1/channels/${b.channelId}`, { key: b.apiKey })).json.status === 'reconnecting',
      { what: 'reconnecting' },
    );
    const accepted = await h.api('POST', '/v1/messages', {
      key: b.apiKey,
      body: { to: `+${client.phone}`, text: 'See you tomorrow' },
    });
    assert.equal((await statusOf(b.apiKey, accepted.json.id)).status, 'queued');
    h.sim.injectFault({ kind: 'refuse-logins', phone: b.phone.phone, enabled: false });
    await waitUntil(
      async () => ['delivered', 'read'].includes((await statusOf(b.apiKey, accepted.json.id)).status),
      { what: 'delivered after the channel came back', timeoutMs: 30_000 },
    );
    assert.equal(client.inbox().length, 1);
  });

  test('a reply is stored, tied to the notification, and sent as a webhook', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone() });
    const accepted = await h.api('POST', '/v1/messages', {
      key: b.apiKey,
      body: { to: `+${client.phone}`, text: 'Confirm with +' },
    });
    await waitUntil(
      async () => ['delivered', 'read'].includes((await statusOf(b.apiKey, accepted.json.id)).status),
      { what: 'delivered' },
    );
    await client.sendMessage(b.phone.phone, '+');
    const hook = await waitUntil(
      () => received.find((r) => r.body.includes('message.inbound') && r.body.includes(accepted.json.id)),
      { what: 'the inbound webhook' },
    );
    assert.match(hook.body, /"text":"\+"/);
  });
});
