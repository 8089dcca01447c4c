/**
 * ALTEGIO's SMS-provider protocol, inbound side: the request it POSTs to our operator URL asking us
 * to deliver a finished text, and our immediate answer (one entry per message). Tolerant: unknown
 * fields are ignored (and kept raw), ids may be numbers or strings, `destination_params` may be one
 * object or a list, the body may be JSON or form-encoded, and a bad phone fails only its own entry.
 */
import { parse as parseQueryString } from 'qs';
import { z } from 'zod';
import { AppError } from '../../../domain/errors.js';
import { MESSAGE_TEXT_MAX_LENGTH, type Priority } from '../../../domain/message-status.js';
import { normalisePhoneNumber } from '../../../domain/phone-numbers.js';

/**
 * The error codes ALTEGIO documents for this call (altegio.md). 32 means "insufficient funds" and
 * nothing else: WhatsApp costs the business nothing per message, so the gateway never answers it
 * (a frozen app, a paused or unlinked channel are 15; a bad field is 10).
 */
export const ALTEGIO_ERROR = Object.freeze({
  ENTITY_VALIDATION_ERROR: { code: 5, httpStatus: 400 },
  FIELD_VALIDATION_ERROR: { code: 10, httpStatus: 400 },
  ACCESS_FORBIDDEN: { code: 15, httpStatus: 403 },
  INVALID_PARTNER_TOKEN: { code: 20, httpStatus: 401 },
  RESOURCE_NOT_FOUND: { code: 30, httpStatus: 404 },
});

/** The channels ALTEGIO names; only `whatsapp` is ours to deliver. */
export const OPERATOR_CHANNEL = 'whatsapp';

export type AltegioErrorName = keyof typeof ALTEGIO_ERROR;

/** One destination we will deliver to. */
export interface OperatorMessage {
  /** ALTEGIO's id for this message, as a string. */
  readonly altegioId: string;
  /** E.164 digits without '+'. */
  readonly phone: string;
  /** The phone as ALTEGIO sent it. */
  readonly rawPhone: string;
}

/** A refused message, in the shape ALTEGIO reads inside the answer. */
export interface OperatorEntryError {
  readonly id: string;
  readonly error_code: number;
  readonly error_message: string;
}

/** An accepted message, in the answer. */
export interface OperatorEntryAccepted {
  readonly id: string;
  readonly ext_id: string;
}

export type OperatorAnswerEntry = OperatorEntryAccepted | OperatorEntryError;

/** A validated operator request. */
export interface OperatorRequest {
  readonly text: string;
  /** The sender name ALTEGIO set (informational: WhatsApp shows the linked number). */
  readonly from?: string;
  /** Always `whatsapp`: a request for any other channel (`sms`) is refused whole. */
  readonly channel: typeof OPERATOR_CHANNEL;
  /** `service`, `adds`, or whatever else ALTEGIO sent (lower-cased); `service` when absent. */
  readonly dispatchType: string;
  readonly priority: Priority;
  readonly deliveryCallbackUrl?: string;
  /** Destinations we may deliver to, in request order, one per distinct id. */
  readonly messages: readonly OperatorMessage[];
  /** Destinations refused already by validation (bad or missing phone). */
  readonly errors: readonly OperatorEntryError[];
  /** Every distinct id in request order: the answer's order. */
  readonly order: readonly string[];
  /** The body as received, for the log. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface OperatorRequestOptions {
  /** When set, `delivery_callback_url` must point at one of these hosts (else the request is refused). */
  readonly allowedCallbackHosts?: readonly string[];
  /** Largest number of destinations in one request (default 1,000). */
  readonly maxMessages?: number;
}

const MAX_ID_LENGTH = 64;

function fieldError(field: string, message: string, altegio: AltegioErrorName = 'FIELD_VALIDATION_ERROR') {
  return new AppError('invalid_input', `${field}: ${message}`, {
    details: { field, altegioErrorCode: ALTEGIO_ERROR[altegio].code },
  });
}

const optionalLowerText = z
  .union([z.string(), z.null(), z.undefined()])
  .transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v.trim().toLowerCase()));

const envelopeSchema = z
  .object({
    text: z.string({ required_error: 'is required', invalid_type_error: 'must be text' }),
    from: z
      .union([z.string(), z.number(), z.null(), z.undefined()])
      .transform((v) =>
        v === null || v === undefined || String(v).trim() === '' ? undefined : String(v).trim(),
      ),
    channel: optionalLowerText,
    dispatch_type: optionalLowerText,
    delivery_callback_url: z.union([z.string(), z.null(), z.undefined()]),
    destination_params: z.union([z.array(z.unknown()), z.record(z.unknown())], {
      errorMap: () => ({ message: 'must be an object or a list of objects with id and phone' }),
    }),
  })
  .passthrough();

