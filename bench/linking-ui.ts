/**
 * The linking UI as a business sees it, in Debian's Chromium: the gateway (started in this process)
 * against the simulator (its own process), measured on the page itself.
 *
 * 1. Scan → "Connection established" on an open page (panel QR window, and the standalone QR page):
 *    the raw QR is read from the API and checked against the one on screen, a MutationObserver is
 *    put in the page, and the time runs from just before the phone's scan request (control API) to
 *    the page's Date.now() when `[data-testid=connection-established]` first becomes visible.
 * 2. QR rotation → new QR on the page: with short QR refs (QR_TIMEOUT_MS and the simulator's ref
 *    lifetime alike), the QR page records when each new QR appears in the DOM, and the page's own
 *    Server-Sent Events tell each QR's `expiresAt`; Baileys shows the next QR when the previous one
 *    expires, so latency = QR n+1 on screen − expiresAt of QR n.
 * 3. QR page first load: every same-origin response of a first visit with an empty cache, body
 *    bytes as decoded and as transferred (Chromium's encoded body size), plus a gzip estimate.
 *
 * Every wait has a deadline; everything started here is stopped in `finally` (or by
 * `stopLinkingUi()` when the process is interrupted).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { startGateway, type Gateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ControlClient } from './control-client.js';
import { pollUntil, sleep, withDeadline } from './deadline.js';
import type { TargetCheck } from './report.js';
import { startSimulatorProcess, type SimulatorEndpoint, type SimulatorProcess } from './simulator-process.js';
import { summarise, type LatencySummary } from './stats.js';

export interface LinkingUiOptions {
  /** Scan → green links measured on the panel (the QR window). */
  readonly links: number;
  /** Scan → green links measured on the standalone QR page (interleaved with the panel's); 0 skips. */
  readonly qrPageLinks?: number;
  /** QR rotations within one socket to collect (the rotations onto a new socket are reported apart). */
  readonly rotations: number;
  /** Links per surface done first and not counted. */
  readonly warmup?: number;
  /** QR lifetime for the rotation part (gateway QR_TIMEOUT_MS and the simulator's refs alike). */
  readonly rotationQrMs?: number;
  /**
   * A simulator already running with the real QR timing (no --qr flags) for the scan part; without
   * it one is started (and stopped) here. The rotation part always starts its own.
   */
  readonly simulator?: SimulatorEndpoint;
  /** Virtual phone numbers are this prefix + 6 digits. */
  readonly phonePrefix?: string;
  readonly chromiumPath?: string;
  readonly parts?: readonly LinkingUiPart[];
  readonly log: (line: string) => void;
}

export const LINKING_UI_PARTS = ['scan', 'rotation', 'load'] as const;
export type LinkingUiPart = (typeof LINKING_UI_PARTS)[number];

export interface LinkingUiResult {
  readonly scan?: ScanResult;
  readonly rotation?: RotationResult;
  readonly firstLoad?: FirstLoadResult;
  readonly targets: TargetCheck[];
  readonly errors: string[];
}

export interface ScanResult {
  readonly warmupPerSurface: number;
  readonly panel: ScanSurfaceResult;
  readonly qrPage?: ScanSurfaceResult;
}

export interface ScanSurfaceResult extends LatencySummary {
  /** Scan request start → `connection-established` visible (DOM, MutationObserver), ms. */
  readonly samplesMs: number[];
  /** Scan request start → the next animation frame after that, ms. */
  readonly nextFrameMs: LatencySummary;
  /** The control API's scan request alone (the phone's side: until the device is linked), ms. */
  readonly scanRequestMs: LatencySummary;
  /** Scan request start → the first "connected" view reaching the page over SSE, ms. */
  readonly connectedViewMs: LatencySummary;
  /** Links where the API's raw QR was the one on screen at the first check (else re-read). */
  readonly qrMatchedFirstTry: number;
  readonly failures: string[];
}

export interface RotationResult {
  readonly qrMs: number;
  readonly refsPerSocket: number;
  readonly warmupRotations: number;
  /** QR n+1 on the page − expiresAt of QR n, where n and n+1 come from the same socket. */
  readonly withinSocket: LatencySummary & { readonly samplesMs: number[] };
  /** The same when QR n was a socket's last ref: the gateway opens a new socket first. */
  readonly newSocket: LatencySummary & { readonly samplesMs: number[] };
  /** Of the within-socket latency: expiresAt → the view reaching the page over SSE, p50/p95. */
  readonly serverToPage: LatencySummary;
  /** Of the within-socket latency: SSE message → the new QR in the DOM, p50/p95. */
  readonly pageRender: LatencySummary;
  readonly qrsShown: number;
  /** Sequences that never appeared on the page (a QR skipped), or whose expiry was not seen. */
  readonly skipped: number;
  readonly unmatched: number;
}

export interface LoadedResource {
  readonly path: string;
  readonly kind: 'document' | 'asset' | 'api' | 'other';
  readonly status: number;
  readonly contentEncoding: string | null;
  /** Decoded body bytes. */
  readonly bytes: number;
  /** Body bytes as received (Chromium's encoded body size). */
  readonly transferBodyBytes: number;
  readonly transferHeaderBytes: number;
  /** gzip -6 of the decoded body (an estimate of what compression would give). */
  readonly gzipBytes: number;
}

