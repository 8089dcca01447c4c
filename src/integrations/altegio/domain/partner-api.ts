/**
 * The calls we make to ALTEGIO as a Marketplace partner (activation, channel availability, record
 * attendance) and the lifecycle callbacks it makes to us: body shapes and the decisions around them
 * (retry or give up, when to report the link). Pure: the clock and randomness are passed in.
 */
import { z } from 'zod';
import { AppError } from '../../../domain/errors.js';
import { secretsEqual } from './install-params.js';

/** ALTEGIO's API version header, sent on every partner call (YCLIENTS: `application/vnd.yclients.v2+json`). */
export const ALTEGIO_ACCEPT = 'application/vnd.api.v2+json';

/**
 * Headers for a partner call; with `userToken`, on behalf of that user; `accept` is the brand's API
 * version header (ALTEGIO's by default; config.ts picks YCLIENTS' for that brand).
 */
export function partnerHeaders(
  partnerToken: string,
  userToken?: string,
  accept: string = ALTEGIO_ACCEPT,
): Record<string, string> {
  return {
    authorization:
      userToken === undefined ? `Bearer ${partnerToken}` : `Bearer ${partnerToken}, User ${userToken}`,
    accept,
    'content-type': 'application/json',
  };
}

/**
 * Headers for a call on a business's data (records, company): ALTEGIO wants both the partner token
 * and a user's token there (`Bearer <partner>, User <user>`; ALTEGIO KB "Access to the API").
 * Throws `not_ready` when the user token is not configured, so the caller says so instead of
 * collecting a 401.
 */
export function businessHeaders(tokens: {
  readonly partnerToken: string;
  readonly userToken: string | undefined;
  readonly accept?: string;
}): Record<string, string> {
  if (!tokens.userToken) throw new AppError('not_ready', USER_TOKEN_MISSING);
  return partnerHeaders(tokens.partnerToken, tokens.userToken, tokens.accept);
}

/** What the integration says while ALTEGIO_USER_TOKEN is unset (log at start, support console). */
export const USER_TOKEN_MISSING =
  'ALTEGIO_USER_TOKEN is not set: records cannot be read or confirmed in ALTEGIO (the token of the app’s system user, from ALTEGIO’s developer settings).';

/** `GET|PUT <rest>/record/{company_id}/{record_id}`. */
export function recordUrl(restUrl: string, companyId: string | number, recordId: string | number): string {
  return `${restUrl}/record/${encodeURIComponent(String(companyId))}/${encodeURIComponent(String(recordId))}`;
}

/** `GET <rest>/company/{company_id}`. */
export function companyUrl(restUrl: string, companyId: string | number): string {
  return `${restUrl}/company/${encodeURIComponent(String(companyId))}`;
}

/** `GET <marketplace>/marketplace/salon/{salon_id}/application/{application_id}`: the install's status. */
export function installStatusUrl(marketplaceUrl: string, salonId: string, applicationId: string): string {
  return `${marketplaceUrl}/marketplace/salon/${encodeURIComponent(salonId)}/application/${encodeURIComponent(applicationId)}`;
}

/** A salon's connection to our app as ALTEGIO reports it (`freezed` is ALTEGIO's spelling). */
export type InstallStatus = 'pending' | 'active' | 'freezed';

/**
 * Reads `data.connection_status.status` of the install-status answer. Only that field counts:
 * `data.logs[]` holds the history (`status_from`/`status_to`), so "active" somewhere in the text
 * says nothing about now. Undefined when the answer does not carry a known status.
 */
export function parseInstallStatus(answer: unknown): InstallStatus | undefined {
  const object = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const root = object(answer);
  if (!root || root.success === false) return undefined;
  const data = object(root.data) ?? root;
  const status = object(data.connection_status)?.status;
  if (typeof status !== 'string') return undefined;
  const value = status.trim().toLowerCase();
  return value === 'pending' || value === 'active' || value === 'freezed' ? value : undefined;
}

/**
 * ALTEGIO's status-callback URL carries our partner token in its path
 * (`…/smsprovider/status/callback/{partner_token}`): stored with this placeholder instead, and
 * filled in only when the call is sent, so no table holds the token.
 */
export const PARTNER_TOKEN_PLACEHOLDER = '{partner_token}';

/** `url` with every occurrence of the partner token (plain or URL-encoded) replaced by the placeholder. */
export function redactPartnerToken(url: string, partnerToken: string): string {
  let out = url.replaceAll(partnerToken, PARTNER_TOKEN_PLACEHOLDER);
  const encoded = encodeURIComponent(partnerToken);
  if (encoded !== partnerToken) out = out.replaceAll(encoded, PARTNER_TOKEN_PLACEHOLDER);
  return out;
}

/** The stored URL made sendable again. */
export function expandPartnerToken(url: string, partnerToken: string): string {
  return url.replaceAll(PARTNER_TOKEN_PLACEHOLDER, encodeURIComponent(partnerToken));
}

