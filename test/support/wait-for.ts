import { setTimeout as delay } from 'node:timers/promises';
import type { TypedEmitter } from '../../src/whatsapp/typed-emitter.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The next `event` from `source` that passes `where`, or a rejection after `timeoutMs`.
 * Subscribes synchronously: call it before triggering the action, await it after.
 */
export function waitForEvent<M extends object, K extends keyof M>(
  source: TypedEmitter<M>,
  event: K,
  opts: { where?: (payload: M[K]) => boolean; timeoutMs?: number; what?: string } = {},
): Promise<M[K]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<M[K]>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? `event "${String(event)}"`}`),
      );
    }, timeoutMs);
    const off = source.on(event, (payload) => {
      if (opts.where && !opts.where(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/**
 * Polls `probe` until it returns a truthy value (returned), or rejects after `timeoutMs`. For
 * conditions with no event to listen to (a simulated phone's inbox, for instance).
 */
export async function waitUntil<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${opts.what}`);
    await delay(opts.intervalMs ?? 20);
  }
}
