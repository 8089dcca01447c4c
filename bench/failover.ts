/**
 * Part `failover` (issue 14): three gateway processes on one fresh PostgreSQL database, N channels
 * linked through their APIs (each node links a third), notifications accepted on every node; one
 * node is killed with SIGKILL and the clock runs until every channel it held is connected on
 * another node. Reports the takeover time per channel (p50/p95/max, from the kill), and the
 * messages lost (accepted, never in a chat) and duplicated (in a chat twice) — both must be 0 —
 * with the raw resends (same id again after the kill; a chat shows them once).
 *
 * Then the cold restore: the two survivors are stopped with SIGTERM (the last one releases every
 * lease), one node is started alone on the same database, and the clock runs from its start until
 * every channel is connected under its lease (its restore, paced as configured).
 *
 * Not measured here: the browser's view from a node that does not hold a channel.
 */
import pg from 'pg';
import { startSimulator } from '../src/simulator/index.js';
import type { VirtualPhone } from '../src/simulator/index.js';
import { startCluster, type Cluster } from '../test/support/cluster.js';
import type { ProcessApi } from '../test/support/gateway-process.js';
import { waitUntil } from '../test/support/wait-for.js';
import { forEachLimited, sleep } from './deadline.js';
import { summarise, type LatencySummary } from './stats.js';

export interface FailoverOptions {
  readonly channels: number;
  readonly leaseTtlSeconds: number;
  /** Channels taken per placement round by a surviving node (LEASE_TAKES_PER_ROUND). */
  readonly takesPerRound: number;
  readonly messagesPerChannel: number;
  readonly linkConcurrency: number;
  /** Each node's DATABASE_POOL_SIZE (3 × (pool + 1) connections on one server). */
  readonly poolSize: number;
  readonly log: (line: string) => void;
}

export interface FailoverResult {
  readonly nodes: 3;
  readonly channels: number;
  readonly leaseTtlSeconds: number;
  readonly takesPerRound: number;
  readonly poolSize: number;
  /** Channels the killed node held. */
  readonly moved: number;
  /** Milliseconds from the SIGKILL to each moved channel being connected on a surviving node. */
  readonly takeoverMs: LatencySummary;
  readonly accepted: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Raw arrivals beyond one per message (resends with the same id, each shown once). */
  readonly rawResends: number;
  readonly replaced440: number;
  /** Devices linked again after the kill (a channel that needed a new scan). */
  readonly rescans: number;
  /** Channels whose first link did not complete in time (left out of the run). */
  readonly linkFailures: number;
  /** One node started alone after every node stopped: the restore of every linked channel. */
  readonly coldRestore: ColdRestore;
}

export interface ColdRestore {
  readonly channels: number;
  /** From the process start until it answers HTTP. */
  readonly readyMs: number;
  /** From the process start until every channel is connected under its lease; undefined if not in 300 s. */
  readonly allConnectedMs: number | undefined;
  /** Channels connected when the clock stopped. */
  readonly connected: number;
}

