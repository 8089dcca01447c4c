import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startSimulator, type Simulator, type VirtualPhone } from '../../src/simulator/index.js';
import { keepNodeLogs, startCluster, type Cluster } from '../support/cluster.js';
import { linkNewBusiness } from '../support/gateway-process.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Issue 14: three gateway processes on one PostgreSQL and the simulator. 30 channels linked through
 * the API of the three nodes, notifications accepted on any node; one node SIGKILLed mid-run, later
 * a rolling restart (SIGTERM, start) of all three. Every accepted message reaches its recipient's chat
 * exactly once, every channel is connected again with no new scan, and WhatsApp (the simulator) never
 * closes a device's connection with 440 "replaced".
 */
const NODES = 3;
const CHANNELS = 30;
const RECIPIENTS = 10;
const LEASE_TTL_SECONDS = 5;

let sim: Simulator;
let cluster: Cluster;
let db: pg.Client;
const replaced: string[] = [];
const linkedEvents: string[] = [];

before(async () => {
  sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
  sim.events.on('replaced', ({ phone, device }) => replaced.push(`${phone}:${device}`));
  sim.events.on('linked', ({ phone, device }) => linkedEvents.push(`${phone}:${device}`));
  cluster = await startCluster({ size: NODES, sim, leaseTtlSeconds: LEASE_TTL_SECONDS });
  db = new pg.Client({ connectionString: cluster.database.url });
  await db.connect();
});
after(async () => {
  await db?.end().catch(() => undefined);
  await cluster?.close();
  await sim?.stop();
});

/** Channels per node holding a current lease. */
async function holders(): Promise<Map<string, number>> {
  const { rows } = await db.query<{ node_id: string; n: string }>(
    `select node_id, count(*) as n from channel_leases where expires_at > now() group by node_id`,
  );
  return new Map(rows.map((row) => [row.node_id, Number(row.n)]));
}

async function statuses(): Promise<Map<string, number>> {
  const { rows } = await db.query<{ status: string; n: string }>(
    `select status, count(*) as n from channels where deleted_at is null group by status`,
  );
  return new Map(rows.map((row) => [row.status, Number(row.n)]));
}

const describeState = async () =>
  JSON.stringify({ holders: [...(await holders())], statuses: [...(await statuses())] });

/** Waits for `probe`; a timeout says the state it ended in (holders and statuses). */
async function settles(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  try {
    await waitUntil(probe, { what, timeoutMs, intervalMs: 200 });
  } catch (error) {
    throw new Error(`${(error as Error).message}; ended with ${await describeState()}`, { cause: error });
  }
}

const allConnected = (what: string, timeoutMs: number) =>
  settles(
    async () => (await statuses()).get('connected') === CHANNELS,
    `${what}: every channel connected`,
    timeoutMs,
  );

const spread = (want: string) =>
  settles(
    async () => [...(await holders()).values()].sort().join() === want,
    `channels per node ${want}`,
    60_000,
  );

