/**
 * ALTEGIO's registration URL: the query it adds when a business clicks Connect on our Marketplace
 * application (`salon_id` or `salon_ids[…]`, and with personal-data transfer on, `user_data` +
 * `user_data_sign`). Pure: the HMAC is computation, not I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../../domain/errors.js';

/** The owner's details ALTEGIO passes in `user_data` (every field optional; unknown ones kept in `raw`). */
export interface AltegioUserData {
  /** The ALTEGIO user who clicked Connect (`id`, or `user_id` in the knowledge base's sample). */
  readonly id?: string;
  readonly name?: string;
  readonly phone?: string;
  readonly email?: string;
  readonly salonName?: string;
  readonly isApproved?: boolean;
  /** The decoded object as sent, unknown fields included, for the logs. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A verified registration request. */
export interface InstallParams {
  /** Distinct salon (company) ids, in the order given; one for a single business, more for branches. */
  readonly salonIds: readonly string[];
  /** Present only when `user_data` came with a valid `user_data_sign`. */
  readonly userData?: AltegioUserData;
}

/** A query as URLSearchParams, or as a record (Hono's `c.req.queries()` shape or a plain one). */
export type QueryInput = URLSearchParams | Readonly<Record<string, string | readonly string[] | undefined>>;

/** More branches than any real chain connects at once; a bound so a crafted URL stays cheap. */
export const MAX_SALON_IDS = 200;
const SALON_ID = /^[1-9]\d{0,17}$/;
const SALON_IDS_KEY = /^salon_ids(\[\d*\])?$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

function entries(query: QueryInput): [string, string][] {
  if (query instanceof URLSearchParams) return [...query.entries()];
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'string') out.push([key, value]);
    else for (const v of value) out.push([key, v]);
  }
  return out;
}

/**
 * The documented `user_data_sign`: hex HMAC-SHA256 of the **decoded JSON bytes** of `user_data`
 * (ALTEGIO KB's PHP sample signs `base64_decode(user_data)`; confirmed on live traffic), keyed with
 * the partner token.
 */
export function signUserData(userDataBase64: string, partnerToken: string): string {
  return createHmac('sha256', partnerToken).update(decodeBase64(userDataBase64)).digest('hex');
}

/** One integrator's reading: the HMAC of the base64 string exactly as sent. Accepted too. */
export function signUserDataString(userDataBase64: string, partnerToken: string): string {
  return createHmac('sha256', partnerToken).update(userDataBase64, 'utf8').digest('hex');
}

/** Constant-time comparison of two secrets (different lengths compare false, also in constant time). */
export function secretsEqual(given: string, expected: string): boolean {
  // Comparing digests keeps the time independent of both the content and the lengths.
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Base64 or base64url (ALTEGIO sends the URL-safe form) to bytes; a `+` read as a space is restored. */
function decodeBase64(userDataBase64: string): Buffer {
  return Buffer.from(userDataBase64.trim().replaceAll(' ', '+'), 'base64');
}

/**
 * Whether `sign` is the partner's signature of `user_data`: the documented HMAC of the decoded JSON
 * bytes, or the HMAC of the base64 string (as sent, and with spaces read back as `+` when the URL was
 * not encoded). Every reading is computed and compared in constant time, with no early exit.
 */
export function verifyUserDataSign(userDataBase64: string, sign: string, partnerToken: string): boolean {
  if (!HEX_SHA256.test(sign)) return false;
  const given = Buffer.from(sign.toLowerCase(), 'hex');
  const strings = [userDataBase64];
  if (userDataBase64.includes(' ')) strings.push(userDataBase64.replaceAll(' ', '+'));
  const expected = [
    signUserData(userDataBase64, partnerToken),
    ...strings.map((candidate) => signUserDataString(candidate, partnerToken)),
  ];
  let ok = false;
  for (const candidate of expected) {
    if (timingSafeEqual(given, Buffer.from(candidate, 'hex'))) ok = true;
  }
  return ok;
}

const optionalText = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
};

const optionalFlag = (value: unknown): boolean | undefined => {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return undefined;
};