export interface PageLoad {
  readonly resources: LoadedResource[];
  /** Document + assets (CSS, JS modules and their imports), decoded. */
  readonly bytes: number;
  /** Document + assets, body bytes as transferred. */
  readonly transferBodyBytes: number;
  /** Document + assets, bodies and response headers as transferred. */
  readonly transferBytes: number;
  /** Document + assets, each body gzipped (estimate). */
  readonly gzipBytes: number;
  /** API JSON calls made during the load (not counted above). */
  readonly apiBytes: number;
  /** Navigation start → the QR's SVG in the DOM, ms. */
  readonly qrVisibleMs: number;
}

export interface FirstLoadResult {
  /** A first visit while nothing is showing: the QR arrives through the watch call. */
  readonly cold: PageLoad;
  /** A first visit (empty cache) while a QR is live: its SVG is inline in the document. */
  readonly withQr: PageLoad;
}

// Targets (design.md, Benchmarks).
const SCAN_P95_LIMIT_MS = 1_000;
const ROTATION_LIMIT_MS = 300;
const FIRST_LOAD_LIMIT_BYTES = 100 * 1024;

const WAIT_MS = 15_000;
const LINK_DEADLINE_MS = 45_000;
const GATEWAY_STOP_MS = 30_000;
const REFS_PER_SOCKET = 6;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

// ---- Cleanup: everything started is registered, and released in reverse order.

type Release = () => Promise<unknown>;
const held = new Map<number, { what: string; release: Release }>();
let heldSeq = 0;

let stopRequested = false;

function hold(what: string, release: Release): () => Promise<void> {
  if (stopRequested) {
    void Promise.resolve()
      .then(release)
      .catch(() => undefined);
    throw new Error(`stopped: not starting ${what}`);
  }
  const id = ++heldSeq;
  held.set(id, { what, release });
  return async () => {
    const entry = held.get(id);
    if (!entry) return;
    held.delete(id);
    await entry.release();
  };
}

/** Releases everything a run still holds (browser, gateways, simulators, temp dirs): for signals. */
export async function stopLinkingUi(): Promise<void> {
  stopRequested = true;
  for (const [id, entry] of [...held.entries()].reverse()) {
    held.delete(id);
    await withDeadline(
      Promise.resolve().then(entry.release),
      GATEWAY_STOP_MS,
      `stopping ${entry.what}`,
    ).catch(() => undefined);
  }
}

// ---- The gateway in this process, on its own temp data.

interface RunningGateway {
  readonly gateway: Gateway;
  readonly adminKey: string;
  stop(): Promise<void>;
}

