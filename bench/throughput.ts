/**
 * Dispatch throughput (issue 4): delivered messages per second with pacing off over N channels, the
 * gateway end to end (accept over the API → dispatcher → driver → simulator → delivery receipt →
 * `delivered` stored) against raw Baileys `sendMessage` loops on the same simulator process.
 *
 * Every side links its own fresh business phones and writes to its own fresh recipients, so each
 * (sender, recipient) pair starts without a Signal session on every side (usync + pre-key fetch on
 * the first message, as for a notification to a new client).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { proto, type BinaryNode, type WAMessageUpdate, type WASocket } from 'baileys';
import {
  closeStatus,
  newRawAuth,
  openRawSocket,
  trustSimulator,
  type RawAuth,
} from '../test/support/raw-baileys-client.js';
import { createBusiness, startBenchGateway, type AcceptDatabase } from './accept-rate.js';
import type { Database } from '../src/store/database.js';
import { ControlClient } from './control-client.js';
import { forEachLimited, sleep, withDeadline } from './deadline.js';
import type { SimulatorEndpoint } from './simulator-process.js';

export interface ThroughputOptions {
  readonly channels: number;
  readonly perChannel: number;
  /** Gateway sides, one per database. */
  readonly databases: readonly AcceptDatabase[];
  readonly postgresUrl: string;
  readonly linkConcurrency: number;
  readonly log: (line: string) => void;
  /** Experiments: wrap the gateway's database (e.g. to count statements per message). */
  readonly wrapDb?: (db: Database) => Database;
  /** Which sides to run (default all). */
  readonly only?: readonly ('gateway' | 'raw')[];
}

export type ThroughputSideKind = 'gateway' | 'raw' | 'raw_ack';

export interface ThroughputSide {
  /** gateway: the whole gateway; raw: `await sendMessage` loops; raw_ack: loops that also await the server ack. */
  readonly kind: ThroughputSideKind;
  readonly database?: AcceptDatabase;
  readonly channels: number;
  readonly messages: number;
  readonly delivered: number;
  readonly failed: number;
  /** First accept (or first send) → last delivery receipt (gateway: last `delivered` stored). */
  readonly elapsedMs: number;
  readonly deliveredPerSecond: number;
  /** Gateway only: how long accepting all messages over the API took. */
  readonly acceptMs?: number;
  /** Linking all channels before the measurement (not counted). */
  readonly linkMs: number;
  readonly loadAverage: number[];
}

export interface ThroughputResult {
  readonly channels: number;
  readonly perChannel: number;
  readonly sides: ThroughputSide[];
  /** gateway delivered/s ÷ raw delivered/s, per database. */
  readonly ratios: Partial<Record<AcceptDatabase, number>>;
  readonly errors: string[];
}

const LINK_TIMEOUT_MS = 60_000;
const API_TIMEOUT_MS = 30_000;
/** The whole send phase of one side, from first accept to last delivery. */
const DELIVERY_DEADLINE_MS = 10 * 60_000;
export const TEXT = 'Olá! Seu horário de sexta-feira às 10:30 está confirmado. Responda C para cancelar.';

/** 13-digit Brazilian mobile numbers, one range per side and role, so no two sides share a phone. */
const phoneOf = (range: number, index: number): string =>
  `55319${String(range)}${String(index).padStart(7, '0')}`;

