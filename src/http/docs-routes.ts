import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { etag } from 'hono/etag';

/**
 * `/docs`: interactive documentation of `/openapi.json` with Swagger UI, served from the
 * swagger-ui-dist package in node_modules (no CDN: it works offline and on a closed network).
 * "Try it out" calls this gateway with the API key typed into Authorize.
 */
const FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
} as const;
type DocsFile = keyof typeof FILES;

const dist = (): string => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const cache = new Map<DocsFile, string>();
const file = (name: DocsFile): string => {
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(join(dist(), name), 'utf8');
    cache.set(name, body);
  }
  return body;
};

// Our own start-up script: the pages allow no inline script.
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'BaseLayout',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Zapgate API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui" data-testid="api-docs"></div>
<noscript>The interactive documentation needs JavaScript; the description itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/assets/init.js"></script></body></html>`;

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function docsRoutes(): Hono {
  const app = new Hono();
  app.use('/assets/*', compress(), etag());
  app.get('/', (c) => {
    c.header('content-security-policy', CSP);
    c.header('x-frame-options', 'DENY');
    c.header('cache-control', 'no-cache');
    return c.html(PAGE);
  });
  app.get('/assets/init.js', (c) =>
    c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    if (!Object.hasOwn(FILES, name)) return c.notFound();
    const docsFile = name as DocsFile;
    return c.body(file(docsFile), 200, { 'content-type': FILES[docsFile], 'cache-control': 'no-cache' });
  });
  return app;
}
