import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Curve,
  makeNoiseHandler,
  NOISE_CERT_CHAIN_CACHE,
  NOISE_WA_HEADER,
  proto,
  type WASocket,
} from 'baileys';
import pino from 'pino';
import {
  CertificateAuthority,
  generateKeyPair,
  type KeyPair,
} from '../../src/simulator/certificate-authority.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { NoiseResponder } from '../../src/simulator/noise-responder.js';
import { trustProtocolServer, trustWhatsAppOnly } from '../../src/whatsapp/protocol-server-trust.js';
import { newRawAuth, openRawSocket } from '../support/raw-baileys-client.js';

/**
 * Baileys is patched (patches/baileys+7.0.0-rc14.patch) to remember the certificate chains it has
 * verified, so a process reconnecting thousands of sessions does not check the same two curve25519
 * signatures on every connection. These tests count the signature checks Baileys makes and show
 * what must still be refused with the cache in place.
 */

/** Signature checks Baileys has made in this process (the Noise handshake is its only caller here). */
let signatureChecks = 0;
const originalVerify = Curve.verify;

before(() => {
  Curve.verify = (pubKey, message, signature) => {
    signatureChecks++;
    return originalVerify(pubKey, message, signature);
  };
});
after(() => {
  Curve.verify = originalVerify;
  trustWhatsAppOnly();
});

/** Signature checks made while `work` runs. */
async function checksDuring(work: () => unknown): Promise<number> {
  const before = signatureChecks;
  await work();
  return signatureChecks - before;
}

type Outcome = { accepted: true } | { accepted: false; reason: string };

/**
 * Opens a fresh (unlinked) raw Baileys socket and tells whether its Noise handshake was accepted:
 * a QR shown means the server's certificate chain passed and the session went on; a close before
 * any QR means the client refused the handshake (the reason is Baileys' error).
 */
async function connectOnce(sim: Simulator): Promise<Outcome> {
  const sock = openRawSocket({ url: sim.protocolUrl, auth: newRawAuth() });
  try {
    return await handshakeOutcome(sock);
  } finally {
    await sock.end(undefined);
  }
}

