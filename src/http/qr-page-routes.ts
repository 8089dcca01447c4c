import { Hono, type Context } from 'hono';
import { hasLinkedDevice } from '../domain/channel-status.js';
import { AppError } from '../domain/errors.js';
import type { Channel } from '../store/channels-repository.js';
import { pickLanguage } from '../web/i18n.js';
import { renderLinkGone, renderQrPage } from '../web/pages.js';
import { channelViewOf, html, publicLimit, watchBody, type BrowserContext } from './browser-pages.js';
import { helpUrl } from './gateway-context.js';
import { jsonBody } from './http-errors.js';
import { schemas } from './schemas.js';
import { channelEventStream } from './sse.js';

const isGone = (error: unknown) =>
  error instanceof AppError && (error.code === 'link_gone' || error.code === 'not_found');

/**
 * `/link/{token}`: the standalone QR page. The secret token is the only credential; it shows one
 * channel's linking (never its QR-page URL) and lets whoever holds it link, not unlink.
 */
export function qrPageRoutes({ ctx, streams }: BrowserContext): Hono {
  const qrPage = new Hono();
  const viewOf = (channel: Channel) => channelViewOf(ctx, channel, false);
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
      if (isGone(error)) return html(c, renderLinkGone({ lang, supportUrl: ctx.supportUrl }), 404);
      throw error;
    }
    const tenant = await ctx.tenants.get(channel.tenantId);
    const pageLang = pickLanguage(c.req.query('lang'), tenant.language, c.req.header('accept-language'));
    return html(
      c,
      renderQrPage({
        lang: pageLang,
        token: c.req.param('token'),
        channel: await viewOf(channel),
        supportUrl: ctx.supportUrl,
        helpUrl: helpUrl(pageLang),
      }),
    );
  });
  qrPage.get('/:token/api/channel', async (c) => c.json(await viewOf(await channelForToken(c))));
  qrPage.post('/:token/api/watch', async (c) => {
    const channel = await channelForToken(c);
    const body = await watchBody(c);
    const viewer = `page:${body.viewer ?? 'page'}`;
    return c.json(
      await viewOf(await ctx.channels.watch(channel.tenantId, channel.id, viewer, { retry: body.retry })),
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
    return c.json(await viewOf(await ctx.channels.setLinkMode(channel.tenantId, channel.id, body.mode)));
  });
  // Each number set here has WhatsApp prompt that phone for a code: a few per client, not a spam cannon.
  qrPage.post(
    '/:token/api/pairing-phone',
    publicLimit('link-pairing-phone', 10, 'all', 10 * 60_000),
    async (c) => {
      const channel = await channelForToken(c);
      const body = await jsonBody(c, schemas.pairingPhone);
      return c.json(
        await viewOf(await ctx.channels.setPairingPhone(channel.tenantId, channel.id, body.phone)),
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
          return await viewOf(await ctx.channels.resolveQrPage(token));
        } catch (error) {
          if (isGone(error)) return { gone: true };
          throw error;
        }
      },
      release,
    );
  });
  return qrPage;
}
