// The WhatsApp driver end to end: LinkedDeviceSession over unmodified Baileys against the simulator.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { pino } from 'pino';
import {
  SimulatorError,
  startSimulator,
  type Simulator,
  type VirtualPhone,
} from '../../src/simulator/index.js';
import {
  LinkedDeviceSession,
  type LinkedDeviceSessionOptions,
} from '../../src/whatsapp/linked-device-session.js';
import { MemoryAuthStateStore } from '../../src/whatsapp/memory-auth-state-store.js';
import type { MessageStatusEvent, SessionState, SessionStatus } from '../../src/whatsapp/session-events.js';
import { waitForEvent, waitUntil } from '../support/wait-for.js';

const TEST_TIMEOUT_MS = 45_000;
/** Simulator and client agree on one ref lifetime (Baileys applies qrTimeout to every ref). */
const QR_TTL_MS = 20_000;
const GATEWAY_PHONE = '15550001111';
const CUSTOMER_PHONE = '15550002222';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

interface Harness {
  sim: Simulator;
  store: MemoryAuthStateStore;
  gatewayPhone: VirtualPhone;
  newSession(overrides?: Partial<LinkedDeviceSessionOptions>): LinkedDeviceSession;
}

async function setup(
  t: TestContext,
  opts: { qrTtlMs?: number; refCount?: number; readDelayMs?: number | null } = {},
): Promise<Harness> {
  const qrTtlMs = opts.qrTtlMs ?? QR_TTL_MS;
  const sim = await startSimulator({
    qr: {
      firstRefTtlMs: qrTtlMs,
      laterRefTtlMs: qrTtlMs,
      ...(opts.refCount ? { refCount: opts.refCount } : {}),
    },
    receipts: { deliveryDelayMs: 30, readDelayMs: opts.readDelayMs === undefined ? null : opts.readDelayMs },
  });
  const store = new MemoryAuthStateStore();
  const sessions: LinkedDeviceSession[] = [];
  t.after(async () => {
    for (const s of sessions) await s.stop();
    await sim.stop();
  });
  return {
    sim,
    store,
    gatewayPhone: sim.createPhone({ phone: GATEWAY_PHONE, name: 'Salon', business: true }),
    newSession(overrides = {}) {
      const session = new LinkedDeviceSession({
        channelId: `ch-${sessions.length + 1}`,
        authStore: store,
        server: { url: sim.protocolUrl, rootPublicKey: sim.rootPublicKey },
        logger,
        qrTimeoutMs: qrTtlMs,
        reconnect: { baseDelayMs: 50, maxDelayMs: 400 },
        ...overrides,
      });
      sessions.push(session);
      return session;
    },
  };
}

type StateOf<S extends SessionStatus> = Extract<SessionState, { status: S }>;

function waitForState<S extends SessionStatus>(
  session: LinkedDeviceSession,
  status: S,
  timeoutMs = 10_000,
): Promise<StateOf<S>> {
  if (session.state.status === status) return Promise.resolve(session.state as StateOf<S>);
  return waitForEvent(session, 'state', {
    where: (s) => s.status === status,
    timeoutMs,
    what: `session state "${status}" (now "${session.state.status}")`,
  }) as Promise<StateOf<S>>;
}

function recordStates(session: LinkedDeviceSession): SessionStatus[] {
  const seen: SessionStatus[] = [];
  session.on('state', (s) => seen.push(s.status));
  return seen;
}

function recordStatuses(session: LinkedDeviceSession): MessageStatusEvent[] {
  const seen: MessageStatusEvent[] = [];
  session.on('message_status', (s) => seen.push(s));
  return seen;
}

/** Starts the session, scans its first QR with `phone`, and waits for the open session. */
async function linkByQr(session: LinkedDeviceSession, phone: VirtualPhone): Promise<StateOf<'open'>> {
  const qr = waitForEvent(session, 'qr', { what: 'the first QR code' });
  const open = waitForState(session, 'open', 15_000);
  await session.start();
  await phone.scan((await qr).qr);
  return open;
}

/** One bounded scenario (node:test subtests do not inherit the suite's timeout). */
function scenario(name: string, fn: (t: TestContext) => Promise<void>): void {
  void test(name, { timeout: TEST_TIMEOUT_MS }, fn);
}

