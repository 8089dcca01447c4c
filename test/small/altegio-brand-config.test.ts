import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { parseOperatorRequest } from '../../src/integrations/altegio/domain/operator-request.js';
import { partnerHeaders } from '../../src/integrations/altegio/domain/partner-api.js';
import { failure } from '../support/app-error.js';

const base = { ALTEGIO_PARTNER_TOKEN: 'partner-token-1234', ALTEGIO_APPLICATION_ID: '77' };

describe('ALTEGIO and YCLIENTS: one adapter, two brands', () => {
  test('ALTEGIO by default: its hosts, Accept header and status-callback hosts', () => {
    const a = loadConfig(base).altegio!;
    assert.equal(a.brand, 'altegio');
    assert.equal(a.accept, 'application/vnd.api.v2+json');
    assert.equal(a.restUrl, 'https://api.alteg.io/api/v1');
    assert.equal(a.marketplaceUrl, 'https://api.alteg.io/api/v1');
    assert.deepEqual(a.callbackHosts, ['api.alteg.io', 'app.alteg.io']);
    assert.equal(a.reportBody, 'list', 'status reports are a JSON array unless told otherwise');
  });

  test('YCLIENTS: api.yclients.com, its Accept header, yclients.com callbacks allowed', () => {
    const y = loadConfig({ ...base, ALTEGIO_BRAND: 'yclients' }).altegio!;
    assert.equal(y.brand, 'yclients');
    assert.equal(y.accept, 'application/vnd.yclients.v2+json');
    assert.equal(y.restUrl, 'https://api.yclients.com/api/v1');
    assert.equal(y.marketplaceUrl, 'https://api.yclients.com');
    assert.deepEqual(y.callbackHosts, ['api.yclients.com', 'yclients.com']);
    const request = (url: string) => ({
      destination_params: { id: 1, phone: '79161234567' },
      text: 'x',
      channel: 'whatsapp',
      delivery_callback_url: url,
    });
    const options = { allowedCallbackHosts: y.callbackHosts };
    assert.ok(
      parseOperatorRequest(request('https://yclients.com/smsprovider/status/callback/t'), options)
        .deliveryCallbackUrl,
    );
    assert.equal(
      failure(() =>
        parseOperatorRequest(request('https://app.alteg.io/smsprovider/status/callback/t'), options),
      ).details?.altegioErrorCode,
      15,
    );
    assert.equal(partnerHeaders('p', 'u', y.accept).accept, 'application/vnd.yclients.v2+json');
  });

  test('every part can be set on its own; a bad Accept or brand is named', () => {
    const c = loadConfig({
      ...base,
      ALTEGIO_BRAND: 'yclients',
      ALTEGIO_API_URL: 'http://127.0.0.1:9/',
      ALTEGIO_ACCEPT: 'application/vnd.yclients.v3+json',
      ALTEGIO_MARKETPLACE_URL: 'https://app.yclients.com/',
    }).altegio!;
    assert.equal(c.restUrl, 'http://127.0.0.1:9/api/v1');
    assert.equal(c.marketplaceUrl, 'https://app.yclients.com');
    assert.equal(c.accept, 'application/vnd.yclients.v3+json');
    assert.deepEqual(c.callbackHosts, ['127.0.0.1', 'yclients.com', 'api.yclients.com']);
    assert.throws(() => loadConfig({ ...base, ALTEGIO_ACCEPT: 'text/html' }), /ALTEGIO_ACCEPT/);
    assert.throws(() => loadConfig({ ...base, ALTEGIO_BRAND: 'dikidi' }), /ALTEGIO_BRAND/);
  });
});
