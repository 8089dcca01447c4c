import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * During a run the simulator drops connections and injects 463s: nothing is lost or silently
 * stuck; every message ends delivered, or failed with a reason.
 */
const CHANNELS = 3;
const PER_CHANNEL = 80;
const RESTRICTED = 4;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h.stop());

test(
  'connection drops and 463s mid-run: every message ends delivered or failed with a reason',
  { timeout: 180_000 },
  async () => {
    const businesses: Array<{ channelId: string; apiKey: string; phone: VirtualPhone }> = [];
    for (let i = 0; i < CHANNELS; i++) {
      const created = (
        await h.api('POST', '/v1/tenants', {
          key: h.adminKey,
          body: { name: `Studio ${i}`, timeZone: 'UTC', language: 'en' },
        })
      ).json;
      const phone = h.sim.createPhone({ phone: `5561900${String(i).padStart(4, '0')}`, business: true });
      await linkChannelByQr(h, created, phone);
      await h.api('PUT', '/v1/pacing', { key: created.apiKey, body: { enabled: false } });
      businesses.push({ channelId: created.channelId, apiKey: created.apiKey, phone });
    }
    const recipients = Array.from({ length: 6 }, (_, i) =>
      h.sim.createPhone({ phone: `5561800${String(i).padStart(4, '0')}` }),
    );
    const ids: Array<{ id: string; apiKey: string }> = [];
    for (const [b, business] of businesses.entries()) {
      const messages = Array.from({ length: PER_CHANNEL }, (_, n) => ({
        to: `+${recipients[n % recipients.length]!.phone}`,
        text: `Visit ${b}-${n}`,
      }));
      const result = (await h.api('POST', '/v1/messages/batch', { key: business.apiKey, body: { messages } }))
        .json;
      for (const item of result.results as Array<{ message: { id: string } }>)
        ids.push({ id: item.message.id, apiKey: business.apiKey });
    }
    const arrived = () => recipients.reduce((sum, r) => sum + r.inbox().length, 0);
    for (const fraction of [0.2, 0.45, 0.7]) {
      await waitUntil(() => arrived() >= CHANNELS * PER_CHANNEL * fraction, {
        what: `${fraction * 100}% arrived`,
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      // 463s once every recipient is a known contact of channel 0 (a restricted channel writes to
      // no new contacts: channel-queue.test.ts covers that), so each 463 fails just its message.
      if (fraction === 0.2) {
        const first = businesses[0]!.phone.phone;
        await waitUntil(() => recipients.every((r) => r.inbox().some((m) => m.fromPhone === first)), {
          what: 'channel 0 in a chat with every recipient',
          timeoutMs: 60_000,
          intervalMs: 5,
        });
        h.sim.injectFault({ kind: 'error-ack', phone: first, code: 463, count: RESTRICTED });
      }
      for (const business of businesses) h.sim.injectFault({ kind: 'drop', phone: business.phone.phone });
    }
    const final = await waitUntil(
      async () => {
        const statuses = await Promise.all(
          ids.map(async ({ id, apiKey }) => (await h.api('GET', `/v1/messages/${id}`, { key: apiKey })).json),
        );
        return statuses.every((m) => ['delivered', 'read', 'failed'].includes(m.status))
          ? statuses
          : undefined;
      },
      { what: 'every message settled', timeoutMs: 120_000, intervalMs: 500 },
    );
    const failed = final.filter((m) => m.status === 'failed');
    assert.equal(failed.length, RESTRICTED, JSON.stringify(failed.map((m) => m.failureReason)));
    assert.ok(failed.every((m) => m.failureReason === 'restricted'));
    assert.equal(
      (await h.api('GET', `/v1/channels/${businesses[0]!.channelId}`, { key: businesses[0]!.apiKey })).json
        .status,
      'restricted',
      'the channel says it is restricted',
    );
    const delivered = final.filter((m) => m.status !== 'failed');
    const inboxIds = new Set(recipients.flatMap((r) => r.inbox().map((m) => m.id)));
    assert.ok(
      delivered.every((m) => inboxIds.has(m.waMessageId)),
      'every delivered message is in a chat',
    );
    assert.equal(inboxIds.size, delivered.length);
  },
);