const newMessageId = (): string => `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;

async function rejectsWithSimulatorCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof SimulatorError, `expected a SimulatorError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

describe('LinkedDeviceSession against the simulator', { timeout: 10 * 60_000 }, () => {
  scenario('QR link: scan → linked → 515 restart → open', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    const states = recordStates(session);
    const linked = waitForEvent(session, 'linked');
    const open = await linkByQr(session, h.gatewayPhone);

    assert.deepEqual(await linked, {
      phone: GATEWAY_PHONE,
      platform: open.platform,
      business: open.business,
    });
    assert.equal(open.me.phone, GATEWAY_PHONE);
    assert.ok(open.me.device > 0, 'a linked device is never device 0');
    assert.ok(open.me.lid, 'the server tells the device its LID');
    assert.ok(states.includes('awaiting_scan'));
    assert.ok(!states.includes('reconnecting'), 'the 515 restart is not a failure');
    assert.equal(h.gatewayPhone.linkedDevices().length, 1);
    assert.ok(h.store.hasCreds, 'credentials are saved');
  });

  scenario('QR rotation, then qr_expired when the refs run out (no loop)', async (t) => {
    const h = await setup(t, { qrTtlMs: 300, refCount: 3 });
    const session = h.newSession();
    const states = recordStates(session);
    const qrs: Array<{ qr: string; ttlMs: number }> = [];
    session.on('qr', (q) => qrs.push(q));
    const expired = waitForState(session, 'qr_expired');
    await session.start();
    await expired;

    assert.equal(qrs.length, 3, 'one QR per ref');
    assert.equal(new Set(qrs.map((q) => q.qr)).size, 3, 'each QR is new');
    assert.ok(qrs.every((q) => q.ttlMs === 300));
    assert.equal(states.at(-1), 'qr_expired');
    assert.ok(!states.includes('reconnecting'), 'expiry is final: the gateway decides when to offer again');
    assert.equal(session.state.status, 'qr_expired');
  });

  scenario('an expired QR (a screenshot) is refused; the live one links', async (t) => {
    const h = await setup(t, { qrTtlMs: 1_500, refCount: 6 });
    const session = h.newSession();
    const first = waitForEvent(session, 'qr');
    await session.start();
    const old = (await first).qr;
    const second = await waitForEvent(session, 'qr', { what: 'the rotated QR' });
    assert.notEqual(second.qr, old);

    await rejectsWithSimulatorCode(h.gatewayPhone.scan(old), 'qr_expired');
    const open = waitForState(session, 'open', 15_000);
    await h.gatewayPhone.scan(second.qr);
    await open;
  });

  scenario('pairing-code link', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    let qrEvents = 0;
    session.on('qr', () => (qrEvents += 1));
    const announced = waitForEvent(session, 'pairing_code');
    const code = await session.requestPairingCode(`+${GATEWAY_PHONE}`);

    assert.match(code, /^[1-9A-HJ-NP-TV-Z]{8}$/);
    assert.equal((await announced).code, code);
    assert.deepEqual(session.state, { status: 'pairing_code', phone: GATEWAY_PHONE, code });
    const open = waitForState(session, 'open', 15_000);
    const linked = waitForEvent(session, 'linked');
    await h.gatewayPhone.enterPairingCode(code);
    assert.equal((await linked).phone, GATEWAY_PHONE);
    assert.equal((await open).me.phone, GATEWAY_PHONE);
    assert.equal(qrEvents, 0, 'code mode shows no QR');
  });

  scenario('a wrong pairing code is refused', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    const code = await session.requestPairingCode(GATEWAY_PHONE);
    const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    await rejectsWithSimulatorCode(h.gatewayPhone.enterPairingCode(wrong), 'code_wrong');
    assert.equal(h.gatewayPhone.linkedDevices().length, 0);
    assert.equal(session.state.status, 'pairing_code');
  });

  scenario('a second pairing-code request issues a new code that links', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    const first = await session.requestPairingCode(GATEWAY_PHONE);
    const second = await session.requestPairingCode(GATEWAY_PHONE);
    assert.notEqual(second, first);
    const open = waitForState(session, 'open', 15_000);
    await h.gatewayPhone.enterPairingCode(second);
    await open;
  });

  scenario('switching from QR to a pairing code while the first QR is shown', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    const firstQr = waitForEvent(session, 'qr');
    await session.start();
    await firstQr;
    const code = await session.requestPairingCode(GATEWAY_PHONE);
    assert.equal(session.state.status, 'pairing_code');
    const open = waitForState(session, 'open', 15_000);
    await h.gatewayPhone.enterPairingCode(code);
    await open;
  });

  scenario('restart with saved credentials logs in without a new scan', async (t) => {
    const h = await setup(t);
    const first = h.newSession();
    const linkedAs = await linkByQr(first, h.gatewayPhone);
    await first.stop();
    assert.equal(first.state.status, 'stopped');

    const second = h.newSession();
    let qrEvents = 0;
    second.on('qr', () => (qrEvents += 1));
    const open = waitForState(second, 'open');
    await second.start();
    const reopened = await open;
    assert.deepEqual(reopened.me, linkedAs.me);
    assert.equal(qrEvents, 0);
    assert.equal(h.gatewayPhone.linkedDevices().length, 1);
  });

  scenario('send → server ack → delivered → read', async (t) => {
    const h = await setup(t, { readDelayMs: 150 });
    const customer = h.sim.createPhone({ phone: CUSTOMER_PHONE, name: 'Alice' });
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    const statuses = recordStatuses(session);
    const messageId = newMessageId();
    const read = waitForEvent(session, 'message_status', {
      where: (s) => s.messageId === messageId && s.status === 'read',
      what: 'the read receipt',
    });
    await session.sendText(CUSTOMER_PHONE, 'Your appointment is tomorrow at 10:00', { messageId });
    await read;

    assert.deepEqual(
      statuses.filter((s) => s.messageId === messageId).map((s) => s.status),
      ['server_ack', 'delivered', 'read'],
    );
    const got = await waitUntil(() => customer.inbox().find((m) => m.id === messageId), {
      what: 'the message in the inbox',
    });
    assert.equal(got.text, 'Your appointment is tomorrow at 10:00');
    assert.equal(got.fromPhone, GATEWAY_PHONE);
  });

  scenario('receive: a customer writes to the business', async (t) => {
    const h = await setup(t);
    const customer = h.sim.createPhone({ phone: CUSTOMER_PHONE, name: 'Alice' });
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    const inbound = waitForEvent(session, 'inbound', { where: (m) => m.text === 'Can I come at 11?' });
    const { id } = await customer.sendMessage(GATEWAY_PHONE, 'Can I come at 11?');
    const message = await inbound;
    assert.equal(message.id, id);
    assert.equal(message.fromPhone, CUSTOMER_PHONE);
    assert.ok(message.timestamp > Date.now() - 60_000 && message.timestamp <= Date.now() + 5_000);
  });

  scenario('receive: messages written while the gateway was offline arrive after it logs in', async (t) => {
    const h = await setup(t);
    const customer = h.sim.createPhone({ phone: CUSTOMER_PHONE, name: 'Alice' });
    const first = h.newSession();
    await linkByQr(first, h.gatewayPhone);
    await first.stop();
    const { id: firstId } = await customer.sendMessage(GATEWAY_PHONE, 'Are you open on Saturday?');
    const { id: secondId } = await customer.sendMessage(GATEWAY_PHONE, 'Never mind, see you at 10');

    const second = h.newSession();
    const received: string[] = [];
    second.on('inbound', (m) => received.push(m.id));
    await second.start();
    await waitUntil(() => received.length >= 2, { what: 'both queued messages' });
    assert.deepEqual(received, [firstId, secondId]);
  });

  scenario('reconnect after a dropped connection', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    const reconnecting = waitForState(session, 'reconnecting');
    h.sim.injectFault({ kind: 'drop', phone: GATEWAY_PHONE });
    const r = await reconnecting;
    assert.equal(r.cause, 'connection_closed');
    assert.equal(r.attempt, 1);
    assert.ok(r.delayMs >= 25 && r.delayMs <= 50);
    await waitForState(session, 'open');
    // A successful open resets the backoff: the next loss is attempt 1 again.
    const again = waitForState(session, 'reconnecting');
    h.sim.injectFault({ kind: 'drop', phone: GATEWAY_PHONE });
    assert.equal((await again).attempt, 1);
    await waitForState(session, 'open');
  });

  scenario('reconnect after the server goes silent (keep-alive)', async (t) => {
    const h = await setup(t);
    const session = h.newSession({ keepAliveIntervalMs: 500 });
    await linkByQr(session, h.gatewayPhone);
    const reconnecting = waitForState(session, 'reconnecting', 15_000);
    h.sim.injectFault({ kind: 'silence', phone: GATEWAY_PHONE });
    assert.equal((await reconnecting).cause, 'connection_lost');
    await waitForState(session, 'open', 15_000);
  });

  scenario('keep-alive pings come about every interval, each timed on its own (no herd)', async (t) => {
    const h = await setup(t);
    const session = h.newSession({ keepAliveIntervalMs: 400 });
    await linkByQr(session, h.gatewayPhone);
    const pings: number[] = [];
    const onPing = ({ phone }: { phone: string }) => {
      if (phone === GATEWAY_PHONE) pings.push(performance.now());
    };
    h.sim.events.on('keep-alive', onPing);
    t.after(() => h.sim.events.off('keep-alive', onPing));
    const countingFrom = Date.now();
    await waitUntil(() => pings.length >= 11, { what: 'eleven keep-alive pings', timeoutMs: 15_000 });
    // The simulator's control API counts them too, by second (what bench scale reads per window).
    const pace = (await (
      await fetch(`${h.sim.controlUrl}/stats/keep-alive?from=${countingFrom}&to=${Date.now() + 1_000}`)
    ).json()) as { seconds: { pings: number }[] };
    const counted = pace.seconds.reduce((sum, s) => sum + s.pings, 0);
    assert.ok(counted >= 11, `the control API counted ${counted} pings, the events ${pings.length}`);
    const backwards = await fetch(`${h.sim.controlUrl}/stats/keep-alive?from=2000&to=1000`);
    assert.equal(backwards.status, 400);
    assert.match(((await backwards.json()) as { error: { message: string } }).error.message, /from/);
    const gaps = pings.slice(1).map((at, i) => at - pings[i]!);
    assert.ok(gaps.length >= 10, `10 gaps between pings, got ${gaps.length}`);
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    assert.ok(
      median >= 340 && median <= 520,
      `pings about every 400 ms (median gap ${median.toFixed(0)} ms)`,
    );
    // Up to ±40 ms of jitter each: ten gaps all within 15 ms of each other would be a fixed interval
    // (a setInterval re-anchors where it fires, so sockets delayed together stay together).
    assert.ok(sorted.at(-1)! - sorted[0]! >= 15, `gaps vary: ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
  });

  scenario('replaced (440) is final: no reconnect', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    const states = recordStates(session);
    const replaced = waitForState(session, 'replaced');
    h.sim.injectFault({ kind: 'replace', phone: GATEWAY_PHONE });
    await replaced;
    assert.deepEqual(states, ['replaced']);
    assert.ok(h.store.hasCreds, 'a replaced device is still linked: keep its credentials');
  });

  scenario('removed on the phone (401) is final and forgets the credentials', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    const open = await linkByQr(session, h.gatewayPhone);
    const states = recordStates(session);
    const removed = waitForState(session, 'removed');
    h.gatewayPhone.removeDevice(open.me.device);
    assert.equal((await removed).reason, 'device_removed');
    assert.deepEqual(states, ['removed']);
    assert.equal(h.store.hasCreds, false);
    assert.equal(h.gatewayPhone.linkedDevices().length, 0);
  });

  scenario('login refused with 503: retried with backoff until the server accepts again', async (t) => {
    const h = await setup(t);
    const first = h.newSession();
    await linkByQr(first, h.gatewayPhone);
    await first.stop();
    h.sim.injectFault({ kind: 'refuse-logins', phone: GATEWAY_PHONE, enabled: true, reason: 503 });
    const session = h.newSession();
    const retries: Array<{ attempt: number; cause: string }> = [];
    session.on('state', (s) => {
      if (s.status === 'reconnecting') retries.push({ attempt: s.attempt, cause: s.cause });
    });
    const third = waitForEvent(session, 'state', {
      where: (s) => s.status === 'reconnecting' && s.attempt === 3,
      what: 'the third retry',
    });
    await session.start();
    await third;
    assert.deepEqual(
      retries,
      [1, 2, 3].map((attempt) => ({ attempt, cause: 'service_unavailable' })),
    );
    const open = waitForState(session, 'open');
    h.sim.injectFault({ kind: 'refuse-logins', phone: GATEWAY_PHONE, enabled: false });
    await open;
  });

  scenario('login refused with 401 → removed (login_refused), no retry', async (t) => {
    const h = await setup(t);
    const first = h.newSession();
    await linkByQr(first, h.gatewayPhone);
    await first.stop();
    h.sim.injectFault({ kind: 'refuse-logins', phone: GATEWAY_PHONE, enabled: true, reason: 401 });
    const session = h.newSession();
    const states = recordStates(session);
    const removed = waitForState(session, 'removed');
    await session.start();
    assert.equal((await removed).reason, 'login_refused');
    assert.deepEqual(states, ['connecting', 'removed']);
    assert.equal(h.store.hasCreds, false);
  });

  scenario('logout unlinks the device on the phone and forgets the credentials', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    await session.logout();
    assert.deepEqual(session.state, { status: 'removed', reason: 'logged_out' });
    assert.equal(h.store.hasCreds, false);
    await waitUntil(() => h.gatewayPhone.linkedDevices().length === 0, {
      what: 'the phone to drop the device',
    });
    // Linking again starts from scratch: a QR.
    const qr = waitForEvent(session, 'qr');
    await session.start();
    await qr;
  });

  scenario('479 error ack → failed / rejected', async (t) => {
    const h = await setup(t);
    h.sim.createPhone({ phone: CUSTOMER_PHONE, name: 'Alice' });
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    h.sim.injectFault({ kind: 'error-ack', phone: GATEWAY_PHONE, code: 479 });
    const messageId = newMessageId();
    const failed = waitForEvent(session, 'message_status', { where: (s) => s.messageId === messageId });
    await session.sendText(CUSTOMER_PHONE, 'Hi', { messageId });
    assert.deepEqual(await failed, { messageId, status: 'failed', errorCode: 479, reason: 'rejected' });
  });

  scenario('sending needs an open session', async (t) => {
    const h = await setup(t);
    const session = h.newSession();
    await assert.rejects(session.sendText(CUSTOMER_PHONE, 'Hi', { messageId: newMessageId() }), {
      name: 'AppError',
      code: 'session_not_open',
    });
  });

  scenario('463 error ack → failed / restricted, reported once', async (t) => {
    const h = await setup(t);
    h.sim.createPhone({ phone: CUSTOMER_PHONE, name: 'Alice' });
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    const statuses = recordStatuses(session);
    h.sim.injectFault({ kind: 'error-ack', phone: GATEWAY_PHONE, code: 463, count: 1 });
    const refused = newMessageId();
    const failed = waitForEvent(session, 'message_status', { where: (s) => s.messageId === refused });
    await session.sendText(CUSTOMER_PHONE, 'Hello from a new number', { messageId: refused });
    assert.deepEqual(await failed, {
      messageId: refused,
      status: 'failed',
      errorCode: 463,
      reason: 'restricted',
      // The simulator's injected 463 is a timelock, as WhatsApp's timelock query then says.
      refusal: { cause: 'timelock' },
    });

    // The next message goes through; by its ack any duplicate report of the first would be in.
    const accepted = newMessageId();
    const ack = waitForEvent(session, 'message_status', {
      where: (s) => s.messageId === accepted && s.status === 'server_ack',
    });
    await session.sendText(CUSTOMER_PHONE, 'Second try', { messageId: accepted });
    await ack;
    assert.deepEqual(
      statuses.filter((s) => s.messageId === refused).map((s) => s.status),
      ['failed'],
    );
  });

  scenario('not-on-WhatsApp check', async (t) => {
    const h = await setup(t);
    h.sim.createPhone({ phone: CUSTOMER_PHONE, name: 'Alice' });
    h.sim.createPhone({ phone: '15550003333', hasWhatsApp: false });
    const session = h.newSession();
    await linkByQr(session, h.gatewayPhone);
    const result = await session.onWhatsApp(['15550003333', `+${CUSTOMER_PHONE}`]);
    assert.deepEqual(result, [
      { phone: '15550003333', exists: false },
      { phone: `+${CUSTOMER_PHONE}`, exists: true, jid: `${CUSTOMER_PHONE}@s.whatsapp.net` },
    ]);
  });
});
