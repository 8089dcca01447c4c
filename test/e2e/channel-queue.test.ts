import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { deliverySteps } from '../support/linked-business.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * A channel's queue as a whole: restricted after a 463 (no new contacts for a while, said on the
 * status), paused when the device is removed on the phone (and resumed by a new link), paused and
 * resumed by the business (across a restart), and deleted (waiting messages fail channel_removed).
 */
describe('a channel’s queue: restriction, pause, removal, deletion', () => {
  let h: Harness;
  let seq = 0;
  const nextPhone = () =>
    `55419${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`;

  before(async () => {
    // A restriction lasts 6 s here instead of a day.
    h = await startHarness({ env: { RESTRICTION_MINUTES: '0.1' } });
  });
  after(async () => {
    await h.stop();
  });

  const steps = deliverySteps(() => h);
  const { channelOf, send, settled } = steps;
  const linkedBusiness = () =>
    steps.linkedBusiness(h.sim.createPhone({ phone: nextPhone(), business: true }));
  /** When the message was claimed for sending, each time (ms). */
  const sendingTimes = async (b: { apiKey: string }, id: string): Promise<number[]> =>
    (
      (await h.api('GET', `/v1/messages/${id}/events`, { key: b.apiKey })).json as Array<{
        status: string;
        at: string;
      }>
    )
      .filter((e) => e.status === 'sending')
      .map((e) => Date.parse(e.at));
  const messageOf = async (b: { apiKey: string }, id: string) =>
    (await h.api('GET', `/v1/messages/${id}`, { key: b.apiKey })).json;

  test('after a 463 the channel writes to no new contacts until the restriction ends, and says so', async () => {
    const b = await linkedBusiness();
    const known = h.sim.createPhone({ phone: nextPhone() });
    const wroteFirst = h.sim.createPhone({ phone: nextPhone() });
    const first = await settled(b, await send(b, known, 'Welcome back'), 'first message');
    assert.equal(first.status, 'delivered');
    await wroteFirst.sendMessage(b.phone.phone, 'Hi, can I book?');

    h.sim.injectFault({ kind: 'error-ack', phone: b.phone.phone, code: 463 });
    const refused = await settled(
      b,
      await send(b, h.sim.createPhone({ phone: nextPhone() }), 'Hello'),
      '463',
    );
    assert.equal(refused.failureReason, 'restricted');
    const restricted = await waitUntil(
      async () => {
        const c = await channelOf(b);
        return c.status === 'restricted' ? c : undefined;
      },
      { what: 'the channel restricted' },
    );
    assert.equal(restricted.cause, 'reach_out_timelock');
    assert.ok(Date.parse(restricted.restrictedUntil) > Date.now(), JSON.stringify(restricted));
    assert.equal(restricted.tone, 'green', 'still linked: notifications to known clients go on');

    // A new contact: failed at once, never sent (the recipient sees nothing); the CRM can use SMS.
    const stranger = h.sim.createPhone({ phone: nextPhone() });
    const held = await settled(b, await send(b, stranger, 'Your appointment'), 'new contact');
    assert.equal(held.failureReason, 'restricted');
    assert.equal(stranger.inbox().length, 0);
    const events = (await h.api('GET', `/v1/messages/${held.id}/events`, { key: b.apiKey })).json as Array<{
      status: string;
      details?: { newContact?: boolean };
    }>;
    assert.ok(
      events.some((e) => e.status === 'failed' && e.details?.newContact === true),
      JSON.stringify(events),
    );

    // Clients already in a chat with the number still get theirs.
    assert.equal((await settled(b, await send(b, known, 'Reminder: 10:00'), 'known')).status, 'delivered');
    assert.equal((await settled(b, await send(b, wroteFirst, 'Yes, 11:00'), 'wrote')).status, 'delivered');

    // The restriction ends by itself; new contacts are written to again.
    const lifted = await waitUntil(
      async () => {
        const c = await channelOf(b);
        return c.status === 'connected' ? c : undefined;
      },
      { what: 'the restriction to end', timeoutMs: 20_000 },
    );
    assert.equal(lifted.cause, 'restriction_ended');
    assert.equal(lifted.restrictedUntil, null);
    assert.equal(
      (await settled(b, await send(b, stranger, 'Your appointment'), 'after')).status,
      'delivered',
    );
  });

  test('a device removed on the phone pauses the queue (flagged); a new link resumes it', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone() });
    const device = b.phone.linkedDevices()[0]!.device;
    b.phone.removeDevice(device);
    const removed = await waitUntil(
      async () => {
        const c = await channelOf(b);
        return c.status === 'removed' ? c : undefined;
      },
      { what: 'removed' },
    );
    assert.equal(removed.paused, true);
    assert.equal(removed.pausedCause, 'removed');
    const id = await send(b, client, 'Tomorrow at 9');
    const relinking = Date.now();
    await linkChannelByQr(h, b, b.phone);
    assert.equal(
      (await settled(b, id, 'delivered after the new link')).status,
      'delivered',
      'kept, not failed',
    );
    assert.ok(
      (await sendingTimes(b, id)).every((at) => at >= relinking),
      'nothing went out before the link',
    );
    const relinked = await channelOf(b);
    assert.equal(relinked.paused, false);
    assert.equal(client.inbox().length, 1);
  });

  test('the business pauses and resumes the queue; a pause survives a restart', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone() });
    const paused = await h.api('POST', `/v1/channels/${b.channelId}/pause`, { key: b.apiKey });
    assert.equal(paused.status, 200);
    assert.equal(paused.json.paused, true);
    assert.equal(paused.json.pausedCause, 'manual');
    const id = await send(b, client, 'Your visit');
    await h.restartGateway();
    await waitUntil(async () => (await channelOf(b)).status === 'connected', { what: 'restored' });
    assert.equal((await channelOf(b)).paused, true);

    const resuming = Date.now();
    const resumed = await h.api('POST', `/v1/channels/${b.channelId}/resume`, { key: b.apiKey });
    assert.equal(resumed.json.paused, false);
    assert.equal((await settled(b, id, 'delivered after resume')).status, 'delivered');
    const sending = await sendingTimes(b, id);
    assert.ok(
      sending.length > 0 && sending.every((at) => at >= resuming),
      'held until resumed, restart included',
    );
    assert.equal(client.inbox().length, 1);
  });

  test('deleting a channel fails its waiting messages as channel_removed and keeps the history', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone() });
    const sent = await settled(b, await send(b, client, 'Booked'), 'sent before');
    await h.api('POST', `/v1/channels/${b.channelId}/pause`, { key: b.apiKey });
    const waiting = await send(b, client, 'Reminder');
    const deleted = await h.api('DELETE', `/v1/channels/${b.channelId}`, { key: b.apiKey });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
    assert.equal(deleted.json.failedMessages, 1);
    const failed = await messageOf(b, waiting);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failureReason, 'channel_removed');
    assert.equal((await messageOf(b, sent.id)).status, 'delivered', 'history stays');
    assert.equal((await h.api('GET', `/v1/channels/${b.channelId}`, { key: b.apiKey })).status, 404);
    const list = (await h.api('GET', '/v1/channels', { key: b.apiKey })).json as Array<{ id: string }>;
    assert.ok(!list.some((c) => c.id === b.channelId));
    await waitUntil(() => b.phone.linkedDevices().length === 0, { what: 'the device logged out' });
    const refused = await h.api('POST', '/v1/messages', {
      key: b.apiKey,
      body: { to: `+${client.phone}`, text: 'x', channelId: b.channelId },
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.json));
    assert.equal(refused.json.error.details.field, 'channelId');
  });
});
