import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { linkChannelByQr, startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Issue 11's access items: rate limits keyed on the client (not on a header it writes, nor on one
 * bucket for everybody), server-side sessions with sign-out, API keys listed and revoked, cross-site
 * posts refused, the QR page unable to unlink a working number, and per-business bounds.
 *
 * Different clients are different loopback source addresses (127.0.0.x): Linux routes the whole
 * 127/8 to the loopback interface, so the gateway sees each as its own peer.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

type Business = {
  tenant: { id: string };
  channelId: string;
  apiKey: string;
  panelLoginUrl: string;
  qrPageUrl: string;
};

/** A port nobody listens on now (the gateway takes it right after). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe('access hardening', () => {
  let h: Harness;
  let seq = 0;

  let local = '';

  before(async () => {
    // The gateway believes it is reached at https://gateway.example (Secure cookies, links built on
    // it); tests reach it directly on a port picked beforehand.
    const port = await freePort();
    local = `http://127.0.0.1:${port}`;
    h = await startHarness({
      env: {
        PORT: String(port),
        PUBLIC_URL: 'https://gateway.example',
        MAX_CHANNELS_PER_BUSINESS: '3',
        MAX_LINKING_PER_BUSINESS: '2',
        MAX_EVENT_STREAMS: '2',
        // Linking stops a second after its last viewer leaves (15 s by default).
        LINK_GRACE_SECONDS: '1',
        // A reverse proxy on 127.0.0.20: what it forwards is believed (and nobody else's header).
        TRUSTED_PROXIES: '127.0.0.20',
      },
    });
  });
  after(async () => h?.stop());
  before(() => {
    h.api = async (method, path, { key, body } = {}) => {
      const response = await fetch(local + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const type = response.headers.get('content-type') ?? '';
      const json = type.includes('json') ? await response.json() : await response.text();
      return { status: response.status, json, headers: response.headers };
    };
  });

  /** A request from `from` (a loopback address), as a client on that address would send it. */
  const send = (
    from: string,
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const url = new URL(local);
      const req = request(
        {
          host: '127.0.0.1',
          port: url.port,
          method,
          path,
          localAddress: from,
          agent: false,
          headers: options.headers,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  /** The path of a link the gateway built on PUBLIC_URL (https://gateway.example/...). */
  const pathOf = (url: string) => new URL(url).pathname;
  const cookieOf = (answer: Answer): string => {
    const raw = answer.headers['set-cookie'];
    return ((Array.isArray(raw) ? raw[0] : raw) ?? '').split(';')[0]!;
  };
  const newBusiness = async (name = 'Studio Bela'): Promise<Business> => {
    const r = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name, timeZone: 'UTC', language: 'en' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json as Business;
  };
  const newPhone = () =>
    h.sim.createPhone({
      phone: `55119${String(Date.now() % 100000).padStart(5, '0')}${String(++seq).padStart(2, '0')}`,
      business: true,
      name: 'Salon phone',
    });
  const panelSession = async (business: Business, from = '127.0.0.1'): Promise<string> => {
    const login = await send(from, 'GET', pathOf(business.panelLoginUrl));
    assert.equal(login.status, 302);
    return cookieOf(login);
  };
  const json = (cookie: string, extra: Record<string, string> = {}) => ({
    cookie,
    'content-type': 'application/json',
    ...extra,
  });

  describe('rate limits key on the client', () => {
    test('a forged X-Forwarded-For buys no fresh bucket, and one client locks out only itself', async () => {
      const business = await newBusiness();
      let limited: Answer | undefined;
      for (let i = 0; i < 40 && !limited; i++) {
        const r = await send('127.0.0.2', 'GET', `/panel/login/guess-${i}`, {
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
        });
        if (r.status === 429) limited = r;
        else assert.equal(r.status, 410);
      }
      assert.ok(limited, 'the guesser is limited whatever X-Forwarded-For it sends');
      assert.equal(limited.json.error.code, 'rate_limited');
      // Another client (the business owner) still signs in.
      const owner = await send('127.0.0.3', 'GET', pathOf(business.panelLoginUrl));
      assert.equal(owner.status, 302);
    });

    test('behind a trusted proxy, each forwarded client has its own bucket', async () => {
      const viaProxy = (client: string, i: number) =>
        send('127.0.0.20', 'GET', `/panel/login/proxied-${i}`, {
          headers: { 'x-forwarded-for': `${client}, 127.0.0.20` },
        });
      let i = 0;
      let status = 410;
      while (status === 410 && i < 40) status = (await viaProxy('198.51.100.1', i++)).status;
      assert.equal(status, 429, 'the forwarded guesser is limited');
      assert.equal((await viaProxy('198.51.100.2', i)).status, 410, 'another client behind the proxy is not');
    });

    test('wrong support keys lock out their sender, not the admin', async () => {
      let limited = false;
      for (let i = 0; i < 30 && !limited; i++) {
        const r = await send('127.0.0.4', 'POST', '/support/login', {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `key=zg_ops_wrong${i}`,
        });
        limited = r.status === 429;
        if (!limited) assert.equal(r.status, 401);
      }
      assert.ok(limited, 'the guesser is limited');
      const admin = await send('127.0.0.5', 'POST', '/support/login', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `key=${encodeURIComponent(h.adminKey)}`,
      });
      assert.equal(admin.status, 302);
    });

    test('QR-page token guesses are counted per client, across tokens and routes', async () => {
      const business = await newBusiness();
      const guess = (i: number) => `/link/${'x'.repeat(43)}${i}${['', '/api/channel', '/api/events'][i % 3]}`;
      let limited = -1;
      for (let i = 0; i < 40 && limited < 0; i++) {
        const r = await send('127.0.0.6', 'GET', guess(i));
        if (r.status === 429) limited = i;
        else assert.ok(r.status === 404 || r.status === 410, `${guess(i)} → ${r.status}`);
      }
      assert.ok(limited >= 20, `limited after ${limited} guesses`);
      // The guesser's valid link is refused too until the window passes; the owner's is not.
      assert.equal((await send('127.0.0.6', 'GET', pathOf(business.qrPageUrl))).status, 429);
      assert.equal((await send('127.0.0.7', 'GET', pathOf(business.qrPageUrl))).status, 200);
    });

    test('the QR page sets a pairing phone a few times per client only', async () => {
      const business = await newBusiness();
      const path = `${pathOf(business.qrPageUrl)}/api/pairing-phone`;
      const set = (from: string) =>
        send(from, 'POST', path, { headers: { 'content-type': 'application/json' }, body: '{"phone":"12"}' });
      for (let i = 0; i < 10; i++) assert.equal((await set('127.0.0.12')).status, 400);
      const limited = await set('127.0.0.12');
      assert.equal(limited.status, 429);
      assert.equal((await set('127.0.0.13')).status, 400, 'another client is not limited');
    });
  });

  describe('sessions', () => {
    test('the support cookie is a revocable session, not the key, and sign-out ends it', async () => {
      const login = await send('127.0.0.8', 'POST', '/support/login', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `key=${encodeURIComponent(h.adminKey)}`,
      });
      assert.equal(login.status, 302);
      const setCookie = String(login.headers['set-cookie']);
      assert.ok(!setCookie.includes(h.adminKey), 'the key is not in the cookie');
      assert.ok(!setCookie.includes(encodeURIComponent(h.adminKey)), 'the key is not in the cookie');
      assert.match(setCookie, /; Secure/i, 'Secure: PUBLIC_URL is https');
      assert.match(setCookie, /HttpOnly/i);
      const cookie = cookieOf(login);
      assert.equal(
        (await send('127.0.0.8', 'GET', '/support/api/rows', { headers: { cookie } })).status,
        200,
      );
      const console = await send('127.0.0.8', 'GET', '/support', { headers: { cookie } });
      assert.match(console.text, /action="\/support\/logout"[^>]*>.*data-testid="sign-out"/s);
      const out = await send('127.0.0.8', 'POST', '/support/logout', { headers: { cookie } });
      assert.equal(out.status, 303);
      const after = await send('127.0.0.8', 'GET', '/support/api/rows', { headers: { cookie } });
      assert.equal(after.status, 401, 'the old cookie no longer works');
    });

    test('revoking a support key ends the console sessions opened with it', async () => {
      const ana = await h.gateway.tenants.createOperator('Ana', 'support');
      const login = await send('127.0.0.11', 'POST', '/support/login', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `key=${encodeURIComponent(ana.apiKey)}`,
      });
      const cookie = cookieOf(login);
      assert.equal(
        (await send('127.0.0.11', 'GET', '/support/api/rows', { headers: { cookie } })).status,
        200,
      );
      // No route revokes an operator key yet: the database does.
      await h.gateway.db.query('update api_keys set revoked_at = now() where operator_id = $1', [
        ana.operatorId,
      ]);
      assert.equal(
        (await send('127.0.0.11', 'GET', '/support/api/rows', { headers: { cookie } })).status,
        401,
      );
    });

    test('panel sign-out ends the session on the server; cookies are Secure behind https', async () => {
      const business = await newBusiness();
      const login = await send('127.0.0.1', 'GET', pathOf(business.panelLoginUrl));
      assert.match(String(login.headers['set-cookie']), /; Secure/i);
      const cookie = cookieOf(login);
      const page = await send('127.0.0.1', 'GET', '/panel', { headers: { cookie } });
      assert.equal(page.status, 200);
      assert.match(page.text, /action="\/panel\/logout"[^>]*>.*data-testid="sign-out"/s);
      const out = await send('127.0.0.1', 'POST', '/panel/logout', { headers: { cookie } });
      assert.equal(out.status, 303);
      // A copy of the cookie (another tab, a stolen one) stops working too.
      const after = await send('127.0.0.1', 'GET', '/panel/api/channels', { headers: { cookie } });
      assert.equal(after.status, 401);
    });

    test('state-changing panel and support routes refuse other origins and non-JSON bodies', async () => {
      const business = await newBusiness();
      const cookie = await panelSession(business);
      const watch = `/panel/api/channels/${business.channelId}/watch`;
      const refused: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'same-site', origin: 'https://sibling.gateway.example' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of refused) {
        const r = await send('127.0.0.1', 'POST', watch, { headers: json(cookie, headers), body: '{}' });
        assert.equal(r.status, 403, JSON.stringify(headers));
        assert.equal(r.json.error.code, 'forbidden');
      }
      // A form post (what a page on another origin can send without a preflight) is not JSON.
      const form = await send('127.0.0.1', 'POST', watch, {
        headers: { cookie, 'content-type': 'text/plain' },
        body: '{}',
      });
      assert.equal(form.status, 400);
      assert.equal(form.json.error.details.field, 'content-type');
      // The no-JavaScript pause form: other origins refused, our own accepted.
      const pause = `/panel/channels/${business.channelId}/pause`;
      const formHeaders = { cookie, 'content-type': 'application/x-www-form-urlencoded' };
      const cross = await send('127.0.0.1', 'POST', pause, {
        headers: { ...formHeaders, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: 'lang=en',
      });
      assert.equal(cross.status, 403);
      const own = await send('127.0.0.1', 'POST', pause, {
        headers: { ...formHeaders, origin: 'https://gateway.example', 'sec-fetch-site': 'same-origin' },
        body: 'lang=en',
      });
      assert.equal(own.status, 303);
      // The page's own requests pass.
      for (const headers of <Record<string, string>[]>[
        { 'sec-fetch-site': 'same-origin', origin: 'https://gateway.example' },
        { origin: 'https://gateway.example' },
        {},
      ]) {
        const r = await send('127.0.0.1', 'POST', watch, { headers: json(cookie, headers), body: '{}' });
        assert.equal(r.status, 200, `${JSON.stringify(headers)}: ${r.text}`);
      }
      // Support's console: the same rule.
      const login = await send('127.0.0.9', 'POST', '/support/login', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `key=${encodeURIComponent(h.adminKey)}`,
      });
      const supportCookie = cookieOf(login);
      const mode = `/support/api/tenants/${business.tenant.id}/channels/${business.channelId}/mode`;
      const crossSupport = await send('127.0.0.9', 'POST', mode, {
        headers: json(supportCookie, { 'sec-fetch-site': 'same-site' }),
        body: '{"mode":"qr"}',
      });
      assert.equal(crossSupport.status, 403);
      const ownSupport = await send('127.0.0.9', 'POST', mode, {
        headers: json(supportCookie, { 'sec-fetch-site': 'same-origin' }),
        body: '{"mode":"qr"}',
      });
      assert.equal(ownSupport.status, 200);
    });
  });

  test('API keys: listed without secrets, issued, revoked (the revoked key stops at once)', async () => {
    const a = await newBusiness('Alpha');
    const b = await newBusiness('Beta');
    const issued = await h.api('POST', '/v1/api-keys', { key: a.apiKey, body: { label: 'crm' } });
    assert.equal(issued.status, 201);
    assert.match(issued.json.key, /^zg_live_/);
    const list = await h.api('GET', '/v1/api-keys', { key: a.apiKey });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.map((k: { label: string }) => k.label),
      ['initial', 'crm'],
    );
    const crm = list.json.find((k: { id: string }) => k.id === issued.json.id);
    assert.equal(crm.hint, `zg_live_…${issued.json.key.slice(-4)}`);
    assert.ok(!JSON.stringify(list.json).includes(issued.json.key), 'no key material in the list');
    assert.ok(!JSON.stringify(list.json).includes(a.apiKey), 'no key material in the list');
    assert.deepEqual(Object.keys(crm).sort(), ['createdAt', 'current', 'hint', 'id', 'label']);
    assert.equal(list.json.find((k: { current: boolean }) => k.current).label, 'initial');
    // Another business's key id is not found, and stays valid.
    const bKeys = await h.api('GET', '/v1/api-keys', { key: b.apiKey });
    const bKey = bKeys.json[0].id as string;
    assert.equal((await h.api('DELETE', `/v1/api-keys/${bKey}`, { key: a.apiKey })).status, 404);
    assert.equal((await h.api('GET', '/v1/tenant', { key: b.apiKey })).status, 200);
    // Revoked: gone from the list, refused at once.
    assert.equal((await h.api('GET', '/v1/tenant', { key: issued.json.key })).status, 200);
    const revoked = await h.api('DELETE', `/v1/api-keys/${issued.json.id}`, { key: a.apiKey });
    assert.equal(revoked.status, 200);
    assert.deepEqual(revoked.json, { id: issued.json.id, revoked: true });
    assert.equal((await h.api('GET', '/v1/tenant', { key: issued.json.key })).status, 401);
    assert.equal((await h.api('DELETE', `/v1/api-keys/${issued.json.id}`, { key: a.apiKey })).status, 404);
    const after = await h.api('GET', '/v1/api-keys', { key: a.apiKey });
    assert.deepEqual(
      after.json.map((k: { label: string }) => k.label),
      ['initial'],
    );
  });

  test('the public QR page cannot reset a linked channel; the panel still can', async () => {
    const business = await newBusiness();
    const phone = newPhone();
    await linkChannelByQr(h, business, phone);
    const link = pathOf(business.qrPageUrl);
    const refused = await send('127.0.0.10', 'POST', `${link}/api/reset`, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, 'already_linked');
    assert.match(refused.json.error.message, /panel/);
    assert.equal(phone.linkedDevices().length, 1, 'still linked');
    assert.equal((await send('127.0.0.10', 'GET', link)).status, 200, 'the link still works');
    const page = await send('127.0.0.10', 'GET', link);
    assert.match(page.text, /data-action="reset" data-testid="reset" hidden/);
    const cookie = await panelSession(business);
    const reset = await send('127.0.0.1', 'POST', `/panel/api/channels/${business.channelId}/reset`, {
      headers: json(cookie),
      body: '{}',
    });
    assert.equal(reset.status, 200);
    await waitUntil(() => phone.linkedDevices().length === 0, { what: 'the device unlinked' });
  });

  describe('per-business bounds', () => {
    test('channels per business', async () => {
      const business = await newBusiness();
      for (let i = 0; i < 2; i++)
        assert.equal((await h.api('POST', '/v1/channels', { key: business.apiKey, body: {} })).status, 201);
      const refused = await h.api('POST', '/v1/channels', { key: business.apiKey, body: {} });
      assert.equal(refused.status, 409);
      assert.match(refused.json.error.message, /3 WhatsApp channels/);
      assert.equal(refused.json.error.details.limit, 3);
      assert.equal((await h.api('GET', '/v1/channels', { key: business.apiKey })).json.length, 3);
    });

    test('channels linking at once, even when asked in parallel', async () => {
      const business = await newBusiness();
      const ids = [business.channelId];
      for (let i = 0; i < 2; i++)
        ids.push((await h.api('POST', '/v1/channels', { key: business.apiKey, body: {} })).json.id);
      const answers = await Promise.all(
        ids.map((id) => h.api('POST', `/v1/channels/${id}/watch`, { key: business.apiKey })),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 429]);
      const refused = answers.find((a) => a.status === 429)!;
      assert.equal(refused.json.error.code, 'rate_limited');
      assert.match(refused.json.error.message, /already linking/);
      // Watching again a channel that is linking is no new linking.
      const linking = ids[answers.findIndex((a) => a.status === 200)]!;
      assert.equal(
        (await h.api('POST', `/v1/channels/${linking}/watch`, { key: business.apiKey })).status,
        200,
      );
      // Another business is not affected.
      const other = await newBusiness('Other');
      assert.equal(
        (await h.api('POST', `/v1/channels/${other.channelId}/watch`, { key: other.apiKey })).status,
        200,
      );
      // Closing one makes room (its one viewer, the API client, leaves).
      assert.equal(
        (await h.api('POST', `/v1/channels/${linking}/unwatch`, { key: business.apiKey })).status,
        200,
      );
      const waiting = ids[answers.findIndex((a) => a.status === 429)]!;
      await waitUntil(
        async () =>
          (await h.api('POST', `/v1/channels/${waiting}/watch`, { key: business.apiKey })).status === 200,
        { what: 'room for another linking' },
      );
    });

    test('event streams per QR-page link and per panel session', async () => {
      const business = await newBusiness();
      const cookie = await panelSession(business);
      for (const [path, headers] of [
        [`${pathOf(business.qrPageUrl)}/api/events`, {}],
        ['/panel/api/events', { cookie }],
      ] as const) {
        const open: AbortController[] = [];
        const stream = async () => {
          const abort = new AbortController();
          const r = await fetch(local + path, { headers, signal: abort.signal });
          if (r.status === 200) {
            await r.body!.getReader().read(); // the 'ready' event: the stream is open
            open.push(abort);
          } else await r.body?.cancel();
          return r.status;
        };
        assert.equal(await stream(), 200);
        assert.equal(await stream(), 200);
        const refused = await fetch(local + path, { headers });
        assert.equal(refused.status, 429, path);
        assert.equal(((await refused.json()) as any).error.code, 'rate_limited');
        open.pop()!.abort();
        await waitUntil(async () => (await stream()) === 200, { what: `a slot again on ${path}` });
        for (const abort of open) abort.abort();
      }
    });
  });
});