test(
  'three nodes: 30 channels placed, a node SIGKILLed, a rolling restart; each message once, no rescan, no 440',
  { timeout: 600_000 },
  async (t) => {
    t.after(() => keepNodeLogs(cluster, 'cluster-e2e'));
    const nodeApi = (i: number) => cluster.nodes[i % NODES]!.api;
    const businesses: Array<{ channelId: string; apiKey: string; phone: VirtualPhone }> = [];
    for (let i = 0; i < CHANNELS; i++) {
      const phone = sim.createPhone({ phone: `5541700${String(i).padStart(4, '0')}`, business: true });
      // Linked through node i % 3: that node claims the channel's lease while it links it.
      businesses.push({
        ...(await linkNewBusiness(nodeApi(i), cluster.adminKey, `Salon ${i}`, phone)),
        phone,
      });
    }
    assert.equal(linkedEvents.length, CHANNELS);
    await spread('10,10,10');
    await allConnected('after placement', 60_000);

    const recipients = Array.from({ length: RECIPIENTS }, (_, i) =>
      sim.createPhone({ phone: `5541600${String(i).padStart(4, '0')}` }),
    );
    const accepted = new Set<string>();
    let sent = 0;
    /** `count` messages spread over every channel, each accepted by a node that may not hold it. */
    const acceptSome = async (count: number, liveNodes: number[]) => {
      for (let k = 0; k < count; k++, sent++) {
        const business = businesses[sent % CHANNELS]!;
        const api = cluster.nodes[liveNodes[sent % liveNodes.length]!]!.api;
        const to = recipients[sent % RECIPIENTS]!;
        const result = await api('POST', '/v1/messages', business.apiKey, {
          to: `+${to.phone}`,
          text: `Reminder ${sent}`,
          idempotencyKey: `m-${sent}`,
        });
        assert.equal(result.status, 202, JSON.stringify(result.json).slice(0, 300));
        accepted.add(`Reminder ${sent}`);
      }
    };
    const arrived = () => recipients.reduce((sum, r) => sum + r.inbox().length, 0);

    await acceptSome(150, [0, 1, 2]);
    await waitUntil(() => arrived() >= 60, { what: 'the first messages delivered', timeoutMs: 60_000 });

    // Node b dies mid-run: its channels come up on a and c within the lease TTL plus a few seconds.
    // Timed while messages keep being accepted on the survivors. The bound is the TTL plus a
    // renewal round plus slack for a loaded 2-core machine running three gateways and the simulator.
    const killedAt = Date.now();
    await cluster.kill(1);
    const [failoverMs] = await Promise.all([
      (async () => {
        await spread('15,15');
        await allConnected('after the kill', 60_000);
        return Date.now() - killedAt;
      })(),
      acceptSome(150, [0, 2]),
    ]);
    t.diagnostic(`node b's channels connected on a and c ${failoverMs} ms after its SIGKILL`);
    assert.ok(failoverMs < (LEASE_TTL_SECONDS + 30) * 1000, `failover took ${failoverMs} ms`);

    // b comes back and gets its share by handoff; then a rolling restart of all three.
    await cluster.start(1);
    await acceptSome(60, [0, 1, 2]);
    for (let i = 0; i < NODES; i++) {
      await cluster.stop(i); // SIGTERM: drains, exits when it holds nothing
      await acceptSome(
        30,
        [0, 1, 2].filter((n) => n !== i),
      );
      await cluster.start(i);
      await spread('10,10,10');
      await allConnected(`after restarting node ${i}`, 60_000);
    }

    try {
      await waitUntil(() => arrived() >= accepted.size, {
        what: 'every message in a chat',
        timeoutMs: 120_000,
      });
    } catch (error) {
      // Where each missing message stands: its row, and who holds its channel.
      const seen = new Set(recipients.flatMap((r) => r.inbox().map((m) => m.text)));
      const missing = [...accepted].filter((text) => !seen.has(text));
      const { rows } = await db.query(
        `select m.body, m.status, m.attempts, m.send_after, m.updated_at, m.channel_id, l.node_id as holder
           from messages m left join channel_leases l on l.channel_id = m.channel_id
          where m.body = any($1)`,
        [missing],
      );
      throw new Error(`${arrived()} of ${accepted.size} arrived; missing: ${JSON.stringify(rows)}`, {
        cause: error,
      });
    }
    const texts = recipients.flatMap((r) => r.inbox().map((m) => m.text));
    assert.equal(texts.length, accepted.size, 'no chat shows a message twice');
    assert.deepEqual(new Set(texts), accepted, 'every accepted text arrived');
    const raw = recipients.reduce(
      (sum, r) => sum + r.inbox().reduce((s, m) => s + r.rawArrivals(m.id), 0),
      0,
    );
    // A SIGKILL can cut a send after WhatsApp took it and before its ack was stored: sent again, same
    // id, at most one in flight per channel of the killed node (stop-and-wait). Drains resend nothing.
    assert.ok(raw - accepted.size <= CHANNELS / NODES, `${raw - accepted.size} resends`);
    assert.deepEqual(replaced, [], 'no device was ever replaced (440)');
    assert.equal(linkedEvents.length, CHANNELS, 'no channel was scanned again');
  },
);
