/**
 * Link latency, driver vs raw Baileys, interleaved in one run: for each link a fresh business phone,
 * a fresh session, its first QR scanned through the control API, timed from just before the scan
 * request to the open session (after the 515 restart and the first login's pre-key upload).
 */
import { newRawAuth } from '../test/support/raw-baileys-client.js';
import { MemoryAuthStateStore } from '../src/whatsapp/memory-auth-state-store.js';
import { ControlClient } from './control-client.js';
import { linkDevice, type LinkTiming } from './link-device.js';
import {
  DriverBenchSession,
  RawBenchSession,
  driverLogger,
  type BenchSession,
  type ClientKind,
} from './sessions.js';
import type { SimulatorEndpoint } from './simulator-process.js';
import { summarise, ratio, type LatencySummary } from './stats.js';

const LINK_TIMEOUT_MS = 30_000;
/** Links per client done first and not counted (first-use costs: JIT, lazy modules). */
const WARMUP_PER_KIND = 1;

export interface LinkLatencyResult {
  readonly links: number;
  readonly warmupPerKind: number;
  readonly driver: KindResult;
  readonly raw: KindResult;
  readonly ratio: { readonly p50: number; readonly p95: number };
}

export interface KindResult extends LatencySummary {
  readonly samplesMs: number[];
  readonly scanMs: LatencySummary;
  readonly failures: string[];
}

export async function runLinkLatency(
  endpoint: SimulatorEndpoint,
  opts: { links: number; phonePrefix: string; log: (line: string) => void },
): Promise<LinkLatencyResult> {
  const control = new ControlClient(endpoint.controlUrl);
  const logger = driverLogger();
  const timings: Record<ClientKind, LinkTiming[]> = { driver: [], raw: [] };
  const failures: Record<ClientKind, string[]> = { driver: [], raw: [] };
  const total = (opts.links + WARMUP_PER_KIND) * 2;
  for (let i = 0; i < total; i++) {
    // Strictly alternating, driver first: both see the same machine noise over the run.
    const kind: ClientKind = i % 2 === 0 ? 'driver' : 'raw';
    const phone = `${opts.phonePrefix}${String(i).padStart(6, '0')}`;
    const session: BenchSession =
      kind === 'driver'
        ? new DriverBenchSession(endpoint, new MemoryAuthStateStore(), `link-${i}`, logger)
        : new RawBenchSession(endpoint, newRawAuth());
    try {
      await control.createPhone({ phone, name: `Link ${i}`, business: true });
      const timing = await linkDevice(session, control, phone, LINK_TIMEOUT_MS);
      if (i >= WARMUP_PER_KIND * 2) timings[kind].push(timing);
    } catch (err) {
      failures[kind].push(`link ${i}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await session.stop().catch(() => undefined);
    }
    if ((i + 1) % 10 === 0 || i + 1 === total) opts.log(`link latency: ${i + 1}/${total} links`);
  }
  const summary = (kind: ClientKind): KindResult => {
    const samplesMs = timings[kind].map((t) => round(t.linkMs));
    return {
      ...summarise(samplesMs),
      samplesMs,
      scanMs: summarise(timings[kind].map((t) => t.scanMs)),
      failures: failures[kind],
    };
  };
  const driver = summary('driver');
  const raw = summary('raw');
  return {
    links: opts.links,
    warmupPerKind: WARMUP_PER_KIND,
    driver,
    raw,
    ratio: { p50: ratio(driver.p50, raw.p50), p95: ratio(driver.p95, raw.p95) },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
