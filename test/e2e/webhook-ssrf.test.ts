/**
 * Webhook URLs cannot reach the operator's network (SSRF): the /v1 API (behind the real API-key
 * middleware), the outbox, the dispatcher and its real HTTP transport, with a receiver on
 * 127.0.0.1 standing for an internal service. Host names under `.test` are answered by a scripted
 * resolver (so DNS rebinding can be played without real DNS); every other name goes to the
 * system resolver (`localhost` comes from /etc/hosts; nothing asks the internet).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  isPublicAddress,
  systemResolver,
  type HostResolver,
  type ResolvedAddress,
} from '../../src/webhooks/webhook-destinations.js';
import { waitUntil } from '../support/wait-for.js';
import { startWebhookStack } from '../support/webhook-stack.js';

const PUBLIC: ResolvedAddress = { address: '93.184.215.14', family: 4 };
const LOOPBACK: ResolvedAddress = { address: '127.0.0.1', family: 4 };

/** What `.test` names resolve to, changeable mid-test (a DNS server under an attacker's control). */
const dns = new Map<string, ResolvedAddress[]>();
const resolver: HostResolver = async (hostname) => {
  if (!hostname.endsWith('.test')) return systemResolver(hostname);
  const answer = dns.get(hostname);
  if (!answer) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
  return answer;
};

/** A delivery as the log shows it. */
interface Logged {
  id: string;
  lastStatusCode: number | null;
  lastError: string | null;
  attempts: Array<{ statusCode: number | null; error: string | null }>;
}

/** An internal service: records what reaches it, answers 500 with something secret. */
async function startInternalService() {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '/');
    req.resume();
    res.writeHead(500, { 'content-type': 'text/plain' }).end('internal: db password is hunter2');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startStack(allowPrivate: boolean) {
  const stack = await startWebhookStack({
    masterKey: randomBytes(32),
    destinations: { allowPrivate, resolve: resolver },
    retry: { delaysMs: [10_000], maxDelayMs: 10_000, minDelayMs: 10_000, horizonMs: 60_000 },
  });
  const made = await stack.tenants.create({ name: 'Mallory Salon', timeZone: 'UTC', language: 'en' });
  const api = (method: string, path: string, body?: unknown) => stack.api(method, path, made.apiKey, body);
  /** Sends a test event and waits for its first attempt in the delivery log. */
  const firstAttempt = async (endpointId: string) => {
    const sent = await api('POST', `/v1/webhooks/${endpointId}/test`);
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    return waitUntil(
      async () => {
        const log = await api('GET', `/v1/webhooks/${endpointId}/deliveries`);
        const delivery = (log.json as Logged[]).find((d) => d.id === sent.json.deliveryId);
        return delivery && delivery.attempts.length > 0 ? delivery : undefined;
      },
      { what: 'the first attempt' },
    );
  };
  return { db: stack.db, tenantId: made.tenant.id, api, firstAttempt, stop: () => stack.stop() };
}

describe('webhook destinations (SSRF)', () => {
  let internal: Awaited<ReturnType<typeof startInternalService>>;
  let strict: Awaited<ReturnType<typeof startStack>>;
  let open: Awaited<ReturnType<typeof startStack>>;

  before(async () => {
    internal = await startInternalService();
    strict = await startStack(false);
    open = await startStack(true);
  });
  after(async () => {
    await strict.stop();
    await open.stop();
    await internal.stop();
  });

  test('IP ranges: only public unicast addresses are public', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111'])
      assert.equal(isPublicAddress(address), true, address);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.254',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '64:ff9b::7f00:1',
      'not an address',
    ])
      assert.equal(isPublicAddress(address), false, address);
  });

  test('registering (or moving) an endpoint to a private, loopback or reserved address is 400 naming url', async () => {
    const port = internal.port;
    dns.set('internal.test', [{ address: '10.0.0.7', family: 4 }]);
    dns.set('mixed.test', [PUBLIC, { address: 'fd00::7', family: 6 }]);
    const refused = [
      'http://169.254.169.254/latest/meta-data/',
      `http://127.0.0.1:${port}/`,
      `http://127.1:${port}/`,
      `http://2130706433:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://0177.0.0.1:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      'http://localhost:5432/',
      'http://LOCALHOST./',
      'http://10.0.0.1/',
      'http://172.20.1.1/',
      'http://192.168.0.10/',
      'http://100.64.0.1/',
      'http://[fc00::1]/',
      'http://[fd00:ec2::254]/',
      'http://[fe80::1]/',
      'http://0.0.0.0/',
      'http://internal.test/hook',
      'http://mixed.test/hook',
    ];
    for (const url of refused) {
      const r = await strict.api('POST', '/v1/webhooks', { url });
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.details.field, 'url', url);
      assert.match(r.json.error.message, /^url: /, url);
    }
    const unresolvable = await strict.api('POST', '/v1/webhooks', { url: 'https://nowhere.test/h' });
    assert.equal(unresolvable.status, 400);
    assert.match(unresolvable.json.error.message, /nowhere\.test does not resolve/);

    dns.set('crm.test', [PUBLIC]);
    const ok = await strict.api('POST', '/v1/webhooks', { url: 'https://crm.test/hooks' });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    const moved = await strict.api('PATCH', `/v1/webhooks/${ok.json.id}`, {
      url: 'http://169.254.169.254/',
    });
    assert.equal(moved.status, 400);
    assert.equal(moved.json.error.details.field, 'url');
    assert.equal(internal.hits.length, 0);
  });

  test('DNS rebinding: a name public at registration and loopback at send time is refused at connect', async () => {
    dns.set('rebind.test', [PUBLIC]);
    const endpoint = await strict.api('POST', '/v1/webhooks', {
      url: `http://rebind.test:${internal.port}/rebound`,
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.json));
    dns.set('rebind.test', [LOOPBACK]);
    const delivery = await strict.firstAttempt(endpoint.json.id);
    assert.equal(delivery.attempts[0]!.statusCode, null);
    assert.match(delivery.attempts[0]!.error!, /refused: rebind\.test resolves to a private or reserved/);
    assert.deepEqual(internal.hits, []);
  });

  test('an endpoint stored before the upgrade with a loopback literal is refused at send time', async () => {
    const endpoint = await strict.api('POST', '/v1/webhooks', { url: 'https://crm.test/old' });
    await strict.db.query('update webhook_endpoints set url = $1 where id = $2', [
      `http://2130706433:${internal.port}/old`,
      endpoint.json.id,
    ]);
    const delivery = await strict.firstAttempt(endpoint.json.id);
    assert.equal(delivery.attempts[0]!.statusCode, null);
    assert.match(delivery.attempts[0]!.error!, /^refused: /);
    assert.deepEqual(internal.hits, []);
  });

  test('WEBHOOK_ALLOW_PRIVATE: a self-hoster reaches its own network; the connection uses the checked answer; only the status is logged', async () => {
    dns.set('lan.test', [LOOPBACK]);
    const endpoint = await open.api('POST', '/v1/webhooks', {
      url: `http://lan.test:${internal.port}/lan`,
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.json));
    const delivery = await open.firstAttempt(endpoint.json.id);
    assert.deepEqual(internal.hits, ['/lan']);
    assert.equal(delivery.attempts[0]!.statusCode, 500);
    assert.equal(delivery.attempts[0]!.error, 'HTTP 500');
    assert.equal(delivery.lastError, 'HTTP 500');
    assert.doesNotMatch(JSON.stringify(delivery), /hunter2|internal:/);
  });
});
