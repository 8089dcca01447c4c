import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { startLatencyProxy, type LatencyProxy } from '../support/latency-proxy.js';
import { waitUntil } from '../support/wait-for.js';

/** The bound under test, kept far below the number of sessions so a storm must queue. */
const K = 3;
const SESSIONS = 40;
/** How many links run side by side while the test sets up (each waits on its own phone). */
const LINKS_AT_ONCE = 4;
/** Each way, during the storm: a handshake then spans round trips, as it does against WhatsApp. */
const LATENCY_MS = 50;

interface LinkedBusiness {
  readonly channelId: string;
  readonly apiKey: string;
  readonly phone: VirtualPhone;
}

/**
 * Issue 9: every WhatsApp socket dropped at once. Each session's first retry falls within the same
 * second, so without a bound they would all run the Noise handshake together; with the connection
 * gate at most CONNECT_CONCURRENCY are in it at once (seen from the simulator's side of the
 * sockets), the others wait saying "reconnecting", and every one comes back with no scan and no
 * message lost either way. The gateway reaches the simulator through a proxy that adds a network's
 * latency during the storm (without it the in-process handshakes are too short to overlap much).
 */
describe('a reconnect storm', () => {
  let h: Harness;
  let network: LatencyProxy;
  let seq = 0;
  const nextPhone = () =>
    `55419${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(3, '0')}`;

  before(async () => {
    network = await startLatencyProxy();
    h = await startHarness({
      env: { CONNECT_CONCURRENCY: String(K), WA_SERVER_URL: `ws://127.0.0.1:${network.port}/ws/chat` },
    });
    // No channel exists yet, so nothing has connected before the proxy knows where to go.
    network.target = { host: '127.0.0.1', port: Number(new URL(h.sim.protocolUrl).port) };
  });
  after(async () => {
    await h.stop();
    await network.close();
  });

  const linkedBusiness = async (): Promise<LinkedBusiness> => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Studio', timeZone: 'UTC', language: 'en' },
      })
    ).json as { channelId: string; apiKey: string };
    const phone = h.sim.createPhone({ phone: nextPhone(), business: true });
    await linkChannelByQr(h, business, phone);
    // Pacing off: the test waits for deliveries, not for a polite sender.
    const pacing = await h.api('PUT', '/v1/pacing', { key: business.apiKey, body: { enabled: false } });
    assert.equal(pacing.status, 200);
    return { ...business, phone };
  };

  /**
   * Counts, on the simulator's side of every socket, the connections in their handshake: from the
   * accepted WebSocket to the client's Noise finish (its second frame, carrying the login), or its
   * close. The gate's turn spans more than that (from before the connect to the session's open),
   * so this count can never exceed the bound unless the bound was broken.
   */
  const watchHandshakes = () => {
    const seen = { now: 0, most: 0, accepted: 0 };
    const network = h.sim.network;
    const accept = network.accept.bind(network);
    network.accept = (socket: WebSocket) => {
      seen.accepted++;
      seen.most = Math.max(seen.most, ++seen.now);
      let frames = 0;
      let over = false;
      const end = () => {
        if (over) return;
        over = true;
        seen.now--;
      };
      socket.on('message', () => {
        if (++frames === 2) end();
      });
      socket.on('close', end);
      accept(socket);
    };
    return { seen, stop: () => void (network.accept = accept) };
  };

  test(`${SESSIONS} sessions dropped at once come back at most ${K} at a time, honest, with nothing lost`, async () => {
    const businesses: LinkedBusiness[] = [];
    while (businesses.length < SESSIONS)
      businesses.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(LINKS_AT_ONCE, SESSIONS - businesses.length) }, linkedBusiness),
        )),
      );
    const client = h.sim.createPhone({ phone: nextPhone(), name: 'Ana' });
    const byPhone = new Map(businesses.map((b) => [b.phone.phone, b]));
    const backOnline = new Set<string>();
    const rescans: string[] = [];
    const onOnline = ({ phone }: { phone: string }) => {
      if (byPhone.has(phone)) backOnline.add(phone);
    };
    const onLinked = ({ phone }: { phone: string }) => rescans.push(`linked ${phone}`);
    const onHandshake = ({ kind }: { kind: string }) => {
      if (kind === 'register') rescans.push('a registration socket');
    };
    h.sim.events.on('online', onOnline);
    h.sim.events.on('linked', onLinked);
    h.sim.events.on('handshake', onHandshake);
    const handshakes = watchHandshakes();
    // The stored statuses every surface shows (one read for all, so watching does not load the storm).
    const statuses = async () => {
      const rows = await h.gateway.db.query<{ id: string; status: string }>(
        'select id, status from channels where id = any($1)',
        [businesses.map((b) => b.channelId)],
      );
      const byId = new Map(rows.map((r) => [r.id, r.status]));
      return businesses.map((b) => [b, byId.get(b.channelId) ?? 'missing'] as const);
    };
    try {
      network.latencyMs = LATENCY_MS;
      h.sim.injectFault({ kind: 'drop' });

      // Both ways while every socket is down: a notification from each business, a reply to each.
      const sent = await Promise.all(
        businesses.map(async (b, i) => {
          const accepted = await h.api('POST', '/v1/messages', {
            key: b.apiKey,
            body: { to: `+${client.phone}`, text: `storm notice ${i}`, idempotencyKey: `storm-${i}` },
          });
          assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
          return { b, id: accepted.json.id as string };
        }),
      );
      for (const [i, b] of businesses.entries()) await client.sendMessage(b.phone.phone, `storm reply ${i}`);

      // Every channel noticed the drop before its first retry (half a second at least).
      await waitUntil(
        async () =>
          (await statuses()).every(
            ([b, status]) => status === 'reconnecting' || backOnline.has(b.phone.phone),
          ),
        { what: 'every channel to say "reconnecting"', timeoutMs: 10_000 },
      );
      // Until all are back: a channel still waiting (its turn, or its handshake) never says
      // "connected", and nothing says anything but these two.
      let waitingSeen = 0;
      await waitUntil(
        async () => {
          const now = await statuses();
          const online = new Set(backOnline);
          for (const [b, status] of now) {
            assert.ok(['reconnecting', 'connected'].includes(status), `${b.channelId} says ${status}`);
            if (status === 'connected')
              assert.ok(online.has(b.phone.phone), `${b.channelId} says connected before it logged in`);
            else if (!online.has(b.phone.phone)) waitingSeen++;
          }
          return now.every(([, status]) => status === 'connected');
        },
        { what: 'every channel connected again', timeoutMs: 120_000, intervalMs: 50 },
      );
      assert.ok(waitingSeen > 0, 'the polls saw channels waiting to come back');
      assert.equal(backOnline.size, SESSIONS, 'every device logged in again');
      assert.ok(handshakes.seen.accepted >= SESSIONS, `${handshakes.seen.accepted} sockets seen`);
      assert.ok(
        handshakes.seen.most <= K,
        `at most ${K} handshakes at once, the simulator saw ${handshakes.seen.most}`,
      );
      assert.deepEqual(rescans, [], 'nobody had to scan again');
      for (const b of businesses) assert.equal(b.phone.linkedDevices().length, 1);

      // Nothing lost: every notification reached the client once, every reply reached its business.
      await waitUntil(
        async () => {
          const all = await Promise.all(
            sent.map(async ({ b, id }) => (await h.api('GET', `/v1/messages/${id}`, { key: b.apiKey })).json),
          );
          return all.every((m) => m.status === 'delivered' || m.status === 'read');
        },
        { what: 'every notification delivered', timeoutMs: 60_000, intervalMs: 200 },
      );
      for (let i = 0; i < SESSIONS; i++)
        assert.equal(
          client.inbox().filter((m) => m.text === `storm notice ${i}`).length,
          1,
          `notice ${i} reached the client once`,
        );
      const replies = await waitUntil(
        async () => {
          const rows = await h.gateway.db.query<{ channel_id: string; text: string }>(
            `select channel_id, text from inbound_messages where text like 'storm reply %'`,
          );
          return rows.length >= SESSIONS ? rows : undefined;
        },
        { what: 'every reply stored', timeoutMs: 30_000, intervalMs: 200 },
      );
      assert.equal(replies.length, SESSIONS, 'each reply stored once');
      for (const [i, b] of businesses.entries())
        assert.ok(
          replies.some((r) => r.channel_id === b.channelId && r.text === `storm reply ${i}`),
          `reply ${i} stored on its channel`,
        );
    } finally {
      handshakes.stop();
      h.sim.events.off('online', onOnline);
      h.sim.events.off('linked', onLinked);
      h.sim.events.off('handshake', onHandshake);
    }
  });
});
