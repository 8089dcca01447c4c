/**
 * A fake ALTEGIO for tests and the sandbox, built from docs/altegio.md (nothing could be tried against
 * the live service). It serves the partner API we call (activation, channel availability, records,
 * delivery status callbacks), records every call it receives, can be told to fail, and can act as
 * ALTEGIO towards the gateway (operator requests, record webhooks, the registration URL).
 * No test-runner imports: usable from a sandbox process.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { stringify as stringifyQuery } from 'qs';
import { systemClock, type Clock } from '../../../clock.js';

/** One request the fake received. */
export interface RecordedCall {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text when it is not JSON (undefined when empty). */
  readonly body: unknown;
  readonly rawBody: string;
  /** The status the fake answered with. */
  status: number;
  readonly at: Date;
}

/** An activation ALTEGIO accepted (`POST /marketplace/partner/callback`). */
export interface FakeActivation {
  readonly salonId: string;
  readonly apiKey: string;
  readonly webhookUrls: readonly string[];
  readonly channels?: readonly string[];
  /** How many times it was accepted (activation must be idempotent). */
  readonly count: number;
  readonly at: Date;
}

/** An ALTEGIO record as `GET /record/{company_id}/{record_id}` returns it. */
export type AltegioRecordData = Record<string, unknown> & { id: number; company_id: number };

export interface FakeAltegioOptions {
  readonly partnerToken: string;
  readonly applicationId: string | number;
  /** The system user's token record calls need (`Bearer <partner>, User <this>`); default `<partner>-user`. */
  readonly userToken?: string;
  /** The Bearer the fake puts on record webhooks it sends (default: the partner token). */
  readonly webhookBearer?: string;
  /** After a PUT /record, POST an `update` webhook to the salon's activated webhook URLs. Default false. */
  readonly webhooksOnRecordChange?: boolean;
  readonly port?: number;
  /** Where to listen (127.0.0.1 by default). */
  readonly host?: string;
  /** ALTEGIO's clock (stamps `last_change_date`); the system clock by default. */
  readonly clock?: Clock;
  /**
   * The API version header partner calls must carry (ALTEGIO's `application/vnd.api.v2+json` by
   * default; YCLIENTS: `application/vnd.yclients.v2+json`). A call with credentials and another
   * `Accept` is refused with 406.
   */
  readonly accept?: string;
}