/** `service` (and absent) is transactional; `adds` and anything unknown count as marketing. */
export function priorityForDispatchType(dispatchType: string | undefined): Priority {
  return dispatchType === undefined || dispatchType === 'service' ? 'transactional' : 'marketing';
}

function entryId(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && value.trim() !== '' && value.trim().length <= MAX_ID_LENGTH) {
    return value.trim();
  }
  throw fieldError(field, 'must be a number or a non-empty text of at most 64 characters');
}

function callbackUrl(value: string | null | undefined, options: OperatorRequestOptions): string | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw fieldError('delivery_callback_url', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw fieldError('delivery_callback_url', 'must be an absolute http(s) URL');
  }
  const allowed = options.allowedCallbackHosts;
  if (allowed && !allowed.some((host) => host.toLowerCase() === url.hostname.toLowerCase())) {
    throw fieldError(
      'delivery_callback_url',
      'points at a host this gateway does not report to',
      'ACCESS_FORBIDDEN',
    );
  }
  return url.toString();
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * The operator request's body as an object, from the raw text and its `Content-Type`. ALTEGIO
 * documents the body's type as `*\/*`: JSON (`application/json`, or any type with a JSON text) and
 * form-encoded with PHP-style brackets (`destination_params[0][phone]=…`, or
 * `destination_params[phone]=…` for one destination) are both read. A `destination_params` given as
 * a JSON text inside a form is read too. Throws `invalid_input` (code 5) for an empty or unreadable body.
 */
export function parseOperatorBody(contentType: string | undefined, raw: string): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = raw.trim();
  if (text === '') throw fieldError('body', 'is empty: send JSON or a form', 'ENTITY_VALIDATION_ERROR');
  const looksJson = text.startsWith('{') || text.startsWith('[');
  if (type.includes('json') || (type !== FORM && looksJson)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw fieldError('body', 'is not valid JSON', 'ENTITY_VALIDATION_ERROR');
    }
  }
  if (type !== FORM && !/^[^=&\s]+=/.test(text)) {
    throw fieldError('body', 'must be JSON or form-encoded (name=value&…)', 'ENTITY_VALIDATION_ERROR');
  }
  // qs reads PHP's brackets; indices up to the destination limit stay a list (beyond: object keys).
  const form = parseQueryString(text, { depth: 4, arrayLimit: 1000, parameterLimit: 5000 }) as Record<
    string,
    unknown
  >;
  const destinations = form.destination_params;
  if (typeof destinations === 'string' && /^\s*[[{]/.test(destinations)) {
    try {
      form.destination_params = JSON.parse(destinations) as unknown;
    } catch {
      // Left as text: validation names the field.
    }
  }
  return form;
}

/**
 * Validates an operator request. Throws `invalid_input` (details: `field`, `altegioErrorCode` 5 or 10;
 * 15 for a callback host that is not allowed) when the request as a whole is unusable: not an object,
 * no text, no destinations, an entry that is not an object or has no usable id (its answer could not
 * be matched). A missing or invalid phone only puts that entry in `errors` (code 10).
 */
export function parseOperatorRequest(body: unknown, options: OperatorRequestOptions = {}): OperatorRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw fieldError('body', 'must be a JSON object', 'ENTITY_VALIDATION_ERROR');
  }
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fieldError(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
  }
  const env = parsed.data;
  // `channel` names how ALTEGIO wants the text sent (there is no `type` field). An SMS is not ours to
  // send through a WhatsApp number: refused whole, so ALTEGIO's own SMS route keeps it. Absent reads as
  // WhatsApp — ALTEGIO only routes here while update_channel says WhatsApp is available.
  if (env.channel !== undefined && env.channel !== OPERATOR_CHANNEL) {
    throw fieldError(
      'channel',
      env.channel === 'sms'
        ? 'sms is not delivered by this gateway: it sends WhatsApp messages only, so send SMS through an SMS provider'
        : `${env.channel} is not delivered by this gateway: only whatsapp is`,
    );
  }
  if (env.text.trim() === '') throw fieldError('text', 'must not be empty');
  if (env.text.length > MESSAGE_TEXT_MAX_LENGTH) {
    throw fieldError('text', `must be at most ${MESSAGE_TEXT_MAX_LENGTH} characters`);
  }
  const list = Array.isArray(env.destination_params) ? env.destination_params : [env.destination_params];
  if (list.length === 0) throw fieldError('destination_params', 'must name at least one destination');
  const max = options.maxMessages ?? 1000;
  if (list.length > max) throw fieldError('destination_params', `at most ${max} destinations per request`);

  const messages: OperatorMessage[] = [];
  const errors: OperatorEntryError[] = [];
  const order: string[] = [];
  list.forEach((entry, index) => {
    const at = Array.isArray(env.destination_params) ? `destination_params.${index}` : 'destination_params';
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw fieldError(at, 'must be an object with id and phone');
    }
    const e = entry as Record<string, unknown>;
    const id = entryId(e.id, `${at}.id`);
    // A repeated id is one message: the answer has one entry per id, so the first wins.
    if (order.includes(id)) return;
    order.push(id);
    const phoneValue = e.phone;
    const rawPhone =
      typeof phoneValue === 'string'
        ? phoneValue
        : typeof phoneValue === 'number' && Number.isSafeInteger(phoneValue)
          ? String(phoneValue)
          : undefined;
    if (rawPhone === undefined || rawPhone.trim() === '') {
      errors.push({
        id,
        error_code: ALTEGIO_ERROR.FIELD_VALIDATION_ERROR.code,
        error_message: 'phone: missing',
      });
      return;
    }
    try {
      messages.push({ altegioId: id, phone: normalisePhoneNumber(rawPhone, 'phone'), rawPhone });
    } catch {
      errors.push({
        id,
        error_code: ALTEGIO_ERROR.FIELD_VALIDATION_ERROR.code,
        error_message: 'phone: not a valid phone number',
      });
    }
  });

  const dispatchType = env.dispatch_type ?? 'service';
  const request: {
    -readonly [K in keyof OperatorRequest]: OperatorRequest[K];
  } = {
    text: env.text,
    channel: OPERATOR_CHANNEL,
    dispatchType,
    priority: priorityForDispatchType(dispatchType),
    messages,
    errors,
    order,
    raw: body as Record<string, unknown>,
  };
  if (env.from !== undefined) request.from = env.from;
  const callback = callbackUrl(env.delivery_callback_url, options);
  if (callback !== undefined) request.deliveryCallbackUrl = callback;
  return request;
}

