import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { etag } from 'hono/etag';
import { rateLimiter } from 'hono-rate-limiter';
import type { StoredAltegioSettings } from '../altegio/altegio-scheduler.js';
import { NOTIFICATION_KINDS } from '../domain/altegio/reminder-plan.js';
import { ALTEGIO_VARIABLES, templateLanguage, type TemplateLanguage } from '../domain/altegio/templates.js';
import { AppError } from '../domain/errors.js';
import { hasLinkedDevice } from '../domain/channel-status.js';
import { MESSAGE_STATUSES, type MessageStatus } from '../domain/message-status.js';
import type { MessagePage } from '../messages/message-service.js';
import type { WaitingView } from '../messages/message-waiting-service.js';
import type { Channel } from '../store/channels-repository.js';
import type { Message } from '../store/messages-repository.js';
import { webAsset } from '../web/assets.js';
import { messagesHref, type MessageRowView } from '../web/assets/views.js';
import type { ChannelView, SupportRow } from '../web/channel-view.js';
import { matchLanguage, pickLanguage, t, type Lang } from '../web/i18n.js';
import {
  renderPanelNotifications,
  settingsFormOf,
  type NotificationFormError,
  type NotificationSettingsForm,
} from '../web/notifications-page.js';
import {
  renderHelpPage,
  renderLinkGone,
  renderLoginLinkGone,
  renderLoginNeeded,
  renderPanelChannels,
  renderPanelMessages,
  renderPanelSettings,
  renderQrPage,
  renderSupportConsole,
} from '../web/pages.js';
import {
  altegioFor,
  altegioPreview,
  altegioSettingsJson,
  altegioTemplate,
  putAltegioSettings,
  type AltegioFor,
} from './altegio-settings-routes.js';
import { toChannelView } from './channel-view-mapper.js';
import { helpUrl, panelLoginUrl, qrPageUrl, type GatewayContext } from './gateway-context.js';
import { jsonBody, validationError } from './http-errors.js';
import { PANEL_COOKIE, setPanelSession } from './panel-session.js';
import { sameOriginOnly } from './same-origin.js';
import { ALTEGIO_TEMPLATE_KINDS, altegioSchemas, schemas } from './schemas.js';
import { channelEventStream, StreamSlots } from './sse.js';
import { hashToken } from '../store/tokens.js';
import type { Language } from '../store/tenants-repository.js';
import { renderSupportSignIn } from '../web/support-sign-in.js';
import type { TestMessageOutcome } from '../web/test-message-card.js';
import { sendTestMessage } from '../messages/test-message.js';
import { normalisePhoneNumber } from '../domain/phone-numbers.js';
import { countryOfTimeZone } from '../domain/time-zone-country.js';
import {
  newBusinessForm,
  renderBusinessCreated,
  type NewBusinessError,
  type NewBusinessForm,
} from '../web/support-businesses.js';

const SUPPORT_COOKIE = 'zg_support';
/** The log's status filter: a message status, or `scheduled` (queued for a later time). */
const LOG_FILTERS = [...MESSAGE_STATUSES, 'scheduled'] as const;

type PanelEnv = { Variables: { tenantId: string } };
type SupportEnv = { Variables: { operatorId: string } };

/**
 * Per-client limits on the public, unauthenticated surfaces (QR page, login links, support sign-in).
 * The key is the client's address (the peer, or what a trusted proxy forwarded: see client-address.ts),
 * never a header the client writes. `counts` picks which answers count: refused attempts only, so a
 * guesser is stopped without anyone else (or the rightful owner on another address) being locked out.
 */
const publicLimit = (name: string, limit: number, counts: 'all' | 'refused' = 'all', windowMs = 60_000) =>
  rateLimiter({
    windowMs,
    limit,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => `${name}|${c.get('clientAddress') ?? 'unknown'}`,
    skipSuccessfulRequests: counts === 'refused',
    // A guess is an unknown, used, revoked or expired token (404/410) or a wrong key (401).
    requestWasSuccessful: (c) => ![401, 404, 410].includes(c.res.status),
    handler: (c) =>
      c.json(
        { error: { code: 'rate_limited', message: 'Too many requests; wait a minute and try again.' } },
        429,
      ),
  });

