import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/gateway-harness.js';

/**
 * Bad-input fuzzing over every JSON route of the OpenAPI document: valid bodies, mutated by a
 * seeded PRNG (wrong types, NULs, lone surrogates, huge numbers, deep nesting, odd dates, unknown
 * and missing keys, bodies that are not objects or not JSON), plus odd path and query values.
 * Nothing may answer 5xx, and a refused request writes nothing. Deterministic: FUZZ_SEED and
 * FUZZ_REQUESTS reproduce or widen a run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2_500);

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const message = (n: number): Record<string, Json> => ({
  to: `+55 11 9${String(6000_0000 + n).padStart(8, '0')}`,
  text: 'Lembrete: consulta amanhã às 10:00',
  metadata: { appointmentId: `a-${n}`, tags: ['x', 'y'], nested: { ok: true } },
  sendAfter: '2031-05-01T09:00:00-03:00',
  expiresAt: '2031-05-02T09:00:00Z',
  priority: 'transactional',
  urgent: false,
  idempotencyKey: `fuzz-${n}`,
});

/** A valid body for each JSON operation, by its path with any /v1/tenants/{tenantId} scope removed. */
const SEEDS: Record<string, (n: number) => Json> = {
  'PATCH /v1/tenant': () => ({ name: 'Clínica Fuzz', timeZone: 'America/Sao_Paulo', language: 'pt-BR' }),
  'POST /v1/tenant/api-keys': () => ({ label: 'fuzz' }),
  'POST /v1/api-keys': () => ({ label: 'fuzz' }),
  'POST /v1/channels': () => ({ name: 'Recepção' }),
  'PUT /v1/channels/{channelId}/pairing-phone': () => ({ phone: '+5511912345678' }),
  'PUT /v1/channels/{channelId}/link-mode': () => ({ mode: 'qr' }),
  'POST /v1/channels/{channelId}/watch': () => ({ retry: false }),
  'POST /v1/tenants': (n) => ({ name: `Salão ${n}`, timeZone: 'UTC', language: 'es' }),
  'PUT /v1/altegio/settings': () => ({
    schedule: {
      reminderOffsetsHours: [24, 2],
      enabled: { reminder: true, review_request: false },
      reviewDelayMinutes: 120,
      reviewOnlyWhenArrived: false,
      reviewExpiryHours: 24,
      eventDelaySeconds: 60,
    },
    replies: { confirm: ['+', '1'], cancel: ['-', '3'], cancelAction: 'no_show' },
    testPhone: null,
  }),
  'POST /v1/altegio/templates/preview': () => ({
    body: 'Olá %CLIENT_NAME%, até %DATETIME%',
    language: 'pt-BR',
  }),
  'PUT /v1/altegio/templates/{kind}/{language}': () => ({ body: 'Lembrete: %DATETIME%' }),
  'POST /v1/webhooks': () => ({ url: 'http://127.0.0.1:9/hook', events: ['message.status'] }),
  'PATCH /v1/webhooks/{webhookId}': () => ({ enabled: false, events: null }),
  'POST /v1/messages': (n) => message(n),
  'POST /v1/messages/batch': (n) => ({
    messages: [message(n), { ...message(n + 1), idempotencyKey: `fuzz-b-${n}` }],
  }),
  'PUT /v1/templates/{name}/{language}': () => ({ body: 'Olá {{name}}, até amanhã' }),
  'PUT /v1/pacing': () => ({
    enabled: true,
    minIntervalMs: 4000,
    jitterMs: 3000,
    typingMsPerChar: 40,
    typingMaxMs: 4000,
    recipientHourlyCap: 3,
    channelDailyCap: 1000,
    warmUpDays: 7,
    warmUpDailyCap: 50,
    sendingWindow: { start: '08:00', end: '21:00' },
  }),
};
const seedKey = (method: string, path: string) =>
  `${method} ${path.replace(/^\/v1\/tenants\/\{tenantId\}(?=\/)/, '/v1')}`;

interface Operation {
  method: string;
  path: string;
  json: boolean;
  query: string[];
}