async function startBenchGateway(
  sim: SimulatorEndpoint,
  env: Record<string, string>,
): Promise<RunningGateway> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zapgate-bench-ui-'));
  const removeDir = hold(`temp dir ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  let gateway: Gateway;
  try {
    gateway = await withDeadline(
      startGateway(
        loadConfig({
          PORT: '0',
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          LOG_LEVEL: 'silent',
          WA_SERVER_URL: sim.protocolUrl,
          WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
          ...env,
        }),
      ),
      60_000,
      'the gateway to start',
    );
  } catch (err) {
    await removeDir();
    throw err;
  }
  const stopGateway = hold('the gateway', () =>
    withDeadline(gateway.stop(), GATEWAY_STOP_MS, 'the gateway to stop'),
  );
  const stop = async (): Promise<void> => {
    try {
      await stopGateway();
    } finally {
      await removeDir();
    }
  };
  try {
    if (new URL(gateway.url).hostname !== '127.0.0.1') throw new Error(`the gateway is not on 127.0.0.1`);
    const admin = await gateway.tenants.bootstrapAdmin();
    if (!admin) throw new Error('the fresh gateway already had an operator');
    return { gateway, adminKey: admin.apiKey, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function startSimulator(flags: Parameters<typeof startSimulatorProcess>[0]): Promise<SimulatorProcess> {
  const sim = await startSimulatorProcess(flags);
  const release = hold(`the simulator (pid ${sim.pid})`, () => sim.stop());
  return { ...sim, stop: () => release() };
}

interface Business {
  readonly tenant: { id: string };
  readonly channelId: string;
  readonly apiKey: string;
  readonly panelLoginUrl: string;
  readonly qrPageUrl: string;
}

async function api<T>(
  gw: RunningGateway,
  method: 'GET' | 'POST',
  urlPath: string,
  key: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(gw.gateway.url + urlPath, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${urlPath} → ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const createBusiness = (gw: RunningGateway, name: string): Promise<Business> =>
  api<Business>(gw, 'POST', '/v1/tenants', gw.adminKey, {
    name,
    timeZone: 'America/Sao_Paulo',
    language: 'en',
  });

/**
 * The public pages are rate-limited per client address (X-Forwarded-For, else one shared bucket):
 * each business's browser gets its own address, as separate businesses would have.
 */
let clientSeq = 0;
function newContext(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  const n = ++clientSeq;
  return browser.newContext({
    viewport,
    extraHTTPHeaders: { 'x-forwarded-for': `198.18.${(n >> 8) & 255}.${n & 255}` },
  });
}

// ---- Scripts run in the page (plain JS strings: nothing of the bench's own transpilation leaks in).

/**
 * Records the first moment `connection-established` is visible, and the next animation frame;
 * `window.__zgGreen.done` resolves with both. (Waits go through such promises: the pages' CSP
 * forbids the eval that Playwright's waitForFunction needs.)
 */
const GREEN_RECORDER = `(() => {
  const w = window;
  let resolve;
  const rec = { at: null, frameAt: null, done: new Promise((r) => { resolve = r; }) };
  w.__zgGreen = rec;
  const finish = () => resolve({ at: rec.at, frameAt: rec.frameAt });
  const visible = (el) => (el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0);
  let observer = null;
  const check = () => {
    if (rec.at !== null) return;
    for (const el of document.querySelectorAll('[data-testid="connection-established"]')) {
      if (!visible(el)) continue;
      rec.at = Date.now();
      if (observer) observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => { rec.frameAt = Date.now(); finish(); }, 0));
      setTimeout(finish, 1000);
      return;
    }
  };
  observer = new MutationObserver(check);
  observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  check();
  return rec.at !== null;
})()`;

/** Resolves with the recorder's times, or null after `ms`. */
const awaitGreen = (ms: number): string =>
  `Promise.race([window.__zgGreen.done, new Promise((r) => setTimeout(() => r(null), ${ms}))])`;

/** The page's own view of the channel (raw QR and sequence) and the sequence drawn on screen. */
function shownQrScript(surface: 'panel' | 'qrPage', channelId: string): string {
  const url =
    surface === 'panel' ? `'/panel/api/channels'` : `location.pathname.replace(/\\/$/, '') + '/api/channel'`;
  const scope = surface === 'panel' ? `'#qr-window [data-testid="qr-code"]'` : `'[data-testid="qr-code"]'`;
  return `fetch(${url}, { headers: { accept: 'application/json' } })
    .then((r) => r.json())
    .then((data) => {
      const view = Array.isArray(data) ? data.find((v) => v.id === ${JSON.stringify(channelId)}) : data;
      const qr = view && view.link && view.link.qr;
      const el = document.querySelector(${scope});
      return {
        raw: qr ? qr.raw : null,
        sequence: qr ? qr.sequence : null,
        displayed: el && el.querySelector('svg') ? Number(el.getAttribute('data-sequence')) : null,
      };
    })`;
}

/**
 * Before the QR page's scripts run: tees the page's own EventSource (each QR's expiresAt as the page
 * receives it) and records, with a MutationObserver, when each QR sequence appears in the DOM.
 */
/**
 * Before the page's scripts run: logs every channel view the page receives (its own SSE stream and
 * its own API calls), with the time, so the first "connected" view can be timed and a failed link
 * explained.
 */
const VIEW_LOG_RECORDER = `(() => {
  const w = window;
  const log = [];
  w.__zgViews = log;
  w.__zgConnectedAt = null;
  const note = (via, data) => {
    const views = Array.isArray(data) ? data : [data && data.channel ? data.channel : data];
    for (const view of views) {
      if (!view || !view.status) continue;
      const qr = view.link && view.link.qr;
      const at = Date.now();
      if (view.status === 'connected' && via === 'sse' && w.__zgConnectedAt === null) w.__zgConnectedAt = at;
      if (log.length < 200) log.push({ via, at, status: view.status, link: Boolean(view.link), qr: qr ? qr.sequence : null });
    }
  };
  const Native = w.EventSource;
  w.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      this.addEventListener('open', () => { if (log.length < 200) log.push({ via: 'sse open', at: Date.now() }); });
      this.addEventListener('channel', (e) => {
        try { note('sse', JSON.parse(e.data)); } catch (err) { /* not JSON: the page ignores it too */ }
      });
    }
  };
  const nativeFetch = w.fetch;
  w.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    const name = ((init && init.method) || 'GET') + ' ' + String(url).split('/api/').pop();
    const sent = Date.now();
    const answer = nativeFetch.call(this, input, init);
    answer
      .then((r) => r.clone().json())
      .then((data) => note(name + ' (sent +' + (Date.now() - sent) + ' ms ago)', data))
      .catch(() => {});
    return answer;
  };
})();`;

const ROTATION_RECORDER = `(() => {
  const w = window;
  const log = { shown: [], views: [] };
  w.__zgRot = log;
  const note = (view) => {
    const qr = view && view.link && view.link.qr;
    if (qr) log.views.push({ sequence: qr.sequence, expiresAt: Date.parse(qr.expiresAt), at: Date.now() });
  };
  const Native = w.EventSource;
  w.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      this.addEventListener('channel', (e) => {
        try { note(JSON.parse(e.data)); } catch (err) { /* not JSON: the page ignores it too */ }
      });
    }
  };
  let last = null;
  const check = () => {
    const el = document.querySelector('[data-testid="qr-code"]');
    if (!el || !el.querySelector('svg')) return;
    const seq = el.getAttribute('data-sequence');
    if (seq === last) return;
    last = seq;
    log.shown.push({ sequence: Number(seq), at: Date.now() });
  };
  const start = () => {
    new MutationObserver(check).observe(document.documentElement, { subtree: true, childList: true, attributes: true });
    check();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();`;

// ---- 1. Scan → green.

interface ScanSample {
  readonly latencyMs: number;
  readonly nextFrameMs: number;
  readonly scanRequestMs: number;
  readonly connectedViewMs: number;
  readonly matchedFirstTry: boolean;
}

interface ScanEnv {
  readonly gw: RunningGateway;
  readonly browser: Browser;
  readonly control: ControlClient;
  readonly phonePrefix: string;
  phoneSeq: number;
}

/** The raw QR the API gives, once it is the one the page shows; re-read if a rotation slipped in. */
async function displayedQr(
  env: ScanEnv,
  page: Page,
  surface: 'panel' | 'qrPage',
  business: Business,
): Promise<{ qr: string; firstTry: boolean }> {
  const script = shownQrScript(surface, business.channelId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const fromApi = await api<{ qr: string }>(
      env.gw,
      'GET',
      `/v1/channels/${business.channelId}/qr?format=raw`,
      business.apiKey,
    );
    const shown = await page.evaluate<{
      raw: string | null;
      sequence: number | null;
      displayed: number | null;
    }>(script);
    if (shown.raw === fromApi.qr && shown.sequence !== null && shown.sequence === shown.displayed)
      return { qr: fromApi.qr, firstTry: attempt === 0 };
    await sleep(200);
  }
  throw new Error('the QR from the API never matched the QR on the page');
}

async function scanOnce(env: ScanEnv, surface: 'panel' | 'qrPage', label: string): Promise<ScanSample> {
  const business = await createBusiness(env.gw, `Bench ${label}`);
  const phone = `${env.phonePrefix}${String(++env.phoneSeq).padStart(6, '0')}`;
  await env.control.createPhone({ phone, name: 'Salon phone', business: true });
  const context = await newContext(env.browser);
  const closeContext = hold('a browser context', () => context.close());
  const pageErrors: string[] = [];
  let page: Page | undefined;
  try {
    await context.addInitScript({ content: VIEW_LOG_RECORDER });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    if (surface === 'panel') {
      await page.goto(business.panelLoginUrl);
      await page.getByTestId('scan-qr').first().click();
      await page.getByTestId('qr-window').getByTestId('qr-code').locator('svg').waitFor();
    } else {
      await page.goto(business.qrPageUrl);
      await page.getByTestId('qr-code').locator('svg').waitFor();
    }
    const { qr, firstTry } = await displayedQr(env, page, surface, business);
    if ((await page.evaluate(GREEN_RECORDER)) === true)
      throw new Error('"Connection established" was on screen before the scan');
    const t0 = Date.now();
    await env.control.scan(phone, qr);
    const scanned = Date.now();
    const green = await page.evaluate<{ at: number; frameAt: number | null } | null>(awaitGreen(WAIT_MS));
    if (!green) throw new Error(`"Connection established" not visible within ${WAIT_MS} ms of the scan`);
    return {
      latencyMs: green.at - t0,
      connectedViewMs: ((await page.evaluate<number | null>('window.__zgConnectedAt')) ?? Number.NaN) - t0,
      nextFrameMs: green.frameAt === null ? Number.NaN : green.frameAt - t0,
      scanRequestMs: scanned - t0,
      matchedFirstTry: firstTry,
    };
  } catch (err) {
    const detail = await withDeadline(diagnose(env, business, page, pageErrors), 5_000, 'diagnostics').catch(
      (e: unknown) => `no diagnostics: ${String(e)}`,
    );
    throw new Error(`${err instanceof Error ? err.message.split('\n')[0] : String(err)} [${detail}]`, {
      cause: err,
    });
  } finally {
    await closeContext().catch(() => undefined);
  }
}

/** What the page and the gateway showed when a link failed, in one line. */
async function diagnose(
  env: ScanEnv,
  business: Business,
  page: Page | undefined,
  pageErrors: string[],
): Promise<string> {
  const view = await api<{ status: string; link: unknown; linkWindowEnded: boolean }>(
    env.gw,
    'GET',
    `/v1/channels/${business.channelId}`,
    business.apiKey,
  ).catch((e: unknown) => ({ status: `? (${String(e)})`, link: null, linkWindowEnded: false }));
  const events = await api<Array<{ status: string; cause: string; at: string }>>(
    env.gw,
    'GET',
    `/v1/channels/${business.channelId}/events`,
    business.apiKey,
  ).catch(() => []);
  const testIds = page
    ? await page
        .evaluate<string>(
          `[...document.querySelectorAll('[data-testid]')].filter((e) => e.checkVisibility()).map((e) => e.dataset.testid).join(',')`,
        )
        .catch((e: unknown) => `? (${String(e)})`)
    : '';
  const views = page
    ? await page
        .evaluate<Array<{ via: string; at: number; status?: string; link?: boolean; qr?: number | null }>>(
          'window.__zgViews || []',
        )
        .catch(() => [])
    : [];
  const t = views[0]?.at ?? 0;
  const pageViews = views
    .map(
      (v) =>
        `+${v.at - t} ${v.via}${v.status ? ` ${v.status}${v.qr ? ` qr#${v.qr}` : v.link ? ' link' : ''}` : ''}`,
    )
    .join('; ');
  const qr = (view.link as { qr?: { sequence: number; expiresAt: string } } | null)?.qr;
  const link = view.link
    ? qr
      ? `qr#${qr.sequence} until ${qr.expiresAt.slice(11, 23)}`
      : 'live, no QR'
    : 'none';
  const history = events
    .slice(0, 5)
    .map((e) => `${e.at.slice(11, 23)} ${e.status}/${e.cause}`)
    .join(' ← ');
  return (
    `channel ${view.status}, link ${link}, windowEnded ${view.linkWindowEnded}; events ${history}; ` +
    `visible test ids: ${testIds}; page errors: ${pageErrors.slice(-3).join(' | ') || 'none'}; ` +
    `views the page received (ms): ${pageViews}`
  );
}

