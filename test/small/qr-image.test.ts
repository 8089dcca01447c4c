import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { decodeQrFromPng } from '../../src/simulator/qr-image.js';

const LINKING_QR =
  'https://wa.me/settings/linked_devices#2@c2ltdWxhdG9yLXJlZg==,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,BBBB,CCCC,1';

function solidPng(width: number, height: number, value: number): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(value);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  return PNG.sync.write(png);
}

describe('decodeQrFromPng', () => {
  test('reads back the text of a QR code rendered to PNG', async () => {
    const png = await QRCode.toBuffer(LINKING_QR);
    assert.equal(decodeQrFromPng(png), LINKING_QR);
  });

  test('reads a QR drawn light-on-dark and one with a large margin', async () => {
    const inverted = await QRCode.toBuffer('hello simulator', {
      color: { dark: '#ffffffff', light: '#000000ff' },
    });
    assert.equal(decodeQrFromPng(inverted), 'hello simulator');
    const roomy = await QRCode.toBuffer('roomy', { margin: 40, scale: 6 });
    assert.equal(decodeQrFromPng(roomy), 'roomy');
  });

  test('accepts a Uint8Array view into a larger buffer', async () => {
    const png = await QRCode.toBuffer('offset');
    const padded = new Uint8Array(png.length + 10);
    padded.set(png, 7);
    assert.equal(decodeQrFromPng(padded.subarray(7, 7 + png.length)), 'offset');
  });

  test('a blank picture, a non-PNG and a truncated PNG have no QR', async () => {
    assert.equal(decodeQrFromPng(solidPng(200, 200, 255)), undefined);
    assert.equal(decodeQrFromPng(solidPng(64, 32, 0)), undefined);
    assert.equal(decodeQrFromPng(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])), undefined);
    assert.equal(decodeQrFromPng(new Uint8Array()), undefined);
    const png = await QRCode.toBuffer('cut short');
    assert.equal(decodeQrFromPng(png.subarray(0, Math.floor(png.length / 2))), undefined);
  });

  test('an absurdly large declared size is refused without decoding', () => {
    const png = solidPng(4, 4, 255);
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    assert.equal(decodeQrFromPng(png), undefined);
  });
});
