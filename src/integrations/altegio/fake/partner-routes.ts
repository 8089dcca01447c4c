// The partner API the gateway calls: marketplace (activation, install status, update_channel,
// salons), a company's data and records (with the User token), and the SMS status callback.
import type { Context } from 'hono';
import { altegioDateTime, recordWebhookEnvelope, sendRecordWebhook } from './as-altegio.js';
import { asObject, fail, isHttpUrl, isId, ok } from './http-answers.js';
import type { FakeApp, FakeAltegioState } from './state.js';
import type { AltegioRecordData, RecordedCall } from './types.js';

export function registerPartnerRoutes(app: FakeApp, s: FakeAltegioState): void {
  const partnerAuthorised = (c: Context) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^\s*Bearer\s+([^\s,]+)/i.exec(header);
    return match?.[1] === s.partnerToken;
  };
  // A business's data needs both tokens, like ALTEGIO: `Bearer <partner>, User <user>`.
  const userAuthorised = (c: Context) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^\s*Bearer\s+([^\s,]+)\s*,\s*User\s+(\S+)\s*$/i.exec(header);
    return match?.[1] === s.partnerToken && match[2] === s.userToken;
  };

  const body = (c: Context<{ Variables: { call: RecordedCall } }>) => asObject(c.get('call').body);

  // The API (not the status callback, a web endpoint) wants its version header on every call made
  // with credentials; calls without any are left to the handlers' 401.
  const versioned = async (c: Context, next: () => Promise<void>) => {
    const given = (c.req.header('accept') ?? '').toLowerCase();
    if (c.req.header('authorization') && !given.split(',').some((a) => a.trim().split(';')[0] === s.accept))
      return fail(c, 406, `Accept: ${s.accept} required`);
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
      if (String(b.application_id) !== s.applicationId)
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
      const previous = s.activations.get(salonId);
      s.activations.set(salonId, {
        salonId,
        apiKey: b.api_key,
        webhookUrls: b.webhook_urls as string[],
        ...(b.channels ? { channels: b.channels } : {}),
        count: (previous?.count ?? 0) + 1,
        at: s.clock.now(),
      });
      s.setInstallStatus(salonId, 'active');
      return ok(c, null, 201);
    });

    app.get(`${base}/marketplace/salon/:salonId/application/:applicationId`, (c) => {
      if (!partnerAuthorised(c)) return fail(c, 401, 'Invalid partner token');
      if (c.req.param('applicationId') !== s.applicationId) return fail(c, 404, 'Application not found');
      const install = s.installs.get(c.req.param('salonId'));
      if (!install) return fail(c, 404, 'The salon has not installed the application');
      return ok(c, {
        salon_id: Number(c.req.param('salonId')),
        application_id: Number(s.applicationId),
        connection_status: { status: install.status },
        logs: install.logs,
      });
    });

    app.post(`${base}/marketplace/application/update_channel`, (c) => {
      if (!partnerAuthorised(c)) return fail(c, 401, 'Invalid partner token');
      const b = body(c);
      if (!b) return fail(c, 422, 'Body must be a JSON object');
      if (!isId(b.salon_id)) return fail(c, 422, 'salon_id: required integer');
      if (String(b.application_id) !== s.applicationId)
        return fail(c, 403, 'application_id: not your application');
      if (b.channel_slug !== 'whatsapp' && b.channel_slug !== 'sms')
        return fail(c, 422, 'channel_slug: whatsapp or sms');
      if (typeof b.is_available !== 'boolean') return fail(c, 422, 'is_available: required boolean');
      const salonId = String(b.salon_id);
      s.channels.set(salonId, { ...s.channels.get(salonId), [b.channel_slug]: b.is_available });
      return ok(c);
    });
  }

  // The salons that installed the application; ids are strings here (as documented).
  for (const base of ['', '/api/v1']) {
    app.get(`${base}/marketplace/application/:applicationId/salons`, (c) => {
      if (!partnerAuthorised(c)) return fail(c, 401, 'Invalid partner token');
      if (c.req.param('applicationId') !== s.applicationId) return fail(c, 404, 'Application not found');
      return ok(
        c,
        [...s.salons].map(([id, salon]) => ({ id, title: `Salon ${id}`, country: '', city: '', ...salon })),
      );
    });
  }

  // A company's data is a business's data: the REST base and the User token.
  app.get('/api/v1/company/:companyId', (c) => {
    if (!userAuthorised(c)) return fail(c, 401, 'Bearer <partner>, User <user> required');
    const id = c.req.param('companyId');
    const salon = s.salons.get(id);
    if (!salon) return fail(c, 404, 'Company not found');
    return ok(c, { id: Number(id), title: `Salon ${id}`, ...salon });
  });

  // Records live under the REST base only, and need the User token too.
  app.get('/api/v1/record/:companyId/:recordId', (c) => {
    if (!userAuthorised(c)) return fail(c, 401, 'Bearer <partner>, User <user> required');
    const record = s.records.get(s.recordKey(c.req.param('companyId'), c.req.param('recordId')));
    if (!record) return fail(c, 404, 'Record not found');
    return ok(c, record);
  });

  app.put('/api/v1/record/:companyId/:recordId', (c) => {
    if (!userAuthorised(c)) return fail(c, 401, 'Bearer <partner>, User <user> required');
    const key = s.recordKey(c.req.param('companyId'), c.req.param('recordId'));
    const record = s.records.get(key);
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
      ? (b.services as Array<Record<string, unknown>>).map((service) => ({
          ...((record.services as Array<Record<string, unknown>> | undefined) ?? []).find(
            (old) => old.id === service.id,
          ),
          ...service,
        }))
      : record.services;
    const updated: AltegioRecordData = {
      ...record,
      ...b,
      services,
      id: record.id,
      company_id: record.company_id,
      ...(b.attendance !== undefined ? { visit_attendance: b.attendance } : {}),
      last_change_date: altegioDateTime(
        new Date(Math.max(s.clock.now().getTime(), lastChange(record) + 1000)),
      ),
    };
    s.records.set(key, updated);
    if (s.options.webhooksOnRecordChange) {
      const activation = s.activations.get(String(record.company_id));
      for (const url of activation?.webhookUrls ?? []) {
        // Fire and forget, like ALTEGIO: the gateway's answer is recorded nowhere.
        void sendRecordWebhook(url, recordWebhookEnvelope('update', updated), s.webhookBearer).catch(
          () => {},
        );
      }
    }
    return ok(c, updated);
  });

  // The documented status callback: the partner token in the path and as the Bearer, and a JSON
  // array of reports (a bare object is refused, as ALTEGIO documents only the array).
  app.post('/smsprovider/status/callback/:token', (c) => {
    if (c.req.param('token') !== s.partnerToken) return fail(c, 401, 'Invalid partner token');
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
    s.reports.push(...(entries as Record<string, unknown>[]));
    return ok(c);
  });
}

function lastChange(record: AltegioRecordData): number {
  const value = record.last_change_date;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}
