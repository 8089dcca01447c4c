import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { initAuthCreds } from 'baileys';
import pino from 'pino';
import { ChannelLeases, type HeldLease } from '../../src/cluster/channel-leases.js';
import { markStatusesFenced } from '../../src/cluster/fenced-statuses.js';
import { ManualClock } from '../../src/clock.js';
import { ChannelsRepository } from '../../src/store/channels-repository.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import {
  fencedDatabase,
  isWriteStatement,
  leaseFence,
  StaleFenceError,
} from '../../src/cluster/fenced-database.js';
import { LeaseKeeper, type DropReason, type SessionHolder } from '../../src/cluster/lease-keeper.js';
import { NodeRegistry } from '../../src/cluster/node-registry.js';
import { PostgresNotifyBus, type ClusterMessage } from '../../src/cluster/notify-bus.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { ChannelAuthStore } from '../../src/whatsapp/channel-auth-store.js';
import { freshDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/databases.js';
import { messageStack } from '../support/message-stack.js';

const logger = pino({ level: 'silent' });

/** A tenant and `n` linked channels, written directly. */
async function linkedChannels(db: Queryable, n: number): Promise<string[]> {
  const tenant = `t_${randomBytes(4).toString('hex')}`;
  await db.query(`insert into tenants (id, name, time_zone, language) values ($1, 'Salon', 'UTC', 'en')`, [
    tenant,
  ]);
  const ids = Array.from({ length: n }, (_, i) => `ch_${tenant}_${String(i).padStart(3, '0')}`);
  for (const id of ids)
    await db.query(
      `insert into channels (id, tenant_id, name, status) values ($1, $2, 'Front desk', 'connected')`,
      [id, tenant],
    );
  return ids;
}

/** Where the schema of a test database lives (the bus listens per schema). */
async function schemaOf(db: Queryable): Promise<string> {
  const [row] = await db.query<{ schema: string }>('select current_schema() as schema');
  return row!.schema;
}

/** A tenant with one WhatsApp channel, for the fenced-write tests. */
async function aSalonChannel(db: Database) {
  const tenant = await new TenantsRepository(db).create({ name: 'Salon', timeZone: 'UTC', language: 'en' });
  const channel = await new ChannelsRepository(db).create(tenant.id, 'WhatsApp');
  return { tenant, channel };
}

describe('cluster on PostgreSQL: leases, fences, nodes, bus', () => {
  let t: TestDatabase;
  before(async () => {
    t = await freshDatabase('postgres');
  });
  after(() => t.dispose());

  test('one statement decides a race; the fence only grows; a lease is renewed only under its own fence', async () => {
    const [channel] = await linkedChannels(t.db, 1);
    const leases = new ChannelLeases(t.db, 60_000);
    const wins = await Promise.all(['a', 'b', 'c'].map((node) => leases.acquire(channel!, node)));
    assert.equal(wins.filter(Boolean).length, 1, 'exactly one node wins the channel');
    const winner = ['a', 'b', 'c'][wins.findIndex(Boolean)]!;
    const first = wins.find(Boolean)!;

    assert.deepEqual([...(await leases.renew(winner, [first]))], [channel]);
    assert.equal((await leases.renew(winner, [{ ...first, fence: first.fence - 1n }])).size, 0);
    assert.equal((await leases.renew('someone-else', [first])).size, 0);

    assert.equal(await leases.release(first, winner), true);
    assert.equal(await leases.release(first, winner), false, 'a released lease is not released twice');
    const second = await leases.acquire(channel!, 'z');
    assert.ok(second && second.fence > first.fence, 'a new holder gets a larger fence');
    assert.equal((await leases.renew(winner, [first])).size, 0, 'the old holder cannot renew');
    assert.equal((await leases.holder(channel!))?.nodeId, 'z');
  });

  test('an expired lease (database clock) is free; a current one is not', async () => {
    const [channel] = await linkedChannels(t.db, 1);
    const leases = new ChannelLeases(t.db, 60_000);
    const held = await leases.acquire(channel!, 'a');
    assert.ok(held);
    assert.equal(await leases.acquire(channel!, 'b'), undefined);
    await t.db.query(
      `update channel_leases set expires_at = now() - interval '1 second' where channel_id = $1`,
      [channel],
    );
    assert.equal((await leases.renew('a', [held])).size, 0, 'an expired lease cannot be renewed');
    const taken = await leases.acquire(channel!, 'b');
    assert.ok(taken && taken.fence > held.fence);
    await t.db.query(`update channels set deleted_at = now() where id = $1`, [channel]);
    await leases.release(taken, 'b');
    assert.equal(await leases.acquire(channel!, 'a'), undefined, 'a deleted channel is taken by nobody');
  });

  test("a stale fence's writes are refused and not applied: credentials, Signal keys, channel status", async () => {
    const [channel] = await linkedChannels(t.db, 1);
    const leases = new ChannelLeases(t.db, 60_000);
    const secrets = new SecretBox(randomBytes(32));
    const old = (await leases.acquire(channel!, 'a'))!;
    const oldStore = new ChannelAuthStore(fencedDatabase(t.db, channel!, leaseFence(old)), secrets, channel!);
    const oldCreds = initAuthCreds();
    await oldStore.saveCreds(oldCreds);

    // Node a stalls; its lease runs out and b takes the channel and writes its own state.
    await t.db.query(`update channel_leases set expires_at = now() where channel_id = $1`, [channel]);
    const current = (await leases.acquire(channel!, 'b'))!;
    const newStore = new ChannelAuthStore(
      fencedDatabase(t.db, channel!, leaseFence(current)),
      secrets,
      channel!,
    );
    const newCreds = initAuthCreds();
    await newStore.saveCreds(newCreds);
    await newStore.setKeys({
      'pre-key': { '1': { public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) } },
    });

    // a wakes up and writes late: every write is refused. (Its credentials as it last wrote them
    // are not written again at all: ChannelAuthStore skips an unchanged save.)
    await oldStore.saveCreds(oldCreds);
    oldCreds.nextPreKeyId += 1;
    await assert.rejects(oldStore.saveCreds(oldCreds), StaleFenceError);
    await assert.rejects(
      oldStore.setKeys({ 'pre-key': { '1': { public: Buffer.alloc(32, 9), private: Buffer.alloc(32, 9) } } }),
      StaleFenceError,
    );
    await assert.rejects(oldStore.clear(), StaleFenceError);
    const staleDb = fencedDatabase(t.db, channel!, leaseFence(old));
    await assert.rejects(
      staleDb.query(`update channels set status = 'replaced' where id = $1`, [channel]),
      StaleFenceError,
    );

    // The new holder's state stands.
    const stored = await new ChannelAuthStore(t.db, secrets, channel!).loadCreds();
    assert.deepEqual(Buffer.from(stored!.noiseKey.public), Buffer.from(newCreds.noiseKey.public));
    const keys = await new ChannelAuthStore(t.db, secrets, channel!).getKeys('pre-key', ['1']);
    assert.deepEqual(Buffer.from(keys['1']!.public), Buffer.alloc(32, 1));
    const [row] = await t.db.query<{ status: string }>('select status from channels where id = $1', [
      channel,
    ]);
    assert.equal(row!.status, 'connected');
    // Reads pass through a stale fence (a read overwrites nothing).
    assert.ok(await oldStore.loadCreds());
  });

  test('a write past its fence check holds a new acquire back until it commits', async () => {
    const [channel] = await linkedChannels(t.db, 1);
    const leases = new ChannelLeases(t.db, 60_000);
    const held = (await leases.acquire(channel!, 'a'))!;
    await t.db.query(`update channel_leases set expires_at = now() where channel_id = $1`, [channel]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const write = fencedDatabase(t.db, channel!, leaseFence(held)).transaction(async (tx) => {
      await gate;
      await tx.query(`update channels set status_cause = 'late' where id = $1`, [channel]);
    });
    // Observed in PostgreSQL itself, not guessed by sleeping: the write holds its share lock on the
    // lease row, then the acquire is a backend waiting on a lock.
    const count = async (sql: string) => (await t.db.query<{ n: number }>(sql))[0]!.n;
    const until = async (what: string, sql: string) => {
      for (let i = 0; i < 200 && (await count(sql)) === 0; i++) await sleep(25);
      assert.ok((await count(sql)) > 0, what);
    };
    await until(
      'the fenced write holds its share lock',
      `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
        where c.relname = 'channel_leases' and l.mode = 'RowShareLock' and l.granted`,
    );
    let acquiredAt = 0;
    const acquire = leases.acquire(channel!, 'b').then((lease) => {
      acquiredAt = Date.now();
      return lease;
    });
    await until(
      'the acquire waits on a lock',
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`,
    );
    assert.equal(acquiredAt, 0, 'the acquire waits for the write in flight');
    const committedAt = Date.now();
    release();
    await write;
    assert.ok(await acquire);
    assert.ok(acquiredAt >= committedAt);
  });

  test("a stale fence's message-status writes are refused; the current holder's are written", async () => {
    const { tenant, channel } = await aSalonChannel(t.db);
    const clock = new ManualClock(new Date('2030-03-04T12:00:00Z'));
    const { queue, recorder, messages } = messageStack(t.db, clock);
    const accepted = await messages.accept(tenant.id, { to: '+55 11 98000 0001', text: 'Hello' });
    const [claimed] = await t.db.transaction((tx) => queue.claimDue(channel.id, clock.now(), 1, tx));
    assert.ok(claimed, 'the message is claimed for sending');
    const waMessageId = claimed.message.waMessageId;
    const statusOf = async () =>
      (
        await t.db.query<{ status: string }>('select status from messages where id = $1', [
          accepted.message.id,
        ])
      )[0]!.status;

    const leases = new ChannelLeases(t.db, 60_000);
    const old = (await leases.acquire(channel.id, 'a'))!;
    await t.db.query(`update channel_leases set expires_at = now() where channel_id = $1`, [channel.id]);
    const current = (await leases.acquire(channel.id, 'b'))!;

    const late = await markStatusesFenced(
      t.db,
      recorder,
      [{ waMessageId, status: 'sent', at: clock.now() }],
      [old],
    );
    assert.deepEqual(late, { written: 0, refused: [waMessageId] });
    assert.equal(await statusOf(), 'sending', "the stale node's ack changed nothing");
    const ok = await markStatusesFenced(
      t.db,
      recorder,
      [{ waMessageId, status: 'sent', at: clock.now() }],
      [current],
    );
    assert.deepEqual(ok, { written: 1, refused: [] });
    assert.equal(await statusOf(), 'sent');
  });

  test("a stale fence's inbound text is refused; the current holder's is written", async () => {
    const { tenant, channel } = await aSalonChannel(t.db);
    const clock = new ManualClock(new Date('2030-03-04T12:00:00Z'));
    const { recorder } = messageStack(t.db, clock);
    const leases = new ChannelLeases(t.db, 60_000);
    const old = (await leases.acquire(channel.id, 'a'))!;
    await t.db.query(`update channel_leases set expires_at = now() where channel_id = $1`, [channel.id]);
    const current = (await leases.acquire(channel.id, 'b'))!;
    const text = (id: string) => ({
      tenantId: tenant.id,
      channelId: channel.id,
      waMessageId: id,
      fromPhone: '5511980000001',
      text: '+',
      receivedAt: clock.now(),
    });
    const stored = async () =>
      (
        await t.db.query<{ n: string }>('select count(*) as n from inbound_messages where channel_id = $1', [
          channel.id,
        ])
      )[0]!.n;
    assert.equal(await recorder.recordInbound(text('LATE'), leaseFence(old)), undefined);
    assert.equal(await stored(), '0', "the stale node's inbound text is not written");
    const ok = await recorder.recordInbound(text('NOW'), leaseFence(current));
    assert.equal(ok?.created, true);
    assert.equal(await stored(), '1');
    // Restriction and new-chat-cap rows likewise.
    const channels = new ChannelsRepository(t.db);
    const until = new Date('2030-03-05T12:00:00Z');
    assert.equal(
      await channels.setRestrictedUntil(tenant.id, channel.id, until, 'reach_out_timelock', leaseFence(old)),
      false,
    );
    const cap = { state: 'capped' as const, used: 3, quota: 3, resetsAt: until, updatedAt: clock.now() };
    assert.equal(await channels.setNewChatCap(tenant.id, channel.id, cap, leaseFence(old)), false);
    let row = (await channels.get(tenant.id, channel.id))!;
    assert.deepEqual(
      [row.restrictedUntil, row.newChatCap],
      [null, null],
      "the stale node's words are not written",
    );
    assert.equal(
      await channels.setRestrictedUntil(
        tenant.id,
        channel.id,
        until,
        'reach_out_timelock',
        leaseFence(current),
      ),
      true,
    );
    assert.equal(await channels.setNewChatCap(tenant.id, channel.id, cap, leaseFence(current)), true);
    row = (await channels.get(tenant.id, channel.id))!;
    assert.equal(row.restrictedUntil?.toISOString(), until.toISOString());
    assert.equal(row.newChatCap?.state, 'capped');
  });

  test('which statements count as writes', () => {
    assert.equal(isWriteStatement('select 1'), false);
    assert.equal(isWriteStatement('  -- note\n select * from x'), false);
    assert.equal(isWriteStatement('select * from x for update'), true);
    assert.equal(isWriteStatement('insert into x values (1)'), true);
    assert.equal(isWriteStatement('/* c */ delete from x'), true);
    assert.equal(isWriteStatement('with y as (delete from x returning *) select * from y'), true);
  });

  test('nodes are live by heartbeat on the database clock; a draining node says so', async () => {
    const nodes = new NodeRegistry(t.db, 10_000);
    await nodes.register('n1', '127.0.0.1:1');
    await nodes.register('n2', null);
    await t.db.query(
      `update gateway_nodes set heartbeat_at = now() - interval '11 seconds' where node_id = 'n2'`,
    );
    await nodes.setDraining('n1', true);
    const seen = new Map((await nodes.list()).map((n) => [n.nodeId, n]));
    assert.equal(seen.get('n1')?.live, true);
    assert.equal(seen.get('n1')?.draining, true);
    assert.equal(seen.get('n2')?.live, false);
    assert.equal(await nodes.heartbeat('n2'), true);
    assert.equal((await nodes.list()).find((n) => n.nodeId === 'n2')?.live, true);
    await nodes.register('n1', null);
    assert.equal(
      (await nodes.list()).find((n) => n.nodeId === 'n1')?.draining,
      false,
      'a restart clears draining',
    );
    await nodes.remove('n1');
    await nodes.remove('n2');
    assert.equal(await nodes.heartbeat('n1'), false);
  });

  test('the bus carries a message to the other nodes of the same schema only', async () => {
    const schema = await schemaOf(t.db);
    const other = await freshDatabase('postgres');
    const secrets = new SecretBox(randomBytes(32));
    const a = await PostgresNotifyBus.start({
      nodeId: 'a',
      url: TEST_POSTGRES_URL,
      schema,
      db: t.db,
      secrets,
    });
    const b = await PostgresNotifyBus.start({
      nodeId: 'b',
      url: TEST_POSTGRES_URL,
      schema,
      db: t.db,
      secrets,
    });
    const elsewhere = await PostgresNotifyBus.start({
      nodeId: 'x',
      url: TEST_POSTGRES_URL,
      schema: await schemaOf(other.db),
      db: other.db,
      secrets,
    });
    try {
      const heardByB: ClusterMessage[] = [];
      const heardByA: ClusterMessage[] = [];
      const heardElsewhere: ClusterMessage[] = [];
      b.subscribe((m) => heardByB.push(m));
      a.subscribe((m) => heardByA.push(m));
      elsewhere.subscribe((m) => heardElsewhere.push(m));
      await a.publish('messages.accepted', { tenantId: 't', channelId: 'c1' });
      for (let i = 0; i < 100 && heardByB.length === 0; i++) await sleep(20);
      assert.deepEqual(heardByB, [
        { topic: 'messages.accepted', from: 'a', data: { tenantId: 't', channelId: 'c1' } },
      ]);
      await sleep(100);
      assert.equal(heardByA.length, 1, 'its own message once (delivered locally, not echoed)');
      assert.equal(heardElsewhere.length, 0);
      await assert.rejects(
        a.publish('channel.changed', { tenantId: 'x'.repeat(8_000), channelId: 'c' }),
        RangeError,
      );
    } finally {
      await Promise.all([a.close(), b.close(), elsewhere.close()]);
      await other.dispose();
    }
  });
});

/** A session host that only records what it was told, with the time, to check no overlap. */
class RecordingHolder implements SessionHolder {
  readonly open = new Map<string, bigint>();
  readonly log: { channelId: string; event: 'hold' | DropReason; at: number }[] = [];
  constructor(private readonly failHold = new Set<string>()) {}
  hold(lease: HeldLease): Promise<void> {
    if (this.failHold.has(lease.channelId)) return Promise.reject(new Error('cannot open'));
    this.open.set(lease.channelId, lease.fence);
    this.log.push({ channelId: lease.channelId, event: 'hold', at: performance.now() });
    return Promise.resolve();
  }
  stillWanted(channelId: string): boolean {
    return this.open.has(channelId);
  }
  drop(channelId: string, reason: DropReason): Promise<void> {
    this.open.delete(channelId);
    this.log.push({ channelId, event: reason, at: performance.now() });
    return Promise.resolve();
  }
}

/** A database that can be cut off (as from a node whose network failed or that was paused). */
function severable(db: Database): { db: Database; cut(): void } {
  let cut = false;
  const guard = (): void => {
    if (cut) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
  };
  return {
    cut: () => (cut = true),
    db: {
      dialect: db.dialect,
      query: async (sql, params) => {
        guard();
        return db.query(sql, params);
      },
      transaction: async (work) => {
        guard();
        return db.transaction(work);
      },
      close: () => Promise.resolve(),
    },
  };
}

describe('lease keepers: three nodes on one PostgreSQL', () => {
  const TTL = 1_500;
  let t: TestDatabase;
  before(async () => {
    t = await freshDatabase('postgres');
  });
  after(() => t.dispose());

  test('share 10/10/10, a node cut off stops its sessions before its leases expire, the others take over, a drain hands over', async () => {
    const channels = await linkedChannels(t.db, 30);
    const schema = await schemaOf(t.db);
    const nodes = ['a', 'b', 'c'] as const;
    const links = Object.fromEntries(nodes.map((id) => [id, severable(t.db)])) as Record<
      (typeof nodes)[number],
      ReturnType<typeof severable>
    >;
    const holders = Object.fromEntries(nodes.map((id) => [id, new RecordingHolder()])) as Record<
      (typeof nodes)[number],
      RecordingHolder
    >;
    const keepers: LeaseKeeper[] = [];
    const buses: PostgresNotifyBus[] = [];
    const masterKey = randomBytes(32);
    try {
      for (const id of nodes) {
        const db = links[id].db;
        const bus = await PostgresNotifyBus.start({
          nodeId: id,
          url: TEST_POSTGRES_URL,
          schema,
          db,
          secrets: new SecretBox(masterKey),
        });
        buses.push(bus);
        const keeper = new LeaseKeeper({
          nodeId: id,
          address: null,
          leases: new ChannelLeases(db, TTL),
          nodes: new NodeRegistry(db, TTL),
          holder: holders[id],
          bus,
          ttlMs: TTL,
          logger,
        });
        keepers.push(keeper);
        assert.deepEqual(keeper.readiness(), { ready: false, reason: 'starting' });
        await keeper.start();
      }
      const counts = () => nodes.map((id) => holders[id].open.size);
      const settle = async (want: number[], ms: number) => {
        const until = performance.now() + ms;
        while (performance.now() < until && counts().join() !== want.join()) await sleep(50);
        assert.deepEqual(counts(), want);
      };
      await settle([10, 10, 10], 4 * TTL);
      const owners = () => {
        const seen = new Map<string, string>();
        for (const id of nodes)
          for (const ch of holders[id].open.keys()) {
            assert.ok(!seen.has(ch), `${ch} held by ${seen.get(ch)} and ${id}`);
            seen.set(ch, id);
          }
        return seen;
      };
      assert.equal(owners().size, 30);
      for (const keeper of keepers) assert.deepEqual(keeper.readiness(), { ready: true });

      // c loses the database: its watchdog stops every session before the lease could expire.
      const cutAt = performance.now();
      const cHeld = [...holders.c.open.keys()];
      links.c.cut();
      await settle([15, 15, 0], 6 * TTL);
      assert.equal(owners().size, 30);
      // /readyz of c: not ready (it cannot renew), while a and b are.
      assert.deepEqual(keepers[2]!.readiness(), { ready: false, reason: 'not_renewing' });
      assert.deepEqual(keepers[0]!.readiness(), { ready: true });
      for (const channelId of cHeld) {
        const dropped = holders.c.log.find((e) => e.channelId === channelId && e.event === 'lease_lost');
        const taken = [...holders.a.log, ...holders.b.log].find(
          (e) => e.channelId === channelId && e.event === 'hold' && e.at > cutAt,
        );
        assert.ok(dropped && taken, `${channelId} dropped by c and taken by a or b`);
        assert.ok(dropped.at < taken.at, `${channelId}: c stopped before another node opened it`);
      }
      await keepers[2]!.stop({ abrupt: true });

      // b drains (SIGTERM): everything goes to a, at once rather than at the next round.
      const drainAt = performance.now();
      await keepers[1]!.drain();
      assert.equal(holders.b.open.size, 0);
      assert.deepEqual(keepers[1]!.readiness(), { ready: false, reason: 'draining' });
      await settle([30, 0, 0], TTL);
      assert.ok(performance.now() - drainAt < TTL, 'taken over on the bus nudge, not a renewal round later');
      assert.equal(channels.length, owners().size);
    } finally {
      for (const keeper of keepers) await keeper.stop({ abrupt: true }).catch(() => undefined);
      for (const bus of buses) await bus.close();
    }
  });
});
