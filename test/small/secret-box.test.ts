import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretBox } from '../../src/store/secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, in the same context only', () => {
    const plain = Buffer.from('signal session record');
    const sealed = box.seal(plain, 'channel:a:key');
    assert.deepEqual(box.open(sealed, 'channel:a:key'), plain);
    assert.equal(sealed[0], 1, 'format version first');
    assert.equal(sealed.length, 1 + 12 + plain.length + 16);
    assert.throws(() => box.open(sealed, 'channel:b:key'), 'a value copied to another row does not open');
  });

  it('does not open a tampered value', () => {
    const sealed = box.seal(Buffer.from('x'.repeat(40)), 'ctx');
    sealed[20]! ^= 1;
    assert.throws(() => box.open(sealed, 'ctx'));
  });

  it('seals an empty value', () => {
    assert.equal(box.open(box.seal(new Uint8Array(0), 'ctx'), 'ctx').length, 0);
  });

  it('gives every seal its own nonce, across many refills of its nonce pool', () => {
    const nonces = new Set<string>();
    const plain = Buffer.from('same plaintext every time');
    for (let i = 0; i < 2_000; i++) nonces.add(box.seal(plain, 'ctx').subarray(1, 13).toString('hex'));
    assert.equal(nonces.size, 2_000);
    assert.ok(![...nonces].includes('00'.repeat(12)), 'no wiped pool bytes handed out');
  });

  it('opens values sealed by another instance with the same master key (and not another key)', () => {
    const master = randomBytes(32);
    const sealed = new SecretBox(master).seal(Buffer.from('creds'), 'ctx');
    assert.equal(new SecretBox(master).open(sealed, 'ctx').toString(), 'creds');
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, 'ctx'));
  });

  it('gives stable references per name, different per name and per key', () => {
    const master = randomBytes(32);
    const a = new SecretBox(master);
    assert.equal(a.reference('n1'), new SecretBox(master).reference('n1'));
    assert.notEqual(a.reference('n1'), a.reference('n2'));
    assert.notEqual(a.reference('n1'), new SecretBox(randomBytes(32)).reference('n1'));
    assert.match(a.reference('n1'), /^[A-Za-z0-9_-]{43}$/);
  });
});
