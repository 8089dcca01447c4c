import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SignalDataTypeMap } from 'baileys';
import type { SignalKeyType } from '../../src/whatsapp/auth-state-store.js';
import { CachedSignalKeyStore } from '../../src/whatsapp/cached-signal-key-store.js';
import { MemoryAuthStateStore } from '../../src/whatsapp/memory-auth-state-store.js';

/** A store that counts reads and can hold a read until the test lets it go. */
class CountingStore extends MemoryAuthStateStore {
  reads = 0;
  hold: Promise<void> | undefined;
  override async getKeys<T extends SignalKeyType>(type: T, ids: string[]) {
    this.reads += 1;
    const value = await super.getKeys(type, ids);
    await this.hold;
    return value;
  }
}

const session = (n: number): SignalDataTypeMap['session'] => new Uint8Array(Buffer.from(`session-${n}`));

test('a read is served from the store once, then from the cache; missing keys are remembered too', async () => {
  const store = new CountingStore();
  await store.setKeys({ session: { a: session(1) } });
  const cache = new CachedSignalKeyStore(store);
  assert.deepEqual(Object.keys(await cache.get('session', ['a', 'b'])), ['a']);
  const reads = store.reads;
  assert.deepEqual(Object.keys(await cache.get('session', ['a', 'b'])), ['a']);
  assert.equal(store.reads, reads, 'both the present and the absent key came from the cache');
  cache.close();
});

test('writes reach the store and are seen by reads; a delete is remembered as absent', async () => {
  const store = new CountingStore();
  const cache = new CachedSignalKeyStore(store);
  await cache.set({ session: { a: session(2) } });
  assert.ok((await store.getKeys('session', ['a'])).a, 'the store has it');
  const reads = store.reads;
  assert.ok((await cache.get('session', ['a'])).a);
  await cache.set({ session: { a: null } });
  assert.deepEqual(await cache.get('session', ['a']), {});
  assert.deepEqual(await store.getKeys('session', ['a']), {});
  assert.equal(store.reads, reads + 1, 'only the direct store read above touched the store');
  cache.close();
});

test('a read that overlapped a write does not fill the cache with what it read before the write', async () => {
  const store = new CountingStore();
  await store.setKeys({ session: { a: session(3) } });
  const cache = new CachedSignalKeyStore(store);
  let release!: () => void;
  store.hold = new Promise((resolve) => (release = resolve));
  const slowRead = cache.get('session', ['a']);
  await new Promise((resolve) => setImmediate(resolve));
  store.hold = undefined;
  await cache.set({ session: { a: session(4) } });
  release();
  await slowRead;
  const now = await cache.get('session', ['a']);
  assert.equal(Buffer.from(now.a!).toString(), 'session-4', 'never older than the store');
  cache.close();
});

test('a write is seen by reads while the store is still writing it; a refused write is forgotten', async () => {
  // Baileys commits a send's sessions after the stanza left: the answer may be decrypted first.
  class SlowStore extends CountingStore {
    landing: Promise<void> | undefined;
    override async setKeys(data: Parameters<MemoryAuthStateStore['setKeys']>[0]) {
      await this.landing;
      return super.setKeys(data);
    }
  }
  const store = new SlowStore();
  await store.setKeys({ session: { a: session(5) } });
  const cache = new CachedSignalKeyStore(store);
  let land!: () => void;
  store.landing = new Promise((resolve) => (land = resolve));
  const writing = cache.set({ session: { a: session(6) } });
  const reads = store.reads;
  const during = await cache.get('session', ['a']);
  assert.equal(Buffer.from(during.a!).toString(), 'session-6', 'the new session, before the store has it');
  assert.equal(store.reads, reads, 'served from the cache');
  land();
  await writing;
  assert.equal(Buffer.from((await store.getKeys('session', ['a'])).a!).toString(), 'session-6');

  let refuse!: (err: Error) => void;
  store.landing = new Promise((_, reject) => (refuse = reject));
  const refused = cache.set({ session: { a: session(7) } });
  refuse(new Error('database down'));
  await assert.rejects(refused, /database down/);
  store.landing = undefined;
  const after = await cache.get('session', ['a']);
  assert.equal(Buffer.from(after.a!).toString(), 'session-6', "the store's value again, not the refused one");
  cache.close();
});

test('the cache is bounded: the least recently used keys go first', async () => {
  const store = new CountingStore();
  const cache = new CachedSignalKeyStore(store, { maxEntries: 2, idleMs: 60_000 });
  await cache.set({ session: { a: session(5), b: session(6), c: session(7) } });
  assert.ok(cache.size <= 2, `size ${cache.size}`);
  const reads = store.reads;
  assert.ok((await cache.get('session', ['a'])).a, 'an evicted key is read from the store again');
  assert.equal(store.reads, reads + 1);
  cache.close();
});

/** A store that can tell which keys it holds, counting how often it is asked for that list. */
class PresenceStore extends CountingStore {
  presenceLoads = 0;
  async keyPresence() {
    this.presenceLoads += 1;
    const held = new Set<string>();
    for (const type of ['session', 'pre-key', 'lid-mapping'] as const)
      for (const id of Object.keys(
        await super.getKeys(
          type,
          Array.from({ length: 64 }, (_, i) => `k${i}`),
        ),
      ))
        held.add(`${type}/${id}`);
    this.reads -= 3; // the list itself is not a key read
    return {
      mayExist: (type: SignalKeyType, id: string) => held.has(`${type}/${id}`),
      noteStored: (type: SignalKeyType, id: string) => void held.add(`${type}/${id}`),
    };
  }
}

test('a socket that only logs in never loads the key list; one that misses many keys does, then skips absent ones', async () => {
  const { PRESENCE_AFTER_MISSES } = await import('../../src/whatsapp/cached-signal-key-store.js');
  const store = new PresenceStore();
  await store.setKeys({ 'pre-key': { k1: { public: new Uint8Array(32), private: new Uint8Array(32) } } });
  const cache = new CachedSignalKeyStore(store);
  // A restore's reads: the current pre-key, its own LID mapping, its own session.
  await cache.get('pre-key', ['k1']);
  await cache.get('lid-mapping', ['me']);
  await cache.get('session', ['me.0']);
  assert.equal(store.presenceLoads, 0, 'a login does not read every key the channel holds');
  // Sending to new contacts: misses past the threshold load the list once.
  for (let i = 0; i <= PRESENCE_AFTER_MISSES; i++) await cache.get('session', [`new${i}.0`]);
  assert.equal(store.presenceLoads, 1);
  const reads = store.reads;
  assert.deepEqual(await cache.get('session', ['another.0', 'and-another.0']), {});
  assert.equal(store.reads, reads, 'keys the list says are absent are not asked of the store');
  assert.equal(store.presenceLoads, 1);
  cache.close();
});
