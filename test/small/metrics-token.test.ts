import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { metricsTokenMatches } from '../../src/metrics.js';

describe('the /metrics token check', () => {
  const token = 'a-metrics-token-of-some-length';

  test('accepts exactly "Bearer <token>"', () => {
    assert.equal(metricsTokenMatches(`Bearer ${token}`, token), true);
  });

  test('refuses a missing, shorter, longer, differently cased or near-miss header', () => {
    for (const header of [
      undefined,
      '',
      'Bearer ',
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token}x`,
      `bearer ${token}`,
      `Bearer ${token.slice(0, -1)}X`,
      token,
    ])
      assert.equal(metricsTokenMatches(header, token), false, String(header));
  });
});
