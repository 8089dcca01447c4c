import { createHash, randomBytes } from 'node:crypto';

/** A random secret for links and keys (256 bits, URL-safe). Only its hash is ever stored. */
export function newSecretToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A short random id with a readable prefix (`ten_…`, `chn_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('base64url').replace(/[-_]/g, 'x')}`;
}
