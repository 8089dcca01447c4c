import { createPrivateKey, createPublicKey } from 'node:crypto';
import { Curve, proto } from 'baileys';

/** A Curve25519 key pair as Baileys' `Curve` makes it (32-byte public key, no version byte). */
export interface KeyPair {
  readonly public: Buffer;
  readonly private: Buffer;
}

export function generateKeyPair(): KeyPair {
  const pair = Curve.generateKeyPair();
  return { public: Buffer.from(pair.public), private: Buffer.from(pair.private) };
}

/**
 * The simulator's own certificate authority: root → intermediate → leaf (the server's Noise static
 * key). A client trusts the simulator by trusting `root.public`, nothing else.
 */
export class CertificateAuthority {
  readonly root: KeyPair;
  readonly serverStatic: KeyPair;
  readonly certChain: Uint8Array;

  constructor(root: KeyPair = generateKeyPair()) {
    this.root = root;
    const intermediate = generateKeyPair();
    this.serverStatic = generateKeyPair();
    // Baileys checks: leaf signed by intermediate.key, intermediate signed by the root, issuerSerial 0.
    const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
      serial: 1,
      issuerSerial: 0,
      key: intermediate.public,
    }).finish();
    const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
      serial: 2,
      issuerSerial: 1,
      key: this.serverStatic.public,
    }).finish();
    this.certChain = proto.CertChain.encode({
      intermediate: {
        details: intermediateDetails,
        signature: Curve.sign(root.private, intermediateDetails),
      },
      leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
    }).finish();
  }

  /** Rebuilds an authority from a saved root private key, so a restarted simulator keeps its identity. */
  static fromRootPrivateKey(privateKey: Buffer): CertificateAuthority {
    return new CertificateAuthority(keyPairFromPrivate(privateKey));
  }
}

/** Derives the X25519 public key of a private key through Node's crypto. */
function keyPairFromPrivate(privateKey: Buffer): KeyPair {
  const pkcs8X25519Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
  const key = createPrivateKey({
    key: Buffer.concat([pkcs8X25519Prefix, privateKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return { private: privateKey, public: Buffer.from(spki.subarray(spki.length - 32)) };
}
