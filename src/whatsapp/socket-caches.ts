import NodeCache from '@cacheable/node-cache';
import { DEFAULT_CACHE_TTLS, type PossiblyExtendedCacheStore } from 'baileys';

/**
 * One of a socket's Baileys caches, made on its first write. Baileys makes four NodeCache instances
 * per socket when none is given (message retries, call offers, contacts' device lists, placeholder
 * resends): in a heap snapshot at 1,000 idle sessions they were 334 of a session's 1,920 heap
 * objects (29 KB), and every full GC marks them, for sockets that mostly never send or receive.
 * Until something is stored, reads find nothing and cost nothing; then it is the same NodeCache,
 * with Baileys' own settings.
 */
export class LazySocketCache implements PossiblyExtendedCacheStore {
  #cache: NodeCache<unknown> | undefined;
  #closed = false;

  constructor(private readonly stdTTL: number) {}

  /** Whether the cache has been made (for tests). */
  get made(): boolean {
    return this.#cache !== undefined;
  }

  get<T>(key: string): T | undefined {
    return this.#cache?.get(key) as T | undefined;
  }

  set<T>(key: string, value: T): boolean {
    return this.#made()?.set(key, value) ?? false;
  }

  del(key: string): number {
    return this.#cache?.del(key) ?? 0;
  }

  flushAll(): void {
    this.#cache?.flushAll();
  }

  mget<T>(keys: string[]): Promise<Record<string, T | undefined>> {
    return Promise.resolve(this.#cache?.mget<T>(keys) ?? {});
  }

  mset<T>(entries: { key: string; value: T }[]): boolean {
    return this.#made()?.mset(entries) ?? false;
  }

  /**
   * Ends its expiry timer; Baileys does not close a cache it was given, so the socket's owner does.
   * A write after that (a late handler of the ended socket) stores nothing and makes no new timer.
   */
  close(): void {
    this.#closed = true;
    this.#cache?.close();
    this.#cache = undefined;
  }

  #made(): NodeCache<unknown> | undefined {
    if (this.#closed) return undefined;
    // As Baileys makes its own: its TTL, values kept as they are (not cloned).
    return (this.#cache ??= new NodeCache<unknown>({ stdTTL: this.stdTTL, useClones: false }));
  }
}

/** The caches one socket is given instead of the ones Baileys would make (see LazySocketCache). */
export interface SocketCaches {
  readonly msgRetryCounterCache: LazySocketCache;
  readonly callOfferCache: LazySocketCache;
  readonly userDevicesCache: LazySocketCache;
  readonly placeholderResendCache: LazySocketCache;
  /** Closes the ones made: when the socket has ended. */
  close(): void;
}

export function socketCaches(): SocketCaches {
  const caches = {
    msgRetryCounterCache: new LazySocketCache(DEFAULT_CACHE_TTLS.MSG_RETRY),
    callOfferCache: new LazySocketCache(DEFAULT_CACHE_TTLS.CALL_OFFER),
    userDevicesCache: new LazySocketCache(DEFAULT_CACHE_TTLS.USER_DEVICES),
    placeholderResendCache: new LazySocketCache(DEFAULT_CACHE_TTLS.MSG_RETRY),
  };
  return { ...caches, close: () => Object.values(caches).forEach((cache) => cache.close()) };
}
