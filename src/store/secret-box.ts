import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  randomFillSync,
  type KeyObject,
} from 'node:crypto';
import { dirname } from 'node:path';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Nonces drawn from the CSPRNG in one call per this many seals (a link seals 812 pre-keys at once). */
const IV_POOL_SEALS = 256;

/** A SecretBox's derived keys (see `SecretBox.keys`). */
export interface SecretBoxKeys {
  readonly encryptionKey: KeyObject;
  readonly indexKey: KeyObject;
}

/**
 * Seals linked-device secrets at rest with AES-256-GCM. Each value is bound to its row through the
 * AAD (`context`), so a sealed value copied to another channel's row does not open.
 */
export class SecretBox {
  // Key objects, not buffers: each cipher and HMAC would otherwise import the key again (half of
  // an HMAC's cost for a key name).
  private readonly encryptionKey: KeyObject;
  private readonly indexKey: KeyObject;
  /** Random nonces for the next seals, used once each, front to back. */
  private readonly ivPool = Buffer.alloc(IV_BYTES * IV_POOL_SEALS);
  private ivPoolUsed = IV_POOL_SEALS;

  /** From the 32-byte master key, or from the derived keys another thread's box handed over. */
  constructor(masterKey: Buffer | SecretBoxKeys) {
    if (!Buffer.isBuffer(masterKey)) {
      this.encryptionKey = masterKey.encryptionKey;
      this.indexKey = masterKey.indexKey;
      return;
    }
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.encryptionKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'zapgate/seal/v1', 32)),
    );
    this.indexKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'zapgate/index/v1', 32)),
    );
  }

  /**
   * The derived keys, for a box in a worker thread of this process (KeyObjects cross threads by
   * structured clone; the master key itself does not need to).
   */
  keys(): SecretBoxKeys {
    return { encryptionKey: this.encryptionKey, indexKey: this.indexKey };
  }

  /** `[version][12-byte random nonce][ciphertext][16-byte tag]`, the context bound as AAD. */
  seal(plaintext: Uint8Array, context: string): Buffer {
    const sealed = Buffer.allocUnsafe(1 + IV_BYTES + plaintext.length + TAG_BYTES);
    sealed[0] = VERSION;
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    this.nextIv(iv);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(context));
    let at = 1 + IV_BYTES;
    at += cipher.update(plaintext).copy(sealed, at);
    at += cipher.final().copy(sealed, at);
    cipher.getAuthTag().copy(sealed, at);
    return sealed;
  }

  /**
   * Fills `iv` with fresh random bytes. They come from a pool refilled by one CSPRNG call per
   * IV_POOL_SEALS seals (one call each cost a link's 812 seals as much as the encryption), and each
   * pool byte is handed out once and wiped: a nonce is as random as `randomBytes(12)`, never reused.
   */
  private nextIv(iv: Buffer): void {
    if (this.ivPoolUsed === IV_POOL_SEALS) {
      randomFillSync(this.ivPool);
      this.ivPoolUsed = 0;
    }
    const start = this.ivPoolUsed * IV_BYTES;
    this.ivPool.copy(iv, 0, start, start + IV_BYTES);
    this.ivPool.fill(0, start, start + IV_BYTES);
    this.ivPoolUsed++;
  }

  open(sealed: Uint8Array, context: string): Buffer {
    const data = Buffer.from(sealed);
    if (data[0] !== VERSION || data.length < 29) throw new Error('sealed value has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, data.subarray(1, 13));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(13, data.length - 16)), decipher.final()]);
  }

  /** A stable, non-reversible reference for looking a secret up without storing its name in clear. */
  reference(name: string): string {
    return createHmac('sha256', this.indexKey).update(name).digest('base64url');
  }
}

/**
 * The master key: from config (base64, 32 bytes) or, for the embedded default, a 0600 key file
 * created beside the data on first start.
 */
export function loadMasterKey(configured: string | undefined, keyFile: string): Buffer {
  if (configured) return Buffer.from(configured, 'base64');
  if (existsSync(keyFile)) return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(keyFile, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  return key;
}
