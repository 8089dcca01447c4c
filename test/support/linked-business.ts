/**
 * A business with a linked channel, and the API steps the delivery tests share: send a text, wait
 * for its outcome, read the channel, listen to the simulator's refusals.
 */
import assert from 'node:assert/strict';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { linkChannelByQr, type Harness } from './gateway-harness.js';
import { waitUntil } from './wait-for.js';

/** A business the operator created, its channel linked with `phone`. */
export interface LinkedBusiness {
  readonly channelId: string;
  readonly apiKey: string;
  readonly panelLoginUrl: string;
  readonly phone: VirtualPhone;
}

/**
 * The steps, on the harness `harness()` answers when called (a suite starts it in `before`):
 * - `linkedBusiness(phone, name?)`: a business (created by the operator) whose channel is linked
 *   by QR with `phone`, pacing off so its messages go at once;
 * - `send(b, to, text)`: accepted (asserted), answers the message id;
 * - `settled(b, id, what)`: the message as the API shows it once delivered, read or failed;
 * - `channelOf(b)`: the channel as the API shows it;
 * - `refusals()`: the 463s the simulator gives from now on, until `stop()`.
 */
export function deliverySteps(harness: () => Harness) {
  return {
    linkedBusiness: async (phone: VirtualPhone, name = 'Clinic'): Promise<LinkedBusiness> => {
      const h = harness();
      const business = (
        await h.api('POST', '/v1/tenants', {
          key: h.adminKey,
          body: { name, timeZone: 'UTC', language: 'en' },
        })
      ).json as { channelId: string; apiKey: string; panelLoginUrl: string };
      await linkChannelByQr(h, business, phone);
      const pacing = await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } });
      assert.equal(pacing.status, 200);
      return { ...business, phone };
    },
    send: async (b: { apiKey: string }, to: VirtualPhone, text: string): Promise<string> => {
      const r = await harness().api('POST', '/v1/messages', {
        key: b.apiKey,
        body: { to: `+${to.phone}`, text },
      });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      return r.json.id as string;
    },
    settled: (b: { apiKey: string }, id: string, what: string): Promise<any> =>
      waitUntil(
        async () => {
          const m = (await harness().api('GET', `/v1/messages/${id}`, { key: b.apiKey })).json;
          return ['delivered', 'read', 'failed'].includes(m.status) ? m : undefined;
        },
        { what, timeoutMs: 20_000 },
      ),
    channelOf: async (b: { apiKey: string; channelId: string }): Promise<any> =>
      (await harness().api('GET', `/v1/channels/${b.channelId}`, { key: b.apiKey })).json,
    refusals: () => {
      const events = harness().sim.events;
      const seen: Array<{ to: string; cause: string }> = [];
      const listener = (e: { to: string; cause: string }) => seen.push({ to: e.to, cause: e.cause });
      events.on('message-refused', listener);
      return { seen, stop: () => events.off('message-refused', listener) };
    },
  };
}
