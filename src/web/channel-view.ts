import type {
  ChannelStatus,
  NewChatCapState,
  RestrictionCause,
  StatusCause,
} from '../domain/channel-status.js';

/** The live link attempt of a channel: present only while someone is looking at its QR or code. */
export interface ChannelLinkView {
  /** The current QR (QR mode); `svg` is the full `<svg>` markup, inserted into pages as-is. */
  qr?: { raw: string; svg: string; expiresAt: string; ttlMs: number; sequence: number };
  /** The current pairing code (code mode), already formatted `XXXX-XXXX`. */
  pairingCode?: { code: string; expiresAt: string };
  /** Code mode and the sending phone's number is not known yet: the page asks for it. */
  needsPairingPhone: boolean;
  /** When the gateway stops generating codes for this attempt. */
  windowEndsAt: string;
  /** Since when the gateway has waited for WhatsApp's next QR or code (ISO time). */
  waitingSince?: string;
  /**
   * No QR or code yet after a while: `slow` ("Still connecting to WhatsApp…", ~10 s), then `stuck`
   * (~30 s) with the cause; `null` while all is well.
   */
  stalled?: {
    stage: 'slow' | 'stuck';
    cause: 'unreachable' | 'no_answer' | 'whatsapp_error' | 'version_refused';
  } | null;
}

/** One WhatsApp channel as the panel, the QR page and the support console see it. */
export interface ChannelView {
  id: string;
  name: string;
  linkMode: 'qr' | 'code';
  status: ChannelStatus;
  tone: 'green' | 'amber' | 'red';
  /** ISO time of the last status change. */
  statusSince: string;
  cause: StatusCause | null;
  /** The linked number, e.g. `+5511987654321`, once linked. */
  phone: string | null;
  /** ISO time the current device was linked. */
  linkedAt: string | null;
  /** Linked with the WhatsApp Business app? `null` while unknown. */
  business: boolean | null;
  link: ChannelLinkView | null;
  /** The last link window ended without a link: pages offer "Show a new code". */
  linkWindowEnded: boolean;
  /** The standalone QR page's URL (panel and support only). */
  qrPageUrl?: string;
  /** Several gateway nodes: the node holding the channel and since when (ISO), when asked on another node. */
  heldBy?: { node: string; since: string };
  /** The queue sends nothing while paused: by the business (`manual`) or because the device was removed. */
  paused: boolean;
  pausedCause: 'manual' | 'removed' | null;
  /** After a 463 (WhatsApp's reach-out timelock): no messages to new contacts until this ISO time. */
  restrictedUntil: string | null;
  /** What the restriction is (timelock or the new-chat cap); null when not restricted. Optional for older callers. */
  restrictedBy?: RestrictionCause | null;
  /** WhatsApp's monthly new-chat cap as it last said (ISO times); null until it says. Optional for older callers. */
  newChats?: {
    state: NewChatCapState;
    used: number | null;
    quota: number | null;
    resetsAt: string | null;
    updatedAt: string;
  } | null;
}

/** One row of support's console: a business, one of its channels and the channel's last status event. */
export interface SupportRow {
  tenant: { id: string; name: string; language: string };
  /** The business's ALTEGIO installs, when it came from ALTEGIO: what support needs to see at a glance. */
  altegio?: Array<{ salonId: string; state: string; activation: string; error: string | null }>;
  channel: ChannelView;
  lastEvent: { status: string; cause: string | null; at: string } | null;
}