/**
 * The first token of an `Authorization: Bearer …` header (`Bearer P, User U` → `P`); undefined when
 * the header is absent or uses another scheme.
 */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^\s*Bearer\s+([^\s,]+)/i.exec(header);
  return match?.[1];
}

/** ALTEGIO's ids are numbers in its JSON; a digits-only id that fits is sent as one. */
function idValue(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/** What `POST /marketplace/partner/callback` activates. */
export interface ActivationRequest {
  readonly salonId: string;
  readonly applicationId: string;
  /** The key we issued for this business; ALTEGIO sends it back as the Bearer on operator calls. */
  readonly apiKey: string;
  readonly webhookUrls: readonly string[];
  /** Seen in practice (`["sms", "whatsapp"]`); omitted when not given. */
  readonly channels?: readonly string[];
}

/** The activation body ALTEGIO documents. */
export function activationBody(request: ActivationRequest): Record<string, unknown> {
  return {
    salon_id: idValue(request.salonId),
    application_id: idValue(request.applicationId),
    api_key: request.apiKey,
    webhook_urls: [...request.webhookUrls],
    ...(request.channels ? { channels: [...request.channels] } : {}),
  };
}

/**
 * What the outbox keeps of an activation: the body without its secrets (the api_key we issued and
 * the record-webhook URL's token). The full body is rebuilt from the install's sealed copies when
 * the call is sent.
 */
export function storedActivationBody(request: {
  salonId: string;
  applicationId: string;
  channels?: readonly string[];
}): Record<string, unknown> {
  return {
    salon_id: idValue(request.salonId),
    application_id: idValue(request.applicationId),
    api_key: '(sealed)',
    webhook_urls: '(sealed)',
    ...(request.channels ? { channels: [...request.channels] } : {}),
  };
}

/** `POST /marketplace/application/update_channel`: whether ALTEGIO may route this business's notices through us. */
export function updateChannelBody(request: {
  salonId: string;
  applicationId: string;
  channel: 'whatsapp' | 'sms';
  isAvailable: boolean;
}): Record<string, unknown> {
  return {
    salon_id: idValue(request.salonId),
    application_id: idValue(request.applicationId),
    channel_slug: request.channel,
    is_available: request.isAvailable,
  };
}

/**
 * What an activation answer means:
 * - `accepted`: 2xx — done;
 * - `retry`: a network error, 408, 429 or 5xx — try again later;
 * - `check_status`: 422 — either ALTEGIO has not yet recorded the pending install, or it is already
 *   active (undocumented); read `GET /marketplace/salon/{salon}/application/{app}` and stop if active,
 *   otherwise retry;
 * - `fatal`: 401/403 and other 4xx — our partner token, application id or body is wrong; retrying cannot
 *   help, the operator must be told.
 */
export type ActivationOutcome = 'accepted' | 'retry' | 'check_status' | 'fatal';

export function activationOutcome(status: number | 'network_error'): ActivationOutcome {
  if (status === 'network_error') return 'retry';
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  if (status === 422) return 'check_status';
  return 'fatal';
}

/** ALTEGIO's activation window: the install must be activated within 12 h of the Connect click. */
export const ACTIVATION_WINDOW_MS = 12 * 3_600_000;
/** Delays after the 1st, 2nd, … failed attempt; the last repeats until the window closes. */
export const ACTIVATION_RETRY_DELAYS_MS = [
  5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
] as const;

/**
 * When to try the activation again after `failedAttempts` failures (≥ 1), or undefined when the next
 * attempt would fall outside the 12-hour window. `random` in [0, 1) spreads retries by up to ±20%.
 */
export function nextActivationAttempt(input: {
  failedAttempts: number;
  startedAt: Date;
  now: Date;
  random: number;
}): Date | undefined {
  const index = Math.min(Math.max(input.failedAttempts, 1), ACTIVATION_RETRY_DELAYS_MS.length) - 1;
  const base = ACTIVATION_RETRY_DELAYS_MS[index]!;
  const delay = Math.round(base * (0.8 + 0.4 * input.random));
  const at = input.now.getTime() + delay;
  // A minute of margin: an attempt that lands on the deadline would be refused anyway.
  const deadline = input.startedAt.getTime() + ACTIVATION_WINDOW_MS - 60_000;
  if (at > deadline) return input.now.getTime() < deadline ? new Date(deadline) : undefined;
  return new Date(at);
}

/** Debounce for `update_channel`: a reconnect blip must not flip ALTEGIO's routing to SMS and back. */
export interface ChannelReportTiming {
  /** How long the link must stay up before we say so. */
  readonly upAfterMs: number;
  /** How long the link must stay down before we say so. */
  readonly downAfterMs: number;
}

export const DEFAULT_CHANNEL_REPORT_TIMING: ChannelReportTiming = Object.freeze({
  upAfterMs: 5_000,
  downAfterMs: 120_000,
});

export type ChannelReportDecision =
  | { readonly action: 'none' }
  | { readonly action: 'wait'; readonly until: Date }
  | { readonly action: 'report'; readonly isAvailable: boolean };

/**
 * Whether to call `update_channel` now. `reported` is the last availability ALTEGIO accepted
 * (undefined: never reported), `linkUp` the link's state now and `changedAt` when it became so.
 */
export function decideChannelReport(
  state: { reported: boolean | undefined; linkUp: boolean; changedAt: Date },
  now: Date,
  timing: ChannelReportTiming = DEFAULT_CHANNEL_REPORT_TIMING,
): ChannelReportDecision {
  if (state.reported === state.linkUp) return { action: 'none' };
  const hold = state.linkUp ? timing.upAfterMs : timing.downAfterMs;
  const due = state.changedAt.getTime() + hold;
  if (now.getTime() >= due) return { action: 'report', isAvailable: state.linkUp };
  return { action: 'wait', until: new Date(due) };
}

/** Lifecycle events ALTEGIO documents; anything else is `other` (acknowledged, changes nothing). */
export type LifecycleEvent = 'uninstall' | 'freeze' | 'payment' | 'other';

export interface LifecycleCallback {
  readonly salonId: string;
  readonly applicationId: string;
  readonly event: LifecycleEvent;
  /** The event as sent (useful when `event` is `other`). */
  readonly rawEvent: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

const id = z
  .union([
    z
      .string()
      .trim()
      .regex(/^\d{1,18}$/),
    z.number().int().positive(),
  ])
  .transform(String);

const lifecycleSchema = z
  .object({
    salon_id: id,
    application_id: id,
    event: z.string().trim().min(1),
    partner_token: z.string(),
  })
  .passthrough();

/**
 * Parses a lifecycle callback and checks it: `unauthorized` for a missing or wrong `partner_token`
 * (constant time, checked before anything else is read), `forbidden` for another application's id,
 * `invalid_input` (field named) for a malformed body.
 */
export function parseLifecycleCallback(
  body: unknown,
  expected: { partnerToken: string; applicationId: string },
): LifecycleCallback {
  const token =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).partner_token : undefined;
  if (typeof token !== 'string' || !secretsEqual(token, expected.partnerToken)) {
    throw new AppError('unauthorized', 'partner_token: wrong or missing.', {
      details: { field: 'partner_token' },
    });
  }
  const parsed = lifecycleSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    throw new AppError('invalid_input', `${field}: ${issue?.message ?? 'invalid'}`, { details: { field } });
  }
  const data = parsed.data;
  if (data.application_id !== expected.applicationId) {
    throw new AppError('forbidden', 'application_id: not this application.', {
      details: { field: 'application_id' },
    });
  }
  const rawEvent = data.event;
  const known = ['uninstall', 'freeze', 'payment'] as const;
  const event: LifecycleEvent = (known as readonly string[]).includes(rawEvent.toLowerCase())
    ? (rawEvent.toLowerCase() as LifecycleEvent)
    : 'other';
  // The secret stays out of what callers log.
  const raw: Record<string, unknown> = { ...data };
  delete raw.partner_token;
  return { salonId: data.salon_id, applicationId: data.application_id, event, rawEvent, raw };
}

