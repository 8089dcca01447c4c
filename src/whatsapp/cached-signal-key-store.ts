import type { SignalDataSet, SignalDataTypeMap, SignalKeyStore } from 'baileys';
import type { AuthStateStore, KeyPresence, SignalKeyType } from './auth-state-store.js';
import { detachBuffers } from './detach-buffers.js';

/** Bounds of one open socket's key cache. */
export interface SignalKeyCacheLimits {
  /** Most keys (and known-missing keys) held; the least recently used go first. */
  readonly maxEntries: number;
  /** A key not used for this long is dropped (also while the socket is idle). */
  readonly idleMs: number;
}

/**
 * 512 keys cover a busy channel's open conversations (a session and a device list per recipient,
 * plus the account's own devices); ten idle minutes let a quiet channel's memory go.
 */
export const DEFAULT_SIGNAL_KEY_CACHE_LIMITS: SignalKeyCacheLimits = { maxEntries: 512, idleMs: 10 * 60_000 };

/** Pre-keys are written in bulk at upload and read once, by the contact who uses one: not worth holding. */
const UNCACHED_TYPES: ReadonlySet<SignalKeyType> = new Set<SignalKeyType>(['pre-key']);

/**
 * Keys missed (asked of the store) before the store's key list is loaded. The list is every key
 * the channel holds, ~830 rows once its 812 pre-keys are up: worth it for a channel that sends to
 * new contacts (a dozen misses per new recipient), not for a socket that only logs in. A restore's
 * handful of reads (the current pre-key, its own LID mapping and session) loaded it for every
 * channel, and at 10,000 channels those ~8 million rows read back were most of the restore's work.
 */
export const PRESENCE_AFTER_MISSES = 16;

interface Entry {
  /** undefined: known to be absent from the store. */
  value: unknown;
  usedAt: number;
}

/**
 * A read-through, write-through cache of one open socket's Signal keys in front of its store (the
 * sealed database rows stay the truth). Sending to a new contact reads the same sessions, device
 * lists and LID mappings several times per message; without this every read is a query and an
 * AES-GCM open. It also remembers keys known to be missing, which is sound because the socket that
 * holds a channel's lease is the only writer of its keys and every write goes through here.
 *
 * Coherence: a write updates the cache when it starts (reads see it at once) and is dropped from it
 * if the store refuses it; a read that overlapped any write does not fill the cache (what it read
 * may predate the write), so the cache never holds a value older than the store's.
 */
export class CachedSignalKeyStore implements SignalKeyStore {
  readonly #store: AuthStateStore;
  readonly #limits: SignalKeyCacheLimits;
  readonly #now: () => number;
  /** Insertion order = least recently used first (a hit moves its entry to the end). */
  readonly #entries = new Map<string, Entry>();
  #writes = 0;
  #sweeper: NodeJS.Timeout | undefined;
  /** Which keys the store holds (when it can tell), loaded after PRESENCE_AFTER_MISSES misses, dropped when idle. */
  #presence: KeyPresence | undefined;
  #presenceLoading: Promise<void> | undefined;
  /** Keys asked of the store since the presence list was last dropped (or never loaded). */
  #misses = 0;

  /** `now`: milliseconds for entries' idleness; real time, not the gateway's Clock (a memory bound). */
  constructor(store: AuthStateStore, limits = DEFAULT_SIGNAL_KEY_CACHE_LIMITS, now: () => number = Date.now) {
    this.#store = store;
    this.#limits = limits;
    this.#now = now;
  }

