import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../domain/errors.js';
import type { Principal } from '../store/access-repository.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { PANEL_COOKIE } from './panel-session.js';

/**
 * Who is asking, decided once per request by one of three credentials: an API key (the /v1 API), a
 * panel session (one business's browser) or a support session (an operator's browser). Route files
 * read the principal the middleware set; none of them parses a header or a cookie itself.
 */

/** A /v1 request: the key's principal, and the business it acts for (the key's, or the path's for support). */
export type ApiEnv = { Variables: { principal: Principal; tenantId: string } };
/** A panel request: the business whose panel session this browser holds. */
export type PanelEnv = { Variables: { tenantId: string } };
/** A support-console request: the operator who signed in. */
export type SupportEnv = { Variables: { operatorId: string } };

/** Support's session cookie: a random session token (never the operator's key), under /support only. */
export const SUPPORT_COOKIE = 'zg_support';

type Sessions = Pick<
  TenantService,
  | 'principalForApiKey'
  | 'tenantForPanelSession'
  | 'endPanelSession'
  | 'operatorForSupportSession'
  | 'endSupportSession'
>;

/** The token of an `Authorization: Bearer <token>` header. */
export const bearerToken = (header: string | undefined): string | undefined =>
  header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;

/**
 * The API key's principal; a request without a valid key stops here (401). A route file mounted
 * behind another that already authenticated the request does not look the key up twice.
 */
export function apiKeyAuth(sessions: Pick<Sessions, 'principalForApiKey'>): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!(c.get('principal') as Principal | undefined)) await authenticate(c, sessions);
    await next();
  };
}

/** Looks the request's key up and sets its principal (and business); no valid key: 401. */
async function authenticate(
  c: Context<ApiEnv>,
  sessions: Pick<Sessions, 'principalForApiKey'>,
): Promise<Principal> {
  const principal = await sessions.principalForApiKey(bearerToken(c.req.header('authorization')));
  if (!principal)
    throw new AppError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>".');
  c.set('principal', principal);
  if (principal.kind === 'tenant') c.set('tenantId', principal.tenantId);
  return principal;
}

/**
 * `apiKeyAuth` then `requireBusinessKey(message)` as one middleware, for a route file that may be
 * mounted alone: the accept path (POST /v1/messages) runs every middleware layer per request, so it
 * pays for one here instead of two.
 */
export function businessKeyAuth(
  sessions: Pick<Sessions, 'principalForApiKey'>,
  message: string,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = (c.get('principal') as Principal | undefined) ?? (await authenticate(c, sessions));
    if (principal.kind !== 'tenant') throw new AppError('forbidden', message);
    c.set('tenantId', principal.tenantId);
    await next();
  };
}

/** A business's own key only (a support key is refused with `message`, saying where support goes). */
export function requireBusinessKey(message: string): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal') as Principal | undefined;
    // Fails closed when mounted where no key was checked.
    if (!principal)
      throw new AppError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>".');
    if (principal.kind !== 'tenant') throw new AppError('forbidden', message);
    c.set('tenantId', principal.tenantId);
    await next();
  };
}

/** A support operator's key only. */
export const requireOperatorKey: MiddlewareHandler<ApiEnv> = async (c, next) => {
  if ((c.get('principal') as Principal | undefined)?.kind !== 'operator')
    throw new AppError('forbidden', 'This route is for support operators.');
  await next();
};

/** The panel session this browser holds, if any (its token; the cookie itself is set in panel-session.ts). */
export const panelSessionToken = (c: Context): string | undefined => getCookie(c, PANEL_COOKIE);
export const supportSessionToken = (c: Context): string | undefined => getCookie(c, SUPPORT_COOKIE);

/**
 * The business of this browser's panel session; without one, `signedOut` answers (a 401 for the
 * page's scripts, a sign-in page for a person).
 */
export function panelSessionAuth(
  sessions: Pick<Sessions, 'tenantForPanelSession'>,
  signedOut: (c: Context) => Response | Promise<Response>,
): MiddlewareHandler<PanelEnv> {
  return async (c, next) => {
    // hono types a '*' middleware's context loosely; the cookie helper needs only the request headers.
    const tenantId = await sessions.tenantForPanelSession(panelSessionToken(c));
    if (!tenantId) return signedOut(c);
    c.set('tenantId', tenantId);
    await next();
  };
}

/** The operator of this browser's support session; without one, `signedOut` answers. */
export function supportSessionAuth(
  sessions: Pick<Sessions, 'operatorForSupportSession'>,
  signedOut: (c: Context) => Response | Promise<Response>,
): MiddlewareHandler<SupportEnv> {
  return async (c, next) => {
    const session = await sessions.operatorForSupportSession(supportSessionToken(c));
    if (!session) return signedOut(c);
    c.set('operatorId', session.operatorId);
    await next();
  };
}

/** Opens a support session in this browser: the cookie holds the session token, for 12 hours. */
export function setSupportSession(c: Context, sessionToken: string): void {
  setCookie(c, SUPPORT_COOKIE, sessionToken, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/support',
    secure: c.get('secureCookies'),
    maxAge: 12 * 3600,
  });
}

/** Sign-out ends the session on the server (a copied cookie stops working too), then drops the cookie. */
export async function endPanelSession(
  c: Context,
  sessions: Pick<Sessions, 'endPanelSession'>,
): Promise<void> {
  await sessions.endPanelSession(panelSessionToken(c));
  deleteCookie(c, PANEL_COOKIE, { path: '/', secure: c.get('secureCookies') });
}

export async function endSupportSession(
  c: Context,
  sessions: Pick<Sessions, 'endSupportSession'>,
): Promise<void> {
  await sessions.endSupportSession(supportSessionToken(c));
  deleteCookie(c, SUPPORT_COOKIE, { path: '/support', secure: c.get('secureCookies') });
}
