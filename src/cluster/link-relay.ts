/**
 * Link windows across nodes, over the bus: a command for a channel's link window goes to the node
 * holding it (`link.command`) and the sender waits for its answer (`link.done`); the node running a
 * window relays its link state on every change (`channel.link`: the QR's raw text, the code, the
 * window's end, a stall), which the others redraw (same SVG) and push to their own viewers.
 *
 * A relayed state lives as long as its node holds the channel's lease: when that node dies or loses
 * the lease, the others stop showing its last QR or code and say "Still connecting…" until the next
 * holder relays (a viewer's next watch starts linking on a node that holds the channel).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import type { ChannelRef } from '../channels/channel-driver.js';
import type { ChannelChange } from '../channels/channel-changes.js';
import type { LinkAttempt, LinkStallCause, LiveLinkState } from '../channels/link-attempt.js';
import type { Clock } from '../clock.js';
import { AppError } from '../domain/errors.js';
import type { ChannelLeases } from './channel-leases.js';
import { notConfirmed, type LinkCommand } from './cluster-link-window.js';
import type { ClusterMessage, ClusterTopics, NotifyBus, RelayedLinkAttempt } from './notify-bus.js';

/** What the relay needs of this node's link window (set once the window is built). */
export interface LocalLinks {
  /** The link state of an attempt running on this node (undefined: none here). */
  state(channelId: string): LiveLinkState | undefined;
  /** Runs a command another node forwarded on this node's link window. */
  run(channel: ChannelRef, command: LinkCommand): Promise<void>;
}

export interface LinkRelayOptions {
  readonly nodeId: string;
  readonly leases: ChannelLeases;
  /** This node's viewers are told of a relayed state through it (not sent on the bus again). */
  readonly tellHere: (change: ChannelChange) => void;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a forwarded command may take on its node before the sender says "under way" (15 s). */
  readonly commandTimeoutMs?: number;
}

/**
 * A state another node relayed, with the node it came from: it counts while that node holds the
 * lease. `from` undefined: its node lost the lease mid-attempt, "Still connecting…" until the
 * window's end, then "the window ended".
 */
interface Relayed {
  readonly ref: ChannelRef;
  readonly from: string | undefined;
  readonly state: LiveLinkState;
}

interface Waiting {
  resolve(): void;
  reject(err: Error): void;
}

