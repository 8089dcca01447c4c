import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { ChannelChange, ChannelChanges } from '../channels/channel-changes.js';
import { AppError } from '../domain/errors.js';

/**
 * Open event streams per key (a panel session, a QR-page link, a support session): each holds a
 * connection and a subscription for as long as the client keeps it, so one client may not hold
 * more than `limit`.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Takes a slot (or refuses with 429); the returned function gives it back, once. */
  take(key: string): () => void {
    const n = this.open.get(key) ?? 0;
    if (n >= this.limit)
      throw new AppError(
        'rate_limited',
        `${this.limit} live views are already open here, the most at once; close another tab or window first.`,
        { details: { limit: this.limit } },
      );
    this.open.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }
}

/**
 * A Server-Sent Events stream of channel changes: `accept` filters (tenant scope), `render` builds
 * the payload. Changes are coalesced per channel so a burst sends the latest state once. `release`
 * (a StreamSlots slot) is called once the stream ends.
 */
export function channelEventStream(
  c: Context,
  changes: ChannelChanges,
  accept: (change: ChannelChange) => boolean,
  render: (change: ChannelChange) => Promise<unknown>,
  release: () => void = () => undefined,
): Response {
  // Subscribe before the response starts: the browser re-reads the state when the stream opens,
  // so a change published between that read and a later subscription would be lost.
  const pending = new Map<string, ChannelChange>();
  let wake: (() => void) | undefined;
  const unsubscribe = changes.subscribe((change) => {
    if (!accept(change)) return;
    pending.set(change.channelId, change);
    wake?.();
  });
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => {
      unsubscribe();
      release();
      wake?.();
    });
    try {
      await events(stream);
    } finally {
      unsubscribe();
      release();
    }
  });

  async function events(stream: SSEStreamingApi): Promise<void> {
    await stream.writeSSE({ event: 'ready', data: '{}' });
    while (!stream.aborted) {
      if (pending.size === 0) {
        // Wake on a change, or every 25 s to keep proxies from closing an idle stream.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 25_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        if (pending.size === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
        continue;
      }
      const batch = [...pending.values()];
      pending.clear();
      for (const change of batch) {
        try {
          await stream.writeSSE({ event: 'channel', data: JSON.stringify(await render(change)) });
        } catch {
          // The channel went away or the viewer lost access: nothing to send.
        }
      }
    }
  }
}
