import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Curve } from 'baileys';
import libsignal from 'libsignal';

// patches/baileys+7.0.0-rc14.patch: Baileys' Curve signs, checks and makes key pairs with
// whatsapp-rust-bridge (WebAssembly) instead of libsignal's pure-JS curve25519. What it makes must
// be what the other side (libsignal, as the simulator's phones and a contact's client use it) reads,
// and the reverse; a check must refuse every signature that does not match.
const signal = libsignal as unknown as {
  curve: {
    generateKeyPair(): { pubKey: Buffer; privKey: Buffer };
    calculateSignature(privKey: Uint8Array, message: Uint8Array): Buffer;
    verifySignature(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
    calculateAgreement(pubKey: Uint8Array, privKey: Uint8Array): Buffer;
  };
};
const withPrefix = (pub: Uint8Array) => Buffer.concat([Buffer.from([5]), pub]);

describe("Baileys' Curve, patched onto WebAssembly", () => {
  test('a key pair: 32-byte halves, and the same shared secret from both sides, libsignal on one', () => {
    const ours = Curve.generateKeyPair();
    assert.equal(ours.public.length, 32);
    assert.equal(ours.private.length, 32);
    // Each half in its own exact-size memory: a socket keeps its ephemeral pair for life, and a
    // slice of Node's shared pool would keep a whole 64 KB slab alive with it.
    assert.equal(ours.private.buffer.byteLength, 32);
    assert.equal(ours.public.buffer.byteLength, 32);
    const theirs = signal.curve.generateKeyPair();
    const here = Curve.sharedKey(ours.private, theirs.pubKey.subarray(1));
    const there = signal.curve.calculateAgreement(withPrefix(ours.public), theirs.privKey);
    assert.ok(here.equals(Buffer.from(there)));
  });

  test('what it signs, libsignal accepts; what libsignal signs, it accepts', () => {
    const ours = Curve.generateKeyPair();
    const message = randomBytes(120);
    const signature = Curve.sign(ours.private, message);
    assert.equal(signature.length, 64);
    assert.equal(signal.curve.verifySignature(withPrefix(ours.public), message, signature), true);
    const theirs = signal.curve.generateKeyPair();
    const theirSignature = signal.curve.calculateSignature(theirs.privKey, message);
    assert.equal(Curve.verify(theirs.pubKey.subarray(1), message, theirSignature), true);
    assert.equal(Curve.verify(theirs.pubKey, message, theirSignature), true, 'a key with its type byte too');
  });

  test('every signature that does not match is refused, malformed ones too', () => {
    const key = Curve.generateKeyPair();
    const message = randomBytes(120);
    const signature = Curve.sign(key.private, message);
    const flipped = Buffer.from(signature);
    flipped[10]! ^= 1;
    assert.equal(Curve.verify(key.public, randomBytes(120), signature), false, 'another message');
    assert.equal(Curve.verify(Curve.generateKeyPair().public, message, signature), false, 'another key');
    assert.equal(Curve.verify(key.public, message, flipped), false, 'one bit changed');
    assert.equal(Curve.verify(key.public, message, randomBytes(64)), false, 'random bytes');
    assert.equal(Curve.verify(key.public, message, randomBytes(3)), false, 'too short');
    assert.equal(Curve.verify(randomBytes(5), message, signature), false, 'a malformed key');
  });
});