export async function runFailover(o: FailoverOptions): Promise<FailoverResult> {
  const sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
  let replaced = 0;
  let linked = 0;
  sim.events.on('replaced', () => replaced++);
  sim.events.on('linked', () => linked++);
  const cluster = await startCluster({
    size: 3,
    sim,
    leaseTtlSeconds: o.leaseTtlSeconds,
    env: { LEASE_TAKES_PER_ROUND: String(o.takesPerRound), DATABASE_POOL_SIZE: String(o.poolSize) },
  });
  const db = new pg.Client({ connectionString: cluster.database.url });
  await db.connect();
  try {
    o.log(`failover: linking ${o.channels} channels through 3 nodes`);
    const businesses: Array<{ channelId: string; apiKey: string }> = [];
    const linkFailures: string[] = [];
    await forEachLimited(
      Array.from({ length: o.channels }, (_, i) => i),
      o.linkConcurrency,
      async (i) => {
        const phone = sim.createPhone({ phone: `5551${String(i).padStart(7, '0')}`, business: true });
        // A link that does not complete on a loaded machine is counted, not fatal: the run goes on
        // with the channels that linked.
        await linkThrough(cluster.nodes[i % 3]!.api, cluster.adminKey, `Salon ${i}`, phone).then(
          (business) => void businesses.push(business),
          (err: unknown) => void linkFailures.push(err instanceof Error ? err.message : String(err)),
        );
      },
    );
    const connected = () => connectedUnderLease(db, { sinceAcquired: false });
    if (linkFailures.length)
      o.log(`failover: ${linkFailures.length} links did not complete: ${linkFailures[0]}`);
    const linkedIds = new Set(businesses.map((b) => b.channelId));
    await waitUntil(
      async () => {
        const now = await connected();
        return [...linkedIds].every((id) => now.has(id));
      },
      {
        what: 'every linked channel connected',
        timeoutMs: 300_000,
        intervalMs: 200,
      },
    );

    const recipients: VirtualPhone[] = Array.from({ length: 20 }, (_, i) =>
      sim.createPhone({ phone: `5552${String(i).padStart(7, '0')}` }),
    );
    const accepted = new Set<string>();
    let n = 0;
    const accept = async (count: number, nodes: number[]) => {
      await forEachLimited(
        Array.from({ length: count }, () => n++),
        8,
        async (k) => {
          const business = businesses[k % businesses.length]!;
          const text = `Failover ${k}`;
          const result = await cluster.nodes[nodes[k % nodes.length]!]!.api(
            'POST',
            '/v1/messages',
            business.apiKey,
            { to: `+${recipients[k % recipients.length]!.phone}`, text, idempotencyKey: `f-${k}` },
          );
          if (result.status !== 202)
            throw new Error(`accept: ${result.status} ${JSON.stringify(result.json)}`);
          accepted.add(text);
        },
      );
    };
    const half = Math.ceil((businesses.length * o.messagesPerChannel) / 2);
    await accept(half, [0, 1, 2]);

    const { rows } = await db.query<{ channel_id: string }>(
      `select channel_id from channel_leases where node_id = 'node-b' and expires_at > now()`,
    );
    const moving = new Set(rows.map((row) => row.channel_id));
    o.log(`failover: SIGKILL node-b holding ${moving.size} channels`);
    const linkedBeforeKill = linked;
    const killedAt = performance.now();
    await cluster.kill(1);
    const takeover = new Map<string, number>();
    const watch = (async () => {
      while (takeover.size < moving.size && performance.now() - killedAt < 300_000) {
        const now = await connectedUnderLease(db, { sinceAcquired: true, notOn: 'node-b' });
        const at = performance.now() - killedAt;
        for (const id of now) if (moving.has(id) && !takeover.has(id)) takeover.set(id, at);
        await sleep(100);
      }
    })();
    await accept(businesses.length * o.messagesPerChannel - half, [0, 2]);
    await watch;
    if (takeover.size < moving.size) o.log(`failover: only ${takeover.size} of ${moving.size} taken over`);

    const arrivedTexts = () => recipients.flatMap((r) => r.inbox().map((m) => m.text));
    await waitUntil(() => arrivedTexts().length >= accepted.size, {
      what: 'every message arrived',
      timeoutMs: 300_000,
    }).catch(() => undefined);
    const texts = arrivedTexts();
    const unique = new Set(texts);
    const raw = recipients.reduce(
      (sum, r) => sum + r.inbox().reduce((s, m) => s + r.rawArrivals(m.id), 0),
      0,
    );
    const coldRestore = await measureColdRestore(cluster, db, linkedIds, o.log);
    return {
      nodes: 3,
      channels: o.channels,
      leaseTtlSeconds: o.leaseTtlSeconds,
      takesPerRound: o.takesPerRound,
      poolSize: o.poolSize,
      moved: moving.size,
      takeoverMs: summarise([...takeover.values()]),
      accepted: accepted.size,
      lost: [...accepted].filter((text) => !unique.has(text)).length,
      duplicated: texts.length - unique.size,
      rawResends: raw - texts.length,
      replaced440: replaced,
      rescans: linked - linkedBeforeKill,
      linkFailures: linkFailures.length,
      coldRestore,
    };
  } finally {
    await db.end().catch(() => undefined);
    await cluster.close();
    await sim.stop();
  }
}

/**
 * Channels `connected` under a lease that has not expired, on `on` / not on `notOn` when given; with
 * `sinceAcquired`, only if that status was written under the current lease (not a dead holder's).
 */
