import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The "Standard Webhooks" signing scheme (https://www.standardwebhooks.com): HMAC-SHA256 with the
 * secret's bytes over `${webhook-id}.${webhook-timestamp}.${body}`, sent base64 as `v1,<signature>`.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The key bytes of a secret (the base64 part after `whsec_`; a bare base64 secret works too). */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 16) throw new Error('a webhook secret must hold at least 16 bytes (base64)');
  return key;
}

/** `v1,<base64 HMAC-SHA256>` of one message. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', webhookSecretKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The headers of one delivery attempt. Several secrets (during a rotation's grace period) give
 * several space-separated signatures; receivers accept the message when any of them matches.
 */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, id, timestamp, body)).join(' '),
  };
}

/** Why a received webhook was refused. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

type HeaderBag =
  { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

const header = (headers: HeaderBag, name: string): string | undefined => {
  if (typeof headers.get === 'function')
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const bag = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined);
};

/**
 * Checks a received webhook (for integrators and our tests): the signature over the raw body, in
 * constant time, and a timestamp within `toleranceSeconds` of `now` either way (replay protection).
 * Returns the message id and timestamp; throws WebhookVerificationError otherwise. `now` is the
 * receiver's wall clock by default: this runs where the webhook arrives, not on the gateway's Clock.
 */
export function verifyWebhook(
  secret: string,
  headers: HeaderBag,
  body: string | Buffer,
  toleranceSeconds = 300,
  now: Date = new Date(),
): { id: string; timestamp: number } {
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) throw new WebhookVerificationError('missing webhook headers');
  if (!/^\d+$/.test(timestampText)) throw new WebhookVerificationError('invalid webhook-timestamp');
  const timestamp = Number(timestampText);
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds)
    throw new WebhookVerificationError('webhook-timestamp outside the tolerance');
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body).slice(3), 'base64');
  for (const candidate of signatures.split(' ')) {
    const [version, encoded] = candidate.split(',', 2);
    if (version !== 'v1' || !encoded) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { id, timestamp };
  }
  throw new WebhookVerificationError('no matching signature');
}
