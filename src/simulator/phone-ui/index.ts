/**
 * The virtual phone in a browser: `GET /phone` lists the simulator's phones, `GET /phone/:phone`
 * is that phone's WhatsApp (chats, Linked devices, the camera that reads QR pictures, "Link with
 * phone number instead"). The page calls the control API itself; it only adds `state` here, one
 * poll for everything the page shows.
 */
import { Hono, type Context } from 'hono';
import type { SimulatorControl } from '../control-surface.js';
import type { VirtualPhone } from '../virtual-phone.js';
import { loadAssets, serveAsset, type Asset } from './assets.js';
import { PAGE_CSP, indexPage, missingPhonePage, phonePage } from './pages.js';
import { phonePageState, phonePageVersion } from './state.js';

function html(c: Context, body: string, status: 200 | 404 = 200): Response {
  return c.html(body, status, {
    'content-security-policy': PAGE_CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
}

/** The phone for a number as typed in the address bar, or undefined when there is none. */
function findPhone(sim: SimulatorControl, number: string): VirtualPhone | undefined {
  try {
    return sim.network.directory.find(number) ? sim.phone(number) : undefined;
  } catch {
    return undefined; // not a phone number at all
  }
}

// The control API is built per request: the files are read (and gzipped) once, on first use.
let assetsOnce: Map<string, Asset> | undefined;

/** Routes of the virtual phone page; mount on the control API at `/`. */
export function phoneUiRoutes(sim: SimulatorControl): Hono {
  const assets = (assetsOnce ??= loadAssets());
  const app = new Hono();

  app.get('/phone', (c) => html(c, indexPage(sim.phones().map((p) => p.describe()))));
  app.get('/phone/', (c) => c.redirect('/phone'));
  app.get('/phone/:phone', (c) => {
    const number = c.req.param('phone');
    const phone = findPhone(sim, number);
    if (!phone) return html(c, missingPhonePage(number), 404);
    if (phone.phone !== number) return c.redirect(`/phone/${phone.phone}`);
    return html(c, phonePage(phone.describe()));
  });
  // One poll for the whole page; `?v=` is the version the page has, answered `{unchanged}` if current.
  app.get('/phone/:phone/state', (c) => {
    const phone = sim.phone(c.req.param('phone'));
    const known = c.req.query('v');
    c.header('cache-control', 'no-store');
    if (known && known === phonePageVersion(sim, phone)) return c.json({ unchanged: true, version: known });
    return c.json(phonePageState(sim, phone));
  });
  app.get('/phone-assets/:file', (c) => {
    const file = assets.get(c.req.param('file'));
    if (!file)
      return c.json({ error: { code: 'not_found', message: `No asset ${c.req.param('file')}` } }, 404);
    return serveAsset(c, file);
  });
  return app;
}
