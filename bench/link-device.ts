/** Links one fresh device to a simulated phone by QR, timing scan → open. */
import { performance } from 'node:perf_hooks';
import type { ControlClient } from './control-client.js';
import type { BenchSession } from './sessions.js';

export interface LinkTiming {
  /** From just before the scan request to the session's open (after the 515 restart). */
  readonly linkMs: number;
  /** The scan request's own round trip (pair-success answered, 515 sent). */
  readonly scanMs: number;
  /** From start() to the first QR. */
  readonly qrMs: number;
  readonly device: number;
}

/**
 * Starts `session` (not linked yet), scans its first QR with `phone` through the control API, and
 * waits for the open session. Rejects on a failed scan, a terminal close, or after `timeoutMs`.
 */
export async function linkDevice(
  session: BenchSession,
  control: ControlClient,
  phone: string,
  timeoutMs: number,
): Promise<LinkTiming> {
  const started = performance.now();
  let qrAt: number | undefined;
  let scan: Promise<{ device: number; scanMs: number }> | undefined;
  let failScan: (err: unknown) => void = () => undefined;
  // Settles only when the scan request fails, so a failed scan ends the wait at once.
  const scanFailed = new Promise<never>((_, reject) => {
    failScan = reject;
  });
  session.onQr((qr) => {
    if (qrAt !== undefined) return;
    qrAt = performance.now();
    const t0 = qrAt;
    scan = control.scan(phone, qr).then((r) => ({ device: r.device, scanMs: performance.now() - t0 }));
    scan.catch((err: unknown) => failScan(err));
  });
  await session.start();
  await Promise.race([session.waitOpen(timeoutMs), scanFailed]);
  const openedAt = performance.now();
  if (qrAt === undefined || scan === undefined) throw new Error('the session opened without showing a QR');
  const { device, scanMs } = await scan;
  return { linkMs: openedAt - qrAt, scanMs, qrMs: qrAt - started, device };
}