async function runScan(
  env: ScanEnv,
  opts: { links: number; qrPageLinks: number; warmup: number; log: (line: string) => void },
): Promise<ScanResult> {
  const samples: Record<'panel' | 'qrPage', ScanSample[]> = { panel: [], qrPage: [] };
  const failures: Record<'panel' | 'qrPage', string[]> = { panel: [], qrPage: [] };
  // Warm-up first, then panel and QR page alternated, so both see the same machine noise.
  const plan: Array<{ surface: 'panel' | 'qrPage'; counted: boolean }> = [];
  for (let i = 0; i < opts.warmup; i++) {
    plan.push({ surface: 'panel', counted: false });
    if (opts.qrPageLinks > 0) plan.push({ surface: 'qrPage', counted: false });
  }
  for (let i = 0; i < Math.max(opts.links, opts.qrPageLinks); i++) {
    if (i < opts.links) plan.push({ surface: 'panel', counted: true });
    if (i < opts.qrPageLinks) plan.push({ surface: 'qrPage', counted: true });
  }
  let consecutiveFailures = 0;
  for (const [i, step] of plan.entries()) {
    try {
      const sample = await withDeadline(
        scanOnce(env, step.surface, `${step.surface} ${i}`),
        LINK_DEADLINE_MS,
        `link ${i} (${step.surface})`,
      );
      if (step.counted) samples[step.surface].push(sample);
      consecutiveFailures = 0;
    } catch (err) {
      failures[step.surface].push(`link ${i}: ${err instanceof Error ? err.message : String(err)}`);
      opts.log(`scan → green: link ${i} (${step.surface}) failed: ${String(err)}`);
      if (++consecutiveFailures >= 5)
        throw new Error(`5 links in a row failed; last: ${String(err)}`, { cause: err });
    }
    if ((i + 1) % 10 === 0 || i + 1 === plan.length) opts.log(`scan → green: ${i + 1}/${plan.length} links`);
  }
  const summary = (surface: 'panel' | 'qrPage'): ScanSurfaceResult => {
    const list = samples[surface];
    const samplesMs = list.map((s) => s.latencyMs);
    return {
      ...summarise(samplesMs),
      samplesMs,
      nextFrameMs: summarise(list.map((s) => s.nextFrameMs).filter(Number.isFinite)),
      scanRequestMs: summarise(list.map((s) => s.scanRequestMs)),
      connectedViewMs: summarise(list.map((s) => s.connectedViewMs).filter(Number.isFinite)),
      qrMatchedFirstTry: list.filter((s) => s.matchedFirstTry).length,
      failures: failures[surface],
    };
  };
  return {
    warmupPerSurface: opts.warmup,
    panel: summary('panel'),
    ...(opts.qrPageLinks > 0 ? { qrPage: summary('qrPage') } : {}),
  };
}

