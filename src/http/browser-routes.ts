import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { etag } from 'hono/etag';
import { rateLimiter } from 'hono-rate-limiter';
import { AppError } from '../domain/errors.js';
import type { Channel } from '../store/channels-repository.js';
import { webAsset } from '../web/assets.js';
import type { ChannelView, SupportRow } from '../web/channel-view.js';
import { pickLanguage } from '../web/i18n.js';
import {
  renderHelpPage,
  renderLinkGone,
  renderLoginNeeded,
  renderPanelChannels,
  renderPanelSettings,
  renderQrPage,
  renderSupportConsole,
} from '../web/pages.js';
import { toChannelView } from './channel-view-mapper.js';
import { helpUrl, qrPageUrl, type GatewayContext } from './gateway-context.js';
import { jsonBody } from './http-errors.js';
import { schemas } from './schemas.js';
import { channelEventStream } from './sse.js';

const PANEL_COOKIE = 'zg_panel';
const SUPPORT_COOKIE = 'zg_support';

type PanelEnv = { Variables: { tenantId: string } };
type SupportEnv = { Variables: { operatorId: string } };

const secureCookie = (c: Context): boolean => new URL(c.req.url).protocol === 'https:';

/** Per-client limits on the public, unauthenticated surfaces (QR page, login links). */
const publicLimit = (limit: number) =>
  rateLimiter({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-6',
    keyGenerator: (c) =>
      `${c.req.header('x-forwarded-for') ?? 'direct'}|${c.req.path.split('/').slice(0, 3).join('/')}`,
    handler: (c) =>
      c.json(
        { error: { code: 'rate_limited', message: 'Too many requests; wait a minute and try again.' } },
        429,
      ),
  });

