import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig, ConfigError } from '../../src/config.js';
import { resolveClientAddress, trustedRanges } from '../../src/http/client-address.js';

describe('the client address rate limits key on', () => {
  const none = trustedRanges([]);
  const proxies = trustedRanges(['10.0.0.0/8', '127.0.0.1', '::1']);

  test('without trusted proxies the peer is the client, whatever X-Forwarded-For says', () => {
    assert.equal(resolveClientAddress('203.0.113.9', '198.51.100.1', none), '203.0.113.9');
    assert.equal(resolveClientAddress('203.0.113.9', undefined, none), '203.0.113.9');
    // An IPv4-mapped IPv6 peer is the same client as its IPv4 spelling.
    assert.equal(resolveClientAddress('::ffff:203.0.113.9', undefined, none), '203.0.113.9');
  });

  test('a header from an untrusted peer is ignored', () => {
    assert.equal(resolveClientAddress('203.0.113.9', '10.1.1.1, 198.51.100.1', proxies), '203.0.113.9');
  });

  test('from a trusted proxy: the rightmost address that is not ours', () => {
    assert.equal(resolveClientAddress('127.0.0.1', '198.51.100.7', proxies), '198.51.100.7');
    // The client may write anything on the left; the hops our proxies appended are on the right.
    assert.equal(
      resolveClientAddress('10.0.0.5', '1.2.3.4, 198.51.100.7, 10.0.0.9', proxies),
      '198.51.100.7',
    );
    assert.equal(resolveClientAddress('::1', '[2001:db8::7]', proxies), '2001:db8::7');
    assert.equal(resolveClientAddress('::ffff:127.0.0.1', '198.51.100.7', proxies), '198.51.100.7');
  });

  test('a garbled hop ends the chain at the last address a trusted hop vouched for', () => {
    assert.equal(resolveClientAddress('127.0.0.1', 'nonsense, 10.0.0.9', proxies), '10.0.0.9');
    assert.equal(resolveClientAddress('127.0.0.1', 'nonsense', proxies), '127.0.0.1');
  });

  test('TRUSTED_PROXIES takes addresses and CIDRs, and names what is wrong', () => {
    assert.deepEqual(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, ::1 ' }).trustedProxies, [
      '10.0.0.0/8',
      '::1',
    ]);
    assert.deepEqual(loadConfig({}).trustedProxies, []);
    assert.throws(
      () => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,proxy.local' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /TRUSTED_PROXIES: not an IP address or CIDR: proxy\.local/.test(error.message),
    );
  });

  test('cookies are Secure when PUBLIC_URL is https', () => {
    assert.equal(loadConfig({ PUBLIC_URL: 'https://gateway.example' }).secureCookies, true);
    assert.equal(loadConfig({ PUBLIC_URL: 'http://gateway.example' }).secureCookies, false);
    assert.equal(loadConfig({}).secureCookies, false);
  });
});