async function connectedUnderLease(
  db: pg.Client,
  o: { sinceAcquired: boolean; on?: string; notOn?: string },
): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `select c.id from channels c join channel_leases l on l.channel_id = c.id
      where c.status = 'connected' and l.expires_at > now()
        and ($1::text is null or l.node_id = $1) and ($2::text is null or l.node_id <> $2)
        and (not $3 or c.status_changed_at > l.acquired_at - interval '1 second')`,
    [o.on ?? null, o.notOn ?? null, o.sinceAcquired],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Every node stopped (SIGTERM: the last one to go releases the leases), then node a started alone:
 * how long until every linked channel is connected on it.
 */
async function measureColdRestore(
  cluster: Cluster,
  db: pg.Client,
  linkedIds: ReadonlySet<string>,
  log: (line: string) => void,
): Promise<ColdRestore> {
  for (const index of [0, 2]) await cluster.stop(index);
  const leased = await db.query<{ n: string }>(
    `select count(*) as n from channel_leases where expires_at > now()`,
  );
  log(
    `failover: every node stopped (${leased.rows[0]!.n} leases left); cold restore of ${linkedIds.size} on node-a`,
  );
  const startedAt = performance.now();
  await cluster.start(0);
  const readyMs = performance.now() - startedAt;
  let connected = 0;
  let allConnectedMs: number | undefined;
  while (performance.now() - startedAt < 300_000) {
    const now = await connectedUnderLease(db, { sinceAcquired: true, on: 'node-a' });
    connected = [...now].filter((id) => linkedIds.has(id)).length;
    if (connected >= linkedIds.size) {
      allConnectedMs = performance.now() - startedAt;
      break;
    }
    await sleep(100);
  }
  return { channels: linkedIds.size, readyMs, allConnectedMs, connected };
}

/**
 * A business created and its channel linked through one node's API, as an owner would (the QR from
 * the API, scanned), with bounds for a loaded machine (60 s for a QR and for "connected").
 */
async function linkThrough(
  api: ProcessApi,
  adminKey: string,
  name: string,
  phone: VirtualPhone,
): Promise<{ channelId: string; apiKey: string }> {
  const created = (await api('POST', '/v1/tenants', adminKey, { name, timeZone: 'UTC', language: 'en' }))
    .json as { channelId: string; apiKey: string };
  const qr = await waitUntil(
    async () => {
      const r = await api('GET', `/v1/channels/${created.channelId}/qr?format=raw`, created.apiKey);
      return r.status === 200 ? (r.json as { qr: string }).qr : undefined;
    },
    { what: 'a QR', timeoutMs: 60_000, intervalMs: 250 },
  );
  await phone.scan(qr);
  await waitUntil(
    async () =>
      ((await api('GET', `/v1/channels/${created.channelId}`, created.apiKey)).json as { status: string })
        .status === 'connected',
    { what: 'connected', timeoutMs: 60_000, intervalMs: 250 },
  );
  const pacing = await api('PUT', '/v1/pacing', created.apiKey, { enabled: false });
  if (pacing.status !== 200) throw new Error(`pacing off: ${pacing.status}`);
  return created;
}

export function formatFailover(r: FailoverResult): string {
  const t = r.takeoverMs;
  return [
    `  channels ${r.channels} on 3 nodes (${r.linkFailures} links did not complete), lease TTL ${r.leaseTtlSeconds} s, ${r.takesPerRound} takes/round, pool ${r.poolSize} per node`,
    `  killed node held ${r.moved}; connected elsewhere after p50 ${(t.p50 / 1000).toFixed(1)} s, ` +
      `p95 ${(t.p95 / 1000).toFixed(1)} s, max ${(t.max / 1000).toFixed(1)} s (n=${t.n})`,
    `  messages accepted ${r.accepted}: lost ${r.lost}, duplicated ${r.duplicated} (raw resends ${r.rawResends})`,
    `  440 replaced ${r.replaced440}, re-scans ${r.rescans}`,
    `  cold restore on one node: ${r.coldRestore.connected} of ${r.coldRestore.channels} connected` +
      (r.coldRestore.allConnectedMs === undefined
        ? ' (not all within 300 s)'
        : ` after ${(r.coldRestore.allConnectedMs / 1000).toFixed(1)} s`) +
      ` (HTTP ready after ${(r.coldRestore.readyMs / 1000).toFixed(1)} s)`,
  ].join('\n');
}
