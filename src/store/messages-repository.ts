import { randomBytes } from 'node:crypto';
import { priorityRank, type MessageStatus } from '../domain/message-status.js';
import type { Message, MessageEvent } from '../domain/message.js';

// The entity lives in domain/message.ts; readers of this repository may take it from here.
export type { Message, MessageEvent };
import type { Queryable } from './database.js';
import { selectEvents, toMessage, type MessageRow } from './message-rows.js';
import { newId } from './tokens.js';

/** What accept stores: the message's own fields, before it has ids, a status or a history. */
export type NewMessage = Pick<
  Message,
  | 'toPhone'
  | 'body'
  | 'templateName'
  | 'templateLanguage'
  | 'priority'
  | 'urgent'
  | 'sendAfter'
  | 'expiresAt'
  | 'idempotencyKey'
  | 'metadata'
> & {
  /** null: the tenant's first channel. */
  readonly channelId: string | null;
  /**
   * A digest of the request that carried the idempotency key (null without a key): a repeat of the
   * key with another digest is a different message under a reused key.
   */
  readonly requestFingerprint: string | null;
};

/** Filters for listing a business's messages, newest first. */
export interface MessageFilter {
  readonly status?: MessageStatus | undefined;
  readonly channelId?: string | undefined;
  readonly toPhone?: string | undefined;
  readonly createdFrom?: Date | undefined;
  readonly createdBefore?: Date | undefined;
  /** Only messages due after this instant (a scheduled or held message). */
  readonly dueAfter?: Date | undefined;
  /** Keyset cursor: only messages strictly after this one in the listing order. */
  readonly after?: { readonly createdAt: Date; readonly id: string } | undefined;
  readonly limit: number;
}

/** A WhatsApp-Web-style message id: "3EB0" and 18 upper-case hex digits. */
export function newWaMessageId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

/** The ids a new message is stored under; fixed before the write, so a retried write cannot store it twice. */
export interface NewMessageIds {
  readonly id: string;
  /** The WhatsApp message id (a resend after a crash reuses it). */
  readonly waMessageId: string;
}

export function newMessageIds(): NewMessageIds {
  return { id: newId('msg'), waMessageId: newWaMessageId() };
}

/** One message for `insert`. */
export interface NewMessageItem {
  readonly tenantId: string;
  readonly draft: NewMessage;
  readonly at: Date;
  readonly ids?: NewMessageIds | undefined;
}

/**
 * What an insert did: stored the message with its first event, or found the earlier message with
 * the same idempotency key (`created: false`, with the fingerprint of the request that stored it,
 * null for messages stored before fingerprints were kept); undefined when the tenant has no such
 * channel.
 */
export type InsertOutcome =
  | { readonly message: Message; readonly created: true; readonly event: MessageEvent }
  | { readonly message: Message; readonly created: false; readonly requestFingerprint: string | null }
  | undefined;

/** The message and event an insert stored, built from what was written (decoding the row costs more). */
function newlyStored(
  tenantId: string,
  draft: NewMessage,
  at: Date,
  ids: NewMessageIds,
  channelId: string,
  eventId: number,
): { message: Message; created: true; event: MessageEvent } {
  const message: Message = {
    id: ids.id,
    tenantId,
    channelId,
    waMessageId: ids.waMessageId,
    toPhone: draft.toPhone,
    body: draft.body,
    templateName: draft.templateName,
    templateLanguage: draft.templateLanguage,
    priority: draft.priority,
    urgent: draft.urgent,
    status: 'queued',
    failureReason: null,
    failureDetail: null,
    errorCode: null,
    sendAfter: draft.sendAfter,
    expiresAt: draft.expiresAt,
    attempts: 0,
    idempotencyKey: draft.idempotencyKey,
    metadata: draft.metadata,
    createdAt: at,
    updatedAt: at,
    sentAt: null,
    deliveredAt: null,
    readAt: null,
    failedAt: null,
  };
  const event: MessageEvent = {
    id: eventId,
    messageId: ids.id,
    status: 'queued',
    reason: 'accepted',
    errorCode: null,
    details: null,
    at,
  };
  return { message, created: true, event };
}

/** The earlier message a repeated idempotency key found, with its request's fingerprint. */
const repeatOf = (row: MessageRow): InsertOutcome => ({
  message: toMessage(row),
  created: false,
  requestFingerprint: row.request_fingerprint ?? null,
});

/**
 * Outbound notifications as the business sees them: accept (stored with its first event) and the
 * reads behind the API. Status changes are the queue's (`MessageQueueRepository`); the rule that
 * decides them is `domain/message.ts`.
 */
