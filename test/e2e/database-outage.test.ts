import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { TEST_POSTGRES_URL, dropTestSchema } from '../support/databases.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait-for.js';

/** Longest any answer may take during an outage: the query timeout (3.5 s here) plus slack. */
const ANSWER_DEADLINE_MS = 8_000;

interface Answer {
  status: number;
  json: any;
  retryAfter: string | null;
  ms: number;
}

/**
 * The gateway on PostgreSQL behind a proxy the test controls: while the database is silent or
 * refuses connections, requests answer 503 with Retry-After (never hang, never 500), liveness stays
 * up and readiness says not ready; afterwards everything works again and every message accepted
 * (before, during or after) is stored exactly once.
 */
describe('database outage (PostgreSQL)', () => {
  let h: Harness;
  let proxy: TcpProxy;
  const schema = `outage_${randomBytes(5).toString('hex')}`;
  let apiKey: string;
  let tenantId: string;
  /** Idempotency key → message id, for every send answered 202/200. */
  const accepted = new Map<string, string>();
  /** Keys whose send was refused with 503 (retried after the outage). */
  const refused: string[] = [];
  let seq = 0;

  const call = async (method: string, path: string, body?: unknown, key = apiKey): Promise<Answer> => {
    const started = performance.now();
    const response = await fetch(h.gateway.url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A hang fails the test here instead of at the runner's timeout.
      signal: AbortSignal.timeout(ANSWER_DEADLINE_MS),
    });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the assertion message
    }
    return {
      status: response.status,
      json,
      retryAfter: response.headers.get('retry-after'),
      ms: performance.now() - started,
    };
  };
  const send = async (key: string): Promise<Answer> => {
    const answer = await call('POST', '/v1/messages', {
      to: `+55 11 9${String(7000_0000 + ++seq).padStart(8, '0')}`,
      text: `Lembrete ${key}`,
      idempotencyKey: key,
    });
    if (answer.status === 202 || answer.status === 200) accepted.set(key, answer.json.id as string);
    return answer;
  };
  const assertUnavailable = (answer: Answer, what: string): void => {
    assert.equal(answer.status, 503, `${what}: ${answer.status} ${JSON.stringify(answer.json)}`);
    assert.equal(answer.json.error.code, 'database_unavailable', what);
    assert.ok(Number(answer.retryAfter) > 0, `${what}: Retry-After ${answer.retryAfter}`);
  };

  before(async () => {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const target = new URL(TEST_POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(TEST_POSTGRES_URL);
    viaProxy.port = String(proxy.port);
    viaProxy.searchParams.set('options', `-c search_path=${schema}`);
    h = await startHarness({
      env: {
        DATABASE_URL: viaProxy.toString(),
        MASTER_KEY: randomBytes(32).toString('base64'),
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_STATEMENT_TIMEOUT_MS: '1500',
      },
    });
    const created = await call(
      'POST',
      '/v1/tenants',
      { name: 'Clínica Sorriso', timeZone: 'America/Sao_Paulo' },
      h.adminKey,
    );
    assert.equal(created.status, 201, JSON.stringify(created.json));
    apiKey = created.json.apiKey as string;
    tenantId = created.json.tenant.id as string;
  });
  after(async () => {
    await proxy.resume().catch(() => undefined);
    await h.stop();
    await proxy.close();
    await dropTestSchema(schema);
  });

  test('503 while silent or refused, full recovery after, nothing accepted lost', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await send(`before-${i}`)).status, 202);
    assert.equal((await call('GET', '/readyz')).status, 200);

    // Silent: the server neither answers nor refuses (a network stall). Several requests at once,
    // on pooled connections and on new ones.
    proxy.silence();
    const silentKeys = Array.from({ length: 6 }, (_, i) => `silent-${i}`);
    const silentAnswers = await Promise.all([
      ...silentKeys.map((key) => send(key)),
      call('GET', '/v1/messages?limit=5'),
      call('GET', '/readyz'),
    ]);
    for (const [i, answer] of silentAnswers.entries()) {
      assertUnavailable(answer, `silent request ${i}`);
      assert.ok(answer.ms < ANSWER_DEADLINE_MS, `silent request ${i} took ${Math.round(answer.ms)} ms`);
    }
    refused.push(...silentKeys);
    const live = await call('GET', '/healthz');
    assert.equal(live.status, 200, 'liveness does not depend on the database');
    assert.ok(live.ms < 1_000);

    // Refused: connections dropped, the port closed.
    await proxy.refuse();
    const refusedKeys = Array.from({ length: 4 }, (_, i) => `refused-${i}`);
    const refusedAnswers = await Promise.all([
      ...refusedKeys.map((key) => send(key)),
      call('GET', `/v1/messages/${accepted.get('before-0')}`),
      call('GET', '/readyz'),
    ]);
    for (const [i, answer] of refusedAnswers.entries()) {
      assertUnavailable(answer, `refused request ${i}`);
      assert.ok(answer.ms < 5_000, `refused request ${i} took ${Math.round(answer.ms)} ms`);
    }
    refused.push(...refusedKeys);
    assert.equal((await call('GET', '/healthz')).status, 200);

    // Back: readiness returns, the refused sends succeed when retried with their keys, new ones too.
    await proxy.resume();
    await waitUntil(async () => (await call('GET', '/readyz')).status === 200, {
      what: '/readyz to answer 200 again',
      timeoutMs: 15_000,
    });
    for (const key of refused) {
      const retried = await send(key);
      // 200: a send whose commit reached the server just before the outage hid the answer.
      assert.ok(
        [200, 202].includes(retried.status),
        `${key}: ${retried.status} ${JSON.stringify(retried.json)}`,
      );
    }
    for (let i = 0; i < 3; i++) assert.equal((await send(`after-${i}`)).status, 202);
    const got = await call('GET', `/v1/messages/${accepted.get('before-4')}`);
    assert.equal(got.status, 200);

    // Every accepted message is stored once, under its key; nothing else was stored.
    const direct = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ id: string }>(
        `select id from ${schema}.messages where tenant_id = $1`,
        [tenantId],
      );
      assert.deepEqual(rows.map((r) => r.id).sort(), [...accepted.values()].sort());
      assert.equal(rows.length, 5 + refused.length + 3);
    } finally {
      await direct.end();
    }
  });
});
