import QRCode from 'qrcode';
import { hasLinkedDevice, type LinkMode } from '../domain/channel-status.js';
import { AppError } from '../domain/errors.js';
import { normalisePhoneNumber } from '../domain/phone-numbers.js';
import type { Channel, ChannelEvent, ChannelsRepository } from '../store/channels-repository.js';
import type { Database, Queryable } from '../store/database.js';
import type { QrLinksRepository } from '../store/qr-links-repository.js';
import type { LinkWindow, LiveLinkState } from './link-window.js';
import type { QueueGates } from './queue-gates.js';
import type { SessionHost } from './session-host.js';

export interface ChannelServiceOptions {
  readonly db: Database;
  readonly channels: ChannelsRepository;
  readonly qrLinks: QrLinksRepository;
  readonly host: SessionHost;
  readonly linkWindow: LinkWindow;
  readonly gates: QueueGates;
  readonly qrLinkTtlMs: number;
  /** Fails a deleted channel's waiting messages (`channel_removed`) in the deleting transaction. */
  readonly failWaitingMessages: (tenantId: string, channelId: string, tx: Queryable) => Promise<unknown[]>;
  /** Several nodes: the node holding the channel, when another one (shown with its status). */
  readonly heldElsewhere?: (channelId: string) => { nodeId: string; since: Date } | undefined;
  /** Per-business bounds (config): channels in all, and channels linking at once on this node. */
  readonly limits?: { readonly channelsPerBusiness: number; readonly linkingPerBusiness: number };
}

const notFound = (channelId: string): AppError =>
  new AppError('not_found', 'No such WhatsApp channel.', { details: { channelId } });

/** A channel with its live link state: what every surface shows. */
export interface ChannelSnapshot {
  readonly channel: Channel;
  readonly live: LiveLinkState;
  /** When it was taken, on the gateway's clock (decides whether a restriction still runs). */
  readonly at: Date;
  /** Several nodes: the node holding the channel when it is not this one, and since when. */
  readonly heldBy?: { readonly nodeId: string; readonly since: Date };
}

/** Every operation on a business's WhatsApp channels; HTTP, CLI and console all come through here. */
export class ChannelService {
  /** Channels whose linking is starting (between the limit check and the socket's opening), per business. */
  private readonly startingLinks = new Map<string, Set<string>>();

  constructor(private readonly o: ChannelServiceOptions) {}

  async create(tenantId: string, name: string): Promise<Channel> {
    const limit = this.o.limits?.channelsPerBusiness;
    return this.o.db.transaction(async (tx) => {
      if (limit !== undefined && (await this.o.channels.countForTenantLocked(tenantId, tx)) >= limit)
        throw new AppError(
          'conflict',
          `This business already has ${limit} WhatsApp channels, the most allowed; delete one first.`,
          { details: { limit } },
        );
      const channel = await this.o.channels.create(tenantId, name, tx);
      await this.o.qrLinks.issue(tenantId, channel.id, this.o.qrLinkTtlMs, tx);
      return channel;
    });
  }

  async get(tenantId: string, channelId: string): Promise<Channel> {
    const channel = await this.o.channels.get(tenantId, channelId);
    if (!channel) throw notFound(channelId);
    return channel;
  }

  snapshot(channel: Channel): ChannelSnapshot {
    const heldBy = this.o.heldElsewhere?.(channel.id);
    return {
      channel,
      live: this.o.linkWindow.linkState(channel.id),
      at: this.o.host.currentTime(),
      ...(heldBy ? { heldBy } : {}),
    };
  }

  async list(tenantId: string): Promise<Channel[]> {
    return this.o.channels.listForTenant(tenantId);
  }

  /** Every business's channels with each one's latest status event (support's console), in one query. */
  async listAllWithLastEvent(): Promise<{ channel: Channel; lastEvent: ChannelEvent | null }[]> {
    return this.o.channels.listAllWithLastEventForSupport();
  }

  async events(tenantId: string, channelId: string): Promise<ChannelEvent[]> {
    await this.get(tenantId, channelId);
    return this.o.channels.events(tenantId, channelId);
  }

  /**
   * Someone is looking at the QR window/page: generate codes (again) for a bounded time. Each linking
   * channel holds a WhatsApp socket, so a business links at most `linkingPerBusiness` at once.
   */
  async watch(
    tenantId: string,
    channelId: string,
    viewer = 'api',
    options: { retry?: boolean } = {},
  ): Promise<Channel> {
    const channel = await this.get(tenantId, channelId);
    const limit = this.o.limits?.linkingPerBusiness;
    const startsLinking =
      limit !== undefined &&
      !hasLinkedDevice(channel.status) &&
      !this.o.linkWindow.linkState(channel.id).link;
    if (!startsLinking) {
      await this.o.linkWindow.watch(channel, viewer, options);
      return this.get(tenantId, channelId);
    }
    // Checked and reserved in one synchronous step: parallel watches cannot all see room.
    const starting = this.startingLinks.get(tenantId) ?? new Set<string>();
    const linking = new Set([...this.o.linkWindow.linkingChannelIds(tenantId), ...starting]);
    if (!linking.has(channel.id) && linking.size >= limit)
      throw new AppError(
        'rate_limited',
        `${limit} of this business's channels are already linking, the most at once; finish or close one first.`,
        { details: { limit } },
      );
    starting.add(channel.id);
    this.startingLinks.set(tenantId, starting);
    try {
      await this.o.linkWindow.watch(channel, viewer, options);
    } finally {
      starting.delete(channel.id);
      if (starting.size === 0) this.startingLinks.delete(tenantId);
    }
    return this.get(tenantId, channelId);
  }

