import { randomBytes } from 'node:crypto';
import {
  FAILURE_DETAILS,
  FAILURE_REASONS,
  judgeTransition,
  priorityFromRank,
  priorityRank,
  type FailureDetail,
  type FailureReason,
  type MessageEventReason,
  type MessageStatus,
  type Priority,
  type TransitionVerdict,
} from '../domain/message-status.js';
import type { Queryable } from './database.js';
import { newId } from './tokens.js';

/** An outbound notification as stored. */
export interface Message {
  readonly id: string;
  readonly tenantId: string;
  readonly channelId: string;
  /** The WhatsApp message id, fixed at accept time (a resend after a crash reuses it). */
  readonly waMessageId: string;
  /** E.164 digits without '+'. */
  readonly toPhone: string;
  /** The final text (templates are rendered at accept time). */
  readonly body: string;
  readonly templateName: string | null;
  readonly templateLanguage: string | null;
  readonly priority: Priority;
  readonly urgent: boolean;
  readonly status: MessageStatus;
  readonly failureReason: FailureReason | null;
  /** What the reason alone does not say (a 463's cause, why a first contact was held back). */
  readonly failureDetail: FailureDetail | null;
  readonly errorCode: number | null;
  readonly sendAfter: Date;
  readonly expiresAt: Date | null;
  readonly attempts: number;
  readonly idempotencyKey: string | null;
  readonly metadata: Record<string, unknown>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly sentAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly readAt: Date | null;
  readonly failedAt: Date | null;
}

/** One stored transition of a message. */
export interface MessageEvent {
  readonly id: number;
  readonly messageId: string;
  readonly status: MessageStatus;
  readonly reason: MessageEventReason | null;
  readonly errorCode: number | null;
  readonly details: Record<string, unknown> | null;
  readonly at: Date;
}

/** A transition that was stored: the message after it and its event row (same transaction). */
export interface AppliedTransition {
  readonly message: Message;
  readonly event: MessageEvent;
}

/** What accept stores. */
export interface NewMessage {
  /** null: the tenant's first channel. */
  readonly channelId: string | null;
  readonly toPhone: string;
  readonly body: string;
  readonly templateName: string | null;
  readonly templateLanguage: string | null;
  readonly priority: Priority;
  readonly urgent: boolean;
  readonly sendAfter: Date;
  readonly expiresAt: Date | null;
  readonly idempotencyKey: string | null;
  /**
   * A digest of the request that carried the idempotency key (null without a key): a repeat of the
   * key with another digest is a different message under a reused key.
   */
  readonly requestFingerprint: string | null;
  readonly metadata: Record<string, unknown>;
}

/** Details of a status change. */
export interface StatusChange {
  readonly at: Date;
  readonly reason?: MessageEventReason | undefined;
  /** WhatsApp's error code, for failures it reported. */
  readonly errorCode?: number | undefined;
  /** For failures: what the reason alone does not say. */
  readonly failureDetail?: FailureDetail | undefined;
  readonly details?: Record<string, unknown> | undefined;
  /** Back to 'queued' only: not before this time. */
  readonly sendAfter?: Date | undefined;
  /** Apply only from these statuses (cancel: only while queued); otherwise the verdict is 'refused'. */
  readonly onlyFrom?: readonly MessageStatus[] | undefined;
}

/** The outcome of a requested transition: the verdict, the message as it now is, and what was stored. */
export interface TransitionOutcome {
  readonly verdict: TransitionVerdict | 'refused';
  readonly message: Message;
  readonly applied?: AppliedTransition;
}

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

