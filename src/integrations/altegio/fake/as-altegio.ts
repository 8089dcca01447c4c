// Acting as ALTEGIO towards the gateway: the records and webhooks it sends, the signed
// registration URL, operator requests. No test-runner imports: usable from a sandbox process.
import { createHmac } from 'node:crypto';
import { stringify as stringifyQuery } from 'qs';
import type { AltegioRecordData, HttpAnswer, UserDataSigning } from './types.js';

/** The UTC offset in minutes of `timeZone` at `at` (0 for no zone or an unknown one). */
export function utcOffsetIn(timeZone: string | undefined, at: Date): number {
  if (!timeZone) return 0;
  try {
    const name = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  } catch {
    return 0;
  }
}

/** `2025-07-13T12:10:00+05:00` for `at` seen at a UTC offset of `offsetMinutes`. */
export function altegioDateTime(at: Date, offsetMinutes = 0): string {
  const local = new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

let nextRecordId = 100_000;

/**
 * A record in ALTEGIO's shape: one service, one staff member, a client, starting at `startsAt` at
 * UTC offset `offsetMinutes`. Override any field. Without `startsAt` / `lastChangeDate` it starts
 * in three days and changed now by the wall clock: a default for shape-only uses; whoever depends
 * on the times passes them (the fake itself passes its clock's).
 */
export function altegioRecord(
  options: {
    companyId?: number;
    id?: number;
    startsAt?: Date;
    offsetMinutes?: number;
    lengthSeconds?: number;
    lastChangeDate?: Date;
    clientPhone?: string | null;
    clientName?: string;
    attendance?: number;
  } & { overrides?: Record<string, unknown> } = {},
): AltegioRecordData {
  const offset = options.offsetMinutes ?? 0;
  const startsAt = options.startsAt ?? new Date(Date.now() + 3 * 86_400_000);
  const datetime = altegioDateTime(startsAt, offset);
  const length = options.lengthSeconds ?? 3600;
  const id = options.id ?? nextRecordId++;
  return {
    id,
    company_id: options.companyId ?? 4564,
    staff_id: 77,
    date: datetime.slice(0, 19).replace('T', ' '),
    datetime,
    seance_length: length,
    length,
    attendance: options.attendance ?? 0,
    visit_attendance: options.attendance ?? 0,
    confirmed: 1,
    online: false,
    deleted: false,
    sms_before: 0,
    sms_remain_hours: 24,
    comment: '',
    create_date: altegioDateTime(new Date(startsAt.getTime() - 7 * 86_400_000), offset),
    last_change_date: altegioDateTime(options.lastChangeDate ?? new Date(), offset),
    short_link: `https://alteg.io/r/${id}`,
    services: [{ id: 501, title: 'Haircut', cost: 40, first_cost: 40, discount: 0, amount: 1 }],
    staff: { id: 77, name: 'Maria', specialization: 'Stylist', position: { id: 3, title: 'Senior stylist' } },
    client: {
      id: 9001,
      name: options.clientName ?? 'Ana',
      surname: '',
      display_name: options.clientName ?? 'Ana',
      phone: options.clientPhone === undefined ? '+5511987654321' : options.clientPhone,
      email: '',
    },
    ...options.overrides,
  };
}

/** The webhook envelope ALTEGIO sends for a record. */
export function recordWebhookEnvelope(
  status: 'create' | 'update' | 'delete',
  record: AltegioRecordData,
): Record<string, unknown> {
  return { company_id: record.company_id, resource: 'record', resource_id: record.id, status, data: record };
}

/**
 * The registration URL for `salonIds` (one: `salon_id=…`; several: `salon_ids[0]=…`), with `user_data`
 * (base64 JSON) and `user_data_sign` (hex HMAC-SHA256 keyed by `partnerToken` of the decoded JSON
 * bytes, or of the base64 string with `signing: 'base64'`) when `userData` is given. Only builds the
 * URL: a fake ALTEGIO's `registrationUrl` also records the Connect click.
 */
export function signedRegistrationUrl(
  base: string,
  salonIds: string | number | readonly (string | number)[],
  partnerToken: string,
  userData?: object,
  signing: UserDataSigning = 'decoded',
): string {
  const url = new URL(base);
  const ids = Array.isArray(salonIds)
    ? (salonIds as readonly (string | number)[])
    : [salonIds as string | number];
  if (ids.length === 1) url.searchParams.set('salon_id', String(ids[0]));
  else ids.forEach((id, i) => url.searchParams.set(`salon_ids[${i}]`, String(id)));
  if (userData !== undefined) {
    const json = Buffer.from(JSON.stringify(userData), 'utf8');
    const encoded = json.toString('base64');
    url.searchParams.set('user_data', encoded);
    url.searchParams.set(
      'user_data_sign',
      createHmac('sha256', partnerToken)
        .update(signing === 'decoded' ? json : Buffer.from(encoded, 'utf8'))
        .digest('hex'),
    );
  }
  return url.toString();
}

async function answerOf(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body };
}

/**
 * An operator request with every documented field: `destination_params` (one `{id, phone}` or a list),
 * `from`, `text`, `channel: whatsapp`, `dispatch_type: service`, `delivery_callback_url`. Override any.
 */
export function operatorRequestBody(
  destinations:
    { id: string | number; phone: string } | ReadonlyArray<{ id: string | number; phone: string }>,
  text: string,
  deliveryCallbackUrl: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    destination_params: destinations,
    from: 'Salon',
    text,
    channel: 'whatsapp',
    dispatch_type: 'service',
    delivery_callback_url: deliveryCallbackUrl,
    ...overrides,
  };
}

/**
 * Acts as ALTEGIO asking the gateway to deliver messages: POST `body` to `gatewayUrl + path` with the
 * api_key, as JSON (default; a string is sent as it is) or form-encoded with PHP-style brackets
 * (`destination_params[0][phone]=…`, as PHP's http_build_query writes it).
 */
export async function sendOperatorRequest(
  gatewayUrl: string,
  path: string,
  apiKey: string,
  body: unknown,
  encoding: 'json' | 'form' = 'json',
): Promise<HttpAnswer> {
  const form = encoding === 'form' && typeof body !== 'string';
  const response = await fetch(new URL(path, gatewayUrl), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      accept: 'application/json',
    },
    body:
      typeof body === 'string'
        ? body
        : form
          ? stringifyQuery(body, { arrayFormat: 'indices', encodeValuesOnly: false })
          : JSON.stringify(body),
  });
  return answerOf(response);
}

/** Acts as ALTEGIO delivering a record webhook (with `Authorization: Bearer <bearer>` when given). */
export async function sendRecordWebhook(
  url: string,
  envelope: unknown,
  bearer?: string,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
  });
  return answerOf(response);
}
