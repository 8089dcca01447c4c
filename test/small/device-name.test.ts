import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEVICE_NAME_MAX, deviceName } from '../../src/domain/device-name.js';

describe('the linked device name', () => {
  test('fills {business} into the template', () => {
    assert.equal(deviceName('Zapgate · {business}', 'Studio Bela'), 'Zapgate · Studio Bela');
    assert.equal(deviceName('{business} notifications', 'Clínica Sol'), 'Clínica Sol notifications');
    assert.equal(deviceName('Zapgate', 'Studio Bela'), 'Zapgate');
  });
  test('one line, no dangling separator, cut to a length the phone shows', () => {
    assert.equal(deviceName('Zapgate · {business}', ' Studio\n  Bela '), 'Zapgate · Studio Bela');
    assert.equal(deviceName('Zapgate · {business}', '   '), 'Zapgate');
    const long = deviceName('Zapgate · {business}', 'A'.repeat(200));
    assert.equal(long.length, DEVICE_NAME_MAX);
    assert.ok(long.endsWith('…'));
  });
});