/** What pacing needs to know about a channel's recent sending. */
export interface SendHistory {
  readonly lastSentAt: Date | null;
  readonly sentSince: number;
  readonly recipientSendsLastHour: Array<{ readonly messageId: string; readonly at: Date }>;
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

/** One message for `insertMany`. */
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

interface MessageRow {
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

/** The reason a failure is stored with: a typed failure reason, 'rejected' when none was given. */
const failureReasonOf = (reason: MessageEventReason | undefined): FailureReason =>
  (FAILURE_REASONS as readonly string[]).includes(reason ?? '') ? (reason as FailureReason) : 'rejected';

/**
 * The transition rule applied to a message in memory: the verdict and, when it applies, the
 * message after it (what the update writes) and its event.
 */
function stepTransition(
  current: Message,
  status: MessageStatus,
  change: StatusChange,
): { verdict: TransitionVerdict | 'refused'; next?: Message; draft: EventDraft } {
  const at = change.at;
  const failed = status === 'failed';
  const failureReason = failed ? failureReasonOf(change.reason) : null;
  const draft: EventDraft = {
    tenantId: current.tenantId,
    messageId: current.id,
    status,
    reason: failed ? failureReason : (change.reason ?? null),
    errorCode: change.errorCode ?? null,
    details: change.details ?? null,
    at,
  };
  if (change.onlyFrom && !change.onlyFrom.includes(current.status)) return { verdict: 'refused', draft };
  const verdict = judgeTransition(current.status, status);
  if (verdict !== 'apply') return { verdict, draft };
  const reached = (s: MessageStatus) =>
    status === s ||
    (s === 'sent' && (status === 'delivered' || status === 'read')) ||
    (s === 'delivered' && status === 'read');
  const next: Message = {
    ...current,
    status,
    failureReason,
    failureDetail: failed ? (change.failureDetail ?? null) : null,
    errorCode: failed ? (change.errorCode ?? null) : null,
    updatedAt: at,
    sentAt: reached('sent') ? (current.sentAt ?? at) : current.sentAt,
    deliveredAt: reached('delivered') ? (current.deliveredAt ?? at) : current.deliveredAt,
    readAt: reached('read') ? (current.readAt ?? at) : current.readAt,
    failedAt: failed ? at : current.failedAt,
    sendAfter: status === 'queued' && change.sendAfter ? change.sendAfter : current.sendAfter,
  };
  return { verdict, next, draft };
}

const date = (value: Date | null): Date | null => (value ? new Date(value) : null);

const toMessage = (row: MessageRow): Message => ({
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

/** The earlier message a repeated idempotency key found, with its request's fingerprint. */
const repeatOf = (row: MessageRow): InsertOutcome => ({
  message: toMessage(row),
  created: false,
  requestFingerprint: row.request_fingerprint ?? null,
});

const toEvent = (row: EventRow): MessageEvent => ({
  id: Number(row.id),
  messageId: row.message_id,
  status: row.status,
  reason: row.reason,
  errorCode: row.error_code === null ? null : Number(row.error_code),
  details: row.details,
  at: new Date(row.at),
});

/** Queue order: priority, then send time, then arrival. */
const queueOrder = (a: Message, b: Message): number =>
  priorityRank(a.priority) - priorityRank(b.priority) ||
  a.sendAfter.getTime() - b.sendAfter.getTime() ||
  a.createdAt.getTime() - b.createdAt.getTime() ||
  (a.id < b.id ? -1 : 1);

interface EventDraft {
  readonly tenantId: string;
  readonly messageId: string;
  readonly status: MessageStatus;
  readonly reason: MessageEventReason | null;
  readonly errorCode: number | null;
  readonly details: Record<string, unknown> | null;
  readonly at: Date;
}

/**
 * Outbound notifications and their history. Business-facing reads and writes name the tenant; the
 * sender's operations (claim, expire, requeue, receipts by WhatsApp id) work per channel or
 * system-wide, as the queue's own machinery. Writes that change a status also write its event, in
 * the transaction passed as `tx`.
 */
export class MessagesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores a new queued message with its first event, on the given channel of this tenant or, with
   * `channelId` null, on its first channel. With an idempotency key already used by this tenant,
   * stores nothing and returns the first message (`created: false`). Undefined when the tenant has
   * no such channel. Safe under races: the unique index decides, and the loser reads the winner's
   * row. One statement on the hot path (the embedded database pays per statement).
   */
  async insert(
    tenantId: string,
    draft: NewMessage,
    at: Date,
    tx: Queryable,
    ids: NewMessageIds = newMessageIds(),
  ): Promise<InsertOutcome> {
    const { id, waMessageId } = ids;
    // Everything but the channel (when defaulted) and the event id is known here: return only
    // those, as decoding a whole row costs more than the insert on the embedded database.
    const [row] = await tx.query<{ channel_id: string; event_id: string | number }>(
      `with ch as (
         select id from channels where tenant_id = $2 and deleted_at is null and ($3::text is null or id = $3::text)
         order by created_at, id limit 1
       ), m as (
         insert into messages (id, tenant_id, channel_id, wa_message_id, to_phone, body, template_name,
           template_language, priority, urgent, status, send_after, expires_at, idempotency_key, metadata,
           created_at, updated_at, request_fingerprint)
         select $1, $2, ch.id, $4, $5, $6, $7, $8, $9::smallint, $10::boolean, 'queued', $11::timestamptz,
           $12::timestamptz, $13, $14::jsonb, $15::timestamptz, $15::timestamptz, $16
         from ch
         on conflict (tenant_id, idempotency_key) do nothing
         returning id, tenant_id, channel_id, created_at
       ), e as (
         insert into message_events (tenant_id, message_id, status, reason, at)
         select tenant_id, id, 'queued', 'accepted', created_at from m
         returning id
       )
       select m.channel_id, e.id as event_id from m, e`,
      [
        id,
        tenantId,
        draft.channelId,
        waMessageId,
        draft.toPhone,
        draft.body,
        draft.templateName,
        draft.templateLanguage,
        priorityRank(draft.priority),
        draft.urgent,
        draft.sendAfter,
        draft.expiresAt,
        draft.idempotencyKey,
        JSON.stringify(draft.metadata),
        at,
        draft.requestFingerprint,
      ],
    );
    if (row) return newlyStored(tenantId, draft, at, ids, row.channel_id, Number(row.event_id));
    if (draft.idempotencyKey === null) return undefined;
    const [existing] = await tx.query<MessageRow>(
      'select * from messages where tenant_id = $1 and idempotency_key = $2',
      [tenantId, draft.idempotencyKey],
    );
    return existing ? repeatOf(existing) : undefined;
  }

  /**
   * `insert` for many messages (of any tenants) in one statement, results in input order: what the
   * accept path's group commit and API batches use, as the database pays per statement far more than
   * per row. Two items with the same tenant and idempotency key: the earlier one is stored and the
   * later one gets it back (`created: false`), as if they had come one after the other.
   */
  async insertMany(items: readonly NewMessageItem[], tx: Queryable): Promise<InsertOutcome[]> {
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
  async events(tenantId: string, messageId: string): Promise<MessageEvent[]> {
    const rows = await this.db.query<EventRow>(
      `select id, message_id, status, reason, error_code, details, at from message_events
       where tenant_id = $1 and message_id = $2 order by id`,
      [tenantId, messageId],
    );
    return rows.map(toEvent);
  }

  /** The message with this WhatsApp id, whichever business it belongs to (receipts carry only that). */
  async findByWaId(waMessageId: string, tx: Queryable = this.db): Promise<Message | undefined> {
    const [row] = await tx.query<MessageRow>('select * from messages where wa_message_id = $1', [
      waMessageId,
    ]);
    return row ? toMessage(row) : undefined;
  }

  /**
   * Moves a message to `status` if the transition rule allows it (locking the row meanwhile), with
   * its event. Repeated or late receipts come back with verdict duplicate/stale and change nothing.
   * Undefined when the message is not this tenant's.
   */
  async transition(
    tenantId: string,
    messageId: string,
    status: MessageStatus,
    change: StatusChange,
    tx: Queryable,
  ): Promise<TransitionOutcome | undefined> {
    const [row] = await tx.query<MessageRow>(
      'select * from messages where tenant_id = $1 and id = $2 for update',
      [tenantId, messageId],
    );
    if (!row) return undefined;
    const current = toMessage(row);
    const step = stepTransition(current, status, change);
    if (!step.next) return { verdict: step.verdict, message: current };
    const next = step.next;
    const [updated] = await tx.query<MessageRow>(
      `update messages set status = $3, failure_reason = $4, error_code = $5, updated_at = $6,
         sent_at = $7, delivered_at = $8, read_at = $9, failed_at = $10, send_after = $11, failure_detail = $12
       where tenant_id = $1 and id = $2 returning *`,
      [
        tenantId,
        messageId,
        next.status,
        next.failureReason,
        next.errorCode,
        next.updatedAt,
        next.sentAt,
        next.deliveredAt,
        next.readAt,
        next.failedAt,
        next.sendAfter,
        next.failureDetail,
      ],
    );
    const message = toMessage(updated!);
    const [event] = await this.recordEvents([step.draft], tx);
    const verdict = step.verdict;
    return { verdict, message, applied: { message, event: event! } };
  }

  /**
   * Applies receipts that name only WhatsApp's id, many at once (group commit): the rows are locked
   * in one statement, each change is judged in the given order against the message as the earlier
   * changes left it (an ack and its receipt may come together), the changed rows are written in one
   * update and their events in one insert. One outcome per change, in order; undefined for ids that
   * are not ours.
   */
  async transitionManyByWaId(
    changes: readonly {
      readonly waMessageId: string;
      readonly status: MessageStatus;
      readonly change: StatusChange;
    }[],
    tx: Queryable,
  ): Promise<Array<TransitionOutcome | undefined>> {
    if (changes.length === 0) return [];
    const rows = await tx.query<MessageRow>(
      'select * from messages where wa_message_id = any($1) order by id for update',
      [[...new Set(changes.map((c) => c.waMessageId))]],
    );
    const current = new Map(rows.map((row) => [row.wa_message_id, toMessage(row)]));
    const steps: Array<
      { verdict: TransitionVerdict | 'refused'; message: Message; draft?: EventDraft } | undefined
    > = changes.map(({ waMessageId, status, change }) => {
      const message = current.get(waMessageId);
      if (!message) return undefined;
      const step = stepTransition(message, status, change);
      if (!step.next) return { verdict: step.verdict, message };
      current.set(waMessageId, step.next);
      return { verdict: step.verdict, message: step.next, draft: step.draft };
    });
    const written = new Map<string, Message>();
    for (const step of steps)
      if (step?.draft) written.set(step.message.id, current.get(step.message.waMessageId)!);
    if (written.size > 0)
      await tx.query(
        `update messages m set status = u.status, failure_reason = u.failure_reason, error_code = u.error_code,
           updated_at = u.updated_at, sent_at = u.sent_at, delivered_at = u.delivered_at, read_at = u.read_at,
           failed_at = u.failed_at, send_after = u.send_after, failure_detail = u.failure_detail
         from jsonb_to_recordset($1::jsonb) as u(id text, status text, failure_reason text, error_code int,
           updated_at timestamptz, sent_at timestamptz, delivered_at timestamptz, read_at timestamptz,
           failed_at timestamptz, send_after timestamptz, failure_detail text)
         where m.id = u.id`,
        [
          JSON.stringify(
            [...written.values()].map((m) => ({
              id: m.id,
              status: m.status,
              failure_reason: m.failureReason,
              failure_detail: m.failureDetail,
              error_code: m.errorCode,
              updated_at: m.updatedAt,
              sent_at: m.sentAt,
              delivered_at: m.deliveredAt,
              read_at: m.readAt,
              failed_at: m.failedAt,
              send_after: m.sendAfter,
            })),
          ),
        ],
      );
    const drafts = steps.flatMap((step) => (step?.draft ? [step.draft] : []));
    const events = await this.recordEvents(drafts, tx);
    let next = 0;
    return steps.map((step) => {
      if (!step) return undefined;
      if (!step.draft) return { verdict: step.verdict, message: step.message };
      return {
        verdict: step.verdict,
        message: step.message,
        applied: { message: step.message, event: events[next++]! },
      };
    });
  }

  /**
   * Claims up to `limit` due messages of a channel for sending — queued, due, not expired — in
   * queue order: they become 'sending' with one more attempt. Rows another transaction holds are
   * skipped (SKIP LOCKED), so concurrent senders never claim the same message.
   */
  async claimDue(channelId: string, now: Date, limit: number, tx: Queryable): Promise<AppliedTransition[]> {
    const rows = await tx.query<MessageRow>(
      `with due as (
         select id from messages
         where channel_id = $1 and status = 'queued' and send_after <= $2
           and (expires_at is null or expires_at > $2)
         order by priority, send_after, created_at
         limit $3
         for update skip locked
       )
       update messages m set status = 'sending', attempts = m.attempts + 1, updated_at = $2
       from due where m.id = due.id
       returning m.*`,
      [channelId, now, limit],
    );
    const messages = rows.map(toMessage).sort(queueOrder);
    return this.withEvents(messages, 'claimed', now, tx);
  }

  /** Fails queued messages whose expiry has passed (at most `limit` per call), each with its event. */
  async expireDue(now: Date, limit: number, tx: Queryable): Promise<AppliedTransition[]> {
    const rows = await tx.query<MessageRow>(
      `with expired as (
         select id from messages
         where status = 'queued' and expires_at is not null and expires_at <= $1
         order by expires_at
         limit $2
         for update skip locked
       )
       update messages m set status = 'failed', failure_reason = 'expired', failed_at = $1, updated_at = $1
       from expired where m.id = expired.id
       returning m.*`,
      [now, limit],
    );
    return this.withEvents(rows.map(toMessage), 'expired', now, tx);
  }

  /**
   * Crash recovery: messages caught in 'sending' go back to 'queued', keeping their WhatsApp id
   * (the resend is the same message to WhatsApp and the recipient). Narrowed to one channel, and/or
   * to claims older than `claimedBefore` (a send whose ack never came).
   */
  async requeueSending(
    filter: { readonly channelId?: string; readonly claimedBefore?: Date },
    at: Date,
    tx: Queryable,
  ): Promise<AppliedTransition[]> {
    const rows = await tx.query<MessageRow>(
      `update messages set status = 'queued', updated_at = $3
       where status = 'sending' and ($1::text is null or channel_id = $1)
         and ($2::timestamptz is null or updated_at < $2)
       returning *`,
      [filter.channelId ?? null, filter.claimedBefore ?? null, at],
    );
    return this.withEvents(rows.map(toMessage).sort(queueOrder), 'requeued', at, tx);
  }

  /** Fails every waiting (queued or in-flight) message of a channel with `reason` (e.g. channel_removed). */
  async failQueued(
    tenantId: string,
    channelId: string,
    reason: FailureReason,
    at: Date,
    tx: Queryable,
  ): Promise<AppliedTransition[]> {
    const rows = await tx.query<MessageRow>(
      `update messages set status = 'failed', failure_reason = $3, failed_at = $4, updated_at = $4
       where tenant_id = $1 and channel_id = $2 and status in ('queued', 'sending')
       returning *`,
      [tenantId, channelId, reason, at],
    );
    return this.withEvents(rows.map(toMessage).sort(queueOrder), reason, at, tx);
  }

  /** The message this channel last sent to `phone` (what an inbound reply answers). */
  async lastSentTo(
    tenantId: string,
    channelId: string,
    phone: string,
    tx: Queryable = this.db,
  ): Promise<Message | undefined> {
    const [row] = await tx.query<MessageRow>(
      `select * from messages where channel_id = $1 and to_phone = $2 and sent_at is not null and tenant_id = $3
       order by sent_at desc limit 1`,
      [channelId, phone, tenantId],
    );
    return row ? toMessage(row) : undefined;
  }

  /**
   * A channel's sending history for pacing: its last send, how many since `since` (local midnight),
   * and its sends to `phone` in the hour before `now`.
   */
  async sendHistory(channelId: string, phone: string, now: Date, since: Date): Promise<SendHistory> {
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const [row] = await this.db.query<{ last_sent_at: Date | null; sent_since: number; recent: unknown }>(
      `select
         (select max(sent_at) from messages where channel_id = $1 and sent_at is not null) as last_sent_at,
         (select count(*)::int from messages where channel_id = $1 and sent_at >= $3) as sent_since,
         (select coalesce(jsonb_agg(jsonb_build_object('id', id, 'at', sent_at) order by sent_at), '[]'::jsonb)
            from messages where channel_id = $1 and to_phone = $2 and sent_at > $4) as recent`,
      [channelId, phone, since, hourAgo],
    );
    const recent = (Array.isArray(row?.recent) ? row.recent : []) as Array<{ id: string; at: string }>;
    return {
      lastSentAt: date(row?.last_sent_at ?? null),
      sentSince: Number(row?.sent_since ?? 0),
      recipientSendsLastHour: recent.map((r) => ({ messageId: r.id, at: new Date(r.at) })),
    };
  }

  /**
   * Has this channel ever been in a chat with `phone` (a message of ours reached the server, or they
   * wrote to us)? A 463 restriction only stops chats with new contacts.
   */
  async hasContacted(channelId: string, phone: string): Promise<boolean> {
    const [row] = await this.db.query<{ contacted: boolean }>(
      `select exists (select 1 from messages where channel_id = $1 and to_phone = $2 and sent_at is not null)
           or exists (select 1 from inbound_messages where channel_id = $1 and from_phone = $2) as contacted`,
      [channelId, phone],
    );
    return Boolean(row?.contacted);
  }

  /** Messages waiting (queued or being sent) on one channel, or on all of them. */
  async queueDepth(channelId?: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      `select count(*)::int as n from messages
       where status in ('queued', 'sending') and ($1::text is null or channel_id = $1)`,
      [channelId ?? null],
    );
    return Number(row?.n ?? 0);
  }

  /** Queue depth of every channel with work (metrics). */
  async queueDepths(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ channel_id: string; n: number }>(
      `select channel_id, count(*)::int as n from messages where status in ('queued', 'sending') group by channel_id`,
    );
    return new Map(rows.map((r) => [r.channel_id, Number(r.n)]));
  }

  /** Channels with queued messages, due or not (to start their senders at boot). */
  async channelsWithQueuedWork(): Promise<string[]> {
    const rows = await this.db.query<{ channel_id: string }>(
      `select distinct channel_id from messages where status = 'queued'`,
    );
    return rows.map((r) => r.channel_id);
  }

  /** When the channel's earliest queued, unexpired message is due; null with nothing queued. */
  async nextDueAt(channelId: string, now: Date): Promise<Date | null> {
    const [row] = await this.db.query<{ at: Date | null }>(
      `select min(send_after) as at from messages
       where channel_id = $1 and status = 'queued' and (expires_at is null or expires_at > $2)`,
      [channelId, now],
    );
    return date(row?.at ?? null);
  }

  private async withEvents(
    messages: Message[],
    reason: MessageEventReason,
    at: Date,
    tx: Queryable,
  ): Promise<AppliedTransition[]> {
    const events = await this.recordEvents(
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
    return messages.map((message) => ({ message, event: byMessage.get(message.id)! }));
  }

  /** Writes event rows in one statement (one event per message per call). */
  private async recordEvents(drafts: EventDraft[], tx: Queryable): Promise<MessageEvent[]> {
    if (drafts.length === 0) return [];
    if (drafts.length === 1) {
      const d = drafts[0]!;
      const rows = await tx.query<EventRow>(
        `insert into message_events (tenant_id, message_id, status, reason, error_code, details, at)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7)
         returning id, message_id, status, reason, error_code, details, at`,
        [
          d.tenantId,
          d.messageId,
          d.status,
          d.reason,
          d.errorCode,
          d.details && JSON.stringify(d.details),
          d.at,
        ],
      );
      return rows.map(toEvent);
    }
    const rows = await tx.query<EventRow>(
      `insert into message_events (tenant_id, message_id, status, reason, error_code, details, at)
       select e->>'tenantId', e->>'messageId', e->>'status', e->>'reason', (e->>'errorCode')::int,
              case when jsonb_typeof(e->'details') = 'object' then e->'details' end, (e->>'at')::timestamptz
       from jsonb_array_elements($1::jsonb) as e
       returning id, message_id, status, reason, error_code, details, at`,
      [JSON.stringify(drafts)],
    );
    return rows.map(toEvent);
  }
}
