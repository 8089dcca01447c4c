/**
 * What a link attempt looks like from outside: the QR or pairing code on offer, the window, a stall.
 * The link window (link-window.ts) makes it, the channel views show it, and with several nodes the
 * node running the window relays it to the others (cluster/link-relay.ts).
 */

/** Why no QR or code has come yet, in words a business can act on. */
export type LinkStallCause =
  /** The gateway's connection to WhatsApp keeps failing (network, firewall, DNS, server down). */
  | 'unreachable'
  /** Connected, but WhatsApp sends nothing back. */
  | 'no_answer'
  /** WhatsApp answered with a server error (5xx). */
  | 'whatsapp_error'
  /** WhatsApp refused this client version (405); the gateway is looking for the current one. */
  | 'version_refused';

/**
 * A link attempt that has waited for its first QR or code: `slow` after `slowLinkMs` ("Still
 * connecting to WhatsApp…"), `stuck` after `stuckLinkMs` (the cause in words, and Retry).
 */
export interface LinkStall {
  stage: 'slow' | 'stuck';
  cause: LinkStallCause;
}

/** A live link attempt: codes are generated only while someone looks, until `windowEndsAt`. */
export interface LinkAttempt {
  qr?: { raw: string; svg: string; expiresAt: number; ttlMs: number; sequence: number };
  pairingCode?: { code: string; expiresAt: number };
  needsPairingPhone: boolean;
  windowEndsAt: number;
  /** When the gateway started waiting for WhatsApp's next QR or code (epoch ms). */
  waitingSince: number;
  stalled?: LinkStall;
}

export interface LiveLinkState {
  readonly link: LinkAttempt | undefined;
  readonly linkWindowEnded: boolean;
}

/** No attempt, and none that ended (what a channel nobody links shows). */
export const NO_LINK_STATE: LiveLinkState = { link: undefined, linkWindowEnded: false };

/** What a stall is put down to, from the driver's last reconnect cause while linking. */
export function stallCause(trouble: string | undefined): LinkStallCause {
  switch (trouble) {
    case undefined:
      return 'no_answer';
    case 'version_refused':
      return 'version_refused';
    case 'service_unavailable':
    case 'server_error':
      return 'whatsapp_error';
    default:
      return 'unreachable';
  }
}
