import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Simulator, VirtualPhone } from '../../src/simulator/index.js';
import {
  linkNewBusiness,
  processApi,
  startGatewayProcess,
  startProcessWorld,
  type GatewayProcess,
  type ProcessWorld,
} from '../support/gateway-process.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Thousands of messages over many channels; the gateway process is killed with SIGKILL mid-run,
 * twice, and started again on the same data. Every accepted message reaches its recipient's chat
 * exactly once; the simulator's raw arrival counts bound the resends to what was in flight.
 */
const CHANNELS = 6;
const RECIPIENTS = 12;
const MESSAGES = 1_800;

let world: ProcessWorld;
let sim: Simulator;
let gateway: GatewayProcess;
let env: Record<string, string>;

before(async () => {
  world = await startProcessWorld('crash');
  ({ sim, env } = world);
  gateway = await startGatewayProcess(env);
});
after(async () => {
  await gateway?.kill().catch(() => undefined);
  await world?.stop();
});

const api = processApi(() => gateway.url);

test(
  'SIGKILL twice mid-run: nothing accepted is lost, nothing reaches a chat twice',
  { timeout: 300_000 },
  async () => {
    const adminKey = gateway.adminKey!;
    assert.ok(adminKey, 'the first start prints an admin key');
    const businesses: Array<{ channelId: string; apiKey: string; phone: VirtualPhone }> = [];
    for (let i = 0; i < CHANNELS; i++) {
      const phone = sim.createPhone({ phone: `5541900${String(i).padStart(4, '0')}`, business: true });
      businesses.push({ ...(await linkNewBusiness(api, adminKey, `Salon ${i}`, phone)), phone });
    }
    const recipients = Array.from({ length: RECIPIENTS }, (_, i) =>
      sim.createPhone({ phone: `5541800${String(i).padStart(4, '0')}` }),
    );

    // Accept everything (batches with idempotency keys: a batch cut by a crash is simply sent again).
    const accepted = new Map<string, { apiKey: string; to: VirtualPhone }>();
    const perBusiness = MESSAGES / CHANNELS;
    const acceptAll = async () => {
      for (const [b, business] of businesses.entries()) {
        for (let start = 0; start < perBusiness; start += 100) {
          const messages = Array.from({ length: 100 }, (_, j) => {
            const n = start + j;
            return {
              to: `+${recipients[(n + b) % RECIPIENTS]!.phone}`,
              text: `Reminder ${b}-${n}`,
              idempotencyKey: `m-${b}-${n}`,
            };
          });
          const result = await api('POST', '/v1/messages/batch', business.apiKey, { messages });
          assert.equal(result.status, 200, JSON.stringify(result.json).slice(0, 300));
          for (const [j, item] of (
            result.json.results as Array<{ status: number; message: { id: string } }>
          ).entries()) {
            assert.ok(item.status === 202 || item.status === 200, JSON.stringify(item));
            accepted.set(item.message.id, {
              apiKey: business.apiKey,
              to: recipients[(start + j + b) % RECIPIENTS]!,
            });
          }
        }
      }
    };
    await acceptAll();
    assert.equal(accepted.size, MESSAGES);

    const arrivedCount = () => recipients.reduce((sum, r) => sum + r.inbox().length, 0);
    for (const fraction of [0.25, 0.6]) {
      await waitUntil(() => arrivedCount() >= MESSAGES * fraction, {
        what: `${fraction * 100}% delivered`,
        timeoutMs: 120_000,
        intervalMs: 5,
      });
      await gateway.kill();
      gateway = await startGatewayProcess(env);
    }
    await acceptAll(); // replaying every accept after the crashes creates nothing new
    assert.equal(accepted.size, MESSAGES);

    await waitUntil(() => arrivedCount() >= MESSAGES, {
      what: 'every message in a chat',
      timeoutMs: 180_000,
    });
    // Chats show each message once; raw arrivals show resends, bounded by what was in flight at the kills.
    const rawTotal = recipients.reduce(
      (sum, r) => sum + r.inbox().reduce((s, m) => s + r.rawArrivals(m.id), 0),
      0,
    );
    const texts = recipients.flatMap((r) => r.inbox().map((m) => m.text));
    assert.equal(new Set(texts).size, MESSAGES, 'every text arrived, each once in the chat');
    assert.ok(
      rawTotal - MESSAGES <= 2 * CHANNELS * 2,
      `resends ${rawTotal - MESSAGES} exceed what can be in flight at two kills`,
    );

    // Statuses consistent: nothing queued, sending or failed. A delivery receipt that reached the
    // process in the instant before a kill is acknowledged to WhatsApp but not yet written, and
    // WhatsApp does not send an acknowledged receipt again: such a message stays `sent`. At most one
    // per channel per kill (stop-and-wait), and the chats above prove it was delivered.
    let leftSent = 0;
    for (const business of businesses) {
      await waitUntil(
        async () => {
          const [queued, sending, failed] = await Promise.all(
            ['queued', 'sending', 'failed'].map((status) =>
              api('GET', `/v1/messages?status=${status}&limit=1`, business.apiKey),
            ),
          );
          assert.equal(failed!.json.data.length, 0, 'no message failed');
          return queued!.json.data.length + sending!.json.data.length === 0;
        },
        { what: 'no message left queued or sending', timeoutMs: 60_000 },
      );
      leftSent += (await api('GET', `/v1/messages?status=sent&limit=200`, business.apiKey)).json.data.length;
    }
    assert.ok(leftSent <= 2 * CHANNELS, `${leftSent} messages without a recorded delivery receipt`);
  },
);
