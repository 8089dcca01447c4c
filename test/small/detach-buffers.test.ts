import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detachBuffers } from '../../src/whatsapp/detach-buffers.js';

describe('detachBuffers (small slices of network chunks kept for a session)', () => {
  test('a slice of a 64 KB chunk is copied, in objects, arrays and maps, with the same bytes', () => {
    const chunk = Buffer.alloc(65_536, 7);
    const slice = chunk.subarray(100, 132);
    const nested = new Uint8Array(chunk.buffer, 200, 16);
    const value = {
      account: { details: slice, list: [{ key: slice }] },
      keys: new Map<string, unknown>([['a', nested]]),
    };
    detachBuffers(value);
    assert.ok(Buffer.isBuffer(value.account.details));
    assert.equal(value.account.details.buffer.byteLength, 32);
    assert.deepEqual([...value.account.details], [...slice]);
    assert.equal((value.account.list[0]!.key as Buffer).buffer.byteLength, 32);
    const copied = value.keys.get('a') as Uint8Array;
    assert.ok(!Buffer.isBuffer(copied) && copied instanceof Uint8Array);
    assert.equal(copied.buffer.byteLength, 16);
    assert.deepEqual([...copied], [...nested]);
  });

  test('buffers that own their memory stay the same objects; cycles and primitives are fine', () => {
    const own = new Uint8Array(32);
    const big = Buffer.alloc(100_000);
    const value: Record<string, unknown> = { own, big, n: 1, s: 'x', none: null };
    value.self = value;
    detachBuffers(value);
    assert.equal(value.own, own);
    assert.equal(value.big, big);
    assert.equal(detachBuffers(5), 5);
    assert.equal(detachBuffers(undefined), undefined);
  });
});
