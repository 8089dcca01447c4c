import type { NewChatCapState, RestrictionCause } from '../domain/channel-status.js';
import type { FailureDetail, FailureReason } from '../domain/message-status.js';
import type { ReconnectCause, RemovalReason } from '../domain/session-close.js';
import type { WriteFence } from '../store/channels-repository.js';

/**
 * THE PORT between the gateway and one kind of channel (WhatsApp's linked device first): one small
 * interface per channel kind, in the gateway's words only. The session host, the link window, the
 * queue gates and the dispatcher talk to this and nothing else; what a protocol calls an ack, a
 * JID or a socket stays inside its driver (src/whatsapp/ and channels/whatsapp-driver.ts).
 * Anchor: novu's one provider interface per channel kind (`ISmsProvider { sendMessage; … }`).
 */

/** A channel as every part of the gateway names it. */
export interface ChannelRef {
  readonly tenantId: string;
  readonly channelId: string;
}

/** The account a channel's device is linked to. */
export interface LinkedAccount {
  /** Digits only (E.164 without '+'). */
  readonly phone: string;
  /** The phone's platform as the network reports it (android, iphone, smba, smbi…). */
  readonly platform: string;
  readonly business: boolean;
}

/** Where a channel's connection is. `status` discriminates. */
export type DriverState =
  | { readonly status: 'idle' }
  | { readonly status: 'connecting' }
  /** A QR is on offer (see the `link` event). */
  | { readonly status: 'awaiting_scan' }
  /** A pairing code is on offer. */
  | { readonly status: 'pairing_code' }
  | { readonly status: 'open'; readonly account: LinkedAccount }
  | { readonly status: 'reconnecting'; readonly attempt: number; readonly cause: ReconnectCause }
  /** Unlinked for good (its credentials are gone); never reconnects. */
  | { readonly status: 'removed'; readonly reason: RemovalReason }
  /** Another connection of the same device took over; never reconnects. */
  | { readonly status: 'replaced' }
  /** Every QR (or the pairing window) ran out; the link window decides whether to offer more. */
  | { readonly status: 'qr_expired' }
  | { readonly status: 'stopped' };

export type DriverStatus = DriverState['status'];

/** What linking shows or learns: a QR to scan, a phone that linked, a check the owner must do. */
export type LinkEvent =
  | { readonly kind: 'qr'; readonly raw: string; readonly svg: string; readonly ttlMs: number }
  | { readonly kind: 'linked'; readonly account: LinkedAccount }
  /** The network wants a check a server cannot do (a passkey): the owner must act on the phone. */
  | { readonly kind: 'passkey_required' };

/** Why a message failed, as the message records it. */
export interface DeliveryFailure {
  readonly reason: FailureReason;
  readonly detail?: FailureDetail;
  readonly errorCode?: number;
  readonly details?: Record<string, unknown>;
}

/**
 * One status report about a message this channel sent (by the fixed id it was sent with): the
 * network took it (`sent`), the phone got it, it was read, or it was refused.
 */
export interface DeliveryReport {
  readonly messageId: string;
  readonly status: 'sent' | 'delivered' | 'read' | 'failed';
  /** For `failed`. */
  readonly failure?: DeliveryFailure;
  /**
   * For `failed`: the refusal asks for the same message again to another address of this recipient,
   * which the driver now knows (send it once more, same id); a second such refusal is a failure.
   */
  readonly resendable?: boolean;
  /** For a refusal because the account may not write to new contacts: until when, if said (epoch ms). */
  readonly restrictedUntil?: number;
}

/** A text someone sent to the channel. */
export interface InboundText {
  /** The network's id (unique per sender; de-duplicates). */
  readonly id: string;
  readonly fromPhone: string;
  readonly text: string;
  /** When the sender sent it (epoch ms). */
  readonly timestamp: number;
}

/** The network's word on what holds the account's new contacts back (it started or ended). */
export interface RestrictionEvent {
  readonly cause: RestrictionCause;
  readonly active: boolean;
  /** When it ends (epoch ms), if said. */
  readonly until?: number;
}

/**
 * The account's quota of new contacts, as the network last said it. At the cap (`capped`) first
 * contacts wait until `resetsAt`; any other state lifts a restriction the cap caused.
 */
export interface NewContactQuota {
  readonly state: NewChatCapState;
  readonly used: number | null;
  readonly quota: number | null;
  readonly resetsAt: Date | null;
}

export interface DriverEvents {
  link: LinkEvent;
  state: DriverState;
  status: DeliveryReport;
  inbound: InboundText;
  restriction: RestrictionEvent;
  quota: NewContactQuota;
}

/** One channel's connection to its network. */
export interface ChannelDriver {
  readonly state: DriverState;
  /**
   * What must be settled before connecting (WhatsApp: the client version it takes today, looked up
   * once). The link window awaits it before it starts timing "Still connecting…", so a slow lookup
   * is not counted as WhatsApp not answering.
   */
  prepare?(): Promise<void>;
  /** Connects: logs in when linked, otherwise starts linking by QR (see `link`). */
  open(): Promise<void>;
  /** Closes the connection and keeps the link (a restart, a hand-over to another node). */
  close(): Promise<void>;
  /** Unlinks the device from the account and forgets its credentials. */
  logout(): Promise<void>;
  /** Links by a code typed on `phone` instead of a QR; resolves with the code to show. */
  requestPairingCode(phone: string): Promise<string>;
  /**
   * Sends `text` under `fixedId`, chosen by the gateway when it accepted the message: sending the
   * same id again (after a crash) is harmless for the recipient. Rejects with `session_not_open`
   * when the channel is down.
   */
  send(message: { readonly to: string; readonly text: string }, fixedId: string): Promise<void>;
  /** Which of these phones can receive on this network (in the input order). */
  checkRecipients?(phones: readonly string[]): Promise<Array<{ phone: string; exists: boolean }>>;
  /** Shows "typing…" to `to` for `durationMs`, best effort. */
  typing?(to: string, durationMs: number): Promise<void>;
  on<K extends keyof DriverEvents>(event: K, listener: (payload: DriverEvents[K]) => void): () => void;
}

/** What the dispatcher needs of an open channel. */
export type SendingChannel = Pick<ChannelDriver, 'send' | 'checkRecipients' | 'typing'>;

/** One kind of channel: makes its drivers and keeps their credentials. */
export interface ChannelDriverKind {
  /** A driver for `channel`, not yet open. `deviceName`: how the account lists this device. */
  create(
    channel: ChannelRef,
    options?: { readonly deviceName?: string; readonly fence?: WriteFence },
  ): ChannelDriver;
  /** Has the channel kept credentials that log in without linking again? */
  isLinked(channelId: string): Promise<boolean>;
  /** Forgets the channel's credentials (a reset, a deleted channel). */
  forget(channelId: string): Promise<void>;
  /**
   * Starts what the kind's drivers run on (its session threads) and resolves once it can take
   * them: a restore's stagger counts from there, not from a thread still loading.
   */
  start?(): Promise<void>;
  /** Frees what the kind itself holds (its session threads) once every driver is closed. */
  close?(): Promise<void>;
}
