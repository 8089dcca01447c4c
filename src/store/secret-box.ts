import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

const VERSION = 1;

/**
 * Seals linked-device secrets at rest with AES-256-GCM. Each value is bound to its row through the
 * AAD (`context`), so a sealed value copied to another channel's row does not open.
 */
export class SecretBox {
  private readonly encryptionKey: Buffer;
  private readonly indexKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.encryptionKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'zapgate/seal/v1', 32));
    this.indexKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'zapgate/index/v1', 32));
  }

  seal(plaintext: Uint8Array, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]);
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
