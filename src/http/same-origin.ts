import type { MiddlewareHandler } from 'hono';
import { AppError } from '../domain/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests another site started in the user's browser (cookies ride along).
 * SameSite=Lax stops other sites, but not a sibling on the same site (`evil.example.com` posting to
 * `gateway.example.com`), so: the browser's own `Sec-Fetch-Site` must say same-origin, or else its
 * `Origin` must be ours. A request with neither header comes from no browser page (curl, a script)
 * and cannot carry a victim's cookie without its owner's help. Under `jsonPrefixes` the body must also
 * be declared JSON: a cross-origin page cannot send that content type without a CORS preflight,
 * which we never grant.
 */
export function sameOriginOnly(o: {
  /** The gateway's public address (PUBLIC_URL or the listening URL). */
  publicUrl: () => string;
  jsonPrefixes?: readonly string[];
}): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if (
      site !== undefined
        ? site !== 'same-origin'
        : origin !== undefined && !isOurs(origin, c.req.url, o.publicUrl())
    ) {
      throw new AppError('forbidden', 'Cross-site request refused: use the page on this gateway.', {
        details: { header: site !== undefined ? 'sec-fetch-site' : 'origin' },
      });
    }
    if (
      o.jsonPrefixes?.some((prefix) => c.req.path.startsWith(prefix)) &&
      !/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')
    ) {
      throw new AppError('invalid_input', 'content-type: send the body as application/json.', {
        details: { field: 'content-type' },
      });
    }
    return next();
  };
}

/** True when `origin` names this gateway: the host the browser addressed, or the public address. */
function isOurs(origin: string, requestUrl: string, publicUrl: string): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" (a sandboxed frame, a redirect chain) and anything garbled
  }
  // Behind a TLS-terminating proxy the scheme seen here is not the browser's: compare hosts.
  if (host === new URL(requestUrl).host) return true;
  try {
    return host === new URL(publicUrl).host;
  } catch {
    return false;
  }
}
