import { Hono, type Context } from 'hono';
import { AppError } from '../domain/errors.js';
import type { MessagePage } from '../messages/message-service.js';
import { sendTestMessage } from '../messages/test-message.js';
import type { Channel } from '../store/channels-repository.js';
import { hashToken } from '../store/tokens.js';
import { messagesHref } from '../web/assets/views.js';
import { matchLanguage, pickLanguage, t, type Lang } from '../web/i18n.js';
import {
  renderLoginLinkGone,
  renderLoginNeeded,
  renderPanelChannels,
  renderPanelSettings,
} from '../web/pages.js';
import { renderPanelMessages } from '../web/messages-page.js';
import type { TestMessageOutcome } from '../web/test-message-card.js';
import { endPanelSession, panelSessionAuth, panelSessionToken, type PanelEnv } from './auth.js';
import {
  channelViewOf,
  channelViewsOf,
  html,
  publicLimit,
  watchBody,
  type BrowserContext,
} from './browser-pages.js';
import { helpUrl } from './gateway-context.js';
import { jsonBody } from './http-errors.js';
import { LOG_FILTERS, logPage, logRows, toMessageRow } from './panel-log.js';
import { setPanelSession } from './panel-session.js';
import { schemas } from './schemas.js';
import { channelEventStream } from './sse.js';

/** A tab an integration adds to the panel: its routes (behind the panel session) and when it shows. */
export interface PanelTab {
  readonly routes: Hono<PanelEnv>;
  /** Whether the business sees the tab (e.g. only while its integration is installed). */
  shown(tenantId: string): Promise<boolean>;
}

/**
 * `/panel`: the business's own pages. A one-time login link opens a server-side session (cookie)
 * scoped to one business; every other route needs it.
 */
export function panelRoutes(
  { ctx, streams, sameOrigin }: BrowserContext,
  tabs: readonly PanelTab[] = [],
): Hono {
  const app = new Hono();
  const viewOf = (channel: Channel, withLink: boolean) => channelViewOf(ctx, channel, withLink);
  const views = (tenantId: string, withLinks: boolean) => channelViewsOf(ctx, tenantId, withLinks);
  const queueState = async (channel: Channel) => ({
    channel: await viewOf(channel, false),
    queueDepth: await ctx.queueDepth(channel.tenantId, channel.id),
  });
  const hasNotifications = async (tenantId: string): Promise<boolean> => {
    for (const tab of tabs) if (await tab.shown(tenantId)) return true;
    return false;
  };

  app.get('/login/:token', publicLimit('panel-login', 30, 'refused'), async (c) => {
    const token = c.req.param('token');
    const { sessionToken } = await ctx.tenants.redeemPanelLogin(token).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'link_gone') return { sessionToken: undefined };
      throw error;
    });
    if (!sessionToken) {
      const gone = await ctx.tenants.panelLoginFate(token);
      // Opened again in the browser that used it (its session is still on): straight to the panel.
      const current = await ctx.tenants.tenantForPanelSession(panelSessionToken(c));
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
  panel.use('*', sameOrigin);
  panel.use(
    '*',
    panelSessionAuth(ctx.tenants, (c) => {
      if (c.req.path.startsWith('/panel/api/'))
        throw new AppError('unauthorized', 'Your panel session has ended; open your login link again.');
      return html(
        c,
        renderLoginNeeded({
          lang: pickLanguage(c.req.query('lang'), undefined, c.req.header('accept-language')),
        }),
        401,
      );
    }),
  );
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
        page = await logPage(ctx, tenant.id, channel.id, query);
      } catch (error) {
        if (error instanceof AppError && error.code === 'invalid_phone') phoneInvalid = true;
        else if (error instanceof AppError && error.details?.field === 'cursor') {
          query.cursor = '';
          page = await logPage(ctx, tenant.id, channel.id, query);
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
        messages: await logRows(ctx, tenant.id, page.messages),
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
    const page = await logPage(ctx, tenantId, channel.id, {
      phone: c.req.query('phone'),
      status: c.req.query('status'),
      cursor: c.req.query('cursor'),
      limit: limit ? Number(limit) : undefined,
    });
    return c.json({
      ...(await queueState(channel)),
      messages: await logRows(ctx, tenantId, page.messages),
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
  for (const tab of tabs) panel.route('/', tab.routes);
  // Sign-out ends the session on the server: a copied cookie stops working too.
  panel.post('/logout', async (c) => {
    await endPanelSession(c, ctx.tenants);
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
    const release = streams.take(`panel:${hashToken(panelSessionToken(c) ?? '')}`);
    return channelEventStream(
      c,
      ctx.changes,
      (change) => change.tenantId === tenantId,
      async (change) => viewOf(await ctx.channels.get(tenantId, change.channelId), true),
      release,
    );
  });
  app.route('/', panel);
  return app;
}