// ---- 2. QR rotation → new QR on the page.

interface RotationLog {
  shown: Array<{ sequence: number; at: number }>;
  views: Array<{ sequence: number; expiresAt: number; at: number }>;
}

interface RotationSample {
  readonly sequence: number;
  readonly latencyMs: number;
  readonly serverToPageMs: number;
  readonly renderMs: number;
  readonly newSocket: boolean;
}

function rotationSamples(
  log: RotationLog,
  warmup: number,
): {
  samples: RotationSample[];
  skipped: number;
  unmatched: number;
} {
  const firstShown = new Map<number, number>();
  for (const s of log.shown) if (!firstShown.has(s.sequence)) firstShown.set(s.sequence, s.at);
  const firstView = new Map<number, { expiresAt: number; at: number }>();
  for (const v of log.views) if (!firstView.has(v.sequence)) firstView.set(v.sequence, v);
  const sequences = [...firstShown.keys()].sort((a, b) => a - b);
  const samples: RotationSample[] = [];
  let skipped = 0;
  let unmatched = 0;
  for (let i = 1; i < sequences.length; i++) {
    const seq = sequences[i]!;
    const prev = sequences[i - 1]!;
    if (seq !== prev + 1) {
      skipped += seq - prev - 1;
      continue;
    }
    if (prev <= warmup) continue;
    const expiry = firstView.get(prev);
    const arrived = firstView.get(seq);
    if (!expiry || !arrived) {
      unmatched++;
      continue;
    }
    const shownAt = firstShown.get(seq)!;
    samples.push({
      sequence: seq,
      latencyMs: shownAt - expiry.expiresAt,
      serverToPageMs: arrived.at - expiry.expiresAt,
      renderMs: shownAt - arrived.at,
      // Sequences start at 1 and each socket gives REFS_PER_SOCKET refs.
      newSocket: prev % REFS_PER_SOCKET === 0,
    });
  }
  return { samples, skipped, unmatched };
}

