/**
 * Session density, driver vs raw Baileys: links the largest size's devices once (setup worker),
 * then for each size runs one fresh measuring process per client, one after the other (the same
 * device connected twice would replace itself), alternating which client goes first.
 */
import { runWorker } from './child-processes.js';
import type { ClientKind } from './sessions.js';
import type { SimulatorEndpoint } from './simulator-process.js';
import { ratio } from './stats.js';
import { endpointArgs } from './worker-args.js';

export interface DensityMeasurement {
  readonly kind: ClientKind;
  readonly count: number;
  readonly opened: number;
  readonly stillOpen: number;
  readonly failureCount: number;
  readonly failures: string[];
  readonly troubleCount: number;
  readonly troubles: string[];
  readonly openAllMs: number;
  readonly quiet: boolean;
  readonly idleWaitMs: number;
  /** Mean cost of one `await` before any session and once all are idle, in ns. */
  readonly awaitNs: { readonly before: number; readonly after: number };
  /** AsyncLocalStorage instances enabled in the process (null when not measurable). */
  readonly enabledAsyncLocalStorages: number | null;
  readonly memory: Record<'baseline' | 'afterStores' | 'afterIdle', Record<string, number>>;
  readonly perSession: {
    readonly rss: number;
    readonly heapUsed: number;
    readonly external: number;
    readonly storeRss: number;
    readonly storeHeapUsed: number;
    readonly connectionRss: number;
    readonly connectionHeapUsed: number;
  };
}

export interface DensitySize {
  readonly count: number;
  readonly raw?: DensityMeasurement;
  readonly driver?: DensityMeasurement;
  readonly errors: string[];
  /** driver / raw per-session figures. */
  readonly ratio: { readonly rss: number; readonly heapUsed: number };
}

export interface DensityResult {
  readonly setup: { readonly devices: number; readonly elapsedMs: number; readonly retries: number };
  /** Measuring processes per client and size; the median (by RSS per session) is reported. */
  readonly repeats: number;
  readonly sizes: DensitySize[];
}

export interface DensityOptions {
  readonly sizes: readonly number[];
  readonly stateDir: string;
  readonly phonePrefix: string;
  readonly setupConcurrency: number;
  readonly loginConcurrency: number;
  readonly repeats: number;
  readonly log: (line: string) => void;
}

/** Devices linked per setup process. */
const SETUP_BATCH = 100;

export async function runSessionDensity(
  endpoint: SimulatorEndpoint,
  opts: DensityOptions,
): Promise<DensityResult> {
  const devices = Math.max(...opts.sizes);
  opts.log(`session density: linking ${devices} devices once (setup workers, ${SETUP_BATCH} per process)`);
  const setupStarted = Date.now();
  let retries = 0;
  for (let from = 0; from < devices; from += SETUP_BATCH) {
    const count = Math.min(SETUP_BATCH, devices - from);
    const setup = await runWorker({
      script: 'bench/density-setup-worker.ts',
      args: [
        ...endpointArgs(endpoint),
        '--dir',
        opts.stateDir,
        '--from',
        String(from),
        '--count',
        String(count),
        '--phone-prefix',
        opts.phonePrefix,
        '--concurrency',
        String(opts.setupConcurrency),
      ],
      // Linking costs ~0.3 s of CPU per device on this kind of machine; allow far more.
      deadlineMs: 60_000 + count * 3_000,
      label: `density setup ${from}+${count}`,
    });
    retries += Number(setup.retries);
    opts.log(`session density: linked ${from + count}/${devices} (${Date.now() - setupStarted} ms)`);
  }
  const setupMs = Date.now() - setupStarted;
  const sizes: DensitySize[] = [];
  let run = 0;
  for (const count of opts.sizes) {
    const samples: Record<ClientKind, DensityMeasurement[]> = { raw: [], driver: [] };
    const errors: string[] = [];
    for (let repeat = 0; repeat < opts.repeats; repeat++) {
      // Alternate which client goes first, so neither always runs on the busier machine.
      const order: ClientKind[] = run++ % 2 === 0 ? ['raw', 'driver'] : ['driver', 'raw'];
      for (const kind of order) {
        try {
          samples[kind].push(await measure(endpoint, opts, kind, count));
        } catch (err) {
          errors.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`);
          opts.log(`session density: ${count} ${kind} FAILED: ${String(err)}`);
        }
      }
    }
    const measured: Partial<Record<ClientKind, DensityMeasurement>> = {};
    for (const kind of ['raw', 'driver'] as const) {
      const median = medianByRss(samples[kind]);
      if (median) measured[kind] = median;
    }
    sizes.push({
      count,
      ...(measured.raw ? { raw: measured.raw } : {}),
      ...(measured.driver ? { driver: measured.driver } : {}),
      errors,
      ratio: {
        rss: ratio(measured.driver?.perSession.rss, measured.raw?.perSession.rss),
        heapUsed: ratio(measured.driver?.perSession.heapUsed, measured.raw?.perSession.heapUsed),
      },
    });
  }
  return {
    setup: { devices, elapsedMs: setupMs, retries },
    repeats: opts.repeats,
    sizes,
  };
}

/** One measuring process: `count` sessions of `kind`, logged in from the saved states. */
async function measure(
  endpoint: SimulatorEndpoint,
  opts: DensityOptions,
  kind: ClientKind,
  count: number,
): Promise<DensityMeasurement> {
  opts.log(`session density: ${count} ${kind} sessions`);
  const result = await runWorker({
    script: 'bench/density-worker.ts',
    nodeFlags: ['--expose-gc'],
    args: [
      ...endpointArgs(endpoint),
      '--kind',
      kind,
      '--dir',
      opts.stateDir,
      '--count',
      String(count),
      '--concurrency',
      String(opts.loginConcurrency),
    ],
    deadlineMs: 180_000 + count * 500,
    label: `density ${kind} ${count}`,
  });
  const m = result as unknown as DensityMeasurement;
  opts.log(
    `session density: ${count} ${kind}: ${m.opened}/${count} open, ${mb(m.perSession.rss)} MB RSS/session` +
      `, open-all ${m.openAllMs} ms, await ${m.awaitNs.before}→${m.awaitNs.after} ns` +
      `, ${m.enabledAsyncLocalStorages ?? '?'} AsyncLocalStorages${m.quiet ? '' : ', NOT QUIET'}`,
  );
  return m;
}

/** The measurement with the median RSS per session (the lower middle one for an even count). */
function medianByRss(samples: DensityMeasurement[]): DensityMeasurement | undefined {
  const sorted = [...samples].sort((a, b) => a.perSession.rss - b.perSession.rss);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(3);
}