/**
 * Decodes `user_data` (base64 or base64url of a JSON object). Fields of the wrong type are dropped,
 * unknown ones kept in `raw`; only a string that is not base64 JSON of an object is an error.
 */
export function decodeUserData(userDataBase64: string): AltegioUserData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeBase64(userDataBase64).toString('utf8'));
  } catch (cause) {
    throw new AppError('invalid_input', 'user_data: not base64-encoded JSON.', {
      details: { field: 'user_data' },
      cause,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('invalid_input', 'user_data: must encode a JSON object.', {
      details: { field: 'user_data' },
    });
  }
  const raw = parsed as Record<string, unknown>;
  const data: {
    -readonly [K in keyof AltegioUserData]: AltegioUserData[K];
  } = { raw };
  // Two key sets are in use: `id` (seen live) and `user_id` (the knowledge base's sample).
  const id = optionalText(raw.id) ?? optionalText(raw.user_id);
  if (id !== undefined) data.id = id;
  const name = optionalText(raw.name);
  if (name !== undefined) data.name = name;
  const phone = optionalText(raw.phone);
  if (phone !== undefined) data.phone = phone;
  const email = optionalText(raw.email);
  if (email !== undefined) data.email = email;
  const salonName = optionalText(raw.salon_name);
  if (salonName !== undefined) data.salonName = salonName;
  const isApproved = optionalFlag(raw.is_approved);
  if (isApproved !== undefined) data.isApproved = isApproved;
  return data;
}

/**
 * Parses and verifies the registration URL's query. Accepts `salon_id=1`, `salon_ids[0]=1&salon_ids[1]=2`,
 * `salon_ids[]=1`, `salon_ids=1` (and a mix; duplicates collapse). Throws:
 * - `invalid_input` (field named in details) for no/malformed salon ids, a lone `user_data_sign`, or
 *   `user_data` that is not base64 JSON;
 * - `unauthorized` when `user_data` comes without a signature or with a wrong one (nothing is decoded
 *   before the signature checks out).
 */
export function parseInstallQuery(query: QueryInput, partnerToken: string): InstallParams {
  const salonIds: string[] = [];
  let userData: string | undefined;
  let sign: string | undefined;
  for (const [key, rawValue] of entries(query)) {
    const value = rawValue.trim();
    if (key === 'salon_id' || SALON_IDS_KEY.test(key)) {
      if (!SALON_ID.test(value)) {
        throw new AppError('invalid_input', `${key}: must be a positive whole number.`, {
          details: { field: key },
        });
      }
      if (!salonIds.includes(value)) salonIds.push(value);
      if (salonIds.length > MAX_SALON_IDS) {
        throw new AppError('invalid_input', `salon_ids: at most ${MAX_SALON_IDS} salons at once.`, {
          details: { field: 'salon_ids' },
        });
      }
    } else if (key === 'user_data') {
      userData = rawValue;
    } else if (key === 'user_data_sign') {
      sign = value;
    }
    // Anything else (utm tags, a language, fields ALTEGIO adds later) is ignored.
  }
  if (salonIds.length === 0) {
    throw new AppError('invalid_input', 'salon_id: the link does not name a business.', {
      details: { field: 'salon_id' },
    });
  }
  if (userData === undefined || userData.trim() === '') {
    if (sign !== undefined && sign !== '') {
      throw new AppError('invalid_input', 'user_data: a signature came without the data it signs.', {
        details: { field: 'user_data' },
      });
    }
    return { salonIds };
  }
  if (sign === undefined || sign === '') {
    throw new AppError('unauthorized', 'This link is not signed by ALTEGIO.', {
      details: { field: 'user_data_sign' },
    });
  }
  if (!verifyUserDataSign(userData, sign, partnerToken)) {
    throw new AppError('unauthorized', 'This link is not signed by ALTEGIO.', {
      details: { field: 'user_data_sign' },
      internalMessage:
        'user_data_sign matches neither HMAC-SHA256(base64_decode(user_data)) nor HMAC-SHA256(user_data) with the partner token',
    });
  }
  return { salonIds, userData: decodeUserData(userData) };
}