async function runRotation(
  gw: RunningGateway,
  browser: Browser,
  opts: { rotations: number; qrMs: number; warmup: number; log: (line: string) => void },
): Promise<RotationResult> {
  const business = await createBusiness(gw, 'Bench rotation');
  const context = await newContext(browser, { width: 390, height: 844 });
  const closeContext = hold('a browser context', () => context.close());
  try {
    await context.addInitScript({ content: ROTATION_RECORDER });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    await page.goto(business.qrPageUrl);
    await page.getByTestId('qr-code').locator('svg').waitFor();
    const perSocket = REFS_PER_SOCKET - 1;
    const sockets = Math.ceil((opts.rotations + opts.warmup) / perSocket) + 1;
    const deadlineMs = sockets * (REFS_PER_SOCKET * opts.qrMs + 5_000) + 30_000;
    opts.log(
      `QR rotation: collecting ${opts.rotations} rotations of ${opts.qrMs} ms QRs (≤ ${deadlineMs / 1000} s)`,
    );
    let log: RotationLog = { shown: [], views: [] };
    let within = 0;
    let reported = 0;
    const end = Date.now() + deadlineMs;
    while (within < opts.rotations) {
      if (Date.now() > end)
        throw new Error(`only ${within}/${opts.rotations} rotations within ${deadlineMs} ms`);
      await sleep(1_000);
      log = await page.evaluate<RotationLog>('window.__zgRot');
      within = rotationSamples(log, opts.warmup).samples.filter((s) => !s.newSocket).length;
      if (within >= reported + 5) {
        reported = within;
        opts.log(`QR rotation: ${within}/${opts.rotations}`);
      }
    }
    const { samples, skipped, unmatched } = rotationSamples(log, opts.warmup);
    const inside = samples.filter((s) => !s.newSocket);
    const across = samples.filter((s) => s.newSocket);
    const withSamples = (list: RotationSample[]) => {
      const samplesMs = list.map((s) => s.latencyMs);
      return { ...summarise(samplesMs), samplesMs };
    };
    return {
      qrMs: opts.qrMs,
      refsPerSocket: REFS_PER_SOCKET,
      warmupRotations: opts.warmup,
      withinSocket: withSamples(inside),
      newSocket: withSamples(across),
      serverToPage: summarise(inside.map((s) => s.serverToPageMs)),
      pageRender: summarise(inside.map((s) => s.renderMs)),
      qrsShown: new Set(log.shown.map((s) => s.sequence)).size,
      skipped,
      unmatched,
    };
  } finally {
    await closeContext().catch(() => undefined);
  }
}

// ---- 3. QR page first load.

async function measureLoad(browser: Browser, url: string): Promise<PageLoad> {
  const origin = new URL(url).origin;
  const context = await newContext(browser, { width: 390, height: 844 });
  const closeContext = hold('a browser context', () => context.close());
  try {
    const pending = new Set<Request>();
    const finished: Request[] = [];
    const isStream = (request: Request): boolean => new URL(request.url()).pathname.endsWith('/api/events');
    context.on('request', (request) => {
      if (!isStream(request)) pending.add(request);
    });
    context.on('requestfinished', (request) => {
      if (pending.delete(request)) finished.push(request);
    });
    context.on('requestfailed', (request) => pending.delete(request));
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    const started = Date.now();
    await page.goto(url, { waitUntil: 'load' });
    await page.getByTestId('qr-code').locator('svg').waitFor();
    const qrVisibleMs = Date.now() - started;
    await pollUntil(() => pending.size === 0, WAIT_MS, 'the first load to finish');
    const resources: LoadedResource[] = [];
    for (const request of finished) {
      const u = new URL(request.url());
      if (u.origin !== origin) continue;
      const response = await request.response();
      if (!response) continue;
      const body = await response.body();
      const sizes = await request.sizes();
      const kind: LoadedResource['kind'] = u.pathname.startsWith('/assets/')
        ? 'asset'
        : request.resourceType() === 'document'
          ? 'document'
          : u.pathname.includes('/api/')
            ? 'api'
            : 'other';
      resources.push({
        path: u.pathname.replace(/\/link\/[^/]+/, '/link/<token>'),
        kind,
        status: response.status(),
        contentEncoding: (await response.allHeaders())['content-encoding'] ?? null,
        bytes: body.length,
        transferBodyBytes: sizes.responseBodySize,
        transferHeaderBytes: sizes.responseHeadersSize,
        gzipBytes: gzipSync(body).length,
      });
    }
    const page1 = resources.filter((r) => r.kind === 'document' || r.kind === 'asset');
    const sum = (list: LoadedResource[], f: (r: LoadedResource) => number): number =>
      list.reduce((acc, r) => acc + f(r), 0);
    return {
      resources,
      bytes: sum(page1, (r) => r.bytes),
      transferBodyBytes: sum(page1, (r) => r.transferBodyBytes),
      transferBytes: sum(page1, (r) => r.transferBodyBytes + r.transferHeaderBytes),
      gzipBytes: sum(page1, (r) => r.gzipBytes),
      apiBytes: sum(
        resources.filter((r) => r.kind === 'api'),
        (r) => r.bytes,
      ),
      qrVisibleMs,
    };
  } finally {
    await closeContext().catch(() => undefined);
  }
}

async function runFirstLoad(gw: RunningGateway, browser: Browser): Promise<FirstLoadResult> {
  const business = await createBusiness(gw, 'Bench first load');
  const cold = await measureLoad(browser, business.qrPageUrl);
  // Keep a viewer on the page so a QR is live, then load it again in a fresh (empty-cache) context.
  const viewer = await newContext(browser);
  const closeViewer = hold('a browser context', () => viewer.close());
  try {
    const page = await viewer.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(business.qrPageUrl);
    await page.getByTestId('qr-code').locator('svg').waitFor();
    const withQr = await measureLoad(browser, business.qrPageUrl);
    return { cold, withQr };
  } finally {
    await closeViewer().catch(() => undefined);
  }
}

// ---- The run.

