import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { etag } from 'hono/etag';
import { sharedModule, webAsset } from '../web/assets.js';
import { pickLanguage } from '../web/i18n.js';
import { renderHelpPage } from '../web/pages.js';
import { html, type BrowserContext } from './browser-pages.js';
import type { GatewayContext } from './gateway-context.js';
import { panelRoutes } from './panel-routes.js';
import { qrPageRoutes } from './qr-page-routes.js';
import { sameOriginOnly } from './same-origin.js';
import { StreamSlots } from './sse.js';
import { supportRoutes } from './support-routes.js';

/**
 * The browser side of the edge, one route file per audience: the business's panel (/panel), the
 * standalone QR page (/link), support's console (/support), plus help pages and assets.
 */
export function browserRoutes(ctx: GatewayContext): Hono {
  const app = new Hono();
  const shared: BrowserContext = {
    ctx,
    // Live views per panel session, QR-page link and support session (keys hold no secret).
    streams: new StreamSlots(ctx.maxEventStreams ?? 10),
    sameOrigin: sameOriginOnly({
      publicUrl: () => ctx.baseUrl(),
      jsonPrefixes: ['/panel/api/', '/support/api/'],
    }),
  };

  // Asset URLs carry no version: revalidate every time (ETag), and compress them.
  app.use('/assets/*', compress(), etag());
  app.get('/assets/:name', (c) => {
    const asset = webAsset(c.req.param('name'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.contentType, 'cache-control': 'no-cache' });
  });
  // src/shared/: the rules the pages share with the server, imported by views.js as `../../shared/…`.
  app.use('/shared/*', compress(), etag());
  app.get('/shared/:name', (c) => {
    const asset = sharedModule(c.req.param('name'));
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
  // Integrations add their own tabs (a booking system's Notifications).
  app.route('/panel', panelRoutes(shared, ctx.integrations?.panelTabs() ?? []));
  app.route('/link', qrPageRoutes(shared));
  app.route('/support', supportRoutes(shared));
  return app;
}
