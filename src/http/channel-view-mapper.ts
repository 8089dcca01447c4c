import { formatPairingCode, statusTone } from '../domain/channel-status.js';
import type { ChannelSnapshot } from '../channels/channel-service.js';
import type { ChannelView } from '../web/channel-view.js';
import { iso } from './message-view-mapper.js';

/** Maps a channel and its live link state to what browsers and API clients see. */
export function toChannelView(
  { channel, live, at, heldBy }: ChannelSnapshot,
  qrPageUrl?: string,
): ChannelView {
  const link = live.link;
  const restricted = channel.restrictedUntil !== null && channel.restrictedUntil.getTime() > at.getTime();
  return {
    id: channel.id,
    name: channel.name,
    linkMode: channel.linkMode,
    status: channel.status,
    tone: statusTone(channel.status),
    statusSince: channel.statusChangedAt.toISOString(),
    cause: channel.statusCause,
    phone: channel.phone ? `+${channel.phone}` : null,
    linkedAt: channel.linkedAt ? channel.linkedAt.toISOString() : null,
    business: channel.business,
    link: link
      ? {
          ...(link.qr && channel.linkMode === 'qr'
            ? {
                qr: {
                  raw: link.qr.raw,
                  svg: link.qr.svg,
                  expiresAt: iso(link.qr.expiresAt),
                  ttlMs: link.qr.ttlMs,
                  sequence: link.qr.sequence,
                },
              }
            : {}),
          ...(link.pairingCode && channel.linkMode === 'code'
            ? {
                pairingCode: {
                  code: formatPairingCode(link.pairingCode.code),
                  expiresAt: iso(link.pairingCode.expiresAt),
                },
              }
            : {}),
          needsPairingPhone: link.needsPairingPhone,
          windowEndsAt: iso(link.windowEndsAt),
          waitingSince: iso(link.waitingSince),
          stalled: link.stalled ? { stage: link.stalled.stage, cause: link.stalled.cause } : null,
        }
      : null,
    linkWindowEnded: live.linkWindowEnded,
    ...(qrPageUrl ? { qrPageUrl } : {}),
    ...(heldBy ? { heldBy: { node: heldBy.nodeId, since: heldBy.since.toISOString() } } : {}),
    paused: channel.paused,
    pausedCause: channel.pausedCause,
    restrictedUntil: restricted ? channel.restrictedUntil.toISOString() : null,
    restrictedBy: restricted ? (channel.restrictedBy ?? 'reach_out_timelock') : null,
    newChats: channel.newChatCap
      ? {
          state: channel.newChatCap.state,
          used: channel.newChatCap.used,
          quota: channel.newChatCap.quota,
          resetsAt: channel.newChatCap.resetsAt?.toISOString() ?? null,
          updatedAt: channel.newChatCap.updatedAt.toISOString(),
        }
      : null,
  };
}
