import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ChannelChange, ChannelChanges } from '../channels/channel-changes.js';

/**
 * A Server-Sent Events stream of channel changes: `accept` filters (tenant scope), `render` builds
 * the payload. Changes are coalesced per channel so a burst sends the latest state once.
 */
export function channelEventStream(
  c: Context,
  changes: ChannelChanges,
  accept: (change: ChannelChange) => boolean,
  render: (change: ChannelChange) => Promise<unknown>,
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
      wake?.();
    });
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
    unsubscribe();
  });
}
