import type { AuthenticationCreds, SignalDataSet, SignalDataTypeMap } from 'baileys';
import {
  reviveCreds,
  reviveKey,
  serialiseAuthValue as serialise,
  type AuthStateStore,
  type SignalKeyType,
} from './auth-state-store.js';

/**
 * An in-memory AuthStateStore for tests and the sandbox. Values are kept as BufferJSON strings, not
 * live objects, so it behaves exactly like a database-backed store: nothing Baileys mutates after a
 * write leaks into the stored copy, and what comes back is freshly revived.
 */
export class MemoryAuthStateStore implements AuthStateStore {
  #creds: string | undefined;
  readonly #keys = new Map<string, string>();

  loadCreds(): Promise<AuthenticationCreds | undefined> {
    return Promise.resolve(this.#creds === undefined ? undefined : reviveCreds(this.#creds));
  }

  saveCreds(creds: AuthenticationCreds): Promise<void> {
    this.#creds = serialise(creds);
    return Promise.resolve();
  }

  getKeys<T extends SignalKeyType>(type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    for (const id of ids) {
      const raw = this.#keys.get(keyOf(type, id));
      if (raw === undefined) continue;
      result[id] = reviveKey(type, raw);
    }
    return Promise.resolve(result);
  }

  setKeys(data: SignalDataSet): Promise<void> {
    for (const type of Object.keys(data) as SignalKeyType[]) {
      const entries = data[type];
      if (!entries) continue;
      for (const [id, value] of Object.entries(entries)) {
        if (value === null || value === undefined) this.#keys.delete(keyOf(type, id));
        else this.#keys.set(keyOf(type, id), serialise(value));
      }
    }
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.#creds = undefined;
    this.#keys.clear();
    return Promise.resolve();
  }

  /** True when credentials are saved (for tests and diagnostics). */
  get hasCreds(): boolean {
    return this.#creds !== undefined;
  }

  /** Number of stored keys of every type (for tests and diagnostics). */
  get keyCount(): number {
    return this.#keys.size;
  }
}

function keyOf(type: SignalKeyType, id: string): string {
  return `${type}\u0000${id}`;
}