  async get<T extends SignalKeyType>(
    type: T,
    ids: string[],
  ): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    const missing: string[] = [];
    const now = this.#now();
    for (const id of ids) {
      const key = keyOf(type, id);
      const entry = this.#entries.get(key);
      if (!entry) {
        missing.push(id);
        continue;
      }
      entry.usedAt = now;
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      if (entry.value !== undefined) result[id] = entry.value as SignalDataTypeMap[T];
    }
    if (missing.length === 0) return result;
    this.#misses += missing.length;
    if (this.#misses > PRESENCE_AFTER_MISSES) await this.#loadPresence();
    const presence = this.#presence;
    const toFetch = presence ? missing.filter((id) => presence.mayExist(type, id)) : missing;
    const writesBefore = this.#writes;
    const fetched = toFetch.length > 0 ? await this.#store.getKeys(type, toFetch) : {};
    const fill = writesBefore === this.#writes && !UNCACHED_TYPES.has(type);
    for (const id of missing) {
      const value = fetched[id];
      if (value !== undefined) result[id] = value;
      if (fill) this.#put(keyOf(type, id), value ?? undefined);
    }
    return result;
  }

  /** Asks the store once which keys it holds; a snapshot that overlapped a write is not used. */
  async #loadPresence(): Promise<void> {
    if (this.#presence || !this.#store.keyPresence) return;
    this.#presenceLoading ??= (async () => {
      const writesBefore = this.#writes;
      try {
        const presence = await this.#store.keyPresence!();
        if (writesBefore === this.#writes) this.#presence = presence;
      } catch {
        // Without it every miss asks the store, as before.
      } finally {
        this.#presenceLoading = undefined;
      }
    })();
    await this.#presenceLoading;
  }

  /**
   * Reads see a write from the moment it starts, not when the store has it: Baileys commits a
   * send's new Signal sessions after the stanza left, and the recipient's answer (encrypted with
   * them) can be decrypted before that commit lands. With the store a thread hop or a busy server
   * away, that answer read the old session and failed with Bad MAC.
   */
  async set(data: SignalDataSet): Promise<void> {
    this.#writes++;
    this.#forEachKey(data, (key, type, id, value) => {
      if (value !== null && value !== undefined) this.#presence?.noteStored(type, id);
      if (UNCACHED_TYPES.has(type)) this.#entries.delete(key);
      else this.#put(key, value ?? undefined);
    });
    try {
      await this.#store.setKeys(data);
    } catch (err) {
      // The store may hold either value now: forget these keys so the next read asks it.
      this.#forEachKey(data, (key) => this.#entries.delete(key));
      throw err;
    } finally {
      this.#writes++;
    }
  }

  async clear(): Promise<void> {
    this.#writes++;
    this.#entries.clear();
    this.#dropPresence();
    this.#stopSweeper();
    try {
      await this.#store.clear();
    } finally {
      this.#writes++;
    }
  }

  /** Drops every cached key (the socket is gone); the store is untouched. */
  close(): void {
    this.#entries.clear();
    this.#dropPresence();
    this.#stopSweeper();
  }

  /** Number of keys held, present or known missing (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  #put(key: string, value: unknown): void {
    this.#entries.delete(key);
    // Kept for the socket's life: copy bytes that are views into a network frame's chunk.
    this.#entries.set(key, { value: detachBuffers(value), usedAt: this.#now() });
    while (this.#entries.size > this.#limits.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    if (!this.#sweeper) {
      this.#sweeper = setInterval(() => this.#sweep(), Math.max(1_000, this.#limits.idleMs / 2));
      this.#sweeper.unref();
    }
  }

  #sweep(): void {
    const cutoff = this.#now() - this.#limits.idleMs;
    for (const [key, entry] of this.#entries) {
      if (entry.usedAt > cutoff) break;
      this.#entries.delete(key);
    }
    if (this.#entries.size === 0) {
      this.#dropPresence();
      this.#stopSweeper();
    }
  }

  /** Forgets the key list; the next one is loaded only after PRESENCE_AFTER_MISSES misses again. */
  #dropPresence(): void {
    this.#presence = undefined;
    this.#misses = 0;
  }

  #stopSweeper(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #forEachKey(
    data: SignalDataSet,
    visit: (key: string, type: SignalKeyType, id: string, value: unknown) => void,
  ): void {
    for (const type of Object.keys(data) as SignalKeyType[]) {
      for (const [id, value] of Object.entries(data[type] ?? {})) visit(keyOf(type, id), type, id, value);
    }
  }
}

function keyOf(type: SignalKeyType, id: string): string {
  return `${type}\u0000${id}`;
}