/** The business's panel, the standalone QR page, support's console, help pages and assets. */
export function browserRoutes(ctx: GatewayContext): Hono {
  const app = new Hono();
  // Live views per panel session, QR-page link and support session (keys hold no secret).
  const streams = new StreamSlots(ctx.maxEventStreams ?? 10);

  const views = async (tenantId: string, withLinks: boolean): Promise<ChannelView[]> => {
    const channels = await ctx.channels.list(tenantId);
    return Promise.all(channels.map((channel) => viewOf(channel, withLinks)));
  };
  const viewOf = async (channel: Channel, withLink: boolean): Promise<ChannelView> => {
    const url = withLink
      ? qrPageUrl(ctx, (await ctx.channels.qrPageToken(channel.tenantId, channel.id)).token)
      : undefined;
    return toChannelView(ctx.channels.snapshot(channel), url);
  };
  /** One page of a channel's log; empty filters are no filters, an unknown status is a 400 naming it. */
  const countryOf = async (tenantId: string) => countryOfTimeZone((await ctx.tenants.get(tenantId)).timeZone);
  const logPage = async (
    tenantId: string,
    channelId: string,
    q: {
      phone?: string | undefined;
      status?: string | undefined;
      cursor?: string | undefined;
      limit?: number | undefined;
    },
  ): Promise<MessagePage> => {
    if (q.status && !(LOG_FILTERS as readonly string[]).includes(q.status))
      throw new AppError('invalid_input', `status: one of ${LOG_FILTERS.join(', ')}.`, {
        details: { field: 'status' },
      });
    const scheduled = q.status === 'scheduled';
    const typed = q.phone?.trim() || undefined;
    // A number written as it is dialled at home ("(11) 98765-4321") is the business's country's.
    const phone = typed && normalisePhoneNumber(typed, 'phone', await countryOf(tenantId));
    return ctx.messages.list(tenantId, {
      channelId,
      phone,
      status: (scheduled ? undefined : q.status || undefined) as MessageStatus | undefined,
      scheduled,
      cursor: q.cursor || undefined,
      limit: q.limit,
    });
  };
  /** The log's rows, each queued one with why it waits and until when. */
  const logRows = async (tenantId: string, messages: Message[]): Promise<MessageRowView[]> => {
    const waiting = await ctx.waiting?.of(tenantId, messages);
    return messages.map((m) => toMessageRow(m, waiting?.get(m.id)));
  };
  const queueState = async (channel: Channel) => ({
    channel: await viewOf(channel, false),
    queueDepth: await ctx.queueDepth(channel.tenantId, channel.id),
  });
  /** The business's ALTEGIO integration while an install is live (the Notifications tab), else undefined. */
  const panelAltegio = async (tenantId: string): Promise<AltegioFor | undefined> => {
    if (!ctx.altegio) return undefined;
    const found = await altegioFor(ctx, tenantId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'not_found') return undefined;
      throw error;
    });
    return found?.installs.some((i) => i.state !== 'uninstalled') ? found : undefined;
  };
  /** A watch or unwatch body: `{viewer?, retry?}`, or none at all (older pages, keepalive beacons). */
  const watchBody = async (c: Context) => {
    const text = await c.req.text();
    return jsonBody({ req: { text: () => Promise.resolve(text.trim() ? text : '{}') } }, schemas.watch);
  };
  const hasNotifications = async (tenantId: string): Promise<boolean> =>
    Boolean(await panelAltegio(tenantId));
  // Any route's context: only the response helpers are used.
  const html = <E extends object>(
    c: Context<E & { Variables?: object }>,
    body: string,
    status: 200 | 400 | 401 | 404 | 410 = 200,
  ) => {
    c.header('cache-control', 'no-store');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'no-referrer');
    // Pages run no inline script; the QR is inline SVG markup.
    c.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    return c.html(body, status);
  };

  // Asset URLs carry no version: revalidate every time (ETag), and compress them.
  app.use('/assets/*', compress(), etag());
  app.get('/assets/:name', (c) => {
    const asset = webAsset(c.req.param('name'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.contentType, 'cache-control': 'no-cache' });
  });
  app.get('/help/how-to-scan', (c) =>
    html(
      c,
      renderHelpPage({ lang: pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language')) }),
    ),
  );
  app.get('/', (c) => c.redirect('/panel'));

  // ---- Panel: a login link, then a session cookie scoped to one business.
  app.get('/panel/login/:token', publicLimit('panel-login', 30, 'refused'), async (c) => {
    const token = c.req.param('token');
    const { sessionToken } = await ctx.tenants.redeemPanelLogin(token).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'link_gone') return { sessionToken: undefined };
      throw error;
    });
    if (!sessionToken) {
      const gone = await ctx.tenants.panelLoginFate(token);
      // Opened again in the browser that used it (its session is still on): straight to the panel.
      const current = await ctx.tenants.tenantForPanelSession(getCookie(c, PANEL_COOKIE));
      if (gone && current === gone.tenantId) return c.redirect('/panel', 303);
      const tenant = gone ? await ctx.tenants.get(gone.tenantId).catch(() => undefined) : undefined;
      return html(
        c,
        renderLoginLinkGone({
          lang: pickLanguage(c.req.query('lang'), tenant?.language, c.req.header('accept-language')),
          fate: gone?.fate ?? 'unknown',
          supportUrl: ctx.supportUrl,
        }),
        410,
      );
    }
    setPanelSession(c, sessionToken);
    return c.redirect('/panel');
  });
  const panel = new Hono<PanelEnv>();
  // Before the session check: a cross-site post learns nothing, not even whether a session exists.
  const sameOrigin = sameOriginOnly({
    publicUrl: () => ctx.baseUrl(),
    jsonPrefixes: ['/panel/api/', '/support/api/'],
  });
  panel.use('*', sameOrigin);
  panel.use('*', async (c, next) => {
    // hono types a '*' middleware's input as any; the cookie helper needs only the request headers.
    const tenantId = await ctx.tenants.tenantForPanelSession(getCookie(c as Context, PANEL_COOKIE));
    if (!tenantId) {
      if (c.req.path.startsWith('/panel/api/'))
        throw new AppError('unauthorized', 'Your panel session has ended; open your login link again.');
      return html(
        c as Context,
        renderLoginNeeded({
          lang: pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language')),
        }),
        401,
      );
    }
    c.set('tenantId', tenantId);
    await next();
  });
  const panelPage = (render: typeof renderPanelSettings) => async (c: Context<PanelEnv>) => {
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    const lang = pickLanguage(c.req.query('lang'), tenant.language, c.req.header('accept-language'));
    return html(
      c,
      render({
        lang,
        businessName: tenant.name,
        channels: await views(tenant.id, true),
        supportUrl: ctx.supportUrl,
        helpUrl: helpUrl(lang),
        notifications: await hasNotifications(tenant.id),
      }),
    );
  };
  panel.get('/', panelPage(renderPanelSettings));
  panel.get('/channels', panelPage(renderPanelChannels));
  panel.get('/messages', async (c) => {
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    const lang = pickLanguage(c.req.query('lang'), tenant.language, c.req.header('accept-language'));
    const channels = await views(tenant.id, false);
    const channel = channels.find((ch) => ch.id === c.req.query('channel')) ?? channels[0] ?? null;
    const rawStatus = c.req.query('status') ?? '';
    const query = {
      phone: (c.req.query('phone') ?? '').trim().slice(0, 40),
      // An unknown status in a hand-edited URL shows everything rather than an error page.
      status: (LOG_FILTERS as readonly string[]).includes(rawStatus) ? rawStatus : '',
      cursor: c.req.query('cursor') ?? '',
    };
    let page: MessagePage = { messages: [], nextCursor: null };
    let phoneInvalid = false;
    if (channel) {
      try {
        page = await logPage(tenant.id, channel.id, query);
      } catch (error) {
        if (error instanceof AppError && error.code === 'invalid_phone') phoneInvalid = true;
        else if (error instanceof AppError && error.details?.field === 'cursor') {
          query.cursor = '';
          page = await logPage(tenant.id, channel.id, query);
        } else throw error;
      }
    }
    return html(
      c,
      renderPanelMessages({
        lang,
        businessName: tenant.name,
        channels,
        supportUrl: ctx.supportUrl,
        helpUrl: helpUrl(lang),
        notifications: await hasNotifications(tenant.id),
        channel,
        queueDepth: channel ? await ctx.queueDepth(tenant.id, channel.id) : 0,
        messages: await logRows(tenant.id, page.messages),
        nextCursor: page.nextCursor,
        query,
        phoneInvalid,
        testMessage: {
          outcome: (['sent', 'invalid_phone', 'failed'] as const).find((o) => o === c.req.query('test')),
          phone: (c.req.query('testPhone') ?? '').slice(0, 40),
        },
      }),
      phoneInvalid ? 400 : 200,
    );
  });
  // Pause / Resume without JavaScript: a form POST, then back to the log (post/redirect/get).
  // The session cookie is SameSite=Lax and sameOriginOnly refuses posts from other origins.
  const queueForm = (action: 'pause' | 'resume') => async (c: Context<PanelEnv>) => {
    const form = await c.req.parseBody();
    const id = c.req.param('id') ?? '';
    await ctx.channels[action](c.get('tenantId'), id);
    const lang = matchLanguage(typeof form.lang === 'string' ? form.lang : undefined);
    return c.redirect(messagesHref({ channel: id, lang }), 303);
  };
  // "Send a test message": JSON for the page's script, a form POST (post/redirect/get) without it.
  const testMessage = (c: Context<PanelEnv>, phone: string, lang: Lang) =>
    sendTestMessage(ctx, c.get('tenantId'), {
      channelId: c.req.param('id') ?? '',
      phone,
      text: (business) => t(lang, 'messages.test.text', { business }),
    });
  panel.post('/api/channels/:id/test-message', async (c) => {
    const body = await jsonBody(c, schemas.testMessage);
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    const lang = pickLanguage(c.req.query('lang'), tenant.language, c.req.header('accept-language'));
    const message = await testMessage(c, body.phone, lang);
    return c.json({ message: toMessageRow(message, undefined) }, 202);
  });
  panel.post('/channels/:id/test-message', async (c) => {
    const form = await c.req.parseBody();
    const id = c.req.param('id') ?? '';
    const lang = matchLanguage(typeof form.lang === 'string' ? form.lang : undefined);
    const phone = typeof form.phone === 'string' ? form.phone.trim().slice(0, 40) : '';
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    let outcome: TestMessageOutcome = 'sent';
    try {
      await testMessage(c, phone, lang ?? pickLanguage(undefined, tenant.language));
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'not_found') throw error;
      outcome = error.code === 'invalid_phone' || error.code === 'invalid_input' ? 'invalid_phone' : 'failed';
    }
    const back = new URLSearchParams({ test: outcome });
    if (outcome !== 'sent') back.set('testPhone', phone);
    return c.redirect(`${messagesHref({ channel: id, lang })}&${back.toString()}#test-message`, 303);
  });
  panel.post('/channels/:id/pause', queueForm('pause'));
  panel.post('/channels/:id/resume', queueForm('resume'));
  panel.get('/api/channels/:id/messages', async (c) => {
    const tenantId = c.get('tenantId');
    const channel = await ctx.channels.get(tenantId, c.req.param('id'));
    const limit = c.req.query('limit');
    const page = await logPage(tenantId, channel.id, {
      phone: c.req.query('phone'),
      status: c.req.query('status'),
      cursor: c.req.query('cursor'),
      limit: limit ? Number(limit) : undefined,
    });
    return c.json({
      ...(await queueState(channel)),
      messages: await logRows(tenantId, page.messages),
      nextCursor: page.nextCursor,
    });
  });
  panel.get('/api/channels/:id/queue', async (c) =>
    c.json(await queueState(await ctx.channels.get(c.get('tenantId'), c.req.param('id')))),
  );
  panel.post('/api/channels/:id/pause', async (c) =>
    c.json(await queueState(await ctx.channels.pause(c.get('tenantId'), c.req.param('id')))),
  );
  panel.post('/api/channels/:id/resume', async (c) =>
    c.json(await queueState(await ctx.channels.resume(c.get('tenantId'), c.req.param('id')))),
  );
  // ---- Notifications (ALTEGIO businesses): settings and texts; plain forms, post/redirect/get.
  const notificationsPage = async (
    c: Context<PanelEnv>,
    found: AltegioFor,
    lang: Lang,
    tl: TemplateLanguage,
    refused: {
      settings?: { form: NotificationSettingsForm; error: NotificationFormError };
      template?: { kind: string; body: string; error: NotificationFormError };
      testSend?: { kind: string; body: string; outcome: TestMessageOutcome; phone: string };
    } = {},
  ) => {
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    const settings = altegioSettingsJson(await found.scheduler.settings(tenant.id));
    const templates = [];
    for (const kind of ALTEGIO_TEMPLATE_KINDS) {
      const saved = await altegioTemplate(found.scheduler, tenant.id, kind, tl);
      const kept = refused.template ?? refused.testSend;
      const body = kept?.kind === kind ? kept.body : saved.body;
      templates.push({ ...saved, body, preview: await altegioPreview(ctx, tenant.id, body, tl) });
    }
    const savedWhat = c.req.query('saved');
    const kind = c.req.query('kind');
    return html(
      c,
      renderPanelNotifications({
        lang,
        businessName: tenant.name,
        channels: [],
        supportUrl: ctx.supportUrl,
        helpUrl: helpUrl(lang),
        notifications: true,
        testPhone: settings.testPhone,
        settingsForm: refused.settings?.form ?? settingsFormOf(settings),
        settingsError: refused.settings?.error,
        templateLanguage: tl,
        templates,
        templateError: refused.template
          ? { ...refused.template.error, kind: refused.template.kind }
          : undefined,
        variables: ALTEGIO_VARIABLES,
        testSend: refused.testSend,
        saved:
          savedWhat === 'settings' || savedWhat === 'template' || savedWhat === 'default'
            ? { what: savedWhat, ...(kind ? { kind } : {}) }
            : undefined,
      }),
      refused.settings || refused.template ? 400 : 200,
    );
  };
  const notificationsHref = (lang: string, tl: string, extra = '') =>
    `/panel/notifications?lang=${encodeURIComponent(lang)}&tl=${encodeURIComponent(tl)}${extra}`;
  const formText = (value: unknown): string =>
    typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
  const formList = (value: unknown): string[] =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
      (v): v is string => typeof v === 'string',
    );
  const formError = (error: unknown): NotificationFormError | undefined => {
    if (!(error instanceof AppError) || (error.code !== 'invalid_input' && error.code !== 'invalid_phone'))
      return undefined;
    const unknown = error.details?.unknown;
    return {
      field: typeof error.details?.field === 'string' ? error.details.field : 'body',
      message: error.publicMessage,
      ...(Array.isArray(unknown) ? { unknown: unknown.map(String) } : {}),
    };
  };
  const pageLanguages = async (c: Context<PanelEnv>, form?: Record<string, unknown>) => {
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    const lang = pickLanguage(
      formText(form?.lang) || c.req.query('lang'),
      tenant.language,
      c.req.header('accept-language'),
    );
    const tlRaw = formText(form?.tl) || c.req.query('tl');
    const tl = altegioSchemas.templateLanguage.safeParse(tlRaw).success
      ? (tlRaw as TemplateLanguage)
      : templateLanguage(tenant.language);
    return { lang, tl };
  };
  panel.get('/notifications', async (c) => {
    const found = await panelAltegio(c.get('tenantId'));
    const { lang, tl } = await pageLanguages(c);
    if (!found) return c.redirect(`/panel?lang=${lang}`, 303);
    return notificationsPage(c, found, lang, tl);
  });
  panel.post('/notifications/settings', async (c) => {
    const tenantId = c.get('tenantId');
    const form = await c.req.parseBody({ all: true });
    const { lang, tl } = await pageLanguages(c, form);
    const found = await panelAltegio(tenantId);
    if (!found) return c.redirect(`/panel?lang=${lang}`, 303);
    const submitted: NotificationSettingsForm = {
      offsets: formList(form.offset)
        .map(Number)
        .filter((h) => Number.isFinite(h)),
      enabled: formList(form.enabled),
      confirm: formText(form.confirm),
      cancel: formText(form.cancel),
      cancelAction: formText(form.cancelAction) === 'none' ? 'none' : 'no_show',
      testPhone: formText(form.testPhone).trim(),
      reviewDelay: formText(form.reviewDelayMinutes).trim(),
    };
    const words = (text: string) =>
      text
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean);
    // The form holds only some settings; the others keep their values.
    const current = (await found.scheduler.settings(tenantId)).schedule;
    const input: StoredAltegioSettings = {
      schedule: {
        reminderOffsetsHours: submitted.offsets,
        enabled: Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, submitted.enabled.includes(k)])),
        // An empty field keeps the current value; anything else must be a whole number of minutes.
        reviewDelayMinutes:
          submitted.reviewDelay === '' ? current.reviewDelayMinutes : Number(submitted.reviewDelay),
        reviewOnlyWhenArrived: current.reviewOnlyWhenArrived,
        reviewExpiryHours: current.reviewExpiryHours,
        eventDelaySeconds: current.eventDelaySeconds,
      },
      replies: {
        confirm: words(submitted.confirm),
        cancel: words(submitted.cancel),
        cancelAction: submitted.cancelAction as 'no_show' | 'none',
      },
      testPhone: submitted.testPhone || null,
    };
    try {
      const parsed = altegioSchemas.putSettings.safeParse(input);
      if (!parsed.success) throw validationError(parsed.error);
      await putAltegioSettings(found.scheduler, tenantId, parsed.data);
    } catch (error) {
      const refused = formError(error);
      if (!refused) throw error;
      return notificationsPage(c, found, lang, tl, { settings: { form: submitted, error: refused } });
    }
    return c.redirect(`${notificationsHref(lang, tl, '&saved=settings')}#settings`, 303);
  });
  panel.post('/notifications/templates/:kind/:language', async (c) => {
    const tenantId = c.get('tenantId');
    const form = await c.req.parseBody();
    const { lang } = await pageLanguages(c, form);
    const found = await panelAltegio(tenantId);
    if (!found) return c.redirect(`/panel?lang=${lang}`, 303);
    const kind = altegioSchemas.templateKind.safeParse(c.req.param('kind'));
    if (!kind.success) throw validationError(kind.error, 'kind');
    const language = altegioSchemas.templateLanguage.safeParse(c.req.param('language'));
    if (!language.success) throw validationError(language.error, 'language');
    const tl = language.data;
    const toDefault = formText(form.action) === 'default';
    // Browsers send a textarea's line breaks as CRLF.
    const body = formText(form.body).replace(/\r\n?/g, '\n');
    if (formText(form.action) === 'test') {
      // "Send a test to my phone": the text as typed, for the sample booking, not saved; the page
      // comes back with the text kept (no redirect: the typed text lives only in this answer).
      const phone = formText(form.testTo).trim().slice(0, 40);
      const preview = await altegioPreview(ctx, tenantId, body, tl);
      const [channel] = await ctx.channels.list(tenantId);
      let outcome: TestMessageOutcome = 'sent';
      try {
        if (!channel) throw new AppError('invalid_input', 'This business has no WhatsApp number linked.');
        await sendTestMessage(ctx, tenantId, { channelId: channel.id, phone, text: () => preview.text });
      } catch (error) {
        if (!(error instanceof AppError) || error.code === 'not_found') throw error;
        outcome =
          error.code === 'invalid_phone' || (error.code === 'invalid_input' && channel)
            ? 'invalid_phone'
            : 'failed';
      }
      return notificationsPage(c, found, lang, tl, { testSend: { kind: kind.data, body, outcome, phone } });
    }
    try {
      await found.scheduler.putTemplate(tenantId, kind.data, tl, toDefault ? null : body);
    } catch (error) {
      const refused = formError(error);
      if (!refused) throw error;
      return notificationsPage(c, found, lang, tl, { template: { kind: kind.data, body, error: refused } });
    }
    const saved = toDefault ? 'default' : 'template';
    return c.redirect(
      `${notificationsHref(lang, tl, `&saved=${saved}&kind=${kind.data}`)}#tpl-card-${kind.data}`,
      303,
    );
  });
  panel.post('/api/notifications/preview', async (c) => {
    const tenantId = c.get('tenantId');
    const body = await jsonBody(c, altegioSchemas.preview);
    if (!(await panelAltegio(tenantId)))
      throw new AppError('not_found', 'This business has no ALTEGIO install.');
    return c.json(await altegioPreview(ctx, tenantId, body.body, body.language));
  });
  // Sign-out ends the session on the server: a copied cookie stops working too.
  panel.post('/logout', async (c) => {
    await ctx.tenants.endPanelSession(getCookie(c, PANEL_COOKIE));
    deleteCookie(c, PANEL_COOKIE, { path: '/', secure: c.get('secureCookies') });
    return c.redirect('/panel', 303);
  });
  panel.get('/api/channels', async (c) => c.json(await views(c.get('tenantId'), true)));
  // Each open QR window is one viewer (its key is the page's, kept across a reload).
  panel.post('/api/channels/:id/watch', async (c) => {
    const body = await watchBody(c as Context);
    const viewer = `panel:${body.viewer ?? 'page'}`;
    return c.json(
      await viewOf(
        await ctx.channels.watch(c.get('tenantId'), c.req.param('id'), viewer, { retry: body.retry }),
        true,
      ),
    );
  });
  panel.post('/api/channels/:id/unwatch', async (c) => {
    const body = await watchBody(c as Context);
    await ctx.channels.unwatch(c.get('tenantId'), c.req.param('id'), `panel:${body.viewer ?? 'page'}`);
    return c.json(await viewOf(await ctx.channels.get(c.get('tenantId'), c.req.param('id')), true));
  });
  panel.post('/api/channels/:id/reset', async (c) => {
    const { channel } = await ctx.channels.reset(c.get('tenantId'), c.req.param('id'));
    return c.json(await viewOf(channel, true));
  });
  panel.post('/api/channels/:id/pairing-phone', async (c) => {
    const body = await jsonBody(c, schemas.pairingPhone);
    return c.json(
      await viewOf(
        await ctx.channels.setPairingPhone(c.get('tenantId'), c.req.param('id'), body.phone),
        true,
      ),
    );
  });
  panel.get('/api/events', (c) => {
    const tenantId = c.get('tenantId');
    const release = streams.take(`panel:${hashToken(getCookie(c, PANEL_COOKIE) ?? '')}`);
    return channelEventStream(
      c,
      ctx.changes,
      (change) => change.tenantId === tenantId,
      async (change) => viewOf(await ctx.channels.get(tenantId, change.channelId), true),
      release,
    );
  });
  app.route('/panel', panel);

  // ---- The standalone QR page: the secret token is the only credential; it shows one channel's linking.
  const qrPage = new Hono();
  // Token guesses per client (a bad token anywhere under /link counts), then all traffic per client.
  qrPage.use('*', publicLimit('link-guesses', 30, 'refused', 10 * 60_000));
  qrPage.use('*', publicLimit('link', 600));
  const channelForToken = (c: Context) => ctx.channels.resolveQrPage(c.req.param('token') ?? '');
  qrPage.get('/:token', async (c) => {
    const lang = pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language'));
    let channel: Channel;
    try {
      channel = await channelForToken(c);
    } catch (error) {
      if (error instanceof AppError && (error.code === 'link_gone' || error.code === 'not_found'))
        return html(c, renderLinkGone({ lang, supportUrl: ctx.supportUrl }), 404);
      throw error;
    }
    const tenant = await ctx.tenants.get(channel.tenantId);
    const pageLang = pickLanguage(c.req.query('lang'), tenant.language, c.req.header('accept-language'));
    return html(
      c,
      renderQrPage({
        lang: pageLang,
        token: c.req.param('token'),
        channel: await viewOf(channel, false),
        supportUrl: ctx.supportUrl,
        helpUrl: helpUrl(pageLang),
      }),
    );
  });
  qrPage.get('/:token/api/channel', async (c) => c.json(await viewOf(await channelForToken(c), false)));
  qrPage.post('/:token/api/watch', async (c) => {
    const channel = await channelForToken(c);
    const body = await watchBody(c);
    const viewer = `page:${body.viewer ?? 'page'}`;
    return c.json(
      await viewOf(
        await ctx.channels.watch(channel.tenantId, channel.id, viewer, { retry: body.retry }),
        false,
      ),
    );
  });
  qrPage.post('/:token/api/unwatch', async (c) => {
    const channel = await channelForToken(c);
    const body = await watchBody(c);
    await ctx.channels.unwatch(channel.tenantId, channel.id, `page:${body.viewer ?? 'page'}`);
    return c.json({ ok: true });
  });
  // Refused while a device is linked: whoever holds the link must not unlink a working number.
  qrPage.post('/:token/api/reset', async (c) => {
    const { qrPageToken } = await ctx.channels.resetFromQrPage(c.req.param('token'));
    return c.json({ qrPageUrl: `/link/${qrPageToken}` });
  });
  // The owner may pick QR or code linking here (a phone cannot scan its own screen); support's
  // console can still set either. Refused once linked: the mode matters only while linking.
  // Each switch restarts the link attempt with WhatsApp: a few per client, not a loop.
  qrPage.post('/:token/api/link-mode', publicLimit('link-mode', 20, 'all', 10 * 60_000), async (c) => {
    const channel = await channelForToken(c);
    const body = await jsonBody(c, schemas.linkMode);
    if (hasLinkedDevice(channel.status))
      throw new AppError('already_linked', 'This channel is already linked.');
    return c.json(
      await viewOf(await ctx.channels.setLinkMode(channel.tenantId, channel.id, body.mode), false),
    );
  });
  // Each number set here has WhatsApp prompt that phone for a code: a few per client, not a spam cannon.
  qrPage.post(
    '/:token/api/pairing-phone',
    publicLimit('link-pairing-phone', 10, 'all', 10 * 60_000),
    async (c) => {
      const channel = await channelForToken(c);
      const body = await jsonBody(c, schemas.pairingPhone);
      return c.json(
        await viewOf(await ctx.channels.setPairingPhone(channel.tenantId, channel.id, body.phone), false),
      );
    },
  );
  qrPage.get('/:token/api/events', async (c) => {
    const channel = await channelForToken(c);
    const token = c.req.param('token');
    const release = streams.take(`link:${channel.id}`);
    return channelEventStream(
      c,
      ctx.changes,
      (change) => change.channelId === channel.id,
      // Re-resolve each time: after Reset the old token must stop showing anything, and the page
      // is told at once (a dead QR must not keep ticking until its next poll).
      async () => {
        try {
          return await viewOf(await ctx.channels.resolveQrPage(token), false);
        } catch (error) {
          if (error instanceof AppError && (error.code === 'link_gone' || error.code === 'not_found'))
            return { gone: true };
          throw error;
        }
      },
      release,
    );
  });
  app.route('/link', qrPage);

  // ---- Support's console: an operator's API key, exchanged for a server-side session (the cookie
  // holds a random session token, never the key; sign-out or revoking the key ends it).
  const signInLang = (c: Context, formLang?: unknown) =>
    pickLanguage(
      typeof formLang === 'string' ? formLang : c.req.query('lang'),
      undefined,
      c.req.header('accept-language'),
    );
  app.get('/support/login', (c) => html(c, renderSupportSignIn({ lang: signInLang(c) })));
  app.post('/support/login', sameOrigin, publicLimit('support-login', 20, 'refused'), async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const sessionToken = await ctx.tenants.openSupportSession(key);
    if (!sessionToken)
      return html(c, renderSupportSignIn({ lang: signInLang(c, form.lang), error: 'wrong_key' }), 401);
    setCookie(c, SUPPORT_COOKIE, sessionToken, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/support',
      secure: c.get('secureCookies'),
      maxAge: 12 * 3600,
    });
    return c.redirect('/support');
  });
  app.post('/support/logout', sameOrigin, async (c) => {
    await ctx.tenants.endSupportSession(getCookie(c, SUPPORT_COOKIE));
    deleteCookie(c, SUPPORT_COOKIE, { path: '/support', secure: c.get('secureCookies') });
    return c.redirect('/support/login', 303);
  });
  const support = new Hono<SupportEnv>();
  support.use('*', sameOrigin);
  support.use('*', async (c, next) => {
    const session = await ctx.tenants.operatorForSupportSession(getCookie(c as Context, SUPPORT_COOKIE));
    if (!session) {
      if (c.req.path.startsWith('/support/api/'))
        throw new AppError('unauthorized', 'Sign in to the support console again.');
      return c.redirect('/support/login');
    }
    c.set('operatorId', session.operatorId);
    await next();
  });
  const supportRows = async (): Promise<SupportRow[]> => {
    const rows: SupportRow[] = [];
    for (const tenant of await ctx.tenants.listForSupport()) {
      const installs = ctx.altegio ? await ctx.altegio.view(tenant.id) : [];
      const altegio = installs.map((i) => ({
        salonId: i.salonId,
        state: i.state,
        activation: i.activation.state,
        error: i.activation.error,
      }));
      for (const channel of await ctx.channels.list(tenant.id)) {
        const [last] = await ctx.channels.events(tenant.id, channel.id);
        rows.push({
          tenant: { id: tenant.id, name: tenant.name, language: tenant.language },
          ...(altegio.length ? { altegio } : {}),
          channel: await viewOf(channel, true),
          lastEvent: last ? { status: last.status, cause: last.cause, at: last.at.toISOString() } : null,
        });
      }
    }
    return rows;
  };
  const supportConsole = async (
    c: Context<SupportEnv>,
    lang: Lang,
    refused?: { form: NewBusinessForm; error: NewBusinessError },
  ) =>
    html(
      c,
      renderSupportConsole({
        lang,
        rows: await supportRows(),
        warnings: ctx.altegio
          ?.configurationProblems()
          .map((problem) => ({ user_token_missing: 'support.altegioNoUserToken' as const })[problem]),
        newBusiness: newBusinessForm(lang, refused),
      }),
      refused ? 400 : 200,
    );
  support.get('/', async (c) =>
    supportConsole(c, pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language'))),
  );
  // Forms that already created their business (one-time id → when), for an hour: reloading the
  // answer page posts the form again, which must not create a second business.
  const createdForms = new Map<string, number>();
  // "Create business": a plain form; the answer is a page showing the new API key this once.
  support.post('/businesses', async (c) => {
    const form = await c.req.parseBody();
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const lang =
      matchLanguage(text(form.lang)) ?? pickLanguage(undefined, undefined, c.req.header('accept-language'));
    const submitted: NewBusinessForm = {
      name: text(form.name).trim(),
      timeZone: text(form.timeZone).trim(),
      language: text(form.language),
      once: text(form.once).slice(0, 64),
    };
    if (submitted.once && createdForms.has(submitted.once))
      return c.redirect(`/support?lang=${encodeURIComponent(lang)}`, 303);
    const refuse = (field: NewBusinessError['field']) =>
      supportConsole(c, lang, {
        form: submitted,
        error: {
          field,
          message: t(
            lang,
            field === 'timeZone' ? 'support.newBusiness.badTimeZone' : 'support.newBusiness.badName',
          ),
        },
      });
    const parsed = schemas.createTenant.safeParse({
      name: submitted.name,
      timeZone: submitted.timeZone,
      language: submitted.language,
    });
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path[0];
      return refuse(field === 'timeZone' ? 'timeZone' : 'name');
    }
    let created;
    try {
      created = await ctx.tenants.create({ ...parsed.data, language: parsed.data.language as Language });
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_input') return refuse('timeZone');
      throw error;
    }
    if (submitted.once) {
      const now = Date.now();
      for (const [once, at] of createdForms) if (now - at > 3_600_000) createdForms.delete(once);
      createdForms.set(submitted.once, now);
    }
    const login = await ctx.tenants.issuePanelLogin(created.tenant.id);
    const link = await ctx.channels.qrPageToken(created.tenant.id, created.channelId);
    return html(
      c,
      renderBusinessCreated({
        lang,
        name: created.tenant.name,
        apiKey: created.apiKey,
        panelLoginUrl: panelLoginUrl(ctx, login.token),
        qrPageUrl: qrPageUrl(ctx, link.token),
      }),
    );
  });
  support.get('/api/rows', async (c) => c.json(await supportRows()));
  support.post('/api/tenants/:tenantId/channels/:id/mode', async (c) => {
    const body = await jsonBody(c, schemas.linkMode);
    return c.json(
      await viewOf(
        await ctx.channels.setLinkMode(c.req.param('tenantId'), c.req.param('id'), body.mode),
        true,
      ),
    );
  });
  support.post('/api/tenants/:tenantId/channels/:id/reset', async (c) => {
    const { channel } = await ctx.channels.reset(c.req.param('tenantId'), c.req.param('id'));
    return c.json(await viewOf(channel, true));
  });
  support.get('/api/events', (c) =>
    channelEventStream(
      c,
      ctx.changes,
      () => true,
      async (change) => ({
        tenantId: change.tenantId,
        channel: await viewOf(await ctx.channels.get(change.tenantId, change.channelId), true),
      }),
      streams.take(`support:${hashToken(getCookie(c, SUPPORT_COOKIE) ?? '')}`),
    ),
  );
  app.route('/support', support);
  return app;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** A message as the panel's log shows it: no metadata, ids or idempotency keys it does not need. */
function toMessageRow(m: Message, waiting: WaitingView | undefined): MessageRowView {
  return {
    waiting: waiting
      ? {
          reason: waiting.reason,
          until: iso(waiting.until),
          timeZone: waiting.timeZone,
          timeOnly: waiting.timeOnly,
        }
      : null,
    id: m.id,
    to: `+${m.toPhone}`,
    text: m.body,
    status: m.status,
    failureReason: m.failureReason,
    failureDetail: m.failureDetail,
    errorCode: m.errorCode,
    createdAt: m.createdAt.toISOString(),
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
    readAt: iso(m.readAt),
    failedAt: iso(m.failedAt),
  };
}
