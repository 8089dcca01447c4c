import type { Context } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { Channel } from '../store/channels-repository.js';
import type { ChannelView } from '../web/channel-view.js';
import { toChannelView } from './channel-view-mapper.js';
import { qrPageUrl, type GatewayContext } from './gateway-context.js';
import { jsonBody } from './http-errors.js';
import { schemas } from './schemas.js';
import type { StreamSlots } from './sse.js';

/** What the browser route files (panel, QR page, support console) share. */
export interface BrowserContext {
  readonly ctx: GatewayContext;
  /** Live views per panel session, QR-page link and support session (keys hold no secret). */
  readonly streams: StreamSlots;
  /** Refuses cross-site posts (and, under the JSON prefixes, bodies not declared JSON). */
  readonly sameOrigin: import('hono').MiddlewareHandler;
}

/**
 * Per-client limits on the public, unauthenticated surfaces (QR page, login links, support sign-in).
 * The key is the client's address (the peer, or what a trusted proxy forwarded: see client-address.ts),
 * never a header the client writes. `counts` picks which answers count: refused attempts only, so a
 * guesser is stopped without anyone else (or the rightful owner on another address) being locked out.
 */
export const publicLimit = (
  name: string,
  limit: number,
  counts: 'all' | 'refused' = 'all',
  windowMs = 60_000,
) =>
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

/** An HTML page with the headers every page carries (no caching, no framing, no inline script). */
export const html = <E extends object>(
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

/** A channel as the pages show it; `withLink` adds its QR-page URL (the panel and support show it). */
export async function channelViewOf(
  ctx: GatewayContext,
  channel: Channel,
  withLink: boolean,
): Promise<ChannelView> {
  const url = withLink
    ? qrPageUrl(ctx, (await ctx.channels.qrPageToken(channel.tenantId, channel.id)).token)
    : undefined;
  return toChannelView(ctx.channels.snapshot(channel), url);
}

/** Every channel of a business as the pages show it. */
export async function channelViewsOf(
  ctx: GatewayContext,
  tenantId: string,
  withLinks: boolean,
): Promise<ChannelView[]> {
  const channels = await ctx.channels.list(tenantId);
  return Promise.all(channels.map((channel) => channelViewOf(ctx, channel, withLinks)));
}

/** A watch or unwatch body: `{viewer?, retry?}`, or none at all (older pages, keepalive beacons). */
export async function watchBody(c: Context) {
  const text = await c.req.text();
  return jsonBody({ req: { text: () => Promise.resolve(text.trim() ? text : '{}') } }, schemas.watch);
}