export async function runLinkingUi(options: LinkingUiOptions): Promise<LinkingUiResult> {
  const parts = options.parts ?? LINKING_UI_PARTS;
  const log = options.log;
  const warmup = options.warmup ?? 2;
  const rotationQrMs = options.rotationQrMs ?? 2_000;
  const errors: string[] = [];
  let scan: ScanResult | undefined;
  let rotation: RotationResult | undefined;
  let firstLoad: FirstLoadResult | undefined;
  const failed = (part: string, err: unknown): void => {
    const message = `${part}: ${err instanceof Error ? err.message : String(err)}`;
    errors.push(message);
    log(`ERROR ${message}`);
  };

  stopRequested = false;
  const browser = await chromium.launch({
    executablePath: options.chromiumPath ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: 30_000,
  });
  const closeBrowser = hold('Chromium', () => browser.close());
  try {
    log(`Chromium ${browser.version()}`);
    if (parts.includes('scan') || parts.includes('load')) {
      // Real QR timing (60 s first, 20 s later) on both sides, so a scan never races an expiry.
      let ownSim: SimulatorProcess | undefined;
      let gw: RunningGateway | undefined;
      try {
        const sim = options.simulator ?? (ownSim = await startSimulator({}));
        gw = await startBenchGateway(sim, { LINK_WINDOW_SECONDS: '180' });
        if (parts.includes('scan')) {
          const qrPageLinks = options.qrPageLinks ?? options.links;
          log(
            `scan → green: ${options.links} panel + ${qrPageLinks} QR-page links (+ ${warmup} warm-up each)`,
          );
          try {
            scan = await runScan(
              {
                gw,
                browser,
                control: new ControlClient(sim.controlUrl),
                phonePrefix: options.phonePrefix ?? '15553',
                phoneSeq: 0,
              },
              { links: options.links, qrPageLinks, warmup, log },
            );
          } catch (err) {
            failed('scan → green', err);
          }
        }
        if (parts.includes('load')) {
          log('QR page first load');
          try {
            firstLoad = await runFirstLoad(gw, browser);
          } catch (err) {
            failed('first load', err);
          }
        }
      } catch (err) {
        failed('scan/load set-up', err);
      } finally {
        await gw?.stop().catch((err: unknown) => failed('stopping the gateway', err));
        await ownSim?.stop().catch((err: unknown) => failed('stopping the simulator', err));
      }
    }
    if (parts.includes('rotation')) {
      // Short refs on both sides: the gateway's QR_TIMEOUT_MS and the simulator's ref lifetime.
      let sim: SimulatorProcess | undefined;
      let gw: RunningGateway | undefined;
      try {
        sim = await startSimulator({
          qrFirstMs: rotationQrMs,
          qrLaterMs: rotationQrMs,
          qrRefs: REFS_PER_SOCKET,
        });
        gw = await startBenchGateway(sim, {
          QR_TIMEOUT_MS: String(rotationQrMs),
          LINK_WINDOW_SECONDS: '900',
        });
        rotation = await runRotation(gw, browser, {
          rotations: options.rotations,
          qrMs: rotationQrMs,
          warmup: 1,
          log,
        });
      } catch (err) {
        failed('QR rotation', err);
      } finally {
        await gw?.stop().catch((err: unknown) => failed('stopping the gateway', err));
        await sim?.stop().catch((err: unknown) => failed('stopping the simulator', err));
      }
    }
  } finally {
    await closeBrowser().catch((err: unknown) => failed('closing Chromium', err));
  }
  const result = {
    ...(scan ? { scan } : {}),
    ...(rotation ? { rotation } : {}),
    ...(firstLoad ? { firstLoad } : {}),
  };
  return { ...result, targets: linkingUiTargets(result), errors };
}

// ---- Targets and the table.

type Measured = Pick<LinkingUiResult, 'scan' | 'rotation' | 'firstLoad'>;

export function linkingUiTargets(result: Measured): TargetCheck[] {
  return evaluate(result).targets;
}

type Row = [metric: string, value: string, target: string, result: string];

