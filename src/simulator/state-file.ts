/**
 * The simulator's optional persistence (SIMULATOR_STATE_FILE / --state-file): its root key and every
 * account with its linked devices and keys, so a restarted simulator is the same network and the
 * devices a gateway linked to it log in again without a new scan.
 *
 * One JSON line of header, then one line per account (a 10,000-device registry is hundreds of MB:
 * each device uploads ~800 pre-keys, and a single JSON string that large would not fit in V8).
 * Written to a temporary file beside the target, flushed, then renamed over it, so a crash during a
 * save leaves the previous file whole.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { SimulatedAccount, type Directory } from './directory.js';
import type { SavedAccount } from './saved-account.js';

const FORMAT = 'zapgate-simulator-state';
const VERSION = 1;

interface Header {
  readonly format: typeof FORMAT;
  readonly version: number;
  /** base64 root private key: gateways trust the simulator by its public half. */
  readonly rootPrivateKey: string;
  readonly accounts: number;
  readonly devices: number;
  readonly savedAt: string;
}

/** What a simulator with a state file found at start. */
export interface StateAtStart {
  readonly file: string;
  /** Whether the file existed (false: a new registry, written at the first save). */
  readonly loaded: boolean;
  readonly accounts: number;
  readonly devices: number;
}

/** How many accounts and linked devices (companions) a state holds. */
export interface StateCounts {
  readonly accounts: number;
  readonly devices: number;
}

export interface LoadedState extends StateCounts {
  readonly rootPrivateKey: Buffer;
  readonly accounts: number;
  readonly restore: (directory: Directory) => void;
}

/** Writes the state atomically (temporary file, flush, rename). */
export async function saveState(
  file: string,
  rootPrivateKey: Buffer,
  accounts: readonly SimulatedAccount[],
  now: Date,
): Promise<StateCounts> {
  const devices = accounts.reduce((sum, a) => sum + a.companions.size, 0);
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    rootPrivateKey: rootPrivateKey.toString('base64'),
    accounts: accounts.length,
    devices,
    savedAt: now.toISOString(),
  };
  const temporary = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(temporary, { mode: 0o600 });
  try {
    const write = async (line: string): Promise<void> => {
      if (!out.write(line + '\n')) await once(out, 'drain');
    };
    await write(JSON.stringify(header));
    for (const account of accounts) await write(JSON.stringify(account.saved()));
    out.end();
    await once(out, 'finish');
    const handle = await open(temporary, 'r');
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
  } catch (err) {
    out.destroy();
    await rm(temporary, { force: true });
    throw err;
  }
  return { accounts: accounts.length, devices };
}

/** Reads a state file; undefined when there is none. A damaged file is an error, not an empty state. */
export async function loadState(file: string): Promise<LoadedState | undefined> {
  if (!existsSync(file)) return undefined;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let header: Header | undefined;
  const saved: SavedAccount[] = [];
  for await (const line of lines) {
    if (!line) continue;
    if (!header) {
      header = JSON.parse(line) as Header;
      if (header.format !== FORMAT || header.version !== VERSION)
        throw new Error(`${file} is not a simulator state file of version ${VERSION}`);
      continue;
    }
    saved.push(JSON.parse(line) as SavedAccount);
  }
  if (!header) throw new Error(`${file} is empty`);
  const devices = saved.reduce((sum, a) => sum + a.companions.length, 0);
  if (saved.length !== header.accounts || devices !== header.devices)
    throw new Error(
      `${file} is incomplete: ${saved.length} accounts and ${devices} devices, its header says ${header.accounts} and ${header.devices}`,
    );
  return {
    rootPrivateKey: Buffer.from(header.rootPrivateKey, 'base64'),
    accounts: saved.length,
    devices,
    restore: (directory) => {
      for (const account of saved) directory.add(SimulatedAccount.restore(account));
    },
  };
}