export async function runThroughput(
  endpoint: SimulatorEndpoint,
  opts: ThroughputOptions,
): Promise<ThroughputResult> {
  const control = new ControlClient(endpoint.controlUrl);
  const sides: ThroughputSide[] = [];
  const errors: string[] = [];
  let range = 0;
  const plan = (): { senders: string[]; recipients: string[] } => {
    const senderRange = range++;
    const recipientRange = range++;
    return {
      senders: Array.from({ length: opts.channels }, (_, i) => phoneOf(senderRange, i)),
      recipients: Array.from({ length: opts.channels }, (_, i) => phoneOf(recipientRange, i)),
    };
  };
  const total = opts.channels * opts.perChannel;
  const describe = (side: ThroughputSide): string =>
    `${side.delivered}/${side.messages} delivered in ${(side.elapsedMs / 1000).toFixed(2)} s = ` +
    `${side.deliveredPerSecond.toFixed(0)}/s` +
    (side.failed ? `, ${side.failed} failed` : '') +
    ` (linking took ${(side.linkMs / 1000).toFixed(1)} s)`;

  for (const database of opts.only && !opts.only.includes('gateway') ? [] : opts.databases) {
    opts.log(`throughput, gateway on ${database}: ${opts.channels} channels × ${opts.perChannel} messages`);
    try {
      const side = await gatewaySide(endpoint, control, database, plan(), opts);
      opts.log(`throughput, gateway on ${database}: ${describe(side)}`);
      sides.push(side);
    } catch (err) {
      errors.push(`throughput, gateway on ${database}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!opts.only || opts.only.includes('raw'))
    opts.log(`throughput, raw Baileys: ${opts.channels} sockets × ${opts.perChannel} messages, twice`);
  if (!opts.only || opts.only.includes('raw'))
    try {
      for (const side of await rawSides(endpoint, control, plan(), plan().recipients, opts)) {
        opts.log(`throughput, ${side.kind}: ${describe(side)}`);
        sides.push(side);
      }
    } catch (err) {
      errors.push(`throughput, raw Baileys: ${err instanceof Error ? err.message : String(err)}`);
    }
  const raw = sides.find((s) => s.kind === 'raw');
  const ratios: Partial<Record<AcceptDatabase, number>> = {};
  for (const side of sides) {
    if (
      side.kind === 'gateway' &&
      side.database &&
      raw &&
      side.delivered === total &&
      raw.delivered === total
    )
      ratios[side.database] = side.deliveredPerSecond / raw.deliveredPerSecond;
  }
  return { channels: opts.channels, perChannel: opts.perChannel, sides, ratios, errors };
}

/** Which recipient message `j` of channel `i` goes to: every channel writes to `perChannel` different clients. */
/** Which recipient sender i's j-th message goes to (the same on every side, so the sides send the same messages). */
export const recipientIndex = (i: number, j: number, n: number): number => (i * 7 + j) % n;

async function createPhones(control: ControlClient, phones: string[], business: boolean): Promise<void> {
  await forEachLimited(phones, 10, async (phone, i) => {
    await control.createPhone({ phone, name: `${business ? 'Shop' : 'Client'} ${i}`, business });
  });
}

async function gatewaySide(
  endpoint: SimulatorEndpoint,
  control: ControlClient,
  database: AcceptDatabase,
  phones: { senders: string[]; recipients: string[] },
  opts: ThroughputOptions,
): Promise<ThroughputSide> {
  await createPhones(control, phones.senders, true);
  await createPhones(control, phones.recipients, false);
  const bench = await startBenchGateway(
    database,
    opts.postgresUrl,
    {
      WA_SERVER_URL: endpoint.protocolUrl,
      WA_SERVER_ROOT_KEY: Buffer.from(endpoint.rootPublicKey).toString('base64'),
      LINK_WINDOW_SECONDS: '600',
      RESTORE_STAGGER_MS: '0',
      // One business holds every channel here, and links them `linkConcurrency` at a time.
      MAX_CHANNELS_PER_BUSINESS: String(Math.max(20, opts.channels)),
      MAX_LINKING_PER_BUSINESS: String(Math.max(5, opts.linkConcurrency)),
    },
    opts.wrapDb,
  );
  try {
    const { gateway } = bench;
    const business = await createBusiness(gateway, `Throughput ${database}`);
    const api = async (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: unknown }> => {
      const response = await fetch(gateway.url + path, {
        method,
        headers: {
          authorization: `Bearer ${business.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
      });
      const text = await response.text();
      return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    };
    const must = async (method: string, path: string, expected: number, body?: unknown): Promise<unknown> => {
      const r = await api(method, path, body);
      if (r.status !== expected) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };

    await must('PUT', '/v1/pacing', 200, { enabled: false });
    const channelIds = [business.channelId];
    for (let i = 1; i < opts.channels; i++)
      channelIds.push(
        ((await must('POST', '/v1/channels', 201, { name: `Line ${i}` })) as { id: string }).id,
      );

    // Link every channel as a business would: open its QR (watch), scan it with the phone, see "connected".
    const linkStart = performance.now();
    await forEachLimited(channelIds, opts.linkConcurrency, async (channelId, i) => {
      const deadline = Date.now() + LINK_TIMEOUT_MS;
      let qr: string | undefined;
      while (!qr) {
        if (Date.now() > deadline) throw new Error(`no QR for channel ${i} within ${LINK_TIMEOUT_MS} ms`);
        const r = await api('GET', `/v1/channels/${channelId}/qr?format=raw`);
        if (r.status === 200) qr = (r.json as { qr: string }).qr;
        else await sleep(50);
      }
      await control.scan(phones.senders[i]!, qr);
      for (;;) {
        if (Date.now() > deadline) throw new Error(`channel ${i} not connected within ${LINK_TIMEOUT_MS} ms`);
        const r = await api('GET', `/v1/channels/${channelId}`);
        if ((r.json as { status?: string }).status === 'connected') break;
        await sleep(50);
      }
    });
    const linkMs = performance.now() - linkStart;

    // Accept everything (one API batch per channel, all at once), then wait for the last delivery.
    const total = opts.channels * opts.perChannel;
    const startedWall = Date.now();
    const started = performance.now();
    await forEachLimited(channelIds, 20, async (channelId, i) => {
      const messages = Array.from({ length: opts.perChannel }, (_, j) => ({
        to: `+${phones.recipients[recipientIndex(i, j, phones.recipients.length)]!}`,
        channelId,
        text: `${TEXT} (#${i}.${j})`,
      }));
      const result = (await must('POST', '/v1/messages/batch', 200, { messages })) as { accepted: number };
      if (result.accepted !== messages.length)
        throw new Error(`channel ${i}: ${result.accepted} of ${messages.length} accepted`);
    });
    const acceptMs = performance.now() - started;
    let counts = { delivered: 0, failed: 0, last: null as Date | null };
    const deadline = Date.now() + DELIVERY_DEADLINE_MS;
    while (counts.delivered + counts.failed < total) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${counts.delivered} of ${total} delivered (${counts.failed} failed) after ${DELIVERY_DEADLINE_MS / 1000} s`,
        );
      await sleep(100);
      const [row] = await bench.db.query<{
        delivered: string | number;
        failed: string | number;
        last: Date | null;
      }>(
        `select count(*) filter (where delivered_at is not null) as delivered,
                count(*) filter (where status = 'failed') as failed,
                max(delivered_at) as last
           from messages where tenant_id = $1`,
        [business.tenantId],
      );
      counts = {
        delivered: Number(row?.delivered ?? 0),
        failed: Number(row?.failed ?? 0),
        last: row?.last ?? null,
      };
    }
    const elapsedMs = counts.last ? new Date(counts.last).getTime() - startedWall : Number.NaN;
    return {
      kind: 'gateway',
      database,
      channels: opts.channels,
      messages: total,
      delivered: counts.delivered,
      failed: counts.failed,
      elapsedMs,
      deliveredPerSecond: (counts.delivered / elapsedMs) * 1000,
      acceptMs,
      linkMs,
      loadAverage: loadAverage(),
    };
  } finally {
    await bench.dispose();
  }
}

/** One raw Baileys socket linked to a business phone, with its delivery receipts and server acks counted. */
interface RawSender {
  readonly sock: WASocket;
  readonly delivered: Set<string>;
  readonly acks: Map<string, () => void>;
  lastDeliveredAt: number;
}

async function linkRaw(
  endpoint: SimulatorEndpoint,
  control: ControlClient,
  phone: string,
): Promise<RawSender> {
  const auth: RawAuth = newRawAuth();
  const sock = await withDeadline(
    new Promise<WASocket>((resolve, reject) => {
      let scanned = false;
      const attempt = (): void => {
        const s = openRawSocket({ url: endpoint.protocolUrl, auth });
        s.ev.on('connection.update', (update) => {
          if (update.qr && !scanned) {
            scanned = true;
            control.scan(phone, update.qr).catch(reject);
          }
          if (update.connection === 'open') resolve(s);
          if (update.connection === 'close') {
            const status = closeStatus(update.lastDisconnect?.error);
            if (status === 515) attempt();
            else reject(new Error(`raw socket closed with ${status ?? 'no status'}`));
          }
        });
      };
      attempt();
    }),
    LINK_TIMEOUT_MS,
    `the raw socket of ${phone} to open`,
  );
  const sender: RawSender = { sock, delivered: new Set(), acks: new Map(), lastDeliveredAt: 0 };
  sock.ev.on('messages.update', (updates: WAMessageUpdate[]) => {
    for (const { key, update } of updates) {
      if (!key.fromMe || !key.id || typeof update.status !== 'number') continue;
      if (update.status >= proto.WebMessageInfo.Status.DELIVERY_ACK && !sender.delivered.has(key.id)) {
        sender.delivered.add(key.id);
        sender.lastDeliveredAt = performance.now();
      }
    }
  });
  sock.ws.on('CB:ack,class:message', (node: BinaryNode) => {
    const id = node.attrs.id;
    if (id) sender.acks.get(id)?.();
  });
  return sender;
}

/**
 * The baseline, twice over the same linked sockets (to fresh recipients each time): `raw` awaits
 * each `sendMessage` (it resolves once the frame is written, not on the server ack); `raw_ack` also
 * waits for the server ack before the next send, as the gateway's dispatcher does by design.
 */
export async function rawSides(
  endpoint: SimulatorEndpoint,
  control: ControlClient,
  phones: { senders: string[]; recipients: string[] },
  ackRecipients: string[],
  opts: Pick<ThroughputOptions, 'channels' | 'perChannel' | 'linkConcurrency'>,
): Promise<ThroughputSide[]> {
  trustSimulator(endpoint.rootPublicKey);
  await createPhones(control, phones.senders, true);
  await createPhones(control, phones.recipients, false);
  await createPhones(control, ackRecipients, false);
  const senders: RawSender[] = [];
  const linkStart = performance.now();
  try {
    await forEachLimited(phones.senders, opts.linkConcurrency, async (phone) => {
      senders.push(await linkRaw(endpoint, control, phone));
    });
    const linkMs = performance.now() - linkStart;
    const sides: ThroughputSide[] = [];
    for (const [kind, recipients] of [
      ['raw', phones.recipients],
      ['raw_ack', ackRecipients],
    ] as const) {
      for (const s of senders) {
        s.delivered.clear();
        s.lastDeliveredAt = 0;
      }
      const sent: string[][] = senders.map(() => []);
      let failed = 0;
      const started = performance.now();
      await withDeadline(
        Promise.all(
          senders.map(async (sender, i) => {
            for (let j = 0; j < opts.perChannel; j++) {
              const jid = `${recipients[recipientIndex(i, j, recipients.length)]!}@s.whatsapp.net`;
              // The id is chosen here (as the gateway does), so the ack listener is in place first.
              const id = `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
              const acked =
                kind === 'raw_ack'
                  ? new Promise<void>((resolve) => {
                      const timer = setTimeout(resolve, 15_000);
                      sender.acks.set(id, () => {
                        clearTimeout(timer);
                        sender.acks.delete(id);
                        resolve();
                      });
                    })
                  : undefined;
              try {
                await sender.sock.sendMessage(jid, { text: `${TEXT} (#${i}.${j})` }, { messageId: id });
                sent[i]!.push(id);
                await acked;
              } catch {
                sender.acks.get(id)?.();
                failed++;
              }
            }
          }),
        ),
        DELIVERY_DEADLINE_MS,
        `the ${kind} send loops`,
      );
      const total = opts.channels * opts.perChannel;
      const deliveredCount = (): number =>
        senders.reduce((n, s, i) => n + sent[i]!.filter((id) => s.delivered.has(id)).length, 0);
      const deadline = Date.now() + DELIVERY_DEADLINE_MS;
      while (deliveredCount() + failed < total) {
        if (Date.now() > deadline)
          throw new Error(`${kind}: only ${deliveredCount()} of ${total} delivery receipts arrived`);
        await sleep(20);
      }
      const last = Math.max(...senders.map((s) => s.lastDeliveredAt));
      const elapsedMs = last - started;
      const delivered = deliveredCount();
      sides.push({
        kind,
        channels: opts.channels,
        messages: total,
        delivered,
        failed,
        elapsedMs,
        deliveredPerSecond: (delivered / elapsedMs) * 1000,
        linkMs,
        loadAverage: loadAverage(),
      });
    }
    return sides;
  } finally {
    await Promise.all(senders.map((s) => s.sock.end(undefined)));
  }
}

function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}
