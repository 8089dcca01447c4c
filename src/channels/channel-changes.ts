import { EventEmitter } from 'node:events';

export interface ChannelChange {
  readonly tenantId: string;
  readonly channelId: string;
}

/**
 * In-process fan-out of "this channel changed" to live viewers (SSE). One node only for now: with
 * several gateway nodes this becomes PostgreSQL LISTEN/NOTIFY behind the same two methods.
 */
export class ChannelChanges {
  private readonly emitter = new EventEmitter<{ change: [ChannelChange] }>();

  constructor() {
    // Every open panel, QR page and console holds one listener.
    this.emitter.setMaxListeners(0);
  }

  publish(change: ChannelChange): void {
    this.emitter.emit('change', change);
  }

  /** Calls `listener` for each change until the returned function is called. */
  subscribe(listener: (change: ChannelChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}
