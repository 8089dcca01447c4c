import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LazySocketCache, socketCaches } from '../../src/whatsapp/socket-caches.js';

describe('socket caches made on first write', () => {
  it('reads nothing and makes nothing until a write; then works as a NodeCache', async () => {
    const cache = new LazySocketCache(300);
    assert.equal(cache.get('15550001111@s.whatsapp.net'), undefined);
    assert.deepEqual(await cache.mget(['a', 'b']), {});
    assert.equal(cache.del('a'), 0);
    cache.flushAll();
    assert.equal(cache.made, false, 'reads, deletes and flushes make no cache');
    assert.equal(cache.set('15550001111', [{ device: 0 }]), true);
    assert.equal(cache.made, true);
    assert.deepEqual(cache.get('15550001111'), [{ device: 0 }]);
    cache.mset([
      { key: 'b', value: 2 },
      { key: 'c', value: 3 },
    ]);
    assert.deepEqual(await cache.mget(['b', 'c', 'x']), { b: 2, c: 3 });
    const value = { kept: 'as is' };
    cache.set('v', value);
    assert.equal(cache.get('v'), value, 'values are not cloned (as Baileys sets its own caches)');
    assert.equal(cache.del('b'), 1);
    cache.close();
  });

  it('after close, the caches are gone, and a late write stores nothing and makes no new one', () => {
    const caches = socketCaches();
    caches.userDevicesCache.set('u', 1);
    caches.msgRetryCounterCache.set('m', 1);
    assert.equal(caches.userDevicesCache.made && caches.msgRetryCounterCache.made, true);
    caches.close();
    assert.equal(
      caches.userDevicesCache.made || caches.msgRetryCounterCache.made,
      false,
      'closed and dropped',
    );
    assert.equal(caches.userDevicesCache.set('late', 1), false);
    assert.equal(caches.userDevicesCache.mset([{ key: 'late', value: 1 }]), false);
    assert.equal(caches.userDevicesCache.made, false);
    assert.equal(caches.userDevicesCache.get('late'), undefined);
  });
});