function handshakeOutcome(sock: WASocket, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no QR nor close within ${timeoutMs} ms`)), timeoutMs);
    sock.ev.on('connection.update', (update) => {
      if (update.qr) {
        clearTimeout(timer);
        resolve({ accepted: true });
      } else if (update.connection === 'close') {
        clearTimeout(timer);
        resolve({ accepted: false, reason: update.lastDisconnect?.error?.message ?? 'no error' });
      }
    });
  });
}

describe('Noise certificate chain cache, over real connections to the simulator', () => {
  let sim: Simulator;
  const trustSimulator = (): void =>
    trustProtocolServer({ url: sim.protocolUrl, rootPublicKey: sim.rootPublicKey });

  before(async () => {
    sim = await startSimulator();
    trustSimulator();
  });
  after(async () => sim.stop());

  test('the simulator sends one chain; verified on the first connection, it is not verified again', async () => {
    // A fresh simulator, so a fresh root and chain: nothing cached for it yet. Leaf (signed by the
    // intermediate) and intermediate (signed by the root): two checks.
    assert.equal(
      await checksDuring(async () => assert.deepEqual(await connectOnce(sim), { accepted: true })),
      2,
    );
    assert.equal(
      await checksDuring(async () => assert.deepEqual(await connectOnce(sim), { accepted: true })),
      0,
    );
    assert.equal(
      await checksDuring(async () => assert.deepEqual(await connectOnce(sim), { accepted: true })),
      0,
    );
  });

  test('a changed root key is not served from the cache', async () => {
    assert.deepEqual(await connectOnce(sim), { accepted: true });
    try {
      // The same server, the same chain bytes, but the process now trusts another root.
      trustProtocolServer({ url: sim.protocolUrl, rootPublicKey: generateKeyPair().public });
      const refused = await connectOnce(sim);
      assert.deepEqual(refused, {
        accepted: false,
        reason: 'noise intermediate certificate signature invalid',
      });
    } finally {
      trustSimulator();
    }
    assert.deepEqual(await connectOnce(sim), { accepted: true });
  });
});

describe('Noise certificate chain cache, handshake by handshake', () => {
  const logger = pino({ level: 'silent' });
  let authority: CertificateAuthority;

  before(() => {
    authority = new CertificateAuthority();
    trustProtocolServer({ url: 'ws://127.0.0.1:9/unused', rootPublicKey: authority.root.public });
  });

  /**
   * Baileys' client side of one Noise handshake against a server holding `serverStatic` and sending
   * `certChain` (the simulator's responder); throws Baileys' error when the client refuses it.
   */
  function handshake(server: { serverStatic: KeyPair; certChain: Uint8Array }): void {
    const ephemeral = Curve.generateKeyPair();
    const noise = makeNoiseHandler({ keyPair: ephemeral, NOISE_HEADER: NOISE_WA_HEADER, logger });
    const responder = new NoiseResponder(server.serverStatic, server.certChain);
    const hello = proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish();
    const serverHello = proto.HandshakeMessage.decode(responder.respondToHello(hello));
    noise.processHandshake(serverHello, Curve.generateKeyPair());
  }

  test('a signature that does not match its key and message is refused', () => {
    // Unpatched, Curve.verify answered true for any 64-byte signature (libsignal returns false
    // rather than throwing), so the chain's signatures were computed and never enforced.
    const signer = generateKeyPair();
    const message = Buffer.from('leaf details');
    const signature = Buffer.from(Curve.sign(signer.private, message));
    assert.equal(Curve.verify(signer.public, message, signature), true);
    assert.equal(Curve.verify(generateKeyPair().public, message, signature), false);
    assert.equal(Curve.verify(signer.public, Buffer.from('other details'), signature), false);
    signature[10]! ^= 1;
    assert.equal(Curve.verify(signer.public, message, signature), false);
  });

  test('the cached chain replayed by a server holding another static key is refused', async () => {
    handshake(authority);
    assert.equal(await checksDuring(() => handshake(authority)), 0, 'the chain is cached');
    const impostor = { serverStatic: generateKeyPair(), certChain: authority.certChain };
    assert.throws(
      () => handshake(impostor),
      /noise leaf certificate key does not match the server static key/,
    );
    assert.throws(
      () => handshake(impostor),
      /noise leaf certificate key does not match the server static key/,
    );
  });

  test('a tampered chain is refused on every connection and never cached, after the good one was', async () => {
    handshake(authority);
    // The impostor puts its own key in the leaf and keeps the real signature: other bytes, so no
    // cache entry applies, and the signature no longer matches.
    const impostorStatic = generateKeyPair();
    const chain = proto.CertChain.decode(authority.certChain);
    const leafDetails = proto.CertChain.NoiseCertificate.Details.decode(chain.leaf!.details!);
    leafDetails.key = impostorStatic.public;
    chain.leaf!.details = proto.CertChain.NoiseCertificate.Details.encode(leafDetails).finish();
    const tampered = { serverStatic: impostorStatic, certChain: proto.CertChain.encode(chain).finish() };
    const cachedBefore = NOISE_CERT_CHAIN_CACHE.size;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const checks = await checksDuring(() =>
        assert.throws(() => handshake(tampered), /noise certificate signature invalid/),
      );
      assert.equal(checks, 2, `attempt ${attempt} checked the signatures again`);
      assert.equal(NOISE_CERT_CHAIN_CACHE.size, cachedBefore, 'nothing was added to the cache');
    }
    assert.equal(await checksDuring(() => handshake(authority)), 0, 'the good chain is still cached');
  });

  test('the cache is bounded: the least recently used chain is dropped; 0 turns it off', async () => {
    const limit = NOISE_CERT_CHAIN_CACHE.maxEntries;
    try {
      NOISE_CERT_CHAIN_CACHE.clear();
      NOISE_CERT_CHAIN_CACHE.maxEntries = 3;
      // Four servers under the same root, each with its own intermediate, static key and chain.
      const servers = Array.from({ length: 4 }, () => new CertificateAuthority(authority.root));
      for (const server of servers) assert.equal(await checksDuring(() => handshake(server)), 2);
      assert.equal(NOISE_CERT_CHAIN_CACHE.size, 3);
      assert.equal(await checksDuring(() => handshake(servers[3]!)), 0, 'the newest is kept');
      assert.equal(await checksDuring(() => handshake(servers[0]!)), 2, 'the oldest was dropped');

      NOISE_CERT_CHAIN_CACHE.maxEntries = 0;
      NOISE_CERT_CHAIN_CACHE.clear();
      assert.equal(await checksDuring(() => handshake(servers[1]!)), 2);
      assert.equal(await checksDuring(() => handshake(servers[1]!)), 2);
      assert.equal(NOISE_CERT_CHAIN_CACHE.size, 0);
    } finally {
      NOISE_CERT_CHAIN_CACHE.maxEntries = limit;
    }
  });
});
