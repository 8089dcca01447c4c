import {
  normalizeMessageContent,
  proto,
  type BinaryNode,
  type WAMessage,
  type WAMessageUpdate,
} from 'baileys';
import { isIgnoredJid, parseLidUser, parsePhoneJid } from './jids.js';
import type { ReceivedText, MessageFailureReason, MessageStatusEvent } from './session-events.js';

// Mapping of Baileys' message-level signals to the driver's events. Pure functions.

const Status = proto.WebMessageInfo.Status;

/** 463: new chats refused for now (reach-out timelock, missing privacy token). */
const RESTRICTED_CODE = 463;

/** Failure reason for a WhatsApp error-ack code. */
export function failureReasonFor(code: number | undefined): MessageFailureReason {
  return code === RESTRICTED_CODE ? 'restricted' : 'rejected';
}

/**
 * The status carried by a server `<ack class="message">`: server_ack without an error attribute,
 * failed with one. Baileys only surfaces error acks (as messages.update ERROR), so the driver
 * listens to the raw stanza for the positive ack.
 */
export function statusFromServerAck(node: BinaryNode): MessageStatusEvent | undefined {
  const id = node.attrs.id;
  if (!id) return undefined;
  const error = node.attrs.error;
  if (error === undefined || error === '') return { messageId: id, status: 'server_ack' };
  return failed(id, parseCode(error));
}

/** The status carried by a Baileys `messages.update` entry about a message we sent, if any. */
export function statusFromUpdate({ key, update }: WAMessageUpdate): MessageStatusEvent | undefined {
  if (!key.fromMe || !key.id || update.status === undefined || update.status === null) return undefined;
  switch (update.status) {
    case Status.DELIVERY_ACK:
      return { messageId: key.id, status: 'delivered' };
    case Status.READ:
    case Status.PLAYED:
      return { messageId: key.id, status: 'read' };
    case Status.ERROR: {
      const params: unknown = update.messageStubParameters;
      const first = Array.isArray(params) ? (params as unknown[])[0] : undefined;
      return failed(
        key.id,
        typeof first === 'string' || typeof first === 'number' ? parseCode(String(first)) : undefined,
      );
    }
    case Status.PENDING:
    case Status.SERVER_ACK:
      // PENDING is our own send; SERVER_ACK comes from the raw ack listener instead.
      return undefined;
  }
}

/** An inbound text, or why a received message is not one. */
export type InboundResult =
  { readonly message: ReceivedText } | { readonly skipped: 'not_inbound' | 'no_text' | 'unknown_sender' };

/**
 * A received message as the driver reports it: texts from users only (not our own, not groups),
 * with the sender's phone number even when WhatsApp addressed it by LID (`pnForLid` looks it up).
 */
export async function toReceivedText(
  msg: WAMessage,
  pnForLid: (lidJid: string) => Promise<string | null>,
  nowMs: number,
): Promise<InboundResult> {
  const { key } = msg;
  if (key.fromMe || !key.id || !key.remoteJid || isIgnoredJid(key.remoteJid))
    return { skipped: 'not_inbound' };
  const text = textOf(msg.message);
  if (text === undefined) return { skipped: 'no_text' };
  const lid = parseLidUser(key.remoteJid) ?? parseLidUser(key.remoteJidAlt);
  let phone = parsePhoneJid(key.remoteJid)?.phone ?? parsePhoneJid(key.remoteJidAlt)?.phone;
  if (!phone && lid) phone = parsePhoneJid(await pnForLid(`${lid}@lid`))?.phone;
  if (!phone) return { skipped: 'unknown_sender' };
  return {
    message: {
      id: key.id,
      fromPhone: phone,
      ...(lid ? { fromLid: lid } : {}),
      text,
      timestamp: timestampMs(msg.messageTimestamp, nowMs),
      ...(msg.pushName ? { pushName: msg.pushName } : {}),
    },
  };
}

/** The text of a message: a plain conversation or an extended (link/formatted) text. */
export function textOf(message: WAMessage['message']): string | undefined {
  const content = normalizeMessageContent(message);
  if (!content) return undefined;
  const text = content.conversation ?? content.extendedTextMessage?.text;
  return typeof text === 'string' && text.length > 0 ? text : undefined;
}

/** Seconds (number or protobuf Long) since the epoch → milliseconds; `fallbackMs` when absent. */
export function timestampMs(value: WAMessage['messageTimestamp'], fallbackMs: number): number {
  if (value === null || value === undefined) return fallbackMs;
  const seconds = typeof value === 'number' ? value : value.toNumber();
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
}

function failed(messageId: string, errorCode: number | undefined): MessageStatusEvent {
  const reason = failureReasonFor(errorCode);
  return errorCode === undefined
    ? { messageId, status: 'failed', reason }
    : { messageId, status: 'failed', errorCode, reason };
}

function parseCode(raw: string): number | undefined {
  const code = Number.parseInt(raw, 10);
  return Number.isFinite(code) ? code : undefined;
}
