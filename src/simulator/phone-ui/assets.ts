import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';

/** A static file of the page, read once at startup, kept plain and gzipped. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
}

function asset(type: string, body: Buffer): Asset {
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
  return { type, body, gzipped: gzipSync(body, { level: 9 }), etag };
}

const staticFile = (name: string): Buffer => readFileSync(new URL(`./static/${name}`, import.meta.url));

/** The page's assets by file name, as served under `/phone-assets/`. */
export function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  return new Map([
    // phone.js imports the other three (ES modules).
    ...['phone.js', 'phone-common.js', 'phone-chats.js', 'phone-linking.js'].map((name): [string, Asset] => [
      name,
      asset('text/javascript; charset=utf-8', staticFile(name)),
    ]),
    ['phone.css', asset('text/css; charset=utf-8', staticFile('phone.css'))],
    // The QR reader runs in the browser too; the page loads it only when the camera screen opens.
    ['jsQR.js', asset('text/javascript; charset=utf-8', readFileSync(require.resolve('jsqr')))],
  ]);
}

/** Serves an asset with revalidation (ETag) and gzip when the browser takes it. */
export function serveAsset(c: Context, file: Asset): Response {
  const headers: Record<string, string> = {
    'content-type': file.type,
    'cache-control': 'no-cache',
    etag: file.etag,
    vary: 'accept-encoding',
  };
  if (c.req.header('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
  const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  if (gzip) headers['content-encoding'] = 'gzip';
  return new Response(new Uint8Array(gzip ? file.gzipped : file.body), { status: 200, headers });
}
