import { performance } from 'node:perf_hooks';
import { Hono, type Context } from 'hono';
import { AppError } from '../domain/errors.js';
import type { Channel, ChannelEvent } from '../store/channels-repository.js';
import type { Language } from '../store/tenants-repository.js';
import { hashToken } from '../store/tokens.js';
import type { SupportRow } from '../web/channel-view.js';
import { matchLanguage, pickLanguage, t, type Lang } from '../web/i18n.js';
import { renderSupportConsole } from '../web/pages.js';
import {
  newBusinessForm,
  renderBusinessCreated,
  type NewBusinessError,
  type NewBusinessForm,
} from '../web/support-businesses.js';
import { renderSupportSignIn } from '../web/support-sign-in.js';
import {
  endSupportSession,
  setSupportSession,
  supportSessionAuth,
  supportSessionToken,
  type SupportEnv,
} from './auth.js';
import { channelViewOf, html, publicLimit, type BrowserContext } from './browser-pages.js';
import { panelLoginUrl, qrPageUrl } from './gateway-context.js';
import { jsonBody } from './http-errors.js';
import { schemas } from './schemas.js';
import { channelEventStream } from './sse.js';

/**
 * `/support`: support's console. An operator's API key is exchanged for a server-side session (the
 * cookie holds a random session token, never the key; sign-out or revoking the key ends it).
 */
export function supportRoutes({ ctx, streams, sameOrigin }: BrowserContext): Hono {
  const app = new Hono();
  const signInLang = (c: Context, formLang?: unknown) =>
    pickLanguage(
      typeof formLang === 'string' ? formLang : c.req.query('lang'),
      undefined,
      c.req.header('accept-language'),
    );
  app.get('/login', (c) => html(c, renderSupportSignIn({ lang: signInLang(c) })));
  app.post('/login', sameOrigin, publicLimit('support-login', 20, 'refused'), async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const sessionToken = await ctx.tenants.openSupportSession(key);
    if (!sessionToken)
      return html(c, renderSupportSignIn({ lang: signInLang(c, form.lang), error: 'wrong_key' }), 401);
    setSupportSession(c, sessionToken);
    return c.redirect('/support');
  });
  app.post('/logout', sameOrigin, async (c) => {
    await endSupportSession(c, ctx.tenants);
    return c.redirect('/support/login', 303);
  });

  const support = new Hono<SupportEnv>();
  support.use('*', sameOrigin);
  support.use(
    '*',
    supportSessionAuth(ctx.tenants, (c) => {
      if (c.req.path.startsWith('/support/api/'))
        throw new AppError('unauthorized', 'Sign in to the support console again.');
      return c.redirect('/support/login');
    }),
  );
  const supportRows = async (): Promise<SupportRow[]> => {
    const rows: SupportRow[] = [];
    // Every business's channels and their latest events in one query, grouped here by business.
    const channelsByTenant = new Map<string, { channel: Channel; lastEvent: ChannelEvent | null }[]>();
    for (const entry of await ctx.channels.listAllWithLastEvent()) {
      const list = channelsByTenant.get(entry.channel.tenantId) ?? [];
      list.push(entry);
      channelsByTenant.set(entry.channel.tenantId, list);
    }
    for (const tenant of await ctx.tenants.listForSupport()) {
      const channels = channelsByTenant.get(tenant.id);
      if (!channels) continue;
      // What each integration the business uses shows support (its installs…), by its name.
      const integrations = (await ctx.integrations?.supportFacts(tenant.id)) ?? {};
      for (const { channel, lastEvent: last } of channels) {
        rows.push({
          tenant: { id: tenant.id, name: tenant.name, language: tenant.language },
          ...integrations,
          channel: await channelViewOf(ctx, channel, true),
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
        warnings: ctx.integrations?.configurationWarnings(),
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
      // How long a form is remembered is real elapsed time (not the schedulers' Clock).
      const now = performance.now();
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
    const channel = await ctx.channels.setLinkMode(c.req.param('tenantId'), c.req.param('id'), body.mode);
    return c.json(await channelViewOf(ctx, channel, true));
  });
  support.post('/api/tenants/:tenantId/channels/:id/reset', async (c) => {
    const { channel } = await ctx.channels.reset(c.req.param('tenantId'), c.req.param('id'));
    return c.json(await channelViewOf(ctx, channel, true));
  });
  support.get('/api/events', (c) =>
    channelEventStream(
      c,
      ctx.changes,
      () => true,
      async (change) => ({
        tenantId: change.tenantId,
        channel: await channelViewOf(ctx, await ctx.channels.get(change.tenantId, change.channelId), true),
      }),
      streams.take(`support:${hashToken(supportSessionToken(c) ?? '')}`),
    ),
  );
  app.route('/', support);
  return app;
}