/** ALTEGIO's appointment attendance: 2 confirmed, 1 arrived, 0 waiting, −1 no-show. */
export type Attendance = -1 | 0 | 1 | 2;

/**
 * The body for `PUT /record/{company_id}/{record_id}` that changes only the attendance. ALTEGIO's
 * record update is a full update (staff, services, client, datetime, length are required), so this
 * is a read-modify-write: pass the `data` of a fresh `GET /record/…` and the new attendance. Fields
 * the record lacks are left out; unknown fields are not copied back.
 */
export function attendanceUpdateBody(record: unknown, attendance: Attendance): Record<string, unknown> {
  const r = typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : {};
  const body: Record<string, unknown> = {};
  const staff = r.staff as Record<string, unknown> | undefined;
  const staffId = r.staff_id ?? staff?.id;
  if (staffId !== undefined) body.staff_id = staffId;
  if (Array.isArray(r.services)) {
    body.services = (r.services as unknown[]).map((s) => {
      const service = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of ['id', 'cost', 'first_cost', 'discount', 'amount']) {
        if (service[key] !== undefined) out[key] = service[key];
      }
      return out;
    });
  }
  const client = r.client as Record<string, unknown> | undefined;
  if (client && typeof client === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of ['id', 'phone', 'name', 'surname', 'email']) {
      if (client[key] !== undefined && client[key] !== null) out[key] = client[key];
    }
    body.client = out;
  }
  for (const key of ['datetime', 'seance_length', 'comment', 'sms_remain_hours', 'email_remain_hours']) {
    if (r[key] !== undefined && r[key] !== null) body[key] = r[key];
  }
  body.attendance = attendance;
  // ALTEGIO must not send its own SMS about a change the client just made by replying to us.
  body.send_sms = false;
  return body;
}
