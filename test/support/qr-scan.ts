/**
 * What a phone's camera does with the QR code on a screen: a picture of the QR element, decoded and
 * scanned by a virtual phone (the simulator's scan-image).
 */
import type { Page } from 'playwright-core';
import type { VirtualPhone } from '../../src/simulator/index.js';

export interface ScanAnswer {
  readonly status: number;
  readonly json: { device?: number; error?: { code: string; message: string } };
}

/** A picture of the QR on the page and the code's sequence number while it was taken. */
export async function photographQr(page: Page): Promise<{ picture: Buffer; sequence: string | null }> {
  const qr = page.getByTestId('qr-code').first();
  for (;;) {
    await qr.locator('svg').waitFor();
    const sequence = await qr.getAttribute('data-sequence');
    const picture = await qr.locator('svg').screenshot();
    // A code that rotated while the picture was taken is photographed again.
    if ((await qr.getAttribute('data-sequence')) === sequence) return { picture, sequence };
  }
}

/** Scans a picture with `phone` (what its camera decoded), as the phone answers it. */
export async function scanPicture(
  controlUrl: string,
  phone: VirtualPhone,
  picture: Buffer,
): Promise<ScanAnswer> {
  const r = await fetch(`${controlUrl}/phones/${phone.phone}/scan-image`, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array(picture),
  });
  return { status: r.status, json: (await r.json()) as ScanAnswer['json'] };
}

/**
 * Scans the QR the page shows now. The linking suites give each code a few seconds of life (to see
 * codes rotate), which a slow machine can spend between the picture and the scan: when the phone
 * says the code expired and the page then shows the next one, the person would simply scan again,
 * and so does this (a few times). A refusal of any other kind, or an expired code the page goes on
 * showing (up to the page's wait), is the answer.
 */
export async function scanQrOnScreen(
  page: Page,
  controlUrl: string,
  phone: VirtualPhone,
): Promise<ScanAnswer> {
  for (let attempt = 1; ; attempt++) {
    const { picture, sequence } = await photographQr(page);
    const answer = await scanPicture(controlUrl, phone, picture);
    if (answer.json.error?.code !== 'qr_expired' || attempt >= 5 || sequence === null) return answer;
    const next = page.locator(`[data-testid="qr-code"]:not([data-sequence="${sequence}"])`).first();
    const nextShown = await next.waitFor().then(
      () => true,
      () => false,
    );
    if (!nextShown) return answer;
  }
}
