import type { FailureDetail, MessageEventReason, MessageStatus } from '../domain/message-status.js';
import type { Queryable } from '../store/database.js';
import type { InboundMessage } from '../store/inbound-messages-repository.js';
import type { AppliedTransition } from '../store/messages-repository.js';

/**
 * A message changed status in a way the business hears about: accepted ('queued', reason
 * 'accepted'), sent, delivered, read, failed. Internal steps — claimed for sending, put back in the
 * queue — are stored in message_events but not sent to the sink (see `isBusinessVisible`).
 */
export interface MessageStatusChange {
  /** The message_events row id: unique, increasing per message. */
  readonly eventId: number;
  readonly tenantId: string;
  readonly channelId: string;
  readonly messageId: string;
  readonly waMessageId: string;
  /** The recipient, E.164 digits without '+'. */
  readonly toPhone: string;
  readonly status: MessageStatus;
  /** The failure reason for 'failed'; otherwise what caused the transition (accepted, claimed…). */
  readonly reason?: MessageEventReason;
  /** For 'failed': what the reason alone does not say (a 463's cause, a first contact held back). */
  readonly failureDetail?: FailureDetail;
  /** WhatsApp's error code, when it refused the message. */
  readonly errorCode?: number;
  readonly at: Date;
  /** The business's own metadata given at accept time. */
  readonly metadata: Record<string, unknown>;
}

/** A client's text to a business's number, stored for the first time. */
export interface InboundReply {
  readonly tenantId: string;
  readonly channelId: string;
  readonly inboundId: string;
  readonly waMessageId: string;
  readonly fromPhone: string;
  readonly text: string;
  readonly pushName: string | null;
  readonly receivedAt: Date;
  /** The notification it answers: the last one this channel sent to that phone. */
  readonly inReplyToMessageId: string | null;
}

/**
 * Where message events go besides message_events (the webhook outbox, ALTEGIO callbacks). Each call
 * runs inside the transaction that stored the change, so the change and its notification commit or
 * roll back together; an implementation writes with `tx` and must not do network I/O.
 */
export interface MessageEventSink {
  record(tx: Queryable, event: MessageStatusChange): Promise<void>;
  /** Several changes at once (group commit); sinks without it get `record` once per change. */
  recordMany?(tx: Queryable, events: readonly MessageStatusChange[]): Promise<void>;
  recordInbound(tx: Queryable, reply: InboundReply): Promise<void>;
}

/** A sink that forwards nothing (tests, or before webhooks are wired). */
export const noMessageEvents: MessageEventSink = {
  record: async () => undefined,
  recordInbound: async () => undefined,
};

/** Fans one change out to several sinks, in order, in the same transaction. */
export function combineSinks(...sinks: MessageEventSink[]): MessageEventSink {
  return {
    async record(tx, event) {
      for (const sink of sinks) await sink.record(tx, event);
    },
    async recordMany(tx, events) {
      for (const sink of sinks) {
        if (sink.recordMany) await sink.recordMany(tx, events);
        else for (const event of events) await sink.record(tx, event);
      }
    },
    async recordInbound(tx, reply) {
      for (const sink of sinks) await sink.recordInbound(tx, reply);
    },
  };
}

/** Whether a stored transition is news for the business (and so for the sink). */
export function isBusinessVisible({ event }: AppliedTransition): boolean {
  if (event.status === 'sending') return false;
  return event.status !== 'queued' || event.reason === 'accepted';
}

/** The sink's view of a stored transition. */
export function toStatusChange({ message, event }: AppliedTransition): MessageStatusChange {
  return {
    eventId: event.id,
    tenantId: message.tenantId,
    channelId: message.channelId,
    messageId: message.id,
    waMessageId: message.waMessageId,
    toPhone: message.toPhone,
    status: event.status,
    ...(event.reason === null ? {} : { reason: event.reason }),
    ...(event.status === 'failed' && message.failureDetail ? { failureDetail: message.failureDetail } : {}),
    ...(event.errorCode === null ? {} : { errorCode: event.errorCode }),
    at: event.at,
    metadata: message.metadata,
  };
}

/** The sink's view of a stored inbound text. */
export function toInboundReply(inbound: InboundMessage): InboundReply {
  return {
    tenantId: inbound.tenantId,
    channelId: inbound.channelId,
    inboundId: inbound.id,
    waMessageId: inbound.waMessageId,
    fromPhone: inbound.fromPhone,
    text: inbound.text,
    pushName: inbound.pushName,
    receivedAt: inbound.receivedAt,
    inReplyToMessageId: inbound.inReplyToMessageId,
  };
}
