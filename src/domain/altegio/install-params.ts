/**
 * ALTEGIO's registration URL: the query it adds when a business clicks Connect on our Marketplace
 * application (`salon_id` or `salon_ids[…]`, and with personal-data transfer on, `user_data` +
 * `user_data_sign`). Pure: the HMAC is computation, not I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

/** The owner's details ALTEGIO passes in `user_data` (every field optional; unknown ones kept in `raw`). */
export interface AltegioUserData {
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

/** Hex HMAC-SHA256 of the `user_data` string (exactly as sent, still base64) keyed with the partner token. */
export function signUserData(userDataBase64: string, partnerToken: string): string {
  return createHmac('sha256', partnerToken).update(userDataBase64, 'utf8').digest('hex');
}

/** Constant-time comparison of two secrets (different lengths compare false, also in constant time). */
export function secretsEqual(given: string, expected: string): boolean {
  // Comparing digests keeps the time independent of both the content and the lengths.
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Whether `sign` is the partner's signature of `userDataBase64`. A `+` in base64 arrives as a space
 * when the URL was not encoded, so the string is also tried with spaces read back as `+`.
 */
export function verifyUserDataSign(userDataBase64: string, sign: string, partnerToken: string): boolean {
  if (!HEX_SHA256.test(sign)) return false;
  const given = Buffer.from(sign.toLowerCase(), 'hex');
  const candidates = [userDataBase64];
  if (userDataBase64.includes(' ')) candidates.push(userDataBase64.replaceAll(' ', '+'));
  let ok = false;
  for (const candidate of candidates) {
    const expected = Buffer.from(signUserData(candidate, partnerToken), 'hex');
    // No early exit: both candidates are always checked.
    if (timingSafeEqual(given, expected)) ok = true;
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
  const cleaned = userDataBase64.trim().replaceAll(' ', '+');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cleaned, 'base64').toString('utf8'));
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
  const id = optionalText(raw.id);
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
      internalMessage: 'user_data_sign does not match HMAC-SHA256(user_data, partner token)',
    });
  }
  return { salonIds, userData: decodeUserData(userData) };
}