/**
 * A per-message refusal for a destination the gateway will not deliver: 15 ACCESS_FORBIDDEN by
 * default (app frozen, channel paused or not linked), 10 for a field of that message.
 */
export function refusedEntry(
  id: string,
  message: string,
  name: 'ACCESS_FORBIDDEN' | 'FIELD_VALIDATION_ERROR' = 'ACCESS_FORBIDDEN',
): OperatorEntryError {
  return { id, error_code: ALTEGIO_ERROR[name].code, error_message: message };
}

/**
 * The immediate answer, one entry per id in request order: validation errors first-hand, then for
 * each message what `outcomes` says (our message id → `{id, ext_id}`, or a refusal). A message with
 * no outcome is answered as refused (15), so ALTEGIO never waits on an id we did not take.
 */
export function operatorAnswer(
  request: OperatorRequest,
  outcomes: ReadonlyMap<string, string | OperatorEntryError>,
): OperatorAnswerEntry[] {
  const invalid = new Map(request.errors.map((e) => [e.id, e]));
  return request.order.map((id): OperatorAnswerEntry => {
    const error = invalid.get(id);
    if (error) return error;
    const outcome = outcomes.get(id);
    if (outcome === undefined) return refusedEntry(id, 'not accepted by the gateway');
    return typeof outcome === 'string' ? { id, ext_id: outcome } : outcome;
  });
}

/**
 * The HTTP answer for a request refused as a whole (bad body, wrong api_key, inactive install):
 * `invalid_input`/`invalid_phone` → 400 (code 5 or 10 from the details), `unauthorized` → 401/20,
 * `forbidden` → 403/15, `not_found` → 404/30. Any other code is not a refusal: 500 with code 0 and a
 * generic message (the caller logs the error itself).
 */
export function operatorErrorResponse(error: AppError): {
  status: number;
  body: { success: false; error_code: number; error_message: string; meta: { message: string } };
} {
  const answer = (status: number, code: number, message: string) => ({
    status,
    body: { success: false as const, error_code: code, error_message: message, meta: { message } },
  });
  const named = (name: AltegioErrorName) =>
    answer(ALTEGIO_ERROR[name].httpStatus, ALTEGIO_ERROR[name].code, error.publicMessage);
  if (error.code === 'unauthorized') return named('INVALID_PARTNER_TOKEN');
  if (error.code === 'forbidden') return named('ACCESS_FORBIDDEN');
  if (error.code === 'not_found') return named('RESOURCE_NOT_FOUND');
  if (error.code === 'invalid_input' || error.code === 'invalid_phone') {
    const detail = error.details?.altegioErrorCode;
    if (detail === ALTEGIO_ERROR.ENTITY_VALIDATION_ERROR.code) return named('ENTITY_VALIDATION_ERROR');
    if (detail === ALTEGIO_ERROR.ACCESS_FORBIDDEN.code) return named('ACCESS_FORBIDDEN');
    return named('FIELD_VALIDATION_ERROR');
  }
  return answer(500, 0, 'Internal error.');
}
