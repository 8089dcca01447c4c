import assert from 'node:assert/strict';
/**
 * Starts the whole gateway against an in-process simulator, with its data in a temp folder (or on
 * PostgreSQL), and gives tests a small API client. Everything stops in `stop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { startGateway, type Gateway } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { startSimulator, type Simulator, type VirtualPhone } from '../../src/simulator/index.js';
import { waitUntil } from './wait-for.js';

export interface Harness {
  readonly sim: Simulator;
  gateway: Gateway;
  readonly dataDir: string;
  readonly adminKey: string;
  api(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown },
  ): Promise<{ status: number; json: any; headers: Headers }>;
  /** Stops the gateway and starts it again on the same data (a process restart). */
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  qrTimeoutMs?: number;
  linkWindowSeconds?: number;
  env?: Record<string, string>;
  /** The schedulers' clock (a ManualClock to try tomorrow's reminders now). */
  clock?: Clock;
  /** The gateway's logger (to read what it says); silent by default. */
  logger?: Logger;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSimulator({
    qr: {
      firstRefTtlMs: options.qrTimeoutMs ?? 60_000,
      laterRefTtlMs: options.qrTimeoutMs ?? 60_000,
      refCount: 6,
    },
    receipts: { deliveryDelayMs: 5, readDelayMs: null },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'zapgate-test-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    WA_SERVER_URL: sim.protocolUrl,
    WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
    RESTORE_STAGGER_MS: '20',
    LINK_WINDOW_SECONDS: String(options.linkWindowSeconds ?? 120),
    // Tests' webhook receivers listen on 127.0.0.1, which only a self-hoster's setting allows.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...(options.qrTimeoutMs ? { QR_TIMEOUT_MS: String(options.qrTimeoutMs) } : {}),
    ...options.env,
  });
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const overrides = { logger, ...(options.clock ? { clock: options.clock } : {}) };
  let gateway = await startGateway(config, overrides);
  const admin = await gateway.tenants.bootstrapAdmin();
  const harness: Harness = {
    sim,
    get gateway() {
      return gateway;
    },
    set gateway(g) {
      gateway = g;
    },
    dataDir,
    adminKey: admin!.apiKey,
    async api(method, path, { key, body } = {}) {
      const response = await fetch(gateway.url + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const type = response.headers.get('content-type') ?? '';
      const json = type.includes('json') ? await response.json() : await response.text();
      return { status: response.status, json, headers: response.headers };
    },
    async restartGateway() {
      await gateway.stop();
      gateway = await startGateway(config, overrides);
    },
    async stop() {
      await gateway.stop();
      await sim.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Scans the channel's current QR (from the API) with `phone` and waits until it is connected. */
export async function linkChannelByQr(
  h: Harness,
  business: { channelId: string; apiKey: string },
  phone: VirtualPhone,
): Promise<void> {
  const qr = await waitUntil(
    async () => {
      const r = await h.api('GET', `/v1/channels/${business.channelId}/qr?format=raw`, {
        key: business.apiKey,
      });
      return r.status === 200 ? (r.json.qr as string) : undefined;
    },
    { what: 'a QR from the API' },
  );
  await phone.scan(qr);
  await waitUntil(
    async () =>
      (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json.status ===
      'connected',
    { what: 'the channel connected' },
  );
}

export interface NewBusiness {
  tenant: { id: string };
  channelId: string;
  apiKey: string;
  panelLoginUrl: string;
  qrPageUrl: string;
}

/** Creates a business through the API with the operator key (Brazil's time zone unless told). */
export async function createBusiness(
  h: Harness,
  name = 'Studio Bela',
  language = 'en',
  timeZone = 'America/Sao_Paulo',
): Promise<NewBusiness> {
  const r = await h.api('POST', '/v1/tenants', { key: h.adminKey, body: { name, timeZone, language } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json as NewBusiness;
}
