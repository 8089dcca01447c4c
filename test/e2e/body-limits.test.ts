import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/gateway-harness.js';

const MB = 1024 * 1024;

interface Refusal {
  status: number;
  json: { error?: { code?: string; message?: string } };
  ms: number;
  /** Bytes the client had written when the answer came. */
  sent: number;
}

/**
 * POSTs `size` bytes of JSON-ish filler, streamed from one reused 64 KB chunk (so the client holds
 * no copy of the body), and resolves with the first answer, whether or not the upload finished.
 */
function bigPost(url: string, size: number, options: { chunked?: boolean } = {}): Promise<Refusal> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.chunked ? {} : { 'content-length': String(size) }),
      },
    });
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let json: Refusal['json'] = {};
        try {
          json = JSON.parse(text) as Refusal['json'];
        } catch {
          // left empty: the status assertion says what came back
        }
        resolve({ status: res.statusCode ?? 0, json, ms: performance.now() - started, sent });
      });
    });
    // The server closing the connection mid-upload is the point; only an error before any answer fails.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const pump = (): void => {
      while (!answered && sent < size && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (sent >= size && !answered) req.end();
    };
    pump();
  });
}

/**
 * `bigPost`, asked again when the connection broke before its answer could be read: the server
 * answers 413 and closes while the client is still writing, and the client's next write can fail
 * (EPIPE, ECONNRESET) before it has parsed the answer already on its way.
 */
async function bigPostAnswered(
  url: string,
  size: number,
  options: { chunked?: boolean } = {},
): Promise<Refusal> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bigPost(url, size, options);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 3 || (code !== 'EPIPE' && code !== 'ECONNRESET')) throw err;
    }
  }
}

/** Requests bodies beyond the limit are refused with 413 before anything reads them. */
describe('request-body limits', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({
      env: {
        // ALTEGIO's routes are mounted only with the integration configured; nothing is called out.
        ALTEGIO_PARTNER_TOKEN: 'partner-token-for-tests',
        ALTEGIO_APPLICATION_ID: '4242',
        ALTEGIO_API_URL: 'http://127.0.0.1:9',
      },
    });
  });
  after(async () => h.stop());

  test('a 20 MB POST to each unauthenticated route: 413 at once, memory not grown by the body', async () => {
    // The session threads load after the API listens and add their own memory (tens of MB each):
    // the baseline is taken once they have, so what is measured is what the bodies cost.
    await h.gateway.restored;
    let peakRss = process.memoryUsage().rss;
    const baseline = peakRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 5);
    try {
      for (const path of ['/altegio/operator', '/altegio/callback', '/support/login']) {
        for (const chunked of [false, true]) {
          const answer = await bigPostAnswered(h.gateway.url + path, 20 * MB, { chunked });
          const what = `${path} (${chunked ? 'chunked' : 'content-length'})`;
          assert.equal(answer.status, 413, `${what}: ${JSON.stringify(answer.json)}`);
          assert.equal(answer.json.error?.code, 'payload_too_large', what);
          assert.match(answer.json.error?.message ?? '', /body: at most 1048576 bytes/, what);
          assert.ok(answer.ms < 3_000, `${what} answered after ${Math.round(answer.ms)} ms`);
          // Refused long before the upload could finish: at most the limit (plus socket buffers) went in.
          assert.ok(answer.sent < 10 * MB, `${what}: ${answer.sent} bytes sent before the answer`);
        }
      }
    } finally {
      clearInterval(sampler);
    }
    // Six 20 MB bodies read whole would add well over 20 MB at some point; at most 1 MB is held.
    const grownMb = (peakRss - baseline) / MB;
    assert.ok(grownMb < 15, `resident memory grew by ${grownMb.toFixed(1)} MB`);
  });

  test("ALTEGIO's operator route refuses a wrong key before reading the body", async () => {
    // Half a body sent and the rest never: an answer can only come from not waiting for it.
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${h.gateway.url}/altegio/operator`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer zg_not_a_key',
          'content-type': 'application/json',
          'content-length': String(512 * 1024),
        },
      });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no answer: the route waited for the body'));
      }, 5_000);
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          clearTimeout(timer);
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() });
        });
      });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(256 * 1024, 'a'));
    });
    assert.equal(answer.status, 401, answer.text);
    assert.match(answer.text, /api_key/);
  });

  test('the batch route has its own, larger limit', async () => {
    const small = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: 'Padaria', timeZone: 'UTC' },
    });
    assert.equal(small.status, 201);
    const { apiKey } = small.json as { apiKey: string };
    // 2 MB: over the default limit, under the batch route's (8 MB): the batch is read and validated.
    const filler = 'x'.repeat(2 * MB);
    const post = (path: string) =>
      fetch(h.gateway.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ to: '+5511987654321', text: 'hi', metadata: { filler } }] }),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const single = await post('/v1/messages');
    assert.equal(single.status, 413);
    const batch = await post('/v1/messages/batch');
    assert.equal(batch.status, 200, JSON.stringify(batch.json).slice(0, 300));
    assert.equal(batch.json.invalid, 1);
    assert.match(batch.json.results[0].error.message, /metadata: at most 4 KB/);
  });
});
