import type { ReconnectCause, RemovalReason } from '../domain/session-close.js';
import type { Refusal } from './refusal-cause.js';
import type { NewChatCap } from './new-chat-cap.js';

/** The linked device as WhatsApp knows it. */
export interface SessionIdentity {
  /** The account's phone number, digits only (E.164 without '+'). */
  readonly phone: string;
  /** This linked device's number on the account (the phone itself is 0). */
  readonly device: number;
  /** The account's LID user part, when the server has told us. */
  readonly lid?: string;
}

/** Where a linked-device session is in its life. `status` discriminates. */
export type SessionState =
  | { readonly status: 'idle' }
  | { readonly status: 'connecting' }
  /** QR mode: a QR code is on offer (see the `qr` event). */
  | { readonly status: 'awaiting_scan' }
  /** Code mode: a pairing code is on offer for `phone`. */
  | { readonly status: 'pairing_code'; readonly phone: string; readonly code: string }
  | {
      readonly status: 'open';
      readonly me: SessionIdentity;
      /** The phone's platform as WhatsApp reports it: android, iphone, smba, smbi... */
      readonly platform: string;
      readonly business: boolean;
    }
  | {
      readonly status: 'reconnecting';
      readonly attempt: number;
      readonly delayMs: number;
      readonly cause: ReconnectCause;
    }
  /** Unlinked for good (the saved credentials are wiped); never reconnects. */
  | { readonly status: 'removed'; readonly reason: RemovalReason }
  /** Another connection of the same device took over (440); never reconnects. */
  | { readonly status: 'replaced' }
  /** Every QR code (or the pairing window) ran out; the gateway decides when to offer again. */
  | { readonly status: 'qr_expired' }
  | { readonly status: 'stopped' };

export type SessionStatus = SessionState['status'];

export type MessageDeliveryStatus = 'server_ack' | 'delivered' | 'read' | 'failed';

/** Why WhatsApp refused a message. */
export type MessageFailureReason =
  /** 463 under a reach-out timelock: the account may not start new chats for now. */
  | 'restricted'
  /** 463: sent to the phone-number address of a contact WhatsApp addresses by LID. */
  | 'misaddressed'
  /** 463: the contact expects a trusted-contact token this device does not have. */
  | 'no_token'
  /** 479 and any other error ack. */
  | 'rejected';

export interface MessageStatusEvent {
  /** The id the caller chose in sendText. */
  readonly messageId: string;
  readonly status: MessageDeliveryStatus;
  /** WhatsApp's error code, for status 'failed'. */
  readonly errorCode?: number;
  readonly reason?: MessageFailureReason;
  /** For a 463: its cause, as the driver worked it out. */
  readonly refusal?: Refusal;
}

/** A text a contact sent, as the driver received it (the stored one is domain/message.ts InboundMessage). */
export interface ReceivedText {
  /** WhatsApp's message id (unique per sender; use it to de-duplicate). */
  readonly id: string;
  /** Sender's phone number, digits only. */
  readonly fromPhone: string;
  /** Sender's LID user part, when known. */
  readonly fromLid?: string;
  readonly text: string;
  /** When the sender sent it, milliseconds since the epoch. */
  readonly timestamp: number;
  /** The sender's own display name, if WhatsApp passed it along. */
  readonly pushName?: string;
}

/** Events a LinkedDeviceSession emits. */
export interface SessionEventMap {
  state: SessionState;
  /** A QR code to show (QR mode); it lives `ttlMs`, then the next one comes. */
  qr: { readonly qr: string; readonly ttlMs: number };
  /** A pairing code to type on the phone (code mode). */
  pairing_code: { readonly code: string };
  /** A phone just linked this device (before the restart that opens the session). */
  linked: { readonly phone: string; readonly platform: string; readonly business: boolean };
  message_status: MessageStatusEvent;
  inbound: ReceivedText;
  /** A recipient could not decrypt `messageId` and asked for it again; `found`: we had it to resend. */
  resend_requested: { readonly messageId: string; readonly found: boolean };
  /** WhatsApp asks this account for a passkey check before linking (the owner must act on the phone). */
  passkey_required: { readonly kind: string };
  /** WhatsApp's new-chat cap for this account: quota, used, status (at open, and on every change). */
  new_chat_cap: NewChatCap;
  /** WhatsApp said the account's reach-out timelock started (until `until`, epoch ms) or ended. */
  reachout_timelock: { readonly active: boolean; readonly until?: number };
}