  async unwatch(tenantId: string, channelId: string, viewer = 'api'): Promise<void> {
    await this.o.linkWindow.unwatch(await this.get(tenantId, channelId), viewer);
  }

  /** Logs the device out, wipes its credentials, revokes the QR-page link and issues a new one. */
  async reset(tenantId: string, channelId: string): Promise<{ channel: Channel; qrPageToken: string }> {
    const channel = await this.get(tenantId, channelId);
    const link = await this.o.db.transaction(async (tx) => {
      await this.o.qrLinks.revokeAll(tenantId, channelId, tx);
      return this.o.qrLinks.issue(tenantId, channelId, this.o.qrLinkTtlMs, tx);
    });
    await this.o.linkWindow.reset(channel);
    return { channel: await this.get(tenantId, channelId), qrPageToken: link.token };
  }

  /**
   * Reset from the public QR page: only while no device is linked. The link is a bearer secret that
   * may have been forwarded or photographed; it must not unlink a working number (the panel, the API
   * and support still can).
   */
  async resetFromQrPage(token: string): Promise<{ channel: Channel; qrPageToken: string }> {
    const channel = await this.resolveQrPage(token);
    if (hasLinkedDevice(channel.status))
      throw new AppError(
        'already_linked',
        'This number is linked and working, so it cannot be reset from this page; the business panel or support can reset it.',
        { details: { status: channel.status } },
      );
    return this.reset(channel.tenantId, channel.id);
  }

  /** Stops the channel's queue before its next message; everything waiting stays queued. */
  async pause(tenantId: string, channelId: string): Promise<Channel> {
    return this.o.gates.setPaused(await this.get(tenantId, channelId), true);
  }

  /** Starts the queue again (also after the device was removed; sending waits for a link). */
  async resume(tenantId: string, channelId: string): Promise<Channel> {
    return this.o.gates.setPaused(await this.get(tenantId, channelId), false);
  }

  /**
   * Deletes the channel: the device is logged out, its credentials and QR-page links are gone,
   * and its waiting messages fail as `channel_removed` (the CRM can send them another way).
   * Sent messages stay in the history. Returns how many messages failed.
   */
  async delete(tenantId: string, channelId: string): Promise<{ failedMessages: number }> {
    const channel = await this.get(tenantId, channelId);
    // Logged out first (several nodes: by the node holding it, before this goes on): a send in
    // flight goes back to the queue and fails with the rest below.
    await this.o.linkWindow.deleted(channel);
    const failed = await this.o.db.transaction(async (tx) => {
      if (!(await this.o.channels.markDeleted(tenantId, channelId, this.o.host.currentTime(), tx)))
        throw notFound(channelId);
      await this.o.qrLinks.revokeAll(tenantId, channelId, tx);
      return this.o.failWaitingMessages(tenantId, channelId, tx);
    });
    return { failedMessages: failed.length };
  }

  /** Support's switch between QR and code-entry mode. */
  async setLinkMode(tenantId: string, channelId: string, mode: LinkMode): Promise<Channel> {
    const channel = await this.o.channels.setLinkMode(tenantId, channelId, mode);
    if (!channel) throw notFound(channelId);
    await this.o.linkWindow.modeChanged(channel);
    return channel;
  }

  /** The sending phone's number, needed to issue a pairing code. */
  async setPairingPhone(tenantId: string, channelId: string, phone: string): Promise<Channel> {
    const digits = normalisePhoneNumber(phone, 'phone');
    const channel = await this.o.channels.setPairingPhone(tenantId, channelId, digits);
    if (!channel) throw notFound(channelId);
    await this.o.linkWindow.pairingPhoneChanged(channel);
    return channel;
  }

  /** The live QR-page link token, if one is live; a read: it never issues one. */
  async liveQrPageToken(
    tenantId: string,
    channelId: string,
  ): Promise<{ token: string; expiresAt: Date } | undefined> {
    await this.get(tenantId, channelId);
    return this.o.qrLinks.current(tenantId, channelId);
  }

  /** The live QR-page link token (a new one when none is live). */
  async qrPageToken(tenantId: string, channelId: string): Promise<{ token: string; expiresAt: Date }> {
    await this.get(tenantId, channelId);
    return (
      (await this.o.qrLinks.current(tenantId, channelId)) ??
      this.o.qrLinks.issue(tenantId, channelId, this.o.qrLinkTtlMs)
    );
  }

  /** The channel a QR-page token opens; a revoked, expired or unknown token is "gone". */
  async resolveQrPage(token: string): Promise<Channel> {
    const target = token.length >= 40 ? await this.o.qrLinks.resolve(token) : undefined;
    if (!target) throw new AppError('link_gone', 'This link is no longer valid.');
    return this.get(target.tenantId, target.channelId);
  }

  /** The current QR as raw text, SVG or PNG; asking for it counts as looking (starts/extends linking). */
  async currentQr(
    tenantId: string,
    channelId: string,
    format: 'raw' | 'svg' | 'png',
  ): Promise<string | Buffer> {
    const channel = await this.watch(tenantId, channelId);
    if (channel.linkMode === 'code')
      throw new AppError('conflict', 'This channel links with a pairing code, not a QR code.');
    const qr = this.o.linkWindow.linkState(channelId).link?.qr;
    if (!qr) {
      if (channel.status === 'connected')
        throw new AppError('already_linked', 'This channel is already linked.');
      throw new AppError('not_ready', 'The QR code is being prepared; ask again in a moment.');
    }
    if (format === 'raw') return qr.raw;
    if (format === 'svg') return qr.svg;
    return QRCode.toBuffer(qr.raw, { type: 'png', margin: 2, width: 512 });
  }
}
