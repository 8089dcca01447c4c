import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import type { ChannelChange } from '../../src/channels/channel-changes.js';
import type { LiveLinkState } from '../../src/channels/link-attempt.js';
import { ManualClock } from '../../src/clock.js';
import { ChannelLeases } from '../../src/cluster/channel-leases.js';
import type { LinkCommand } from '../../src/cluster/cluster-link-window.js';
import { LinkRelay, type LocalLinks } from '../../src/cluster/link-relay.js';
import { PostgresNotifyBus, type ClusterMessage } from '../../src/cluster/notify-bus.js';
import { AppError, isAppError } from '../../src/domain/errors.js';
import type { Queryable } from '../../src/store/database.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { freshDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/databases.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Issue 14, link windows across nodes (src/cluster/link-relay.ts, notify-bus.ts) on PostgreSQL:
 * what NOTIFY carries is sealed, a command forwarded to the holder is answered once the holder did
 * it, and a relayed QR stops counting when its node no longer holds the channel's lease.
 */
const logger = pino({ level: 'silent' });
const T0 = new Date('2026-03-02T12:00:00Z');
/** What a QR encodes (ref, keys): anyone holding it links a phone to the channel. */
const QR_RAW = '2@QrRefThatLinksAPhone9f3c,NoiseKeyB64QmFzZTY0,IdentityKeyB64SWRlbnRpdHk,AdvSecretB64QWR2';
const PAIRING_CODE = 'K7QX2MWP';

async function schemaOf(db: Queryable): Promise<string> {
  const [row] = await db.query<{ schema: string }>('select current_schema() as schema');
  return row!.schema;
}

/** A tenant with one channel that is being linked (written directly). */
async function linkingChannel(db: Queryable): Promise<ChannelChange> {
  const tenantId = `t_${randomBytes(4).toString('hex')}`;
  const channelId = `ch_${tenantId}`;
  await db.query(`insert into tenants (id, name, time_zone, language) values ($1, 'Salon', 'UTC', 'en')`, [
    tenantId,
  ]);
  await db.query(
    `insert into channels (id, tenant_id, name, status) values ($1, $2, 'Front desk', 'showing_qr')`,
    [channelId, tenantId],
  );
  return { tenantId, channelId };
}

/** A node's link window as the relay sees it: a settable state, and the commands it was asked to run. */
class FakeLinks implements LocalLinks {
  readonly states = new Map<string, LiveLinkState>();
  readonly ran: LinkCommand[] = [];
  /** What the next command does (resolves by default). */
  next: () => Promise<void> = () => Promise.resolve();
  state(channelId: string): LiveLinkState | undefined {
    return this.states.get(channelId);
  }
  run(_channel: unknown, command: LinkCommand): Promise<void> {
    this.ran.push(command);
    return this.next();
  }
}

const qrState = (raw: string, windowEndsAt: number): LiveLinkState => ({
  link: {
    qr: { raw, svg: '<svg/>', expiresAt: windowEndsAt - 60_000, ttlMs: 20_000, sequence: 1 },
    needsPairingPhone: false,
    windowEndsAt,
    waitingSince: T0.getTime(),
  },
  linkWindowEnded: false,
});

