import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  newWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  WebhookVerificationError,
} from '../../src/webhooks/webhook-signature.js';

/** The Standard Webhooks reference algorithm, written out here independently of the code under test. */
const referenceSignature = (secret: string, id: string, timestamp: number, body: string): string => {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
};

describe('webhook signatures (Standard Webhooks)', () => {
  test("reproduces the specification's published test vector", () => {
    const signature = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  test('matches the reference algorithm for fresh secrets, ids and bodies', () => {
    for (let i = 0; i < 20; i++) {
      const secret = newWebhookSecret();
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
      const body = JSON.stringify({ type: 'message.status', data: { n: i, text: 'olá ✓' } });
      const id = `evt_${i}`;
      const ts = 1_700_000_000 + i;
      assert.equal(signWebhook(secret, id, ts, body), referenceSignature(secret, id, ts, body));
      assert.equal(
        webhookHeaders([secret], id, ts, body)['webhook-signature'],
        referenceSignature(secret, id, ts, body),
      );
    }
  });

  const secret = newWebhookSecret();
  const body = '{"type":"message.status","timestamp":"2026-01-01T00:00:00.000Z","data":{"status":"sent"}}';
  const now = new Date('2026-01-01T00:00:10Z');
  const ts = Math.floor(now.getTime() / 1000) - 10;
  const headers = webhookHeaders([secret], 'evt_1', ts, body);

  test('verify accepts a genuine message, from Headers or a plain (any-case) header object', () => {
    assert.deepEqual(verifyWebhook(secret, new Headers(headers), body, 300, now), {
      id: 'evt_1',
      timestamp: ts,
    });
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    assert.deepEqual(verifyWebhook(secret, upper, Buffer.from(body), 300, now), {
      id: 'evt_1',
      timestamp: ts,
    });
    // The bare base64 form of the secret works too.
    assert.equal(verifyWebhook(secret.slice(6), headers, body, 300, now).id, 'evt_1');
  });

  test('verify rejects tampering with the body, id, timestamp or signature, and a wrong secret', () => {
    const rejects = (h: Record<string, string>, b = body, s = secret) =>
      assert.throws(() => verifyWebhook(s, h, b, 300, now), WebhookVerificationError);
    rejects(headers, body.replace('sent', 'read'));
    rejects(headers, body + ' ');
    rejects({ ...headers, 'webhook-id': 'evt_2' });
    rejects({ ...headers, 'webhook-timestamp': String(ts + 1) });
    // Change the last significant base64 character to a different one (it may already be 'A').
    rejects({
      ...headers,
      'webhook-signature': headers['webhook-signature']!.replace(/.(?==$)/, (c) => (c === 'A' ? 'Q' : 'A')),
    });
    rejects({ ...headers, 'webhook-signature': headers['webhook-signature']!.replace('v1,', 'v2,') });
    rejects({ ...headers, 'webhook-signature': 'v1,' });
    rejects({ ...headers, 'webhook-signature': 'v1,AAAA' });
    rejects(headers, body, newWebhookSecret());
    rejects({
      'webhook-timestamp': headers['webhook-timestamp']!,
      'webhook-signature': headers['webhook-signature']!,
    });
    rejects({ ...headers, 'webhook-timestamp': '12e3' });
  });

  test('verify rejects timestamps outside the tolerance, either way', () => {
    const at = (seconds: number) => webhookHeaders([secret], 'evt_1', seconds, body);
    const nowS = Math.floor(now.getTime() / 1000);
    assert.doesNotThrow(() => verifyWebhook(secret, at(nowS - 300), body, 300, now));
    assert.doesNotThrow(() => verifyWebhook(secret, at(nowS + 300), body, 300, now));
    assert.throws(() => verifyWebhook(secret, at(nowS - 301), body, 300, now), /tolerance/);
    assert.throws(() => verifyWebhook(secret, at(nowS + 301), body, 300, now), /tolerance/);
    assert.throws(() => verifyWebhook(secret, at(nowS - 3600), body, 300, now), /tolerance/);
  });

  test('during a rotation both secrets sign, and either verifies', () => {
    const next = newWebhookSecret();
    const both = webhookHeaders([next, secret], 'evt_9', ts, body);
    const parts = both['webhook-signature']!.split(' ');
    assert.deepEqual(parts, [
      referenceSignature(next, 'evt_9', ts, body),
      referenceSignature(secret, 'evt_9', ts, body),
    ]);
    assert.equal(verifyWebhook(secret, both, body, 300, now).id, 'evt_9');
    assert.equal(verifyWebhook(next, both, body, 300, now).id, 'evt_9');
    assert.throws(() => verifyWebhook(newWebhookSecret(), both, body, 300, now), WebhookVerificationError);
  });

  test('refuses secrets too short to be safe', () => {
    assert.throws(() => signWebhook('whsec_AAAA', 'evt', 1, ''), /at least 16 bytes/);
  });
});
