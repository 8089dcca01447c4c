import {
  FAILURE_DETAILS,
  priorityFromRank,
  type FailureDetail,
  type FailureReason,
  type MessageEventReason,
  type MessageStatus,
} from '../domain/message-status.js';
import type { EventDraft, Message, MessageEvent, TransitionOutcome } from '../domain/message.js';
import type { Queryable } from './database.js';

/** The mapping between the messages tables and the lifecycle's types, and the writes both repositories share. */

export interface MessageRow {
  id: string;
  tenant_id: string;
  channel_id: string;
  wa_message_id: string;
  to_phone: string;
  body: string;
  template_name: string | null;
  template_language: string | null;
  priority: number;
  urgent: boolean;
  status: MessageStatus;
  failure_reason: FailureReason | null;
  /** Absent on rows read before migration 012. */
  failure_detail?: string | null;
  error_code: number | null;
  send_after: Date;
  expires_at: Date | null;
  attempts: number;
  idempotency_key: string | null;
  request_fingerprint?: string | null;
  metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
}

interface EventRow {
  id: string | number;
  message_id: string;
  status: MessageStatus;
  reason: MessageEventReason | null;
  error_code: number | null;
  details: Record<string, unknown> | null;
  at: Date;
}

export const date = (value: Date | null): Date | null => (value ? new Date(value) : null);

export const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  tenantId: row.tenant_id,
  channelId: row.channel_id,
  waMessageId: row.wa_message_id,
  toPhone: row.to_phone,
  body: row.body,
  templateName: row.template_name,
  templateLanguage: row.template_language,
  priority: priorityFromRank(Number(row.priority)),
  urgent: row.urgent,
  status: row.status,
  failureReason: row.failure_reason,
  failureDetail: (FAILURE_DETAILS as readonly string[]).includes(row.failure_detail ?? '')
    ? (row.failure_detail as FailureDetail)
    : null,
  errorCode: row.error_code === null ? null : Number(row.error_code),
  sendAfter: new Date(row.send_after),
  expiresAt: date(row.expires_at),
  attempts: Number(row.attempts),
  idempotencyKey: row.idempotency_key,
  metadata: row.metadata ?? {},
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  sentAt: date(row.sent_at),
  deliveredAt: date(row.delivered_at),
  readAt: date(row.read_at),
  failedAt: date(row.failed_at),
});

export const toEvent = (row: EventRow): MessageEvent => ({
  id: Number(row.id),
  messageId: row.message_id,
  status: row.status,
  reason: row.reason,
  errorCode: row.error_code === null ? null : Number(row.error_code),
  details: row.details,
  at: new Date(row.at),
});

/** A message's history, oldest first. */
export async function selectEvents(
  db: Queryable,
  tenantId: string,
  messageId: string,
): Promise<MessageEvent[]> {
  const rows = await db.query<EventRow>(
    `select id, message_id, status, reason, error_code, details, at from message_events
     where tenant_id = $1 and message_id = $2 order by id`,
    [tenantId, messageId],
  );
  return rows.map(toEvent);
}

/** Writes event rows in one statement, returned in the drafts' order. */
export async function insertEvents(drafts: readonly EventDraft[], tx: Queryable): Promise<MessageEvent[]> {
  if (drafts.length === 0) return [];
  const rows = await tx.query<EventRow & { ord: number }>(
    `insert into message_events (tenant_id, message_id, status, reason, error_code, details, at)
     select e->>'tenantId', e->>'messageId', e->>'status', e->>'reason', (e->>'errorCode')::int,
            case when jsonb_typeof(e->'details') = 'object' then e->'details' end, (e->>'at')::timestamptz
     from jsonb_array_elements($1::jsonb) with ordinality as d(e, ord)
     order by d.ord
     returning id, message_id, status, reason, error_code, details, at`,
    [JSON.stringify(drafts)],
  );
  // Ids are drawn in insert order (one sequence, one statement): sorting by id restores the drafts' order.
  return rows.map(toEvent).sort((a, b) => a.id - b.id);
}

/**
 * Stores the messages (as the transition rule or a bulk step left them) with one event each, all
 * with the same `reason`: the bulk steps (claim, expire, requeue, fail a channel's queue).
 */
export async function withEvents(
  messages: readonly Message[],
  reason: MessageEventReason,
  at: Date,
  tx: Queryable,
): Promise<TransitionOutcome[]> {
  const events = await insertEvents(
    messages.map((m) => ({
      tenantId: m.tenantId,
      messageId: m.id,
      status: m.status,
      reason,
      errorCode: null,
      details: null,
      at,
    })),
    tx,
  );
  const byMessage = new Map(events.map((e) => [e.messageId, e]));
  return messages.map((message) => ({ verdict: 'apply', message, event: byMessage.get(message.id)! }));
}