export class MessagesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores new queued messages (of any tenants), each with its first event, in one statement; results
   * in input order. A message goes on the given channel of its tenant or, with `channelId` null, on
   * the tenant's first channel. With an idempotency key the tenant already used, nothing is stored
   * and the first message comes back (`created: false`); two items with the same tenant and key: the
   * earlier is stored and the later gets it back, as if they had come one after the other.
   * Undefined when the tenant has no such channel. Safe under races: the unique index decides, and
   * the loser reads the winner's row. One statement whatever the count (the embedded database pays
   * per statement far more than per row): the accept path's group commit and API batches; a single
   * accept is a batch of one.
   */
  async insert(items: readonly NewMessageItem[], tx: Queryable): Promise<InsertOutcome[]> {
    if (items.length === 0) return [];
    const drafts = items.map((item, ord) => ({ ...item, ids: item.ids ?? newMessageIds(), ord }));
    // One jsonb parameter: the same on PGlite and node-postgres, whatever the number of rows.
    const rows = await tx.query<{ id: string; channel_id: string; event_id: string | number }>(
      `with d as (
         select * from jsonb_to_recordset($1::jsonb) as d(ord int, id text, tenant_id text, channel_id text,
           wa_message_id text, to_phone text, body text, template_name text, template_language text,
           priority smallint, urgent boolean, send_after timestamptz, expires_at timestamptz,
           idempotency_key text, metadata jsonb, at timestamptz, request_fingerprint text)
       ), m as (
         insert into messages (id, tenant_id, channel_id, wa_message_id, to_phone, body, template_name,
           template_language, priority, urgent, status, send_after, expires_at, idempotency_key, metadata,
           created_at, updated_at, request_fingerprint)
         select d.id, d.tenant_id, ch.id, d.wa_message_id, d.to_phone, d.body, d.template_name,
           d.template_language, d.priority, d.urgent, 'queued', d.send_after, d.expires_at,
           d.idempotency_key, d.metadata, d.at, d.at, d.request_fingerprint
         from d cross join lateral (
           select c.id from channels c
            where c.tenant_id = d.tenant_id and c.deleted_at is null
              and (d.channel_id is null or c.id = d.channel_id)
            order by c.created_at, c.id limit 1
         ) ch
         order by d.ord
         on conflict (tenant_id, idempotency_key) do nothing
         returning id, tenant_id, channel_id, created_at
       ), e as (
         insert into message_events (tenant_id, message_id, status, reason, at)
         select tenant_id, id, 'queued', 'accepted', created_at from m
         returning id, message_id
       )
       select m.id, m.channel_id, e.id as event_id from m join e on e.message_id = m.id`,
      [
        JSON.stringify(
          drafts.map(({ tenantId, draft, at, ids, ord }) => ({
            ord,
            id: ids.id,
            tenant_id: tenantId,
            channel_id: draft.channelId,
            wa_message_id: ids.waMessageId,
            to_phone: draft.toPhone,
            body: draft.body,
            template_name: draft.templateName,
            template_language: draft.templateLanguage,
            priority: priorityRank(draft.priority),
            urgent: draft.urgent,
            send_after: draft.sendAfter,
            expires_at: draft.expiresAt,
            idempotency_key: draft.idempotencyKey,
            metadata: draft.metadata,
            at,
            request_fingerprint: draft.requestFingerprint,
          })),
        ),
      ],
    );
    const stored = new Map(rows.map((row) => [row.id, row]));
    // Not stored and with a key: a repeat (of an earlier call or of an item before it) or no channel.
    const repeats = drafts.filter((d) => !stored.has(d.ids.id) && d.draft.idempotencyKey !== null);
    const existing = new Map<string, MessageRow>();
    if (repeats.length > 0) {
      const found = await tx.query<MessageRow>(
        `select m.* from messages m
           join jsonb_to_recordset($1::jsonb) as k(tenant_id text, idempotency_key text)
             on m.tenant_id = k.tenant_id and m.idempotency_key = k.idempotency_key`,
        [
          JSON.stringify(
            repeats.map((d) => ({ tenant_id: d.tenantId, idempotency_key: d.draft.idempotencyKey })),
          ),
        ],
      );
      for (const row of found) existing.set(`${row.tenant_id}\u0000${row.idempotency_key}`, row);
    }
    return drafts.map(({ tenantId, draft, at, ids }): InsertOutcome => {
      const row = stored.get(ids.id);
      if (row) return newlyStored(tenantId, draft, at, ids, row.channel_id, Number(row.event_id));
      if (draft.idempotencyKey === null) return undefined;
      const first = existing.get(`${tenantId}\u0000${draft.idempotencyKey}`);
      return first ? repeatOf(first) : undefined;
    });
  }

  async get(tenantId: string, messageId: string, tx: Queryable = this.db): Promise<Message | undefined> {
    const [row] = await tx.query<MessageRow>('select * from messages where tenant_id = $1 and id = $2', [
      tenantId,
      messageId,
    ]);
    return row ? toMessage(row) : undefined;
  }

  /** A business's messages, newest first, keyset-paginated. */
  async list(tenantId: string, filter: MessageFilter): Promise<Message[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.status) add((p) => `status = ${p}`, filter.status);
    if (filter.channelId) add((p) => `channel_id = ${p}`, filter.channelId);
    if (filter.toPhone) add((p) => `to_phone = ${p}`, filter.toPhone);
    if (filter.createdFrom) add((p) => `created_at >= ${p}`, filter.createdFrom);
    if (filter.createdBefore) add((p) => `created_at < ${p}`, filter.createdBefore);
    if (filter.dueAfter) add((p) => `send_after > ${p}`, filter.dueAfter);
    if (filter.after) {
      params.push(filter.after.createdAt, filter.after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(filter.limit);
    const rows = await this.db.query<MessageRow>(
      `select * from messages where ${where.join(' and ')} order by created_at desc, id desc limit $${params.length}`,
      params,
    );
    return rows.map(toMessage);
  }

  /** A message's history, oldest first. */
  events(tenantId: string, messageId: string): Promise<MessageEvent[]> {
    return selectEvents(this.db, tenantId, messageId);
  }

  /** The message with this WhatsApp id, whichever business it belongs to (receipts carry only that). */
  async findByWaId(waMessageId: string, tx: Queryable = this.db): Promise<Message | undefined> {
    const [row] = await tx.query<MessageRow>('select * from messages where wa_message_id = $1', [
      waMessageId,
    ]);
    return row ? toMessage(row) : undefined;
  }
}
