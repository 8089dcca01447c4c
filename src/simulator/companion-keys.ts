import { getBinaryNodeChild, getBinaryNodeChildren, type BinaryNode } from 'baileys';
import type { CompanionDevice } from './directory.js';

/**
 * A companion's first key upload (`encrypt set` with a list): its registration id, signed pre-key
 * and one-time pre-keys, kept on the server to hand out to senders. Returns how many pre-keys.
 */
export function storeUploadedKeys(companion: CompanionDevice, stanza: BinaryNode): number {
  const registration = getBinaryNodeChild(stanza, 'registration')?.content;
  const skey = getBinaryNodeChild(stanza, 'skey');
  if (registration instanceof Uint8Array)
    companion.registrationId = Buffer.from(registration).readUIntBE(0, registration.length);
  if (skey) companion.signedPreKey = parseSignedKey(skey);
  let count = 0;
  for (const key of getBinaryNodeChildren(getBinaryNodeChild(stanza, 'list'), 'key')) {
    const id = getBinaryNodeChild(key, 'id')?.content;
    const value = getBinaryNodeChild(key, 'value')?.content;
    if (id instanceof Uint8Array && value instanceof Uint8Array) {
      companion.preKeys.set(Buffer.from(id).readUIntBE(0, id.length), Buffer.from(value));
      count++;
    }
  }
  return count;
}

/** `encrypt set rotate`: the companion's new signed pre-key. */
export function storeRotatedSignedPreKey(companion: CompanionDevice, stanza: BinaryNode): void {
  const skey = getBinaryNodeChild(getBinaryNodeChild(stanza, 'rotate'), 'skey');
  if (skey) companion.signedPreKey = parseSignedKey(skey);
}

function parseSignedKey(
  skey: BinaryNode,
): { keyId: number; publicKey: Buffer; signature: Buffer } | undefined {
  const id = getBinaryNodeChild(skey, 'id')?.content;
  const value = getBinaryNodeChild(skey, 'value')?.content;
  const signature = getBinaryNodeChild(skey, 'signature')?.content;
  if (!(id instanceof Uint8Array && value instanceof Uint8Array && signature instanceof Uint8Array))
    return undefined;
  return {
    keyId: Buffer.from(id).readUIntBE(0, id.length),
    publicKey: Buffer.from(value),
    signature: Buffer.from(signature),
  };
}
