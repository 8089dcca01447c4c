/**
 * The simulator in its own process (`node --import tsx src/simulator/main.ts`), as `npm run
 * simulator` runs it: started on 127.0.0.1, its one JSON line parsed, and stopped at the end.
 */
import { createInterface } from 'node:readline';
import { forwardStderr, spawnNode, type SpawnedNode } from './child-processes.js';
import { withDeadline } from './deadline.js';

/** Where a running simulator listens, as its JSON line says. */
export interface SimulatorEndpoint {
  readonly protocolUrl: string;
  readonly controlUrl: string;
  /** Raw 32-byte root public key. */
  readonly rootPublicKey: Uint8Array;
}

/** What a simulator started with a state file found (its JSON line's `state`). */
export interface SimulatorStateAtStart {
  readonly file: string;
  readonly loaded: boolean;
  readonly accounts: number;
  readonly devices: number;
}

export interface SimulatorProcess extends SimulatorEndpoint {
  readonly pid: number;
  readonly state: SimulatorStateAtStart | undefined;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SimulatorFlags {
  qrFirstMs?: number;
  qrLaterMs?: number;
  qrRefs?: number;
  deliveryDelayMs?: number;
  /** Keep the registry in this file (linked devices survive a restart of the simulator). */
  stateFile?: string;
  /** V8's old-space limit for the simulator (10,000 linked devices hold ~8 million pre-keys). */
  maxOldSpaceMb?: number;
  /**
   * The simulator's CPU niceness (0–19). It stands in for WhatsApp's servers, which never share the
   * gateway's cores; on one small machine its garbage collections (a heap of millions of pre-keys)
   * take a core for hundreds of ms. Niced, it yields the cores to the gateway when both want them.
   */
  niceness?: number;
}

const START_DEADLINE_MS = 30_000;

export async function startSimulatorProcess(flags: SimulatorFlags = {}): Promise<SimulatorProcess> {
  const args = ['--host', '127.0.0.1', '--port', '0'];
  if (flags.qrFirstMs !== undefined) args.push('--qr-first-ms', String(flags.qrFirstMs));
  if (flags.qrLaterMs !== undefined) args.push('--qr-later-ms', String(flags.qrLaterMs));
  if (flags.qrRefs !== undefined) args.push('--qr-refs', String(flags.qrRefs));
  if (flags.deliveryDelayMs !== undefined) args.push('--delivery-delay-ms', String(flags.deliveryDelayMs));
  if (flags.stateFile !== undefined) args.push('--state-file', flags.stateFile);
  const spawned = spawnNode(
    'src/simulator/main.ts',
    args,
    flags.maxOldSpaceMb ? [`--max-old-space-size=${flags.maxOldSpaceMb}`] : [],
    flags.niceness,
  );
  forwardStderr(spawned.child, '[simulator]');
  try {
    const line = await withDeadline(
      firstLine(spawned),
      // Loading a state file of 10,000 devices (hundreds of MB) takes a while.
      flags.stateFile ? 10 * START_DEADLINE_MS : START_DEADLINE_MS,
      'the simulator to print its JSON line',
    );
    const endpoint = parseEndpoint(line);
    return { ...endpoint, pid: spawned.child.pid ?? -1, stop: (graceMs) => stop(spawned, graceMs) };
  } catch (err) {
    await stop(spawned, 2_000);
    throw err;
  }
}

function firstLine(spawned: SpawnedNode): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = createInterface({ input: spawned.child.stdout! });
    let seen = false;
    reader.on('line', (line) => {
      if (seen) return; // the simulator prints nothing else on stdout; ignore it if it ever does
      seen = true;
      resolve(line);
    });
    void spawned.exited.then((status) =>
      reject(new Error(`the simulator exited (${status}) before printing its endpoint`)),
    );
  });
}

function parseEndpoint(line: string): SimulatorEndpoint & { state: SimulatorStateAtStart | undefined } {
  const parsed = JSON.parse(line) as {
    protocolUrl?: unknown;
    controlUrl?: unknown;
    rootPublicKey?: unknown;
    state?: SimulatorStateAtStart;
  };
  if (
    typeof parsed.protocolUrl !== 'string' ||
    typeof parsed.controlUrl !== 'string' ||
    typeof parsed.rootPublicKey !== 'string'
  ) {
    throw new Error(`unexpected simulator line: ${line}`);
  }
  for (const url of [parsed.protocolUrl, parsed.controlUrl]) {
    // The bench talks to this machine only.
    if (new URL(url).hostname !== '127.0.0.1') throw new Error(`the simulator is not on 127.0.0.1: ${url}`);
  }
  const rootPublicKey = new Uint8Array(Buffer.from(parsed.rootPublicKey, 'base64'));
  if (rootPublicKey.length !== 32) throw new Error('the simulator root public key is not 32 bytes');
  return {
    protocolUrl: parsed.protocolUrl,
    controlUrl: parsed.controlUrl,
    rootPublicKey,
    state: parsed.state,
  };
}

async function stop(spawned: SpawnedNode, graceMs = 5_000): Promise<void> {
  const { child } = spawned;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  try {
    await withDeadline(spawned.exited, graceMs, 'the simulator to exit');
  } catch {
    child.kill('SIGKILL');
    await withDeadline(spawned.exited, 5_000, 'the simulator to die').catch(() => undefined);
  }
}
