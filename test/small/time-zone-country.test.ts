import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalisePhoneNumber } from '../../src/domain/phone-numbers.js';
import { countryOfTimeZone } from '../../src/domain/time-zone-country.js';

test('a business’s country from its time zone', () => {
  assert.equal(countryOfTimeZone('America/Sao_Paulo'), 'BR');
  assert.equal(countryOfTimeZone('America/Manaus'), 'BR');
  assert.equal(countryOfTimeZone('Europe/Lisbon'), 'PT');
  assert.equal(countryOfTimeZone('Europe/Madrid'), 'ES');
  assert.equal(countryOfTimeZone('America/Mexico_City'), 'MX');
  assert.equal(countryOfTimeZone('America/New_York'), 'US');
  assert.equal(countryOfTimeZone('UTC'), undefined);
  assert.equal(countryOfTimeZone(undefined), undefined);
  assert.equal(countryOfTimeZone('Not/AZone'), undefined);
});

test('national numbers read with the business’s country; international ones still work', () => {
  const br = countryOfTimeZone('America/Sao_Paulo');
  assert.equal(normalisePhoneNumber('(11) 98765-4321', 'phone', br), '5511987654321');
  assert.equal(normalisePhoneNumber('11 98765-4321', 'phone', br), '5511987654321');
  assert.equal(normalisePhoneNumber('5511987654321', 'phone', br), '5511987654321');
  assert.equal(normalisePhoneNumber('+55 11 98765-4321', 'phone', br), '5511987654321');
  // A foreign number typed without its '+' in Brazil: not a Brazilian number, so international.
  assert.equal(normalisePhoneNumber('351912345678', 'phone', br), '351912345678');
  assert.equal(
    normalisePhoneNumber('912 345 678', 'phone', countryOfTimeZone('Europe/Lisbon')),
    '351912345678',
  );
  assert.throws(() => normalisePhoneNumber('12', 'phone', br), { code: 'invalid_phone' });
  // Without a country nothing changes: digits are international.
  assert.equal(normalisePhoneNumber('5511987654321', 'phone'), '5511987654321');
});
