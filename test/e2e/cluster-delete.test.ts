import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { openApiDocument } from '../../src/http/openapi.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { OpenApiConformance } from '../support/openapi-conformance.js';
import { keepNodeLogs, startCluster, type Cluster } from '../support/cluster.js';
import { linkNewBusiness } from '../support/gateway-process.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Issue 14: a channel deleted while no gateway node holds it. Two gateway processes on one
 * PostgreSQL and the simulator; the node holding a linked channel is SIGKILLed, and the channel is
 * deleted through the other node after the dead node's lease ran out, before any takeover: 409
 * `not_ready` (the channel is changing hands), nothing wiped. Asked again once the other node has
 * taken it over, the delete goes through. The business's phone ends with no linked device (the
 * device was logged out, not merely forgotten by the gateway), and WhatsApp (the simulator) never
 * closes a connection of the device with 440 "replaced" (no two nodes held the session).
 */
const LEASE_TTL_SECONDS = 3;

let sim: Simulator;
let cluster: Cluster;
let db: pg.Client;
const replaced: string[] = [];
const unlinked: Array<{ phone: string; reason: string }> = [];

before(async () => {
  sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
  sim.events.on('replaced', ({ phone, device }) => replaced.push(`${phone}:${device}`));
  sim.events.on('unlinked', ({ phone, reason }) => unlinked.push({ phone, reason }));
  cluster = await startCluster({ size: 2, sim, leaseTtlSeconds: LEASE_TTL_SECONDS });
  db = new pg.Client({ connectionString: cluster.database.url });
  await db.connect();
});
after(async () => {
  await db?.end().catch(() => undefined);
  await cluster?.close();
  await sim?.stop();
});

/** The node holding a current lease on the channel (undefined: nobody). */
async function holderOf(channelId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ node_id: string }>(
    'select node_id from channel_leases where channel_id = $1 and expires_at > now()',
    [channelId],
  );
  return rows[0]?.node_id;
}

test(
  'a channel deleted while its holder is dead and nobody took it over: the phone lists no linked device, no 440',
  { timeout: 120_000 },
  async (t) => {
    t.after(() => keepNodeLogs(cluster, 'cluster-delete'));
    const phone = sim.createPhone({ phone: '5541799000001', business: true });
    // Linked through node a, which keeps it: with one channel and two nodes, node-a's share is 1.
    const business = await linkNewBusiness(cluster.nodes[0]!.api, cluster.adminKey, 'Salon Delete', phone);
    assert.equal(phone.linkedDevices().length, 1, 'linked: the phone lists the device');
    await waitUntil(async () => (await holderOf(business.channelId)) === 'node-a', {
      what: 'node a holds the channel',
      timeoutMs: 20_000,
    });

    await cluster.kill(0);
    // The node that should take the channel over is slow to: a third node, live (its heartbeat is
    // fresh) and first by id, whose fair share is the channel. Node b's share is then none, so it
    // does not take the channel when the dead node's lease runs out: the window between the end of
    // a holder and a takeover, made as long as the test needs (it is a race otherwise).
    await db.query(
      `insert into gateway_nodes (node_id, heartbeat_at) values ('node-0-slow', now() + interval '1 hour')`,
    );
    await waitUntil(async () => (await holderOf(business.channelId)) === undefined, {
      what: "the dead node's lease ran out",
      timeoutMs: LEASE_TTL_SECONDS * 1000 + 10_000,
    });
    const nodeB = cluster.nodes[1]!.api;
    const remove = () => nodeB('DELETE', `/v1/channels/${business.channelId}`, business.apiKey);
    // Nobody holds it: not deleted (wiped here, the device would stay on the phone for good).
    const refused = await remove();
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    assert.equal(refused.json.error.code, 'not_ready');
    assert.match(refused.json.error.message, /changing hands/);
    const contract = new OpenApiConformance(openApiDocument('http://x'));
    const url = `/v1/channels/${business.channelId}`;
    contract.check('DELETE', url, { status: 409, contentType: 'application/json', body: refused.json });
    assert.deepEqual(contract.mismatches, [], 'the 409 is the documented answer');
    assert.equal(phone.linkedDevices().length, 1, 'nothing was logged out or wiped');
    assert.equal(await holderOf(business.channelId), undefined, 'still nobody held it then');

    // The slow node is gone: node b takes the channel over; asked again (as the answer says), the
    // delete goes through there, whether its session has opened yet or is still logging in.
    await db.query(`delete from gateway_nodes where node_id = 'node-0-slow'`);
    const answers: string[] = [];
    const deleted = await waitUntil(
      async () => {
        const r = await remove();
        if (r.status === 200) return r;
        // Nothing else than "not now" while the channel is changing hands.
        assert.equal(r.status, 409, JSON.stringify(r.json));
        assert.equal(r.json.error.code, 'not_ready');
        answers.push(r.json.error.message as string);
        return undefined;
      },
      { what: 'the channel deleted', timeoutMs: 30_000, intervalMs: 100 },
    );
    t.diagnostic(`${answers.length} more answer(s) 409 before node b took it over: ${answers.at(-1) ?? '-'}`);
    assert.equal(deleted.json.deleted, true);

    await waitUntil(() => phone.linkedDevices().length === 0, {
      what: "the device gone from the phone's linked devices",
      timeoutMs: 10_000,
    });
    assert.deepEqual(
      unlinked.filter((u) => u.phone === phone.phone).map((u) => u.reason),
      ['logout'],
      'the gateway logged the device out',
    );
    assert.deepEqual(replaced, [], 'no device was ever replaced (440)');
    const gone = await nodeB('GET', `/v1/channels/${business.channelId}`, business.apiKey);
    assert.equal(gone.status, 404, 'the channel is deleted');
  },
);