export interface FakeAltegio {
  readonly url: string;
  readonly partnerToken: string;
  readonly applicationId: string;
  readonly userToken: string;
  /** The REST base (`<url>/api/v1`): records are served only under it. */
  readonly restUrl: string;
  /** `…/smsprovider/status/callback/{partner_token}`: what to put in operator requests. */
  readonly deliveryCallbackUrl: string;
  /** Calls received, oldest first; only those whose path starts with `pathPrefix` when given. */
  calls(pathPrefix?: string): RecordedCall[];
  /** The first call (already received or still to come) that passes `predicate`; rejects after `timeoutMs`. */
  waitForCall(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Answer the next `count` calls under `pathPrefix` with `status` (500 by default) before handling. */
  failNext(pathPrefix: string, count: number, status?: number): void;
  /** Stop failing calls under `pathPrefix` (what `failNext` still had to fail is dropped). */
  stopFailing(pathPrefix: string): void;
  /**
   * A salon's install of the app as ALTEGIO's install-status call reports it (undefined: the salon
   * has not installed it; the call answers 404). `registrationUrl` marks the salon `pending` (the
   * Connect click), an accepted activation `active`.
   */
  setInstallStatus(salonId: string | number, status: FakeInstallStatus | undefined): void;
  installStatus(salonId: string | number): FakeInstallStatus | undefined;
  /** Accepted activations by salon id. */
  readonly activations: ReadonlyMap<string, FakeActivation>;
  /** Last reported availability per salon and channel slug. */
  readonly channels: ReadonlyMap<string, Readonly<Record<string, boolean>>>;
  /** Every status report received, flattened from object and list bodies, oldest first. */
  statusReports(): Record<string, unknown>[];
  /**
   * A salon as the salons list (`GET …/marketplace/application/{app}/salons`) and the company call
   * (`GET /api/v1/company/{id}`) show it; a salon never set is in neither (404 from the company call).
   */
  setSalon(salonId: string | number, salon: FakeSalon | undefined): void;
  /** Store (or replace) a record the API will serve. */
  putRecord(record: AltegioRecordData): void;
  getRecord(companyId: string | number, recordId: string | number): AltegioRecordData | undefined;
  /**
   * The registration URL ALTEGIO would open (the Connect click: every salon named becomes `pending`
   * unless already active), `user_data` signed the documented way with this fake's partner token.
   */
  registrationUrl(
    base: string,
    salonId: string | number | readonly (string | number)[],
    userData?: object,
    signing?: UserDataSigning,
  ): string;
  /** POST a record webhook to `url` with this fake's Bearer. */
  sendRecordWebhook(url: string, envelope: unknown): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** What the fake tells of a salon (ALTEGIO's fields; `timezone_name` is an IANA zone). */
export interface FakeSalon {
  readonly title?: string;
  readonly timezone_name?: string;
  readonly [field: string]: unknown;
}

/** `freezed` is ALTEGIO's spelling. */
export type FakeInstallStatus = 'pending' | 'active' | 'freezed';

/**
 * How `user_data_sign` is computed: `decoded` (documented: HMAC of the decoded JSON bytes, ALTEGIO
 * KB's PHP sample, confirmed on live traffic) or `base64` (HMAC of the base64 string, one
 * integrator's reading).
 */
export type UserDataSigning = 'decoded' | 'base64';

/** A response the fake got when acting as ALTEGIO. */
export interface HttpAnswer {
  readonly status: number;
  /** Parsed JSON, or the text when it is not JSON. */
  readonly body: unknown;
}

const ok = (c: Context, data: unknown = null, status: 200 | 201 = 200) =>
  c.json({ success: true, data, meta: [] }, status);

const fail = (c: Context, status: 401 | 403 | 404 | 406 | 422, message: string) =>
  c.json({ success: false, data: null, meta: { message } }, status);

const isId = (v: unknown): v is string | number =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) ||
  (typeof v === 'string' && /^\d{1,18}$/.test(v));

const isHttpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

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
 * UTC offset `offsetMinutes`. Override any field.
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

/** Starts a fake ALTEGIO on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeAltegio(options: FakeAltegioOptions): Promise<FakeAltegio> {
  const partnerToken = options.partnerToken;
  const applicationId = String(options.applicationId);
  const recorded: RecordedCall[] = [];
  // Each waiter sees every finished call; `stop` rejects those still waiting.
  const waiters = new Set<{ see: (call: RecordedCall) => void; cancel: () => void }>();
  const failures: { prefix: string; remaining: number; status: number }[] = [];
  const activations = new Map<string, FakeActivation>();
  const channels = new Map<string, Record<string, boolean>>();
  const records = new Map<string, AltegioRecordData>();
  const salons = new Map<string, FakeSalon>();
  const reports: Record<string, unknown>[] = [];
  const recordKey = (company: string | number, record: string | number) => `${company}/${record}`;
  const webhookBearer = options.webhookBearer ?? partnerToken;
  const clock = options.clock ?? systemClock;
  const accept = options.accept ?? 'application/vnd.api.v2+json';
  const userToken = options.userToken ?? `${partnerToken}-user`;
  const installs = new Map<
    string,
    { status: FakeInstallStatus; logs: { status_from: string | null; status_to: string; date: string }[] }
  >();
  const setInstallStatus = (salonId: string | number, status: FakeInstallStatus | undefined) => {
    const key = String(salonId);
    if (status === undefined) {
      installs.delete(key);
      return;
    }
    const previous = installs.get(key);
    if (previous?.status === status) return;
    installs.set(key, {
      status,
      logs: [
        ...(previous?.logs ?? []),
        { status_from: previous?.status ?? null, status_to: status, date: clock.now().toISOString() },
      ],
    });
  };

  const app = new Hono<{ Variables: { call: RecordedCall } }>();

  const partnerAuthorised = (c: Context) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^\s*Bearer\s+([^\s,]+)/i.exec(header);
    return match?.[1] === partnerToken;
  };
  // A business's data needs both tokens, like ALTEGIO: `Bearer <partner>, User <user>`.
  const userAuthorised = (c: Context) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^\s*Bearer\s+([^\s,]+)\s*,\s*User\s+(\S+)\s*$/i.exec(header);
    return match?.[1] === partnerToken && match[2] === userToken;
  };

  app.use('*', async (c, next) => {
    const rawBody = await c.req.text();
    let body: unknown = rawBody === '' ? undefined : rawBody;
    try {
      if (rawBody !== '') body = JSON.parse(rawBody);
    } catch {
      // Kept as text; handlers answer 422.
    }
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    const call: RecordedCall = {
      method: c.req.method,
      path: c.req.path,
      query: { ...c.req.query() },
      headers,
      body,
      rawBody,
      status: 0,
      at: new Date(),
    };
    c.set('call', call);
    recorded.push(call);
    const failure = failures.find((f) => f.remaining > 0 && call.path.startsWith(f.prefix));
    if (failure) {
      failure.remaining -= 1;
      call.status = failure.status;
      const response = c.json(
        { success: false, data: null, meta: { message: 'injected failure' } },
        failure.status as 500,
      );
      for (const waiter of [...waiters]) waiter.see(call);
      return response;
    }
    await next();
    call.status = c.res.status;
    for (const waiter of [...waiters]) waiter.see(call);
  });

  const body = (c: Context<{ Variables: { call: RecordedCall } }>) => asObject(c.get('call').body);

  // The API (not the status callback, a web endpoint) wants its version header on every call made
  // with credentials; calls without any are left to the handlers' 401.
  const versioned = async (c: Context, next: () => Promise<void>) => {
    const given = (c.req.header('accept') ?? '').toLowerCase();
    if (c.req.header('authorization') && !given.split(',').some((a) => a.trim().split(';')[0] === accept))
      return fail(c, 406, `Accept: ${accept} required`);
    await next();
  };
  app.use('/marketplace/*', versioned);
  app.use('/api/v1/*', versioned);

  // Marketplace calls are documented under `/api/v1/marketplace/…` (developer portal) and
  // `/marketplace/…` (integrators' code): both are served.
  for (const base of ['', '/api/v1']) {
    app.post(`${base}/marketplace/partner/callback`, (c) => {
      if (!partnerAuthorised(c)) return fail(c, 401, 'Invalid partner token');
      const b = body(c);
      if (!b) return fail(c, 422, 'Body must be a JSON object');
      if (!isId(b.salon_id)) return fail(c, 422, 'salon_id: required integer');
      if (!isId(b.application_id)) return fail(c, 422, 'application_id: required integer');
      if (String(b.application_id) !== applicationId)
        return fail(c, 403, 'application_id: not your application');
      if (typeof b.api_key !== 'string' || b.api_key.trim() === '') return fail(c, 422, 'api_key: required');
      if (!Array.isArray(b.webhook_urls) || !b.webhook_urls.every(isHttpUrl)) {
        return fail(c, 422, 'webhook_urls: a list of URLs');
      }
      if (
        b.channels !== undefined &&
        (!Array.isArray(b.channels) || !b.channels.every((x) => typeof x === 'string'))
      ) {
        return fail(c, 422, 'channels: a list of channel slugs');
      }
      const salonId = String(b.salon_id);
      const previous = activations.get(salonId);
      activations.set(salonId, {
        salonId,
        apiKey: b.api_key,
        webhookUrls: b.webhook_urls as string[],
        ...(b.channels ? { channels: b.channels } : {}),
        count: (previous?.count ?? 0) + 1,
        at: new Date(),
      });
      setInstallStatus(salonId, 'active');
      return ok(c, null, 201);
    });

    app.get(`${base}/marketplace/salon/:salonId/application/:applicationId`, (c) => {
      if (!partnerAuthorised(c)) return fail(c, 401, 'Invalid partner token');
      if (c.req.param('applicationId') !== applicationId) return fail(c, 404, 'Application not found');
      const install = installs.get(c.req.param('salonId'));
      if (!install) return fail(c, 404, 'The salon has not installed the application');
      return ok(c, {
        salon_id: Number(c.req.param('salonId')),
        application_id: Number(applicationId),
        connection_status: { status: install.status },
        logs: install.logs,
      });
    });

    app.post(`${base}/marketplace/application/update_channel`, (c) => {
      if (!partnerAuthorised(c)) return fail(c, 401, 'Invalid partner token');
      const b = body(c);
      if (!b) return fail(c, 422, 'Body must be a JSON object');
      if (!isId(b.salon_id)) return fail(c, 422, 'salon_id: required integer');
      if (String(b.application_id) !== applicationId)
        return fail(c, 403, 'application_id: not your application');
      if (b.channel_slug !== 'whatsapp' && b.channel_slug !== 'sms')
        return fail(c, 422, 'channel_slug: whatsapp or sms');
      if (typeof b.is_available !== 'boolean') return fail(c, 422, 'is_available: required boolean');
      const salonId = String(b.salon_id);
      channels.set(salonId, { ...channels.get(salonId), [b.channel_slug]: b.is_available });
      return ok(c);
    });
  }

  // The salons that installed the application; ids are strings here (as documented).
  for (const base of ['', '/api/v1']) {
    app.get(`${base}/marketplace/application/:applicationId/salons`, (c) => {
      if (!partnerAuthorised(c)) return fail(c, 401, 'Invalid partner token');
      if (c.req.param('applicationId') !== applicationId) return fail(c, 404, 'Application not found');
      return ok(
        c,
        [...salons].map(([id, salon]) => ({ id, title: `Salon ${id}`, country: '', city: '', ...salon })),
      );
    });
  }

  // A company's data is a business's data: the REST base and the User token.
  app.get('/api/v1/company/:companyId', (c) => {
    if (!userAuthorised(c)) return fail(c, 401, 'Bearer <partner>, User <user> required');
    const id = c.req.param('companyId');
    const salon = salons.get(id);
    if (!salon) return fail(c, 404, 'Company not found');
    return ok(c, { id: Number(id), title: `Salon ${id}`, ...salon });
  });

  // Records live under the REST base only, and need the User token too.
  app.get('/api/v1/record/:companyId/:recordId', (c) => {
    if (!userAuthorised(c)) return fail(c, 401, 'Bearer <partner>, User <user> required');
    const record = records.get(recordKey(c.req.param('companyId'), c.req.param('recordId')));
    if (!record) return fail(c, 404, 'Record not found');
    return ok(c, record);
  });

  app.put('/api/v1/record/:companyId/:recordId', (c) => {
    if (!userAuthorised(c)) return fail(c, 401, 'Bearer <partner>, User <user> required');
    const key = recordKey(c.req.param('companyId'), c.req.param('recordId'));
    const record = records.get(key);
    if (!record) return fail(c, 404, 'Record not found');
    const b = body(c);
    if (!b) return fail(c, 422, 'Body must be a JSON object');
    // A full update, like ALTEGIO's: the fields it requires must all be there.
    if (!isId(b.staff_id)) return fail(c, 422, 'staff_id: required');
    if (!Array.isArray(b.services) || !b.services.every((x) => isId(asObject(x)?.id)))
      return fail(c, 422, 'services: a list of {id, …}');
    if (!asObject(b.client)) return fail(c, 422, 'client: required');
    if (typeof b.datetime !== 'string' || Number.isNaN(Date.parse(b.datetime.replace(' ', 'T'))))
      return fail(c, 422, 'datetime: required');
    if (typeof b.seance_length !== 'number' || b.seance_length <= 0)
      return fail(c, 422, 'seance_length: required, in seconds');
    if (b.attendance !== undefined && ![-1, 0, 1, 2].includes(b.attendance as number)) {
      return fail(c, 422, 'attendance: one of -1, 0, 1, 2');
    }
    // Like ALTEGIO, services are referenced by id: an update keeps what it knows of each (its title).
    const services = Array.isArray(b.services)
      ? (b.services as Array<Record<string, unknown>>).map((s) => ({
          ...((record.services as Array<Record<string, unknown>> | undefined) ?? []).find(
            (old) => old.id === s.id,
          ),
          ...s,
        }))
      : record.services;
    const updated: AltegioRecordData = {
      ...record,
      ...b,
      services,
      id: record.id,
      company_id: record.company_id,
      ...(b.attendance !== undefined ? { visit_attendance: b.attendance } : {}),
      last_change_date: altegioDateTime(new Date(Math.max(clock.now().getTime(), lastChange(record) + 1000))),
    };
    records.set(key, updated);
    if (options.webhooksOnRecordChange) {
      const activation = activations.get(String(record.company_id));
      for (const url of activation?.webhookUrls ?? []) {
        // Fire and forget, like ALTEGIO: the gateway's answer is recorded nowhere.
        void sendRecordWebhook(url, recordWebhookEnvelope('update', updated), webhookBearer).catch(() => {});
      }
    }
    return ok(c, updated);
  });

  // The documented status callback: the partner token in the path and as the Bearer, and a JSON
  // array of reports (a bare object is refused, as ALTEGIO documents only the array).
  app.post('/smsprovider/status/callback/:token', (c) => {
    if (c.req.param('token') !== partnerToken) return fail(c, 401, 'Invalid partner token');
    if (!partnerAuthorised(c)) return fail(c, 401, 'Authorization: Bearer <partner token> required');
    const raw = c.get('call').body;
    if (!Array.isArray(raw)) return fail(c, 422, 'The body must be a JSON array of reports');
    const entries = raw.map(asObject);
    if (
      raw.length === 0 ||
      entries.some(
        (e) =>
          !e ||
          (typeof e.id !== 'string' && typeof e.id !== 'number') ||
          typeof e.status !== 'number' ||
          // ALTEGIO requires the price, currency and parts with 8 (transferred) and 1 (delivered).
          ((e.status === 8 || e.status === 1) &&
            (typeof e.payment_sum !== 'number' ||
              typeof e.currency_iso !== 'string' ||
              typeof e.parts_amount !== 'number')),
      )
    ) {
      return fail(
        c,
        422,
        'Each report needs id and a numeric status (and payment_sum, currency_iso, parts_amount with 8 and 1)',
      );
    }
    reports.push(...(entries as Record<string, unknown>[]));
    return ok(c);
  });

  // ---- The sandbox's buttons: act as ALTEGIO towards the gateway this fake activated. ----------
  let selfUrl = '';
  const sandboxForm = async (c: Context): Promise<Record<string, string>> => {
    const raw = c.get('call' as never) as RecordedCall | undefined;
    const b = asObject(raw?.body);
    if (b) return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v)]));
    return Object.fromEntries(new URLSearchParams(raw?.rawBody ?? '').entries());
  };
  const activationFor = (salonId: string | undefined) =>
    salonId ? activations.get(salonId) : [...activations.values()].at(-1);
  const page = (content: string) =>
    `<!doctype html><meta charset="utf-8"><title>Fake ALTEGIO</title><body style="font-family:sans-serif;max-width:40rem;margin:2rem auto">` +
    `<h1>Fake ALTEGIO (sandbox)</h1>${content}` +
    `<h2>Send a notification as ALTEGIO</h2><form method="post" action="/_sandbox/message">` +
    `<label>Client phone <input name="phone" required></label><br><label>Text <input name="text" size="50" required value="Hello! Your visit is tomorrow at 10:00."></label><br>` +
    `<button>Send</button></form>` +
    `<h2>Book a visit (reminders come from Zapgate)</h2><form method="post" action="/_sandbox/booking">` +
    `<label>Client phone <input name="phone" required></label><br><label>Client name <input name="name" value="Ana"></label><br>` +
    `<label>Starts in hours <input name="inHours" type="number" value="26" min="1"></label><br><button>Book</button></form>` +
    `<p>Activated salons: ${[...activations.keys()].join(', ') || 'none yet — link WhatsApp in the panel first'}</p></body>`;
  const escape = (v: string) => v.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  app.get('/', (c) => c.html(page('')));
  app.post('/_sandbox/message', async (c) => {
    const form = await sandboxForm(c);
    const activation = activationFor(form.salonId);
    if (!activation) return c.html(page('<p><b>No activated salon yet.</b></p>'), 409);
    const gateway = new URL(activation.webhookUrls[0] ?? '').origin;
    const answer = await sendOperatorRequest(gateway, '/altegio/operator', activation.apiKey, {
      destination_params: [{ id: Date.now(), phone: form.phone ?? '' }],
      text: form.text ?? '',
      channel: 'whatsapp',
      dispatch_type: 'service',
      delivery_callback_url: `${selfUrl}/smsprovider/status/callback/${partnerToken}`,
    });
    return c.html(
      page(`<p>Gateway answered ${answer.status}: <code>${escape(JSON.stringify(answer.body))}</code></p>`),
    );
  });
  app.post('/_sandbox/booking', async (c) => {
    const form = await sandboxForm(c);
    const activation = activationFor(form.salonId);
    if (!activation) return c.html(page('<p><b>No activated salon yet.</b></p>'), 409);
    const startsAt = new Date(Date.now() + Number(form.inHours ?? 26) * 3_600_000);
    const record = altegioRecord({
      companyId: Number(activation.salonId),
      startsAt,
      // Like ALTEGIO, in the salon's clock (its zone's offset at that time).
      offsetMinutes: utcOffsetIn(salons.get(activation.salonId)?.timezone_name, startsAt),
      lastChangeDate: clock.now(),
      clientPhone: form.phone ?? '',
      clientName: form.name || 'Ana',
    });
    records.set(recordKey(record.company_id, record.id), record);
    const answers = await Promise.all(
      activation.webhookUrls.map((hook) =>
        sendRecordWebhook(hook, recordWebhookEnvelope('create', record), webhookBearer),
      ),
    );
    return c.html(
      page(
        `<p>Record ${record.id} created; gateway answered <code>${escape(JSON.stringify(answers.map((a) => a.body)))}</code></p>`,
      ),
    );
  });

  app.notFound((c) => fail(c, 404, 'Not found'));

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      { fetch: app.fetch, port: options.port ?? 0, hostname: options.host ?? '127.0.0.1' },
      () => resolve(s),
    ) as Server;
    s.once('error', reject);
  });
  const url = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  selfUrl = url;

  return {
    url,
    partnerToken,
    applicationId,
    userToken,
    restUrl: `${url}/api/v1`,
    setInstallStatus,
    installStatus: (salonId) => installs.get(String(salonId))?.status,
    deliveryCallbackUrl: `${url}/smsprovider/status/callback/${partnerToken}`,
    calls: (pathPrefix) =>
      recorded.filter((call) => pathPrefix === undefined || call.path.startsWith(pathPrefix)),
    waitForCall(predicate, timeoutMs = 10_000) {
      const done = recorded.find((call) => call.status !== 0 && predicate(call));
      if (done) return Promise.resolve(done);
      return new Promise<RecordedCall>((resolve, reject) => {
        const waiter = {
          see(call: RecordedCall) {
            if (!predicate(call)) return;
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(call);
          },
          cancel() {
            clearTimeout(timer);
            waiters.delete(waiter);
            reject(new Error('fake ALTEGIO stopped while waiting for a call'));
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fake ALTEGIO: no matching call within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stopFailing(prefix) {
      for (const failure of failures) if (failure.prefix === prefix) failure.remaining = 0;
    },
    failNext(prefix, count, status = 500) {
      failures.push({ prefix, remaining: count, status });
    },
    activations,
    channels,
    statusReports: () => [...reports],
    setSalon(salonId, salon) {
      if (salon) salons.set(String(salonId), salon);
      else salons.delete(String(salonId));
    },
    putRecord(record) {
      records.set(recordKey(record.company_id, record.id), record);
    },
    getRecord: (companyId, recordId) => records.get(recordKey(companyId, recordId)),
    registrationUrl(base, salonId, userData, signing) {
      const ids: readonly (string | number)[] = Array.isArray(salonId)
        ? (salonId as readonly (string | number)[])
        : [salonId as string | number];
      for (const id of ids)
        if (installs.get(String(id))?.status !== 'active') setInstallStatus(id, 'pending');
      return signedRegistrationUrl(base, salonId, partnerToken, userData, signing);
    },
    sendRecordWebhook: (target, envelope) => sendRecordWebhook(target, envelope, webhookBearer),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const waiter of [...waiters]) waiter.cancel();
    },
  };
}

function lastChange(record: AltegioRecordData): number {
  const value = record.last_change_date;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}
