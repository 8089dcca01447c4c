/**
 * The gateway as a real child process (`src/cli.ts start`), so crash tests can kill it with
 * SIGKILL at any moment and start it again on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { waitUntil } from './wait-for.js';

export interface GatewayProcess {
  readonly url: string;
  /** The admin key printed on the first start (undefined on later starts). */
  readonly adminKey: string | undefined;
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  /** SIGKILL: no shutdown code runs, as in a power cut. */
  kill(): Promise<void>;
  /** A graceful stop (SIGTERM). */
  stop(): Promise<void>;
}

export async function startGatewayProcess(
  env: Record<string, string>,
  // Generous: a start on a loaded 2-core machine (tsx compiling, migrations) can take tens of seconds.
  timeoutMs = 90_000,
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    output.push(chunk.toString());
  });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  let adminKey: string | undefined;
  let expectKey = false;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start within ${timeoutMs} ms: ${stderr.join('')}`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${stderr.join('')}`));
    });
    lines.on('line', (line) => {
      if (expectKey) {
        adminKey = line.trim();
        expectKey = false;
      }
      if (line.startsWith('First start: an admin API key')) expectKey = true;
      if (line.startsWith('{')) {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'ready' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not a log line
        }
      }
    });
  });
  const exited = once(child, 'exit');
  return {
    url,
    get adminKey() {
      return adminKey;
    },
    child,
    output: () => output.join(''),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI command (`src/cli.ts …args`) to its end, as an operator would from a shell. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close', not 'exit': the output may still be in the pipes when the process exits.
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** A JSON call to a gateway process's API with a Bearer key (crash, shutdown and secrets tests). */
export type ProcessApi = (
  method: string,
  path: string,
  key: string,
  body?: unknown,
) => Promise<{ status: number; json: any }>;

/** `baseUrl` is read at each call: these tests restart the process on a new port. */
export function processApi(baseUrl: () => string): ProcessApi {
  return async (method, path, key, body) => {
    const response = await fetch(baseUrl() + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
}

/**
 * Creates a business through the admin API and links its channel as an owner would: the QR from the
 * API, scanned by `phone`, until the API says `connected`; then turns pacing off.
 */
export async function linkNewBusiness(
  api: ProcessApi,
  adminKey: string,
  name: string,
  phone: { scan(qr: string): Promise<unknown> },
): Promise<{ channelId: string; apiKey: string }> {
  const created = (await api('POST', '/v1/tenants', adminKey, { name, timeZone: 'UTC', language: 'en' }))
    .json as { channelId: string; apiKey: string };
  const qr = await waitUntil(
    async () => {
      const r = await api('GET', `/v1/channels/${created.channelId}/qr?format=raw`, created.apiKey);
      return r.status === 200 ? (r.json.qr as string) : undefined;
    },
    { what: 'a QR' },
  );
  await phone.scan(qr);
  await waitUntil(
    async () =>
      (await api('GET', `/v1/channels/${created.channelId}`, created.apiKey)).json.status === 'connected',
    { what: 'connected', timeoutMs: 30_000 },
  );
  const pacing = await api('PUT', '/v1/pacing', created.apiKey, { enabled: false });
  if (pacing.status !== 200) throw new Error(`pacing off: ${pacing.status}`);
  return { channelId: created.channelId, apiKey: created.apiKey };
}

/** A simulator and a data folder for gateway processes; `env` points a process at both. */
export interface ProcessWorld {
  readonly sim: Simulator;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  /** Stops the simulator and removes the data folder (stop the processes first). */
  stop(): Promise<void>;
}

export async function startProcessWorld(name: string): Promise<ProcessWorld> {
  const sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
  const dataDir = mkdtempSync(join(tmpdir(), `zapgate-${name}-`));
  return {
    sim,
    dataDir,
    env: {
      PORT: '0',
      DATA_DIR: dataDir,
      WA_SERVER_URL: sim.protocolUrl,
      WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
      RESTORE_STAGGER_MS: '20',
    },
    async stop() {
      await sim.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