export class LinkRelay {
  private bus: NotifyBus | undefined;
  private local: LocalLinks | undefined;
  /** What this node last relayed of each channel it links (JSON), so an unchanged state is not sent again. */
  private readonly relayedHere = new Map<string, string>();
  /** Link states other nodes relayed, by channel; `received` orders the async SVG renderings. */
  private readonly relayedThere = new Map<string, Relayed>();
  private readonly received = new Map<string, number>();
  /** Commands sent to another node, by request id, until it answers. */
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly o: LinkRelayOptions) {}

  /** Listens on the bus; returns how to stop. */
  connect(bus: NotifyBus, local: LocalLinks): () => void {
    this.bus = bus;
    this.local = local;
    return bus.subscribe((message) => this.heard(message));
  }

  /** Has `node` run the command on its link window; resolves when it answered that it did. */
  async forward(channel: ChannelRef, node: string, command: LinkCommand): Promise<void> {
    if (!this.bus) throw new Error('the link relay runs only once connected to the bus');
    const requestId = randomUUID();
    const done = new Promise<void>((resolve, reject) => this.waiting.set(requestId, { resolve, reject }));
    // The answer can come before the publish below returns (the bus listens on a connection of its
    // own): a refusal settling `done` then must not find it without a handler, or it is an
    // unhandled rejection, which ends a Node process. `await done` below still throws it.
    done.catch(() => undefined);
    const timer = setTimeout(
      () => this.settle(requestId, notConfirmed(channel.channelId, node, command)),
      this.o.commandTimeoutMs ?? 15_000,
    );
    try {
      await this.bus.publish('link.command', { ...channel, to: node, requestId, command });
      await done;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(requestId);
    }
  }

  /** What the node linking the channel last relayed (while it holds the channel's lease). */
  relayedState(channelId: string): LiveLinkState | undefined {
    return this.relayedThere.get(channelId)?.state;
  }

  /** Every change of a channel linking here relays its link state to the others. */
  relay(change: ChannelChange): void {
    const state = this.local?.state(change.channelId);
    const previous = this.relayedHere.get(change.channelId);
    if (!state && previous === undefined) return;
    // This node links the channel now: what another node said of it before no longer counts.
    if (state) this.relayedThere.delete(change.channelId);
    const data = {
      tenantId: change.tenantId,
      channelId: change.channelId,
      ...(state?.link ? { link: relayed(state.link) } : {}),
      linkWindowEnded: state?.linkWindowEnded ?? false,
    };
    const text = JSON.stringify(data);
    if (text === previous) return;
    if (state) this.relayedHere.set(change.channelId, text);
    else this.relayedHere.delete(change.channelId);
    this.bus
      ?.publish('channel.link', data)
      .catch((err: unknown) => this.o.logger.warn({ err }, 'cluster bus: a link state was not sent'));
  }

  /**
   * Relayed states whose node no longer holds the channel's lease (it died, or lost the lease)
   * stop counting: an attempt under way says "Still connecting…" (its viewers' next watch links
   * on a node that holds the channel), until its window's end; then that the window ended.
   */
  async dropStale(): Promise<void> {
    // A window that ended stays ended (true whoever holds the channel now): only attempts are looked at.
    const entries = [...this.relayedThere]
      .filter(([, entry]) => entry.state.link !== undefined)
      .map(([channelId, entry]) => ({ channelId, entry, order: this.received.get(channelId) }));
    if (entries.length === 0) return;
    const holders = await this.o.leases.holders(entries.map(({ channelId }) => channelId));
    const now = this.o.clock.now().getTime();
    for (const { channelId, entry, order } of entries) {
      // A newer relay came (or is being drawn) while the holders were read: it is the one that counts.
      if (this.relayedThere.get(channelId) !== entry || this.received.get(channelId) !== order) continue;
      const link = entry.state.link;
      if (!link) continue;
      const open = link.windowEndsAt > now;
      if (entry.from === undefined ? open : holders.get(channelId) === entry.from) continue;
      this.relayedThere.set(channelId, {
        ref: entry.ref,
        from: undefined,
        state: open ? stillConnecting(link, now) : { link: undefined, linkWindowEnded: true },
      });
      this.o.tellHere(entry.ref);
    }
  }

  /** Commands end unanswered when the node stops. */
  stop(): void {
    for (const requestId of [...this.waiting.keys()])
      this.settle(requestId, new AppError('not_ready', 'This gateway node is stopping; try again.'));
  }

  private settle(requestId: string, error?: Error): void {
    const waiting = this.waiting.get(requestId);
    if (!waiting) return;
    this.waiting.delete(requestId);
    if (error) waiting.reject(error);
    else waiting.resolve();
  }

  private heard(message: ClusterMessage): void {
    if (message.from === this.o.nodeId) return;
    if (message.topic === 'link.command')
      this.runHere(message.from, message.data as ClusterTopics['link.command']);
    else if (message.topic === 'link.done') {
      const { to, requestId, error } = message.data as ClusterTopics['link.done'];
      if (to === this.o.nodeId)
        this.settle(requestId, error ? new AppError(error.code, error.message) : undefined);
    } else if (message.topic === 'channel.link')
      this.heardLink(message.from, message.data as ClusterTopics['channel.link']);
  }

  /** Runs a command sent to this node and answers the sender, done or with the error it ended with. */
  private runHere(from: string, data: ClusterTopics['link.command']): void {
    const { to, requestId, command, tenantId, channelId } = data;
    if (to !== this.o.nodeId || !this.local) return;
    const answer = (error?: ClusterTopics['link.done']['error']) =>
      this.bus
        ?.publish('link.done', { to: from, requestId, ...(error ? { error } : {}) })
        .catch((err: unknown) => this.o.logger.warn({ err }, 'cluster bus: an answer was not sent'));
    void this.local.run({ tenantId, channelId }, command).then(
      () => answer(),
      (err: unknown) => {
        this.o.logger.warn({ err, channelId, command: command.kind }, 'a forwarded link command failed');
        void answer(
          err instanceof AppError
            ? { code: err.code, message: err.publicMessage }
            : { code: 'internal', message: 'The gateway node holding this channel could not do it.' },
        );
      },
    );
  }

  private heardLink(from: string, data: ClusterTopics['channel.link']): void {
    const order = (this.received.get(data.channelId) ?? 0) + 1;
    this.received.set(data.channelId, order);
    const ref = { tenantId: data.tenantId, channelId: data.channelId };
    void withSvg(data.link).then(
      (link) => {
        if (this.received.get(data.channelId) !== order) return;
        if (link || data.linkWindowEnded)
          this.relayedThere.set(data.channelId, {
            ref,
            from,
            state: { link, linkWindowEnded: data.linkWindowEnded },
          });
        else {
          this.relayedThere.delete(data.channelId);
          this.received.delete(data.channelId);
        }
        this.o.tellHere(ref);
      },
      (err: unknown) => this.o.logger.warn({ err }, 'a relayed QR could not be drawn'),
    );
  }
}

/** An attempt whose node is gone: no QR or code of its own, the window it had, "Still connecting…". */
function stillConnecting(link: LinkAttempt, now: number): LiveLinkState {
  return {
    link: {
      needsPairingPhone: false,
      windowEndsAt: link.windowEndsAt,
      waitingSince: now,
      stalled: { stage: 'slow', cause: 'no_answer' },
    },
    linkWindowEnded: false,
  };
}

function relayed(link: LinkAttempt): RelayedLinkAttempt {
  const { qr, ...rest } = link;
  return {
    ...rest,
    ...(qr ? { qr: { raw: qr.raw, expiresAt: qr.expiresAt, ttlMs: qr.ttlMs, sequence: qr.sequence } } : {}),
  };
}

/** The QR drawn here as the driver draws it (whatsapp-driver.ts), so every node shows the same. */
async function withSvg(link: RelayedLinkAttempt | undefined): Promise<LinkAttempt | undefined> {
  if (!link) return undefined;
  const { qr, stalled, ...rest } = link;
  return {
    ...rest,
    ...(stalled ? { stalled: { stage: stalled.stage, cause: stalled.cause as LinkStallCause } } : {}),
    ...(qr
      ? {
          qr: {
            ...qr,
            svg: await QRCode.toString(qr.raw, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }),
          },
        }
      : {}),
  };
}