function evaluate(result: Measured): { rows: Row[]; targets: TargetCheck[] } {
  const rows: Row[] = [];
  const targets: TargetCheck[] = [];
  const check = (metric: string, target: string, conditions: Array<[ok: boolean, name: string]>): string => {
    const missed = conditions.filter(([ok]) => !ok).map(([, name]) => name);
    const pass = missed.length === 0;
    targets.push(pass ? { metric, target, pass } : { metric, target, pass, missed: missed.join(', ') });
    return pass ? 'PASS' : `MISS (${missed.join(', ')})`;
  };
  const scanRows = (name: string, s: ScanSurfaceResult): void => {
    const target = `p95 ≤ ${SCAN_P95_LIMIT_MS} ms`;
    rows.push([
      `Scan → green, ${name}, ms (n=${s.n})`,
      spread(s),
      target,
      check(`scan → green (${name}) p95`, target, [
        [s.p95 <= SCAN_P95_LIMIT_MS, `> ${SCAN_P95_LIMIT_MS} ms`],
        [s.failures.length === 0, `${s.failures.length} failed`],
        [s.n > 0, 'no samples'],
      ]),
    ]);
    rows.push([`  to the next frame, ms`, spread(s.nextFrameMs), '', '']);
    rows.push([`  scan request (phone has the device), ms`, spread(s.scanRequestMs), '', '']);
    rows.push([`  "connected" view reaches the page (SSE), ms`, spread(s.connectedViewMs), '', '']);
  };
  if (result.scan) {
    scanRows('panel', result.scan.panel);
    if (result.scan.qrPage) scanRows('QR page', result.scan.qrPage);
  }
  const r = result.rotation;
  if (r) {
    const target = `p95 ≤ ${ROTATION_LIMIT_MS} ms`;
    rows.push([
      `QR n → n+1 on the page, ms (n=${r.withinSocket.n}, ${r.qrMs} ms QRs)`,
      spread(r.withinSocket),
      target,
      check('QR rotation → page p95', target, [
        [r.withinSocket.p95 <= ROTATION_LIMIT_MS, `> ${ROTATION_LIMIT_MS} ms`],
        [r.withinSocket.n > 0, 'no samples'],
        [r.skipped === 0, `${r.skipped} QRs never shown`],
      ]),
    ]);
    rows.push([`  expiry → view at the page (SSE), ms`, spread(r.serverToPage), '', '']);
    rows.push([`  view → QR in the DOM, ms`, spread(r.pageRender), '', '']);
    rows.push([
      `  after a socket's ${r.refsPerSocket} refs (new socket), ms (n=${r.newSocket.n})`,
      spread(r.newSocket),
      '',
      '',
    ]);
  }
  const f = result.firstLoad;
  if (f) {
    const target = `≤ ${FIRST_LOAD_LIMIT_BYTES / 1024} KB`;
    for (const [name, load] of [
      ['no QR yet', f.cold],
      ['QR live', f.withQr],
    ] as const) {
      const count = load.resources.filter((x) => x.kind === 'document' || x.kind === 'asset').length;
      rows.push([
        `QR page first load (${name}): ${count} files, KB`,
        `${kb(load.bytes)} decoded · ${kb(load.transferBytes)} transferred (${kb(load.transferBodyBytes)} bodies) · ${kb(load.gzipBytes)} if all gzipped`,
        target,
        check(`QR page first load (${name})`, target, [
          [load.bytes <= FIRST_LOAD_LIMIT_BYTES, `${kb(load.bytes)} KB decoded`],
        ]),
      ]);
    }
    rows.push([
      `  + API JSON during the load (no QR yet / QR live), KB`,
      `${kb(f.cold.apiBytes)} / ${kb(f.withQr.apiBytes)}`,
      '',
      '',
    ]);
  }
  return { rows, targets };
}

/** The table (and notes) for a run, as lines; the caller prints the machine above it. */
export function formatLinkingUi(result: LinkingUiResult): string[] {
  const { rows } = evaluate(result);
  const lines = table([['Metric', 'p50 / p95 / max  (or value)', 'Target', 'Result'], ...rows]);
  const notes: string[] = [];
  if (result.scan) {
    notes.push(
      `Scan → green: a fresh business and business phone per link; the raw QR from GET /v1/channels/:id/qr?format=raw ` +
        `checked against the page's own view and the drawn sequence; time from just before POST /phones/:phone/scan ` +
        `(control API) to the page's Date.now() when [data-testid=connection-established] first becomes visible ` +
        `(MutationObserver), same host clock; ${result.scan.warmupPerSurface} warm-up link(s) per surface not counted; ` +
        `QR matched at the first check in ${result.scan.panel.qrMatchedFirstTry}/${result.scan.panel.n} panel links.`,
    );
  }
  if (result.scan) {
    for (const [name, surface] of [
      ['panel', result.scan.panel],
      ['QR page', result.scan.qrPage],
    ] as const) {
      for (const failure of surface?.failures ?? []) notes.push(`Failed (${name}): ${failure.slice(0, 600)}`);
    }
  }
  if (result.rotation) {
    const r = result.rotation;
    notes.push(
      `QR rotation: QR_TIMEOUT_MS=${r.qrMs} and simulator refs of ${r.qrMs} ms (${r.refsPerSocket} per socket); ` +
        `the QR page's own SSE gives each QR's expiresAt, a MutationObserver the time each new sequence is drawn; ` +
        `${r.qrsShown} QRs shown, ${r.skipped} skipped, ${r.unmatched} without a known expiry, first ` +
        `${r.warmupRotations} rotation not counted. The gateway stamps expiresAt after drawing the SVG ` +
        `(a few ms after Baileys' timer starts), so these latencies slightly understate.`,
    );
  }
  if (result.firstLoad) {
    const list = result.firstLoad.withQr.resources
      .map(
        (x) =>
          `${x.path} ${kb(x.bytes)}→${kb(x.transferBodyBytes)}${x.contentEncoding ? ` ${x.contentEncoding}` : ''}`,
      )
      .join(', ');
    notes.push(
      `First load: a fresh Chromium context (empty cache, accept-encoding gzip/deflate/br) opening the QR page; ` +
        `document + CSS + JS modules and their imports, same origin; "transferred" is Chromium's encoded body size ` +
        `plus response headers; the SSE stream and API JSON are not counted (opened before any QR, the QR itself arrives over SSE). Files (QR live, decoded→transferred KB): ${list}.`,
    );
  }
  for (const error of result.errors) notes.push(`ERROR: ${error}`);
  return [...lines, '', ...notes];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
}

const missing = (v: number | undefined): boolean => v === undefined || !Number.isFinite(v);
const ms = (v: number | undefined): string => (missing(v) ? '—' : v!.toFixed(0));
const spread = (s: LatencySummary): string => `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.max)}`;
const kb = (v: number): string => (v / 1024).toFixed(1);
