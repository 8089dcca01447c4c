import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const minimal = {
  ALTEGIO_PARTNER_TOKEN: 'partner-token-1234',
  ALTEGIO_APPLICATION_ID: '4242',
  ALTEGIO_USER_TOKEN: 'user-token-1234',
};

describe('ALTEGIO configuration', () => {
  test('the defaults are ALTEGIO’s documented hosts: three settings make a working install', () => {
    const altegio = loadConfig(minimal).altegio!;
    assert.equal(altegio.restUrl, 'https://api.alteg.io/api/v1');
    assert.equal(altegio.marketplaceUrl, 'https://api.alteg.io/api/v1');
    assert.equal(altegio.userToken, 'user-token-1234');
    assert.ok(altegio.callbackHosts.includes('app.alteg.io'), 'ALTEGIO’s status-callback host allowed');
  });

  test('the two bases are separate settings; ALTEGIO_API_URL moves both (a fake, a proxy)', () => {
    const both = loadConfig({ ...minimal, ALTEGIO_API_URL: 'http://127.0.0.1:9/' }).altegio!;
    assert.equal(both.restUrl, 'http://127.0.0.1:9/api/v1');
    assert.equal(both.marketplaceUrl, 'http://127.0.0.1:9/api/v1');
    const split = loadConfig({
      ...minimal,
      ALTEGIO_REST_URL: 'https://api.alteg.io/api/v1/',
      ALTEGIO_MARKETPLACE_URL: 'https://app.alteg.io',
    }).altegio!;
    assert.equal(split.restUrl, 'https://api.alteg.io/api/v1');
    assert.equal(split.marketplaceUrl, 'https://app.alteg.io');
  });

  test('the user token may be missing (the integration says so), but not malformed', () => {
    const withoutUser: Record<string, string> = { ...minimal };
    delete withoutUser.ALTEGIO_USER_TOKEN;
    assert.equal(loadConfig(withoutUser).altegio?.userToken, undefined);
    assert.throws(() => loadConfig({ ...minimal, ALTEGIO_USER_TOKEN: 'x' }), ConfigError);
    assert.throws(() => loadConfig({ ...minimal, ALTEGIO_REST_URL: 'not a url' }), /ALTEGIO_REST_URL/);
  });
});
