/**
 * `channel.status` webhooks end to end: the whole gateway and the simulator, a business's receiver on
 * 127.0.0.1 subscribed to channel.status only. The business hears its number linked, restricted
 * (463) and free again, paused and resumed, removed on the phone, reset and deleted, each signed.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { verifyWebhook } from '../../src/webhooks/webhook-signature.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

interface ChannelStatusEvent {
  type: string;
  timestamp: string;
  data: {
    channelId: string;
    status: string;
    cause: string | null;
    statusSince: string;
    phone: string | null;
    paused: boolean;
    pausedCause: string | null;
    restrictedUntil: string | null;
    restrictedBy: string | null;
  };
}

describe('channel.status webhooks', () => {
  let h: Harness;
  let server: Server;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let seq = 0;
  const nextPhone = () =>
    `55417${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;

  before(async () => {
    // A restriction lasts 3 s here instead of a day.
    h = await startHarness({ env: { RESTRICTION_MINUTES: '0.05' } });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await h.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('linked, restricted and free again, paused and resumed, removed, reset, deleted: each one told', async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Clinic', timeZone: 'UTC', language: 'en' },
      })
    ).json as { channelId: string; apiKey: string };
    const hook = await h.api('POST', '/v1/webhooks', {
      key: business.apiKey,
      body: {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/zapgate`,
        events: ['channel.status'],
      },
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.json));
    const secret = hook.json.secret as string;

    /** Every channel.status event received so far, verified, in order of occurrence. */
    const events = (): ChannelStatusEvent[] =>
      received
        .map((r) => {
          verifyWebhook(secret, r.headers, r.body);
          return JSON.parse(r.body) as ChannelStatusEvent;
        })
        .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    const waitForEvent = (what: string, match: (e: ChannelStatusEvent['data']) => boolean) =>
      waitUntil(() => events().find((e) => match(e.data)), { what, timeoutMs: 20_000 });

    const phone = h.sim.createPhone({ phone: nextPhone(), business: true });
    await linkChannelByQr(h, business, phone);
    const linked = await waitForEvent('connected', (d) => d.status === 'connected');
    assert.equal(linked.type, 'channel.status');
    assert.equal(linked.data.channelId, business.channelId);
    assert.equal(linked.data.phone, `+${phone.phone}`);
    assert.equal(linked.data.paused, false);
    assert.ok(!Number.isNaN(Date.parse(linked.data.statusSince)));
    for (const e of events()) assert.equal(e.type, 'channel.status', 'only what the endpoint subscribed to');

    // WhatsApp answers a send with 463: restricted (until when), then connected again by itself.
    assert.equal(
      (await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } })).status,
      200,
    );
    h.sim.injectFault({ kind: 'error-ack', phone: phone.phone, code: 463 });
    const stranger = h.sim.createPhone({ phone: nextPhone() });
    await h.api('POST', '/v1/messages', {
      key: business.apiKey,
      body: { to: `+${stranger.phone}`, text: 'Hello' },
    });
    const restricted = await waitForEvent('restricted', (d) => d.status === 'restricted');
    assert.equal(restricted.data.cause, 'reach_out_timelock');
    assert.ok(Date.parse(restricted.data.restrictedUntil!) > Date.parse(restricted.timestamp));
    assert.equal(restricted.data.restrictedBy, 'reach_out_timelock');
    const free = await waitForEvent('restriction ended', (d) => d.cause === 'restriction_ended');
    assert.equal(free.data.status, 'connected');
    assert.equal(free.data.restrictedUntil, null);
    assert.equal(free.data.restrictedBy, null);

    // The business pauses and resumes the queue.
    await h.api('POST', `/v1/channels/${business.channelId}/pause`, { key: business.apiKey });
    const paused = await waitForEvent('paused', (d) => d.paused);
    assert.equal(paused.data.pausedCause, 'manual');
    assert.equal(paused.data.status, 'connected');
    await h.api('POST', `/v1/channels/${business.channelId}/resume`, { key: business.apiKey });
    await waitUntil(
      () => {
        const all = events();
        return all.slice(all.findIndex((e) => e.data.paused) + 1).find((e) => !e.data.paused);
      },
      { what: 'resumed' },
    );

    // The phone removes the linked device: unlinked, and the queue paused.
    phone.removeDevice(phone.linkedDevices()[0]!.device);
    const removed = await waitForEvent('removed', (d) => d.status === 'removed');
    assert.equal(removed.data.paused, true);
    assert.equal(removed.data.pausedCause, 'removed');

    // Reset, then delete.
    const reset = await h.api('POST', `/v1/channels/${business.channelId}/reset`, { key: business.apiKey });
    assert.equal(reset.status, 200, JSON.stringify(reset.json));
    const wasReset = await waitForEvent('reset', (d) => d.cause === 'reset');
    assert.equal(wasReset.data.status, 'not_linked');
    assert.equal(wasReset.data.phone, null);
    const deleted = await h.api('DELETE', `/v1/channels/${business.channelId}`, { key: business.apiKey });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
    const gone = await waitForEvent('deleted', (d) => d.cause === 'deleted');
    assert.equal(gone.data.status, 'not_linked');

    // Each change once: no status (with its cause) told twice in a row.
    const sequence = events().map((e) => `${e.data.status}/${e.data.cause}/${e.data.paused}`);
    for (let i = 1; i < sequence.length; i++)
      assert.notEqual(sequence[i], sequence[i - 1], sequence.join(' → '));
  });
});