/** The business's panel, the standalone QR page, support's console, help pages and assets. */
export function browserRoutes(ctx: GatewayContext): Hono {
  const app = new Hono();

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
  // Any route's context: only the response helpers are used.
  const html = <E extends object>(
    c: Context<E & { Variables?: object }>,
    body: string,
    status: 200 | 401 | 404 | 410 = 200,
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
  app.get('/panel/login/:token', publicLimit(30), async (c) => {
    const { sessionToken } = await ctx.tenants
      .redeemPanelLogin(c.req.param('token'))
      .catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'link_gone') return { sessionToken: undefined };
        throw error;
      });
    if (!sessionToken)
      return html(
        c,
        renderLinkGone({
          lang: pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language')),
        }),
        410,
      );
    setCookie(c, PANEL_COOKIE, sessionToken, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: secureCookie(c),
      maxAge: 30 * 24 * 3600,
    });
    return c.redirect('/panel');
  });
  const panel = new Hono<PanelEnv>();
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
      }),
    );
  };
  panel.get('/', panelPage(renderPanelSettings));
  panel.get('/channels', panelPage(renderPanelChannels));
  panel.post('/logout', async (c) => {
    deleteCookie(c, PANEL_COOKIE, { path: '/' });
    return c.redirect('/panel');
  });
  panel.get('/api/channels', async (c) => c.json(await views(c.get('tenantId'), true)));
  panel.post('/api/channels/:id/watch', async (c) =>
    c.json(await viewOf(await ctx.channels.watch(c.get('tenantId'), c.req.param('id')), true)),
  );
  panel.post('/api/channels/:id/unwatch', async (c) => {
    await ctx.channels.unwatch(c.get('tenantId'), c.req.param('id'));
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
    return channelEventStream(
      c,
      ctx.changes,
      (change) => change.tenantId === tenantId,
      async (change) => viewOf(await ctx.channels.get(tenantId, change.channelId), true),
    );
  });
  app.route('/panel', panel);

  // ---- The standalone QR page: the secret token is the only credential; it shows one channel's linking.
  const qrPage = new Hono();
  qrPage.use('*', publicLimit(240));
  const channelForToken = (c: Context) => ctx.channels.resolveQrPage(c.req.param('token') ?? '');
  qrPage.get('/:token', async (c) => {
    const lang = pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language'));
    let channel: Channel;
    try {
      channel = await channelForToken(c);
    } catch (error) {
      if (error instanceof AppError && (error.code === 'link_gone' || error.code === 'not_found'))
        return html(c, renderLinkGone({ lang }), 404);
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
    return c.json(await viewOf(await ctx.channels.watch(channel.tenantId, channel.id), false));
  });
  qrPage.post('/:token/api/unwatch', async (c) => {
    const channel = await channelForToken(c);
    await ctx.channels.unwatch(channel.tenantId, channel.id);
    return c.json({ ok: true });
  });
  qrPage.post('/:token/api/reset', async (c) => {
    const channel = await channelForToken(c);
    const { qrPageToken } = await ctx.channels.reset(channel.tenantId, channel.id);
    return c.json({ qrPageUrl: `/link/${qrPageToken}` });
  });
  qrPage.post('/:token/api/pairing-phone', async (c) => {
    const channel = await channelForToken(c);
    const body = await jsonBody(c, schemas.pairingPhone);
    return c.json(
      await viewOf(await ctx.channels.setPairingPhone(channel.tenantId, channel.id, body.phone), false),
    );
  });
  qrPage.get('/:token/api/events', async (c) => {
    const channel = await channelForToken(c);
    const token = c.req.param('token');
    return channelEventStream(
      c,
      ctx.changes,
      (change) => change.channelId === channel.id,
      // Re-resolve each time: after Reset the old token must stop showing anything.
      async () => viewOf(await ctx.channels.resolveQrPage(token), false),
    );
  });
  app.route('/link', qrPage);

  // ---- Support's console: an operator's API key, exchanged for a cookie.
  app.get('/support/login', (c) => html(c, supportLoginForm()));
  app.post('/support/login', publicLimit(20), async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const principal = await ctx.tenants.principalForApiKey(key);
    if (principal?.kind !== 'operator') return html(c, supportLoginForm('That is not a support key.'), 401);
    setCookie(c, SUPPORT_COOKIE, key, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/support',
      secure: secureCookie(c),
      maxAge: 12 * 3600,
    });
    return c.redirect('/support');
  });
  const support = new Hono<SupportEnv>();
  support.use('*', async (c, next) => {
    const principal = await ctx.tenants.principalForApiKey(getCookie(c as Context, SUPPORT_COOKIE));
    if (principal?.kind !== 'operator') {
      if (c.req.path.startsWith('/support/api/'))
        throw new AppError('unauthorized', 'Sign in to the support console again.');
      return c.redirect('/support/login');
    }
    c.set('operatorId', principal.operatorId);
    await next();
  });
  const supportRows = async (): Promise<SupportRow[]> => {
    const rows: SupportRow[] = [];
    for (const tenant of await ctx.tenants.listForSupport()) {
      for (const channel of await ctx.channels.list(tenant.id)) {
        const [last] = await ctx.channels.events(tenant.id, channel.id);
        rows.push({
          tenant: { id: tenant.id, name: tenant.name, language: tenant.language },
          channel: await viewOf(channel, true),
          lastEvent: last ? { status: last.status, cause: last.cause, at: last.at.toISOString() } : null,
        });
      }
    }
    return rows;
  };
  support.get('/', async (c) =>
    html(
      c,
      renderSupportConsole({
        lang: pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language')),
        rows: await supportRows(),
      }),
    ),
  );
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
    ),
  );
  app.route('/support', support);
  return app;
}

function supportLoginForm(error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Zapgate support</title><link rel="stylesheet" href="/assets/styles.css"></head>
<body><main class="card narrow"><h1>Support console</h1><form method="post" action="/support/login">
<label for="key">Support API key</label><input id="key" name="key" type="password" autocomplete="off" required>
${error ? `<p class="error" role="alert">${error}</p>` : ''}<button type="submit">Sign in</button></form></main></body></html>`;
}
