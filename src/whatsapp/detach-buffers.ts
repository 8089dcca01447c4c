/**
 * Copies every small byte array in `value` that is a view into a much larger buffer, in place.
 *
 * Why: Baileys decodes WhatsApp's frames into Buffers that are slices of the socket's 64 KB read
 * chunks. A key or a creds field kept for the life of a session (a contact's identity key, a
 * trusted-contact token, the device identity from the pairing) then keeps the whole chunk alive: a
 * heap snapshot at 300 idle sessions showed about 11 such 64 KB chunks, ~137 KB, per session, more
 * than anything else a session holds. Copying the few bytes that are kept frees the chunks.
 */
const WASTE_FACTOR = 4;

export function detachBuffers<T>(value: T): T {
  walk(value, new WeakSet());
  return value;
}

function isOversizedView(bytes: Uint8Array): boolean {
  return bytes.buffer.byteLength > WASTE_FACTOR * Math.max(bytes.byteLength, 1024);
}

function copyOf(bytes: Uint8Array): Uint8Array {
  // Its own memory, exactly sized: not Buffer.from, which copies into Node's shared pool (64 KB
  // slabs on Node 24), where one long-lived slice would keep a slab alive just the same.
  if (!Buffer.isBuffer(bytes)) return new Uint8Array(bytes);
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  bytes.copy(copy);
  return copy;
}

function walk(value: unknown, seen: WeakSet<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return;
  if (value instanceof Map) {
    for (const [key, item] of value) {
      if (item instanceof Uint8Array && isOversizedView(item)) value.set(key, copyOf(item));
      else walk(item, seen);
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (item instanceof Uint8Array) {
      if (isOversizedView(item)) record[key] = copyOf(item);
    } else if (item !== null && typeof item === 'object') walk(item, seen);
  }
}
