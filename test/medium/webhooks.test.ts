import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pino from 'pino';
import { openDatabase, type Database } from '../../src/store/database.js';
import { ManualClock } from '../../src/clock.js';
import { migrate } from '../../src/store/migrations.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { WebhookDeliveriesRepository } from '../../src/webhooks/webhook-deliveries-repository.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import type { WebhookEventType } from '../../src/webhooks/webhook-events.js';
import { verifyWebhook } from '../../src/webhooks/webhook-signature.js';
import type { WebhookTransport } from '../../src/webhooks/webhook-transport.js';
import { publicOnly } from '../../src/webhooks/webhook-destinations.js';
import { createWebhooks } from '../../src/webhooks/webhooks.js';
import { waitUntil } from '../support/wait-for.js';
import { DATABASE_KINDS, TEST_POSTGRES_URL, useFreshDatabase } from '../support/databases.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/** The receivers' host names resolve to a public address, without asking real DNS. */
const exampleDns = publicOnly(async () => [{ address: '93.184.215.14', family: 4 }]);

for (const kind of DATABASE_KINDS) {
  describe(`webhooks on ${kind}`, () => {
    const t = useFreshDatabase(kind);
    const secrets = new SecretBox(randomBytes(32));

    const newTenant = (name = 'Salon') =>
      new TenantsRepository(t.db).create({ name, timeZone: 'UTC', language: 'en' });
    const event = (
      tenantId: string,
      type: WebhookEventType = 'message.status',
      data: Record<string, unknown> = {},
    ) => ({
      tenantId,
      type,
      data: { messageId: `msg_${randomBytes(4).toString('hex')}`, status: 'sent', ...data },
      occurredAt: new Date(),
    });
    // Dispatchers serve every business: earlier tests' rows are set aside so each test sees its own.
    const setAsideOthers = () =>
      t.db.query("update webhook_deliveries set status = 'dead' where status = 'pending'");
    const deliveriesOf = (tenantId: string) =>
      t.db.query<{ id: string; endpoint_id: string; event_type: string; payload: Record<string, unknown> }>(
        'select id, endpoint_id, event_type, payload from webhook_deliveries where tenant_id = $1 order by endpoint_id',
        [tenantId],
      );

    test('enqueue writes in the caller transaction: rolled back, nothing; committed, one row per endpoint', async () => {
      const tenant = await newTenant();
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      await service.create(tenant.id, { url: 'https://crm.example.com/a' });
      await service.create(tenant.id, { url: 'https://crm.example.com/b' });
      await assert.rejects(
        t.db.transaction(async (tx) => {
          await tx.query("update tenants set name = 'changed' where id = $1", [tenant.id]);
          assert.equal(await outbox.enqueue(tx, event(tenant.id)), 2);
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.deepEqual(await deliveriesOf(tenant.id), []);
      await t.db.transaction(async (tx) => {
        await outbox.enqueue(tx, event(tenant.id, 'message.status', { reason: null, n: 1 }));
      });
      const rows = await deliveriesOf(tenant.id);
      assert.equal(rows.length, 2);
      assert.ok(rows.every((r) => /^evt_[0-9a-f]{32}$/.test(r.id)));
      assert.equal(rows[0]!.payload.n, 1);
      assert.notEqual(rows[0]!.id, rows[1]!.id);
    });

    test('filters: event types, disabled endpoints, other tenants; nothing for a tenant without endpoints', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const lonely = await newTenant('No endpoints');
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      const all = (await service.create(a.id, { url: 'https://a.example.com/all' })).endpoint;
      const statuses = (
        await service.create(a.id, { url: 'https://a.example.com/s', events: ['message.status'] })
      ).endpoint;
      const channels = (
        await service.create(a.id, {
          url: 'https://a.example.com/c',
          events: ['channel.status', 'message.inbound'],
        })
      ).endpoint;
      await service.update(a.id, channels.id, { enabled: false });
      const others = (await service.create(b.id, { url: 'https://b.example.com/' })).endpoint;

      const count = (e: ReturnType<typeof event>) => t.db.transaction((tx) => outbox.enqueue(tx, e));
      assert.equal(await count(event(a.id, 'message.status')), 2);
      assert.equal(await count(event(a.id, 'channel.status')), 1);
      assert.equal(await count(event(a.id, 'message.inbound')), 1);
      assert.equal(await count(event(lonely.id, 'message.status')), 0);
      await service.update(a.id, channels.id, { enabled: true });
      assert.equal(await count(event(a.id, 'channel.status')), 2);

      const byEndpoint = new Map<string, string[]>();
      for (const row of await deliveriesOf(a.id))
        byEndpoint.set(row.endpoint_id, [...(byEndpoint.get(row.endpoint_id) ?? []), row.event_type]);
      assert.deepEqual(byEndpoint.get(all.id)?.sort(), [
        'channel.status',
        'channel.status',
        'message.inbound',
        'message.status',
      ]);
      assert.deepEqual(byEndpoint.get(statuses.id), ['message.status']);
      assert.deepEqual(byEndpoint.get(channels.id), ['channel.status']);
      assert.deepEqual(await deliveriesOf(b.id), []);
      assert.deepEqual(await deliveriesOf(lonely.id), []);
      assert.ok(others.id);
    });

    test('endpoints are tenant-scoped and their secrets sealed; rotation keeps the old one for the grace period', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const { service } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      const { endpoint, secret } = await service.create(a.id, {
        url: 'https://a.example.com/h',
        events: ['message.status'],
      });
      assert.match(endpoint.id, /^whk_/);
      assert.match(secret, /^whsec_/);
      const raw = await t.db.query<{ secret_sealed: Uint8Array }>(
        'select secret_sealed from webhook_endpoints where id = $1',
        [endpoint.id],
      );
      assert.ok(!Buffer.from(raw[0]!.secret_sealed).toString('latin1').includes(secret.slice(6, 20)));
      for (const attempt of [
        () => service.get(b.id, endpoint.id),
        () => service.update(b.id, endpoint.id, { enabled: false }),
        () => service.rotateSecret(b.id, endpoint.id),
        () => service.deliveries(b.id, endpoint.id, {}),
        () => service.sendTest(b.id, endpoint.id),
        () => service.remove(b.id, endpoint.id),
      ])
        await assert.rejects(attempt(), (err: { code?: string }) => err.code === 'not_found');
      assert.deepEqual(await service.list(b.id), []);
      assert.deepEqual(
        (await service.list(a.id)).map((e) => e.id),
        [endpoint.id],
      );

      const rotated = await service.rotateSecret(a.id, endpoint.id);
      assert.notEqual(rotated.secret, secret);
      const row = (
        await t.db.query<{ previous_secret_expires_at: Date }>(
          'select previous_secret_expires_at from webhook_endpoints where id = $1',
          [endpoint.id],
        )
      )[0]!;
      const graceH = (new Date(row.previous_secret_expires_at).getTime() - Date.now()) / 3_600_000;
      assert.ok(graceH > 23.9 && graceH <= 24, `grace ${graceH} h`);
      await service.remove(a.id, endpoint.id);
      assert.deepEqual(await service.list(a.id), []);
    });

    test('claims with SKIP LOCKED never hand one row to two workers, even racing', async () => {
      await setAsideOthers();
      const tenant = await newTenant();
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      await service.create(tenant.id, { url: 'https://crm.example.com/h' });
      await t.db.transaction(async (tx) => {
        for (let i = 0; i < 120; i++) await outbox.enqueue(tx, event(tenant.id));
      });
      // A second connection pool on the same schema stands for a second node.
      const other = await secondNode(t.db);
      try {
        const now = new Date(Date.now() + 1_000);
        const lease = new Date(now.getTime() + 60_000);
        const nodes = [new WebhookDeliveriesRepository(t.db), new WebhookDeliveriesRepository(other)];
        const claims = await Promise.all(
          Array.from({ length: 16 }, (_, i) => nodes[i % 2]!.claim(now, lease, 10, `worker-${i}`)),
        );
        const ids = claims.flat().map((d) => d.id);
        assert.equal(new Set(ids).size, ids.length, 'a row was claimed twice');
        const ours = (await deliveriesOf(tenant.id)).map((r) => r.id);
        assert.deepEqual([...ids].sort(), [...ours].sort(), 'every due row was claimed, once');
        // Leased rows are not due again until the lease ends.
        assert.deepEqual(await nodes[0]!.claim(now, lease, 100, 'late'), []);
        const reclaimed = await nodes[1]!.claim(
          new Date(lease.getTime() + 1),
          new Date(lease.getTime() + 60_000),
          200,
          'after-lease',
        );
        assert.equal(reclaimed.length, 120);
        // The first lease holder lost its rows: its late result is not recorded.
        const stale = claims.flat()[0]!;
        assert.equal(
          await nodes[0]!.recordAttempt(stale, {
            kind: 'delivered',
            at: new Date(),
            statusCode: 200,
            durationMs: 3,
          }),
          false,
        );
        await t.db.query("update webhook_deliveries set status = 'delivered' where tenant_id = $1", [
          tenant.id,
        ]);
      } finally {
        if (other !== t.db) await other.close();
      }
    });

    test("upgrading forgets what receivers answered before: a failed attempt keeps only 'HTTP <status>'", async () => {
      const tenant = await newTenant();
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      await service.create(tenant.id, { url: 'https://crm.example.com/old' });
      await t.db.transaction((tx) => outbox.enqueue(tx, event(tenant.id)));
      const [delivery] = await deliveriesOf(tenant.id);
      // As the old dispatcher logged it: the first bytes of an internal service's answer.
      await t.db.query(
        "update webhook_deliveries set last_error = 'HTTP 500: db password is hunter2' where id = $1",
        [delivery!.id],
      );
      await t.db.query(
        `insert into webhook_attempts (delivery_id, at, status_code, duration_ms, error)
         values ($1, now(), 500, 3, 'HTTP 500: db password is hunter2'), ($1, now(), null, 3, 'ECONNREFUSED')`,
        [delivery!.id],
      );
      await t.db.query("delete from schema_migrations where id = '011_webhook_errors_status_only'");
      assert.deepEqual(await migrate(t.db), ['011_webhook_errors_status_only']);
      const [row] = await t.db.query<{ last_error: string }>(
        'select last_error from webhook_deliveries where id = $1',
        [delivery!.id],
      );
      assert.equal(row!.last_error, 'HTTP 500');
      const attempts = await t.db.query<{ error: string }>(
        'select error from webhook_attempts where delivery_id = $1 order by id',
        [delivery!.id],
      );
      assert.deepEqual(
        attempts.map((a) => a.error),
        ['HTTP 500', 'ECONNREFUSED'],
      );
    });

    test('two dispatchers on one database deliver every event exactly once, signed', async () => {
      await setAsideOthers();
      const tenant = await newTenant();
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      const { endpoint, secret } = await service.create(tenant.id, { url: 'https://crm.example.com/once' });
      const seen = new Map<string, number>();
      const transport: WebhookTransport = {
        async post({ headers, body }) {
          const { id } = verifyWebhook(secret, headers, body);
          seen.set(id, (seen.get(id) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, Math.random() * 3));
          return { status: 204 };
        },
      };
      const other = await secondNode(t.db);
      const dispatchers = [t.db, other].map(
        (db) =>
          new WebhookDispatcher({
            deliveries: new WebhookDeliveriesRepository(db),
            outbox,
            secrets,
            logger,
            transport,
            pollIntervalMs: 20,
            concurrency: 8,
          }),
      );
      try {
        for (const d of dispatchers) d.start();
        const total = 150;
        for (let i = 0; i < total / 10; i++) {
          await t.db.transaction(async (tx) => {
            for (let j = 0; j < 10; j++) await outbox.enqueue(tx, event(tenant.id));
          });
        }
        await waitUntil(
          async () =>
            (
              await t.db.query<{ n: number }>(
                "select count(*)::int as n from webhook_deliveries where endpoint_id = $1 and status = 'delivered'",
                [endpoint.id],
              )
            )[0]!.n === total,
          { what: 'every delivery delivered', timeoutMs: 20_000 },
        );
        assert.equal(seen.size, total);
        assert.ok(
          [...seen.values()].every((n) => n === 1),
          'an event was delivered twice',
        );
        assert.equal(dispatchers[0]!.counters.delivered + dispatchers[1]!.counters.delivered, total);
        if (kind === 'postgres')
          assert.ok(
            dispatchers.every((d) => d.counters.delivered > 0),
            'both nodes took a share',
          );
        const log = await service.deliveries(tenant.id, endpoint.id, { status: 'delivered', limit: 5 });
        assert.equal(log.length, 5);
        assert.equal(log[0]!.attemptLog.length, 1);
        assert.equal(log[0]!.attemptLog[0]!.statusCode, 204);
        const older = await service.deliveries(tenant.id, endpoint.id, { limit: 200, before: log[4]!.id });
        assert.equal(older.length, total - 5);
        assert.equal(await dispatchers[0]!.pendingDepth(), 0);
      } finally {
        await Promise.all(dispatchers.map((d) => d.stop()));
        if (other !== t.db) await other.close();
      }
    });

    test('a worker that dies mid-attempt leaves its rows to be claimed again after the lease', async () => {
      await setAsideOthers();
      const tenant = await newTenant();
      const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
      const { service, outbox } = createWebhooks({
        db: t.db,
        secrets,
        logger,
        destinations: exampleDns,
        clock,
      });
      const { endpoint } = await service.create(tenant.id, { url: 'https://crm.example.com/lease' });
      await t.db.transaction((tx) => outbox.enqueue(tx, event(tenant.id)));
      const repo = new WebhookDeliveriesRepository(t.db);
      const claimedAt = clock.now();
      const [claimed] = (
        await repo.claim(claimedAt, new Date(claimedAt.getTime() + 70_000), 10, 'crashed')
      ).filter((d) => d.endpointId === endpoint.id);
      assert.ok(claimed);
      const delivered: string[] = [];
      const dispatcher = new WebhookDispatcher({
        deliveries: repo,
        outbox,
        secrets,
        logger,
        clock,
        pollIntervalMs: 10,
        transport: {
          async post({ headers }) {
            delivered.push(headers['webhook-id']!);
            return { status: 200 };
          },
        },
      });
      dispatcher.start();
      try {
        // Nobody can take the row while the dead worker's lease lasts.
        const now = clock.now();
        assert.deepEqual(await repo.claim(now, new Date(now.getTime() + 1), 10, 'probe'), []);
        clock.advance(71_000);
        await waitUntil(() => delivered.includes(claimed.id), { what: 'the re-claimed delivery' });
      } finally {
        await dispatcher.stop();
      }
    });

    test('a slow receiver times out; stopping aborts requests in flight and gives their rows back', async () => {
      await setAsideOthers();
      const tenant = await newTenant();
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      const { endpoint } = await service.create(tenant.id, { url: 'https://crm.example.com/slow' });
      let calls = 0;
      const hang: WebhookTransport = {
        post: ({ signal }) =>
          new Promise((_resolve, reject) => {
            calls += 1;
            signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          }),
      };
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const timersBefore = timers();
      const make = (timeoutMs: number) =>
        new WebhookDispatcher({
          deliveries: new WebhookDeliveriesRepository(t.db),
          outbox,
          secrets,
          logger,
          transport: hang,
          timeoutMs,
          pollIntervalMs: 10,
        });

      const timingOut = make(40);
      timingOut.start();
      await t.db.transaction((tx) => outbox.enqueue(tx, event(tenant.id)));
      const [delivery] = await waitUntil(
        async () => {
          const log = await service.deliveries(tenant.id, endpoint.id, {});
          return log[0]?.attemptLog.length ? log : undefined;
        },
        { what: 'a timed-out attempt' },
      );
      await timingOut.stop();
      assert.equal(delivery!.attemptLog[0]!.error, 'timeout after 40 ms');
      assert.equal(delivery!.attemptLog[0]!.statusCode, null);
      assert.equal(timingOut.counters.failedAttempts, 1);

      await t.db.query('update webhook_deliveries set next_attempt_at = now() where id = $1', [delivery!.id]);
      const stopping = make(60_000);
      const callsBefore = calls;
      stopping.start();
      await waitUntil(() => calls > callsBefore, { what: 'a request in flight' });
      await stopping.stop();
      assert.equal(timers(), timersBefore, 'a timer was left behind');
      const [row] = await t.db.query<{
        status: string;
        attempts: number;
        claim_token: string | null;
        due: boolean;
      }>(
        'select status, attempts, claim_token, next_attempt_at <= now() as due from webhook_deliveries where id = $1',
        [delivery!.id],
      );
      assert.deepEqual(row, { status: 'pending', attempts: 1, claim_token: null, due: true });
    });

    test("a disabled endpoint's pending deliveries are dead-lettered, not sent", async () => {
      await setAsideOthers();
      const tenant = await newTenant();
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      const { endpoint } = await service.create(tenant.id, { url: 'https://crm.example.com/off' });
      await t.db.transaction((tx) => outbox.enqueue(tx, event(tenant.id)));
      await service.update(tenant.id, endpoint.id, { enabled: false });
      let sent = 0;
      const dispatcher = new WebhookDispatcher({
        deliveries: new WebhookDeliveriesRepository(t.db),
        outbox,
        secrets,
        logger,
        pollIntervalMs: 10,
        transport: {
          async post() {
            sent += 1;
            return { status: 200 };
          },
        },
      });
      dispatcher.start();
      try {
        const [dead] = await waitUntil(
          async () => {
            const log = await service.deliveries(tenant.id, endpoint.id, { status: 'dead' });
            return log.length ? log : undefined;
          },
          { what: 'dead-lettered' },
        );
        assert.equal(dead!.lastError, 'endpoint disabled');
        assert.equal(sent, 0);
        assert.equal(dispatcher.counters.dead, 1);
      } finally {
        await dispatcher.stop();
      }
    });

    test('replay, pending depth, and pruning of old finished deliveries', async () => {
      const tenant = await newTenant();
      const { service, outbox } = createWebhooks({ db: t.db, secrets, logger, destinations: exampleDns });
      const { endpoint } = await service.create(tenant.id, { url: 'https://crm.example.com/r' });
      await t.db.transaction((tx) => outbox.enqueue(tx, event(tenant.id)));
      const [delivery] = await service.deliveries(tenant.id, endpoint.id, {});
      assert.equal(delivery!.status, 'pending');
      await assert.rejects(
        service.replay(tenant.id, delivery!.id),
        (e: { code?: string }) => e.code === 'conflict',
      );
      const other = await newTenant('Other');
      await assert.rejects(
        service.replay(other.id, delivery!.id),
        (e: { code?: string }) => e.code === 'not_found',
      );
      await t.db.query(
        "update webhook_deliveries set status = 'dead', attempts = 30, round_attempts = 30 where id = $1",
        [delivery!.id],
      );
      const replayed = await service.replay(tenant.id, delivery!.id);
      assert.equal(replayed.status, 'pending');
      assert.equal(replayed.attempts, 30, 'the total is kept for the log');
      const [row] = await t.db.query<{ round_attempts: number }>(
        'select round_attempts from webhook_deliveries where id = $1',
        [delivery!.id],
      );
      assert.equal(row!.round_attempts, 0);
      assert.ok((await new WebhookDeliveriesRepository(t.db).pendingDepth()) >= 1);

      await t.db.query(
        "update webhook_deliveries set status = 'delivered', created_at = now() - interval '40 days' where id = $1",
        [delivery!.id],
      );
      const pruned = await new WebhookDeliveriesRepository(t.db).pruneFinished(
        new Date(Date.now() - 30 * 24 * 3_600_000),
        100,
      );
      assert.ok(pruned >= 1);
      assert.deepEqual(await service.deliveries(tenant.id, endpoint.id, {}), []);
    });
  });
}

/** On PostgreSQL, a second pool on the same schema (a second node); PGlite is one connection anyway. */
async function secondNode(db: Database): Promise<Database> {
  if (db.dialect === 'pglite') return db;
  const [row] = await db.query<{ schema: string }>('select current_schema() as schema');
  return openDatabase({ url: TEST_POSTGRES_URL, schema: row!.schema });
}
