/**
 * Server-side QR reading for the virtual phone: a picture of a QR code (PNG) → the text it encodes,
 * the way the phone's camera would read it. Used by `POST /phones/:phone/scan-image`.
 */
import type { Context } from 'hono';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { SimulatorError } from './errors.js';

// jsqr is CommonJS with an ES-style `default`: under NodeNext the import is the module object.
const jsQR = jsQRModule.default;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Larger pictures are refused before decoding: 25 Mpx is 100 MB of RGBA. */
const MAX_PIXELS = 25_000_000;
/** The largest upload `scan-image` accepts. */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 24 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(PNG_SIGNATURE);
}

/** The text of the QR code in a PNG image, or undefined when the image is not a PNG or shows no readable QR. */
export function decodeQrFromPng(bytes: Uint8Array): string | undefined {
  if (!isPng(bytes)) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR comes first: width and height are big-endian at 16 and 20.
  if (buffer.readUInt32BE(16) * buffer.readUInt32BE(20) > MAX_PIXELS) return undefined;
  let png: PNG;
  try {
    png = PNG.sync.read(buffer);
  } catch {
    return undefined;
  }
  const rgba = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const found = jsQR(rgba, png.width, png.height, { inversionAttempts: 'attemptBoth' });
  return found?.data ? found.data : undefined;
}

const imageJson = (raw: unknown): string | undefined =>
  typeof raw === 'object' &&
  raw !== null &&
  typeof (raw as { imageBase64?: unknown }).imageBase64 === 'string'
    ? (raw as { imageBase64: string }).imageBase64
    : undefined;

/**
 * The QR text of a `scan-image` request: the body is the raw PNG (content-type image/png), or JSON
 * `{imageBase64}` (a data: URL is accepted too). Throws `invalid_request` or `qr_unreadable`.
 */
export async function qrFromImageRequest(c: Context): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_IMAGE_BYTES)
    throw new SimulatorError('invalid_request', `the image is larger than ${MAX_IMAGE_BYTES} bytes`);
  let bytes: Uint8Array;
  if ((c.req.header('content-type') ?? '').includes('json')) {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new SimulatorError('invalid_request', 'the body must be JSON {imageBase64} or the image itself');
    }
    const base64 = imageJson(raw);
    if (!base64) throw new SimulatorError('invalid_request', 'imageBase64: Required');
    bytes = Buffer.from(base64.replace(/^data:[^,]*,/, ''), 'base64');
  } else {
    bytes = new Uint8Array(await c.req.arrayBuffer());
  }
  if (bytes.length === 0) throw new SimulatorError('invalid_request', 'the body is empty: send the image');
  if (bytes.length > MAX_IMAGE_BYTES)
    throw new SimulatorError('invalid_request', `the image is larger than ${MAX_IMAGE_BYTES} bytes`);
  if (!isPng(bytes)) throw new SimulatorError('qr_unreadable', 'only PNG images can be read');
  const text = decodeQrFromPng(bytes);
  if (text === undefined) throw new SimulatorError('qr_unreadable');
  return text;
}
