import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ConnectAdmission, ConnectPriority, ConnectTicket } from '../whatsapp/session-options.js';
import { atClockTime } from './clock-timer.js';

/** How many attempts wait for a turn and how many are in their handshake (for /metrics). */
export interface ConnectGateCounts {
  readonly waiting: number;
  readonly inHandshake: number;
}

export interface ConnectGateOptions {
  /** At most this many connection attempts in their handshake at once (CONNECT_CONCURRENCY). */
  readonly concurrency: number;
  readonly clock: Clock;
  /**
   * A turn not given back within this long is taken back (default 30 s, beyond Baileys' own 20 s
   * connect timeout): an attempt that hangs never holds a place for good.
   */
  readonly holdLimitMs?: number;
  readonly logger?: Logger;
  /** Told after every change (the metrics gauges). */
  readonly onChange?: (counts: ConnectGateCounts) => void;
}

const DEFAULT_HOLD_LIMIT_MS = 30_000;

interface Entry extends ConnectTicket {
  stage: 'waiting' | 'admitted' | 'done';
  readonly priority: ConnectPriority;
  readonly onTurn: () => void;
  cancelHold: (() => void) | undefined;
}

/**
 * The process-wide admission gate for opening connections (issue 9). When every socket drops at
 * once, each session's first retry falls within the same second; Baileys verifies the server's
 * certificate chain in pure JS, so a thousand handshakes together took the event loop for minutes.
 * Restores, reconnects, takeovers and links all ask here before a socket opens: at most
 * `concurrency` are in their handshake at once, the others wait in order, and a link a person is
 * waiting on goes before all of them. A place comes back when the socket opens, shows its first
 * QR or fails, when the attempt is abandoned, or after `holdLimitMs` at the latest.
 */
export class ConnectGate implements ConnectAdmission {
  /** Insertion-ordered (first come, first served) and O(1) to leave: a stop withdraws thousands. */
  private readonly queues: Record<ConnectPriority, Set<Entry>> = {
    linking: new Set(),
    background: new Set(),
  };
  private inHandshake = 0;
  private closed = false;
  private pumpQueued = false;

  constructor(private readonly o: ConnectGateOptions) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1)
      throw new RangeError(`connect concurrency must be an integer >= 1, got ${o.concurrency}`);
  }

  request(priority: ConnectPriority, onTurn: () => void): ConnectTicket {
    const entry: Entry = {
      stage: 'waiting',
      priority,
      onTurn,
      cancelHold: undefined,
      release: () => this.release(entry),
    };
    if (this.closed) {
      entry.stage = 'done';
      return entry;
    }
    // At once only when nobody it must let go first is waiting (a link passes restores).
    const ahead =
      priority === 'linking'
        ? this.queues.linking.size
        : this.queues.linking.size + this.queues.background.size;
    if (ahead === 0 && this.inHandshake < this.o.concurrency) this.admit(entry);
    else {
      this.queues[priority].add(entry);
      this.changed();
    }
    return entry;
  }

  /** Nothing waits any more and nothing new is let in (the gateway stops); places in use still come back. */
  close(): void {
    this.closed = true;
    for (const queue of Object.values(this.queues)) {
      for (const entry of queue) entry.stage = 'done';
      queue.clear();
    }
    this.changed();
  }

  counts(): ConnectGateCounts {
    return {
      waiting: this.queues.linking.size + this.queues.background.size,
      inHandshake: this.inHandshake,
    };
  }

  private release(entry: Entry): void {
    if (entry.stage === 'waiting') {
      this.queues[entry.priority].delete(entry);
      entry.stage = 'done';
      this.changed();
      return;
    }
    if (entry.stage !== 'admitted') return;
    entry.stage = 'done';
    entry.cancelHold?.();
    entry.cancelHold = undefined;
    this.inHandshake -= 1;
    this.changed();
    this.schedulePump();
  }

  private admit(entry: Entry): void {
    entry.stage = 'admitted';
    this.inHandshake += 1;
    const limit = this.o.holdLimitMs ?? DEFAULT_HOLD_LIMIT_MS;
    entry.cancelHold = atClockTime(this.o.clock, this.o.clock.now().getTime() + limit, () => {
      entry.cancelHold = undefined;
      if (entry.stage !== 'admitted') return;
      this.o.logger?.warn({ holdLimitMs: limit }, 'a connection attempt kept its turn too long; taken back');
      this.release(entry);
    });
    this.changed();
    try {
      entry.onTurn();
    } catch (err) {
      this.o.logger?.error({ err }, 'a connection attempt failed as its turn came');
      this.release(entry);
    }
  }

  /**
   * The next turns go out after the current task: a stop that closes every session in one loop
   * withdraws the waiting ones before a freed place could open a socket only to close it again.
   */
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.inHandshake < this.o.concurrency) {
      const next = first(this.queues.linking) ?? first(this.queues.background);
      if (!next) return;
      this.queues[next.priority].delete(next);
      this.admit(next);
    }
  }

  private changed(): void {
    this.o.onChange?.(this.counts());
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const value of set) return value;
  return undefined;
}