describe('bad-input fuzz over the OpenAPI document', () => {
  let h: Harness;
  let business: { apiKey: string; tenantId: string; channelId: string };
  const ids: Record<string, string> = {};

  before(async () => {
    h = await startHarness({
      env: {
        // ALTEGIO's settings routes exist only with the integration configured; nothing is called out.
        ALTEGIO_PARTNER_TOKEN: 'partner-token-for-tests',
        ALTEGIO_APPLICATION_ID: '4242',
        ALTEGIO_API_URL: 'http://127.0.0.1:9',
      },
    });
    const created = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'Fuzz', timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
    });
    assert.equal(created.status, 201);
    business = {
      apiKey: created.json.apiKey,
      tenantId: created.json.tenant.id,
      channelId: created.json.channelId,
    };
    const webhook = await h.api('POST', '/v1/webhooks', {
      key: business.apiKey,
      body: { url: 'http://127.0.0.1:9/hook' },
    });
    assert.equal(webhook.status, 201, JSON.stringify(webhook.json));
    const sent = await h.api('POST', '/v1/messages', { key: business.apiKey, body: message(0) });
    assert.equal(sent.status, 202);
    Object.assign(ids, {
      tenantId: business.tenantId,
      channelId: business.channelId,
      webhookId: webhook.json.id,
      messageId: sent.json.id,
      deliveryId: 'whd_unknown',
      name: 'reminder',
      language: 'pt-BR',
      kind: 'reminder',
    });
  });
  after(async () => h.stop());

  /** Rows a refused request must not add or remove (messages first: batches are checked by it). */
  const counts = async (): Promise<number[]> => {
    const [row] = await h.gateway.db.query<Record<string, unknown>>(
      `select (select count(*) from messages) as messages, (select count(*) from tenants) as tenants,
              (select count(*) from channels) as channels, (select count(*) from api_keys) as api_keys,
              (select count(*) from webhook_endpoints) as webhooks,
              (select count(*) from message_templates) as templates`,
    );
    return Object.values(row!).map(Number);
  };

  // About 35 s on a quiet 2-core machine; several times that when the machine is loaded.
  test(
    `${REQUESTS} mutated requests (seed ${SEED}): no 5xx, no partial write`,
    { timeout: 600_000 },
    async () => {
      const random = prng(SEED);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const doc = (await (await fetch(`${h.gateway.url}/openapi.json`)).json()) as {
        paths: Record<
          string,
          Record<string, { requestBody?: { content?: object }; parameters?: { in: string; name: string }[] }>
        >;
      };
      const operations: Operation[] = [];
      for (const [path, item] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(item)) {
          const json = Boolean(op.requestBody?.content && 'application/json' in op.requestBody.content);
          const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
          if (json || query.length) operations.push({ method: method.toUpperCase(), path, json, query });
        }
      const jsonOps = operations.filter((o) => o.json);
      assert.ok(jsonOps.length >= 15, `JSON routes found: ${jsonOps.length}`);
      for (const op of jsonOps)
        assert.ok(
          SEEDS[seedKey(op.method, op.path)],
          `no valid body for ${op.method} ${op.path}: add one to SEEDS`,
        );

      const oddStrings = [
        '',
        '\u0000',
        'a\u0000b',
        '\ud800',
        'x\udfff',
        ' ',
        'x'.repeat(5_000),
        '2025-05-01T09:00:00+25:00',
        '2025-05-01T09:00:00-24:00',
        '0000-01-01T00:00:00Z',
        '9999-12-31T23:59:59-23:59',
        '2025-02-30T09:00:00Z',
        '25:61',
        '+0',
        "'; drop table messages; --",
        '%00',
        '{{name}}%CLIENT_NAME%',
        '١٢٣',
      ];
      const deep = (depth: number): Json => {
        let value: Json = 1;
        for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { a: value };
        return value;
      };
      const oddValue = (): Json =>
        pick<() => Json>([
          () => null,
          () => pick([true, false]),
          () => pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324]),
          () => pick(oddStrings),
          () => [],
          () => ({}),
          () => [pick(oddStrings), 1, null],
          () => ({ [pick(oddStrings)]: pick(oddStrings) }),
          () => deep(pick([33, 40, 200])),
        ])();
      /** Every place in a value: [parent, key] pairs, so one can be replaced or deleted. */
      const places = (value: Json): [Record<string, Json> | Json[], string | number][] => {
        const out: [Record<string, Json> | Json[], string | number][] = [];
        const walk = (v: Json): void => {
          if (Array.isArray(v))
            v.forEach((item, i) => {
              out.push([v, i]);
              walk(item);
            });
          else if (v && typeof v === 'object')
            for (const [k, item] of Object.entries(v)) {
              out.push([v, k]);
              walk(item);
            }
        };
        walk(value);
        return out;
      };
      /** The body as text: a mutated JSON value, or text that is not quite JSON. */
      const mutate = (valid: Json): string => {
        const body = structuredClone(valid);
        const rounds = 1 + Math.floor(random() * 2);
        for (let r = 0; r < rounds; r++) {
          const spots = places(body);
          const kind = random();
          if (spots.length && kind < 0.45) {
            const [parent, key] = pick(spots);
            (parent as Record<string | number, Json>)[key] = oddValue();
          } else if (spots.length && kind < 0.6) {
            const [parent, key] = pick(spots);
            if (Array.isArray(parent)) parent.splice(Number(key), 1);
            else delete parent[key as string];
          } else if (kind < 0.75) {
            const objects = [body, ...spots.map(([p, k]) => (p as Record<string | number, Json>)[k]!)].filter(
              (v): v is Record<string, Json> => Boolean(v) && typeof v === 'object' && !Array.isArray(v),
            );
            if (objects.length)
              pick(objects)[pick(['extra', 'a\u0000', '\ud800', '__proto__', 'constructor'])] = oddValue();
          } else if (kind < 0.82) {
            return JSON.stringify(oddValue());
          } else if (kind < 0.9) {
            // Numbers JSON.stringify cannot write: 1e400 parses as Infinity, -0, long digit runs.
            const text = JSON.stringify(body);
            return text.replace(
              /(?<=[:[,])-?\d+(\.\d+)?/,
              pick(['1e400', '-1e400', '-0', '9'.repeat(400), '0.' + '0'.repeat(400) + '1']),
            );
          } else if (kind < 0.95) {
            const text = JSON.stringify(body);
            return pick([
              text.slice(0, Math.floor(random() * text.length)),
              `${text}x`,
              text.replace(/"/, ''),
              '',
            ]);
          } else {
            return '['.repeat(5_000) + ']'.repeat(5_000);
          }
        }
        return JSON.stringify(body);
      };
      const encode = (text: string): string => {
        try {
          return encodeURIComponent(text);
        } catch {
          return '%ED%A0%80'; // a lone surrogate has no UTF-8: its CESU bytes instead
        }
      };
      const oddParam = (): string =>
        pick([
          '%00',
          'a%00b',
          '%ED%A0%80',
          '%FF',
          '..',
          '%2e%2e%2f',
          'x'.repeat(3_000),
          '-1',
          '0',
          'null',
          '%20',
          '😀',
        ]);
      const fillPath = (path: string, odd: boolean): string =>
        path.replace(/\{(\w+)\}/g, (_, name: string) =>
          odd && random() < 0.5 ? oddParam() : encodeURIComponent(ids[name] ?? 'unknown'),
        );

      let n = 1_000;
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const timings = new Map<string, number>();
      let lastCounts = await counts();
      for (let i = 0; i < REQUESTS && failures.length < 10; i++) {
        const op = pick(operations);
        // Everything under /v1/tenants is the operators' (admin key); the rest is the business's.
        const key = op.path.startsWith('/v1/tenants') ? h.adminKey : business.apiKey;
        // Some requests are valid (so writes happen and are counted), most are not.
        const valid = random() < 0.15;
        const seed = SEEDS[seedKey(op.method, op.path)];
        let body: string | undefined;
        if (op.json && seed) body = valid ? JSON.stringify(seed(++n)) : mutate(seed(++n));
        let url = fillPath(op.path, !valid && random() < 0.15);
        if (op.query.length && (!op.json || random() < 0.3)) {
          const params = op.query.map(
            (q) => `${encodeURIComponent(q)}=${valid ? '' : pick([oddParam(), encode(pick(oddStrings))])}`,
          );
          if (random() < 0.2) params.push(`${pick(['x%00', 'extra', '%ED%A0%80'])}=1`);
          url += `?${params.join('&')}`;
        }
        // Nothing but these requests writes those rows, and GETs write none: the counts after the
        // last write are the counts before this request.
        const before = lastCounts;
        const started = performance.now();
        const response = await fetch(h.gateway.url + url, {
          method: op.method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: op.method === 'GET' ? undefined : body,
        });
        const text = await response.text();
        const opKey = `${op.method} ${op.path}`;
        timings.set(opKey, (timings.get(opKey) ?? 0) + performance.now() - started);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const what = `#${i} ${op.method} ${url.slice(0, 200)} ${String(body).slice(0, 300)} → ${response.status} ${text.slice(0, 300)}`;
        if (response.status >= 500) failures.push(what);
        if (op.method === 'GET') continue;
        const after = await counts();
        lastCounts = after;
        if (response.status >= 400 && after.join() !== before.join())
          failures.push(`${what}\n  refused, yet rows changed: ${before.join()} → ${after.join()}`);
        if (response.status < 300 && op.path === '/v1/messages/batch') {
          // Per-item outcomes: exactly the accepted items were stored.
          const result = JSON.parse(text) as { accepted: number };
          if (after[0]! - before[0]! !== result.accepted)
            failures.push(
              `${what}\n  batch accepted ${result.accepted} but stored ${after[0]! - before[0]!}`,
            );
        }
      }
      if (process.env.FUZZ_DEBUG)
        console.log(
          [...timings]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8)
            .map(([k, ms]) => `${k} ${Math.round(ms)} ms`),
        );
      assert.deepEqual(failures, [], `statuses: ${JSON.stringify([...statuses])}`);
      // The run did reach the routes' validation, not only the edge.
      assert.ok((statuses.get(400) ?? 0) > REQUESTS / 4, JSON.stringify([...statuses]));
      assert.ok(
        [...statuses.keys()].some((s) => s < 300),
        JSON.stringify([...statuses]),
      );
    },
  );
});
