import { Hono, type Context } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { AltegioScheduler } from '../altegio-scheduler.js';
import type { AltegioService, InstallOutcome } from '../altegio-service.js';
import { AppError } from '../../../domain/errors.js';
import { pickLanguage } from '../../../web/i18n.js';
import { renderInstallLogin, renderInstallRefused } from '../../../web/pages.js';
import { statusForCode } from '../../../http/http-errors.js';
import { setPanelSession } from '../../../http/panel-session.js';
import { checkJsonValue } from '../../../http/request-guards.js';

/** A JSON body, or undefined when the request has none or it is not JSON (the parsers say what is wrong). */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return text;
  }
  // Depth, NULs and lone surrogates: a 400 naming the field, not a 500 from the database.
  checkJsonValue(value);
  return value;
}

/**
 * ALTEGIO's side of the gateway: the registration URL its Marketplace opens, the SMS-provider
 * operator URL, and the lifecycle callback URL. Shapes and decisions live in domain/altegio; the
 * work in altegio/altegio-service.ts.
 */
export function altegioRoutes(
  service: AltegioService,
  scheduler: AltegioScheduler,
  supportUrl: string,
): Hono {
  const app = new Hono();

  // Integrations → Notifications → our app → Connect: verify, find or create the business, and put
  // the owner on the WhatsApp linking step of the panel, in their language. Public, and each request
  // asks ALTEGIO for the install status: bounded per client address, every answer counted.
  const installLimit = rateLimiter({
    windowMs: 60_000,
    limit: 30,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => `altegio-install|${c.get('clientAddress') ?? 'unknown'}`,
    handler: (c) =>
      c.json(
        { error: { code: 'rate_limited', message: 'Too many requests; wait a minute and try again.' } },
        429,
      ),
  });
  app.get('/install', installLimit, async (c) => {
    const lang = pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language'));
    let outcome: InstallOutcome;
    try {
      outcome = await service.install(c.req.queries(), lang);
    } catch (err) {
      // The owner is in a browser: a page that says what to do, with the status the error calls for.
      if (!(err instanceof AppError)) throw err;
      c.header('cache-control', 'no-store');
      return c.html(renderInstallRefused({ lang, supportUrl }), statusForCode(err.code) as 400);
    }
    c.header('cache-control', 'no-store');
    // A salon we serve, without proof of its owner: the login route, no session.
    if (outcome.kind === 'login') return c.html(renderInstallLogin({ lang, supportUrl }), 200);
    setPanelSession(c, outcome.sessionToken);
    return c.redirect(`/panel?lang=${encodeURIComponent(lang)}&link=1`);
  });

  // The SMS-provider protocol: answered at once, in ALTEGIO's shapes (errors included). The body may
  // be JSON or a form (ALTEGIO documents its type as */*); a multipart form is read as a plain one.
  // The body is read only once the API key is known good: a stranger's upload is never read.
  app.post('/operator', async (c) => {
    const readBody = async (): Promise<{ contentType: string | undefined; raw: string }> => {
      const contentType = c.req.header('content-type');
      if (!(contentType ?? '').toLowerCase().startsWith('multipart/form-data'))
        return { contentType, raw: await c.req.text() };
      const form = new URLSearchParams();
      try {
        for (const [name, value] of await c.req.formData())
          if (typeof value === 'string') form.append(name, value);
      } catch {
        // Unreadable multipart: the empty body is refused below with its reason.
      }
      return { contentType: 'application/x-www-form-urlencoded', raw: form.toString() };
    };
    const answer = await service.deliver(c.req.header('authorization'), readBody);
    return c.json(answer.body, answer.status as 200);
  });

  // Lifecycle: uninstall, freeze, payment (partner_token checked in constant time).
  app.post('/callback', async (c) => {
    const result = await service.lifecycle(await readJson(c));
    return c.json({ success: true, ...result });
  });

  // Record webhooks (the URL we gave at activation carries the install's secret token), one envelope
  // or a list: answered fast; replays and out-of-order deliveries are acknowledged and change nothing.
  app.post('/records/:token', async (c) => {
    const install = await service.installForWebhookToken(c.req.param('token'));
    if (!install) throw new AppError('not_found', 'Unknown webhook URL.');
    const body = await readJson(c);
    if (body === undefined || typeof body === 'string')
      throw new AppError('invalid_input', 'body: must be a JSON envelope or a list of envelopes', {
        details: { field: 'body' },
      });
    return c.json(await scheduler.recordWebhook(install, body));
  });

  return app;
}
