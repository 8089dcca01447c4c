// Sessions in worker threads (SESSION_THREADS, issue 9): real Baileys sockets in session threads
// against the simulator, their credentials and Signal keys sealed in a real database the main
// thread holds (PGlite and PostgreSQL: the two hand bytes back differently).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type {
  ChannelDriver,
  DeliveryReport,
  DriverState,
  LinkEvent,
} from '../../src/channels/channel-driver.js';
import { ConnectGate } from '../../src/channels/connect-gate.js';
import { SESSION_THREAD_YOUNG_GENERATION_MB, SessionThreads } from '../../src/channels/session-threads.js';
import { systemClock } from '../../src/clock.js';
import { isAppError } from '../../src/domain/errors.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { WriteFence } from '../../src/store/channels-repository.js';
import type { Database } from '../../src/store/database.js';
import { ChannelsRepository } from '../../src/store/channels-repository.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { CLIENT_VERSION_FLOOR, ResolvedClientVersion } from '../../src/whatsapp/client-version.js';
import { DATABASE_KINDS, useFreshDatabase } from '../support/databases.js';
import { createBusiness, linkChannelByQr, startHarness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const GATEWAY_PHONE = '15550003333';
const CUSTOMER_PHONE = '15550004444';

function nextEvent<T>(
  driver: ChannelDriver,
  event: 'link' | 'state' | 'status',
  match: (p: T) => boolean,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching '${event}' event within 15 s`));
    }, 15_000);
    const off = driver.on(event, (payload) => {
      if (!match(payload as T)) return;
      clearTimeout(timer);
      off();
      resolve(payload as T);
    });
  });
}

/** A business with `count` channels, as the gateway stores them (the keys reference their rows). */
async function business(
  db: Database,
  count: number,
): Promise<Array<{ tenantId: string; channelId: string }>> {
  const tenant = await new TenantsRepository(db).create({ name: 'Salon', timeZone: 'UTC', language: 'en' });
  const channels = new ChannelsRepository(db);
  const refs = [];
  for (let i = 0; i < count; i++)
    refs.push({ tenantId: tenant.id, channelId: (await channels.create(tenant.id, `WhatsApp ${i}`)).id });
  return refs;
}

/** Sends `text` to the customer under a new fixed id and waits for the network's "sent". */
async function sendAndSeeSent(driver: ChannelDriver, text: string): Promise<void> {
  const messageId = `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
  const sent = nextEvent<DeliveryReport>(
    driver,
    'status',
    (r) => r.messageId === messageId && r.status === 'sent',
  );
  await driver.send({ to: CUSTOMER_PHONE, text }, messageId);
  await sent;
}

/** What each thread's drivers are made with, against `server` (never WhatsApp itself). */
function threadSettings(server: { url: string; rootPublicKey: Uint8Array }) {
  return {
    settings: { server, qrTimeoutMs: 20_000, versionCheckMs: undefined },
    clientVersion: new ResolvedClientVersion({
      setting: { kind: 'pin', version: CLIENT_VERSION_FLOOR },
      logger,
    }),
  };
}

const stateIs = (status: DriverState['status']) => (s: DriverState) => s.status === status;

for (const kind of DATABASE_KINDS) {
  describe(`session threads on ${kind}`, { timeout: 90_000 }, () => {
    const fresh = useFreshDatabase(kind);

    test('a channel links, sends and is reported in a thread; a new set of threads logs it in without a scan', async (t) => {
      const sim = await startSimulator({
        qr: { firstRefTtlMs: 20_000, laterRefTtlMs: 20_000 },
        receipts: { deliveryDelayMs: 5, readDelayMs: null },
      });
      t.after(() => sim.stop());
      const gatewayPhone = sim.createPhone({ phone: GATEWAY_PHONE, name: 'Salon', business: true });
      const customer = sim.createPhone({ phone: CUSTOMER_PHONE, name: 'Ann' });
      const secrets = new SecretBox(randomBytes(32));
      const counted: string[] = [];
      let mostInHandshake = 0;
      const threads = (db: Database) =>
        new SessionThreads({
          threads: 2,
          db,
          secrets,
          logger,
          metrics: {
            resends: { inc: (l) => counted.push(`resends:${l.outcome}`) },
            refusals: { inc: (l) => counted.push(`refusals:${l.cause}`) },
            newChatCap: { inc: (l) => counted.push(`newChatCap:${l.status}`) },
          },
          ...threadSettings({ url: sim.protocolUrl, rootPublicKey: sim.rootPublicKey }),
          connectGate: new ConnectGate({
            concurrency: 2,
            clock: systemClock,
            onChange: ({ inHandshake }) => (mostInHandshake = Math.max(mostInHandshake, inHandshake)),
          }),
        });

      const [c1, c2, c3] = await business(fresh.db, 3);
      const first = threads(fresh.db);
      t.after(() => first.close());
      const driver = first.create(c1!, { deviceName: 'Zapgate · Salon' });
      const qr = nextEvent<LinkEvent>(driver, 'link', (e) => e.kind === 'qr');
      const open = nextEvent<DriverState>(driver, 'state', stateIs('open'));
      await driver.open();
      const shown = await qr;
      assert.ok(shown.kind === 'qr' && shown.svg.startsWith('<svg'), 'the QR comes across rendered');
      await gatewayPhone.scan(shown.kind === 'qr' ? shown.raw : '');
      const opened = await open;
      assert.deepEqual(opened.status === 'open' && opened.account.phone, GATEWAY_PHONE);
      assert.equal(driver.state.status, 'open', "the stand-in holds the thread's state");
      assert.ok(mostInHandshake >= 1, "the socket waited for its turn at the main thread's gate");

      // A second channel goes to the other thread; a send on it fails with the driver's own code.
      const idle = first.create(c2!);
      assert.deepEqual(first.spread(), [1, 1]);
      const figures = await first.stats();
      assert.deepEqual(
        figures.map((f) => [f.thread, f.sessions]),
        [
          [0, 1],
          [1, 1],
        ],
      );
      assert.ok(
        figures.every((f) => f.heapUsedBytes > 1_000_000),
        'each thread reports its own heap',
      );
      // Each thread's isolate runs with the bounded young generation (V8's default: up to 192 MB).
      assert.deepEqual(
        figures.map((f) => f.youngGenerationMaxMb),
        [SESSION_THREAD_YOUNG_GENERATION_MB, SESSION_THREAD_YOUNG_GENERATION_MB],
      );
      await assert.rejects(idle.send({ to: CUSTOMER_PHONE, text: 'x' }, 'X1'), (err: unknown) =>
        isAppError(err, 'session_not_open'),
      );

      await sendAndSeeSent(driver, 'Your visit is confirmed');
      await waitUntil(() => customer.inbox().some((m) => m.text === 'Your visit is confirmed'), {
        what: 'the customer got the text',
      });

      // The credentials and keys are in the main thread's database, sealed.
      const [creds] = await fresh.db.query<{ sealed: Uint8Array }>(
        'select sealed from channel_credentials where channel_id = $1',
        [c1!.channelId],
      );
      assert.ok(creds, 'the thread saved the credentials through the main thread');
      assert.ok(!Buffer.from(creds.sealed).toString('latin1').includes('noiseKey'), 'sealed, not in clear');
      const [keyRows] = await fresh.db.query<{ keys: number }>(
        'select count(*)::int as keys from channel_signal_keys where channel_id = $1',
        [c1!.channelId],
      );
      assert.ok((keyRows?.keys ?? 0) > 0, 'the Signal keys were written through the main thread');
      assert.equal(await first.isLinked(c1!.channelId), true);
      assert.equal(await first.isLinked(c2!.channelId), false);

      const stopped = nextEvent<DriverState>(driver, 'state', stateIs('stopped'));
      await driver.close();
      await stopped;
      await first.close();
      assert.throws(
        () => first.create(c3!),
        (err: unknown) => isAppError(err, 'session_stopped'),
      );

      // A restart: new threads, the same database; the channel logs in with what was saved.
      const second = threads(fresh.db);
      t.after(() => second.close());
      const again = second.create(c1!);
      const reopened = nextEvent<DriverState>(again, 'state', stateIs('open'));
      await again.open();
      await reopened;
      await sendAndSeeSent(again, 'See you tomorrow');
      await again.close();
      await second.close();
    });

    test("a thread's writes carry the channel's fence: a stale fence writes nothing", async (t) => {
      const sim = await startSimulator({ qr: { firstRefTtlMs: 20_000, laterRefTtlMs: 20_000 } });
      t.after(() => sim.stop());
      const gatewayPhone = sim.createPhone({ phone: '15550005555', name: 'Studio', business: true });
      const kindOfDrivers = new SessionThreads({
        threads: 1,
        db: fresh.db,
        secrets: new SecretBox(randomBytes(32)),
        logger,
        ...threadSettings({ url: sim.protocolUrl, rootPublicKey: sim.rootPublicKey }),
      });
      t.after(() => kindOfDrivers.close());
      let checks = 0;
      const staleFence: WriteFence = {
        token: 7n,
        stillHeld: () => {
          checks++;
          return Promise.resolve(false);
        },
      };
      const [fenced] = await business(fresh.db, 1);
      const driver = kindOfDrivers.create(fenced!, { fence: staleFence });
      const qr = nextEvent<LinkEvent>(driver, 'link', (e) => e.kind === 'qr');
      await driver.open();
      const shown = await qr;
      await gatewayPhone.scan(shown.kind === 'qr' ? shown.raw : '').catch(() => undefined);
      await waitUntil(() => checks > 0, { what: 'a write of the linked device reached the fence' });
      const rows = await fresh.db.query(
        'select 1 from channel_credentials where channel_id = $1 union all select 1 from channel_signal_keys where channel_id = $1',
        [fenced!.channelId],
      );
      assert.equal(rows.length, 0, "nothing landed under a fence that is no longer the channel's");
      await driver.close();
    });
  });
}

describe('a session thread that stops by itself', { timeout: 60_000 }, () => {
  test('is reported once; its calls fail with session_not_open instead of hanging; close still works', async (t) => {
    const lost: Error[] = [];
    const threads = new SessionThreads({
      threads: 1,
      db: {
        dialect: 'pglite',
        query: () => Promise.resolve([]),
        transaction: () => Promise.resolve(undefined as never),
        close: () => Promise.resolve(),
      },
      secrets: new SecretBox(randomBytes(32)),
      logger,
      // Never WhatsApp itself: a local port nothing listens on.
      ...threadSettings({ url: 'ws://127.0.0.1:9/ws/chat', rootPublicKey: new Uint8Array(32) }),
      onThreadLost: (error) => lost.push(error),
      threadEntry: new URL('../support/failing-session-thread.ts', import.meta.url),
    });
    t.after(() => threads.close());
    await threads.start();
    const driver = threads.create({ tenantId: 't1', channelId: 'c1' });
    await assert.rejects(driver.open(), (err: unknown) => isAppError(err, 'session_not_open'));
    await waitUntil(() => lost.length === 1, { what: 'the lost thread reported' });
    await assert.rejects(driver.send({ to: CUSTOMER_PHONE, text: 'x' }, 'X2'), (err: unknown) =>
      isAppError(err, 'session_not_open'),
    );
    await driver.close();
    assert.equal(lost.length, 1);
  });
});

describe('SESSION_THREADS=0: the sessions in the main thread, as before', { timeout: 90_000 }, () => {
  test('a channel links, survives a restart without a scan, and /metrics shows no session thread', async (t) => {
    const h = await startHarness({ env: { SESSION_THREADS: '0' } });
    t.after(() => h.stop());
    const business = await createBusiness(h, 'Main Thread Salon', 'en', 'UTC');
    const phone = h.sim.createPhone({ phone: '15550006666', business: true });
    await linkChannelByQr(h, business, phone);
    await h.restartGateway();
    await waitUntil(
      async () =>
        (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json.status ===
        'connected',
      { what: 'connected again after the restart', timeoutMs: 20_000 },
    );
    assert.equal(phone.linkedDevices().length, 1, 'the same device, not a new scan');
    const text = await (await fetch(`${h.gateway.url}/metrics`)).text();
    assert.doesNotMatch(text, /zapgate_session_thread_sessions\{/);
  });
});
