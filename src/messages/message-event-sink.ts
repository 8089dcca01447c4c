import type { InboundMessage, MessageStatusChange } from '../domain/message.js';
import type { Queryable } from '../store/database.js';

// The one change type out is the lifecycle's (domain/message.ts); sinks import it from here too.
export type { MessageStatusChange };

/** A client's text to a business's number, stored for the first time. */
export type InboundReply = Omit<InboundMessage, 'id' | 'createdAt'> & {
  /** The stored text's id (`inb_…`). */
  readonly inboundId: string;
};

/**
 * Where message events go besides message_events (the webhook outbox, the integrations' status reports). Each call
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

/**
 * Hands changes to a sink in order, in `tx`: as one batch where the sink takes batches (the webhook
 * outbox writes them in one statement), otherwise one by one.
 */
export async function recordChanges(
  sink: MessageEventSink,
  tx: Queryable,
  changes: readonly MessageStatusChange[],
): Promise<void> {
  if (sink.recordMany && changes.length > 1) await sink.recordMany(tx, changes);
  else for (const change of changes) await sink.record(tx, change);
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
