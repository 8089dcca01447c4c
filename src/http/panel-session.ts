import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';

/** The panel's session cookie: one business per browser session. */
export const PANEL_COOKIE = 'zg_panel';

/** Opens a panel session in this browser (after a login link, or an integration's install link). */
export function setPanelSession(c: Context, sessionToken: string): void {
  setCookie(c, PANEL_COOKIE, sessionToken, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    // Set by clientContext (app.ts): PUBLIC_URL is https, or this request came over TLS.
    secure: c.get('secureCookies') ?? new URL(c.req.url).protocol === 'https:',
    maxAge: 30 * 24 * 3600,
  });
}
