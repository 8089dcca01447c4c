import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { AppError } from '../../src/domain/errors.js';
import { bodyLimits, checkJsonValue, MAX_JSON_DEPTH, parseJsonText } from '../../src/http/request-guards.js';
import {
  cameFromDatabase,
  isDatabaseUnavailable,
  isUnstorableText,
  openDatabase,
} from '../../src/store/database.js';

const fieldOf = (work: () => unknown): string | undefined => {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, 'invalid_input');
    return err.details?.field as string;
  }
  return undefined;
};

describe('JSON body checks', () => {
  test('a NUL or a lone surrogate is named by its path, keys included', () => {
    assert.equal(
      fieldOf(() => checkJsonValue({ text: 'a\u0000' })),
      'text',
    );
    assert.equal(
      fieldOf(() => checkJsonValue({ a: [{ b: 'x' }, { b: '\ud800' }] })),
      'a.1.b',
    );
    assert.equal(
      fieldOf(() => checkJsonValue({ metadata: { 'k\u0000': 1 } })),
      'metadata',
    );
    assert.equal(
      fieldOf(() => checkJsonValue('\u0000')),
      'body',
    );
    assert.equal(
      fieldOf(() => checkJsonValue({ ok: 'olá 😀 ١٢٣', n: 1, b: null })),
      undefined,
    );
  });

  test('depth is bounded at 32 levels, without recursion', () => {
    const nested = (depth: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i++) value = { a: value };
      return value;
    };
    assert.equal(
      fieldOf(() => checkJsonValue(nested(MAX_JSON_DEPTH))),
      undefined,
    );
    assert.match(fieldOf(() => checkJsonValue(nested(MAX_JSON_DEPTH + 1))) ?? '', /^(a\.){31}a$/);
    assert.ok(fieldOf(() => checkJsonValue(nested(100_000))));
  });

  test('text that is not JSON is a 400 on body', () => {
    assert.equal(
      fieldOf(() => parseJsonText('{"a":')),
      'body',
    );
    assert.equal(
      fieldOf(() => parseJsonText('')),
      'body',
    );
    assert.deepEqual(parseJsonText('{"a":[1,"b"]}'), { a: [1, 'b'] });
  });
});

describe('database errors', () => {
  const withCode = (message: string, code?: string) => Object.assign(new Error(message), { code });

  test('unreachable, silent, shutting down or timed out: unavailable', () => {
    for (const err of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new Error('Client has encountered a connection error and is not queryable'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode('connection failure', '08006'),
      new Error('PGlite is closed'),
    ])
      assert.ok(isDatabaseUnavailable(err), err.message);
  });

  test('a wrong query or a conflict is not', () => {
    for (const err of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('column "x" does not exist', '42703'),
      withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021'),
      new Error('something else'),
      'a string',
      undefined,
    ])
      assert.equal(isDatabaseUnavailable(err), false, String(err));
    assert.ok(isUnstorableText(withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021')));
    assert.ok(!isUnstorableText(withCode('duplicate key', '23505')));
  });

  test("only the driver's own errors count as the database's", async () => {
    const db = await openDatabase({});
    try {
      const thrown = await db.query('select * from no_such_table').catch((err: unknown) => err);
      assert.ok(cameFromDatabase(thrown));
      const inTransaction = await db.transaction((tx) => tx.query('select 1/0')).catch((err: unknown) => err);
      assert.ok(cameFromDatabase(inTransaction));
      // A refused outbound connection is not the database being down.
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
      assert.ok(isDatabaseUnavailable(refused) && !cameFromDatabase(refused));
    } finally {
      await db.close();
    }
  });
});

describe('body limits on @hono/node-server', () => {
  /**
   * A real HTTP server (127.0.0.1, an ephemeral port) with the body limits and one route that reads
   * its body as the API's routes do, answering whether @hono/node-server had to build a fetch
   * Request for it (its request-cache property is set then; issue 9: that Request outlived the
   * young generation for every POST).
   */
  async function serveWithLimits(t: TestContext): Promise<string> {
    const app = new Hono();
    app.use('*', bodyLimits({ defaultBytes: 1_000, batchBytes: 2_000 }));
    app.onError((err, c) =>
      c.json({ code: err instanceof AppError ? err.code : 'other' }, err instanceof AppError ? 413 : 500),
    );
    app.post('/read', async (c) => {
      // ?touch asks for the body stream first, as hono's guard does: the probe must then see a Request.
      if (c.req.query('touch') !== undefined) void c.req.raw.body;
      const text = await c.req.text();
      const cache = Object.getOwnPropertySymbols(c.req.raw).find((s) => s.description === 'requestCache');
      const built =
        cache !== undefined && (c.req.raw as unknown as Record<symbol, unknown>)[cache] !== undefined;
      return c.json({ length: text.length, built });
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/read`;
  }
  const chunked = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    });

  test('a declared length is checked from the header: no fetch Request is built for the body', async (t) => {
    const url = await serveWithLimits(t);
    const ok = await fetch(url, { method: 'POST', body: 'x'.repeat(500) });
    assert.deepEqual(await ok.json(), { length: 500, built: false });
    // The probe sees a Request when one is built (were node-server's cache renamed, it would not).
    const touched = await fetch(`${url}?touch`, { method: 'POST', body: 'x'.repeat(500) });
    assert.deepEqual(await touched.json(), { length: 500, built: true });
    const over = await fetch(url, { method: 'POST', body: 'x'.repeat(1_001) });
    assert.equal(over.status, 413);
    assert.deepEqual(await over.json(), { code: 'payload_too_large' });
  });

  test('a chunked body is still counted as it streams', async (t) => {
    const url = await serveWithLimits(t);
    const init = (text: string) => ({ method: 'POST', body: chunked(text), duplex: 'half' }) as RequestInit;
    const ok = await fetch(url, init('x'.repeat(500)));
    assert.equal(((await ok.json()) as { length: number }).length, 500);
    const over = await fetch(url, init('x'.repeat(1_001)));
    assert.equal(over.status, 413);
  });
});
