import { normalizeMessageContent, proto, type BinaryNode, type WAMessage, type WAMessageUpdate } from 'baileys';
import type { MessageFailureReason, MessageStatusEvent } from './session-events.js';

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
      return failed(key.id, typeof first === 'string' || typeof first === 'number' ? parseCode(String(first)) : undefined);
    }
    case Status.PENDING:
    case Status.SERVER_ACK:
      // PENDING is our own send; SERVER_ACK comes from the raw ack listener instead.
      return undefined;
  }
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
