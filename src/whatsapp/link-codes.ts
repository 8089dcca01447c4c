import type { BinaryNode } from 'baileys';

/** The platforms of WhatsApp Business apps (Android, iOS), as pair-success names them. */
export const BUSINESS_PLATFORMS: ReadonlySet<string> = new Set(['smba', 'smbi']);

const PASSKEY_REQUESTS = new Set(['passkey_prologue_request', 'crsc_continuation']);

/** Which passkey request a notification is (by its type or its first child), if it is one. */
export function passkeyRequestKind(stanza: BinaryNode): string | undefined {
  const type = stanza.attrs.type;
  if (type && PASSKEY_REQUESTS.has(type)) return type;
  const first = Array.isArray(stanza.content) ? stanza.content[0] : undefined;
  return first && PASSKEY_REQUESTS.has(first.tag) ? first.tag : undefined;
}

/**
 * A pairing QR (`…#ref,noiseKey,identityKey,advSecret,platform`) with its ADV secret replaced by
 * `secret` (unchanged when there is none or the text is not such a code).
 */
export function withAdvSecret(qr: string, secret: string | undefined): string {
  if (!secret) return qr;
  const fields = qr.split(',');
  if (fields.length !== 5) return qr;
  fields[3] = secret;
  return fields.join(',');
}