describe('link windows across nodes on PostgreSQL', () => {
  let t: TestDatabase;
  let schema: string;
  const secrets = new SecretBox(randomBytes(32));
  const buses: PostgresNotifyBus[] = [];
  const bus = async (nodeId: string, box = secrets, busLogger?: Logger): Promise<PostgresNotifyBus> => {
    const started = await PostgresNotifyBus.start({
      nodeId,
      url: TEST_POSTGRES_URL,
      schema,
      db: t.db,
      secrets: box,
      ...(busLogger ? { logger: busLogger } : {}),
    });
    buses.push(started);
    return started;
  };
  before(async () => {
    t = await freshDatabase('postgres');
    schema = await schemaOf(t.db);
  });
  after(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await t.dispose();
  });

  test("NOTIFY's text holds neither a QR's raw text nor a pairing code; a node with another key hears nothing", async () => {
    const listener = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (note) => payloads.push(note.payload ?? ''));
    await listener.query(`listen zapgate_${schema}`);
    try {
      // The stranger's bus says when it dropped a payload it could not open (its one warning).
      const strangerWarnings: string[] = [];
      const strangerLogger = pino(
        { level: 'warn' },
        { write: (line: string) => void strangerWarnings.push(line) },
      );
      const [a, b, stranger] = [
        await bus('a'),
        await bus('b'),
        await bus('x', new SecretBox(randomBytes(32)), strangerLogger),
      ];
      const heardByB: ClusterMessage[] = [];
      const heardByStranger: ClusterMessage[] = [];
      b.subscribe((m) => heardByB.push(m));
      stranger.subscribe((m) => heardByStranger.push(m));
      const link = {
        qr: { raw: QR_RAW, expiresAt: T0.getTime() + 20_000, ttlMs: 20_000, sequence: 3 },
        pairingCode: { code: PAIRING_CODE, expiresAt: T0.getTime() + 60_000 },
        needsPairingPhone: false,
        windowEndsAt: T0.getTime() + 180_000,
        waitingSince: T0.getTime(),
      };
      await a.publish('channel.link', { tenantId: 't', channelId: 'c', link, linkWindowEnded: false });
      const [heard] = await waitUntil(() => heardByB.length > 0 && heardByB, { what: 'b hears a' });
      assert.deepEqual(heard!.data, { tenantId: 't', channelId: 'c', link, linkWindowEnded: false });
      await waitUntil(() => payloads.length > 0, { what: 'the NOTIFY seen by a plain listener' });
      for (const payload of payloads) {
        assert.ok(!payload.includes(QR_RAW) && !payload.includes('QrRefThatLinksAPhone'), 'no QR text');
        assert.ok(!payload.includes(PAIRING_CODE) && !payload.includes('K7QX-2MWP'), 'no pairing code');
        assert.ok(!payload.includes('channel.link'), 'not even the topic');
      }
      await waitUntil(() => strangerWarnings.length > 0, { what: "the stranger's bus dropping the payload" });
      assert.equal(heardByStranger.length, 0, 'a payload that does not open is dropped');
    } finally {
      await listener.end();
    }
  });

  test('a forwarded command is answered once its node did it, with its error, or "under way" when it does not answer', async () => {
    const channel = await linkingChannel(t.db);
    const clock = new ManualClock(T0);
    const relay = (nodeId: string) =>
      new LinkRelay({
        nodeId,
        leases: new ChannelLeases(t.db, 60_000),
        tellHere: () => undefined,
        clock,
        logger,
        commandTimeoutMs: 400,
      });
    const [a, b] = [relay('fa'), relay('fb')];
    const linksB = new FakeLinks();
    const offs = [a.connect(await bus('fa'), new FakeLinks()), b.connect(await bus('fb'), linksB)];
    try {
      let finish!: () => void;
      linksB.next = () => new Promise<void>((resolve) => (finish = () => resolve()));
      let answered = false;
      const sent = a.forward(channel, 'fb', { kind: 'reset' }).then(() => (answered = true));
      // An answer that does not wait for the holder would have come before b even heard the command.
      await waitUntil(() => linksB.ran.length === 1, { what: 'b runs the reset' });
      assert.equal(answered, false, 'no answer before the holder has done it');
      finish();
      await sent;
      assert.deepEqual(linksB.ran, [{ kind: 'reset' }]);

      linksB.next = () =>
        Promise.reject(new AppError('conflict', 'Another gateway node is linking this channel.'));
      await assert.rejects(a.forward(channel, 'fb', { kind: 'delete' }), (err) => {
        assert.ok(isAppError(err, 'conflict'), String(err));
        assert.equal(err.publicMessage, 'Another gateway node is linking this channel.');
        return true;
      });

      // The refusal can arrive before the sender's own publish has returned (the bus listens on a
      // connection of its own): it is still the sender's answer, and never an unhandled rejection.
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const slowBus = await bus('fs');
        const slow = relay('fs');
        // The publish returns only once the answer has been heard (and has settled the forward),
        // one turn of the event loop later: by then an answer without a handler has been reported.
        let answerHeard!: () => void;
        const heard = new Promise<void>((resolve) => (answerHeard = resolve));
        const subscribe = slowBus.subscribe.bind(slowBus);
        slowBus.subscribe = (listener) =>
          subscribe((message) => {
            listener(message);
            if (message.topic === 'link.done') answerHeard();
          });
        const publish = slowBus.publish.bind(slowBus);
        slowBus.publish = async (...args: Parameters<typeof publish>) => {
          await publish(...args);
          await heard;
          await new Promise((resolve) => setImmediate(resolve));
        };
        offs.push(slow.connect(slowBus, new FakeLinks()));
        await assert.rejects(slow.forward(channel, 'fb', { kind: 'delete' }), (err) =>
          isAppError(err, 'conflict'),
        );
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(unhandled, [], 'no unhandled rejection');
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }

      // A node that is not there (died after the look-up): the sender says so, it does not wait on.
      await assert.rejects(a.forward(channel, 'gone', { kind: 'mode' }), (err) => {
        assert.ok(isAppError(err, 'not_ready'), String(err));
        assert.match(err.publicMessage, /under way/);
        return true;
      });
    } finally {
      for (const off of offs) off();
    }
  });

  test("a relayed QR counts while its node holds the lease; then 'Still connecting…', then the next holder's QR", async () => {
    const channel = await linkingChannel(t.db);
    const clock = new ManualClock(T0);
    const leases = new ChannelLeases(t.db, 60_000);
    const toldOnA: ChannelChange[] = [];
    const relay = (nodeId: string, tell: (change: ChannelChange) => void = () => undefined) =>
      new LinkRelay({ nodeId, leases, tellHere: tell, clock, logger });
    const a = relay('va', (change) => toldOnA.push(change));
    const b = relay('vb');
    const c = relay('vc');
    const [linksB, linksC] = [new FakeLinks(), new FakeLinks()];
    const offs = [
      a.connect(await bus('va'), new FakeLinks()),
      b.connect(await bus('vb'), linksB),
      c.connect(await bus('vc'), linksC),
    ];
    try {
      const windowEndsAt = T0.getTime() + 180_000;
      assert.ok(await leases.acquire(channel.channelId, 'vb'), 'b claimed the channel to link it');
      linksB.states.set(channel.channelId, qrState(QR_RAW, windowEndsAt));
      b.relay(channel);
      const shown = await waitUntil(() => a.relayedState(channel.channelId)?.link?.qr, {
        what: "b's QR on a",
      });
      assert.equal(shown.raw, QR_RAW);
      assert.match(shown.svg, /^<svg/, 'drawn on a');
      await a.dropStale();
      assert.equal(a.relayedState(channel.channelId)?.link?.qr?.raw, QR_RAW, 'b still holds the lease');

      // b dies: its lease runs out (the database's clock), and nothing more comes from it.
      await t.db.query(`update channel_leases set expires_at = now() where channel_id = $1`, [
        channel.channelId,
      ]);
      const told = toldOnA.length;
      await a.dropStale();
      const waiting = a.relayedState(channel.channelId);
      assert.equal(waiting?.link?.qr, undefined, "b's last QR is no longer shown");
      assert.deepEqual(waiting?.link?.stalled, { stage: 'slow', cause: 'no_answer' });
      assert.equal(waiting?.link?.windowEndsAt, windowEndsAt);
      assert.equal(toldOnA.length, told + 1, "a's viewers are told");
      await a.dropStale();
      assert.ok(a.relayedState(channel.channelId)?.link?.stalled, 'still connecting while the window lasts');

      // c takes the channel and links it: its QR is what a shows, and it counts.
      assert.ok(await leases.acquire(channel.channelId, 'vc'));
      linksC.states.set(channel.channelId, qrState('2@TheNextHoldersQr', windowEndsAt));
      c.relay(channel);
      await waitUntil(() => a.relayedState(channel.channelId)?.link?.qr?.raw === '2@TheNextHoldersQr', {
        what: "c's QR on a",
      });
      await a.dropStale();
      assert.equal(a.relayedState(channel.channelId)?.link?.qr?.raw, '2@TheNextHoldersQr');

      // c dies too, and the window ends with nobody linking: it says so.
      await t.db.query(`update channel_leases set expires_at = now() where channel_id = $1`, [
        channel.channelId,
      ]);
      await a.dropStale();
      assert.ok(a.relayedState(channel.channelId)?.link?.stalled);
      clock.advance(180_001);
      await a.dropStale();
      assert.deepEqual(a.relayedState(channel.channelId), { link: undefined, linkWindowEnded: true });
    } finally {
      for (const off of offs) off();
    }
  });
});
