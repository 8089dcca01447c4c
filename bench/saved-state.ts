/**
 * Linked-device auth states saved by the setup worker (one linked device per file, creds and keys
 * serialised with Baileys' BufferJSON) and loaded by the density workers for either client.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BufferJSON, type AuthenticationCreds } from 'baileys';
import { MemoryAuthStateStore } from '../src/whatsapp/memory-auth-state-store.js';
import type { RawAuth } from '../test/support/raw-baileys-client.js';

export interface SavedDevice {
  readonly phone: string;
  readonly device: number;
  readonly creds: AuthenticationCreds;
  readonly keys: Record<string, Record<string, unknown>>;
}

export function stateFile(dir: string, index: number): string {
  return path.join(dir, `device-${String(index).padStart(5, '0')}.json`);
}

export async function saveDevice(dir: string, index: number, device: SavedDevice): Promise<void> {
  await writeFile(stateFile(dir, index), JSON.stringify(device, BufferJSON.replacer), { mode: 0o600 });
}

export async function loadDevice(dir: string, index: number): Promise<SavedDevice> {
  return JSON.parse(await readFile(stateFile(dir, index), 'utf8'), BufferJSON.reviver) as SavedDevice;
}

/** The raw baseline's auth: the revived objects themselves, as its in-memory store keeps them. */
export function rawAuthFrom(saved: SavedDevice): RawAuth {
  return { creds: saved.creds, keys: saved.keys };
}

/** The driver's in-memory store, filled through its AuthStateStore interface. */
export async function driverStoreFrom(saved: SavedDevice): Promise<MemoryAuthStateStore> {
  const store = new MemoryAuthStateStore();
  await store.saveCreds(saved.creds);
  await store.setKeys(saved.keys);
  return store;
}
