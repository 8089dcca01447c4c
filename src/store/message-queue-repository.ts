import type { FailureReason } from '../domain/message-status.js';
import {
  applyReport,
  queueOrder,
  type Message,
  type StatusReport,
  type TransitionOutcome,
} from '../domain/message.js';
import type { Queryable } from './database.js';
import { date, insertEvents, toMessage, withEvents, type MessageRow } from './message-rows.js';

/** Which message a report is about: by WhatsApp's id (receipts carry only that), or a tenant's own id. */
export type MessageTarget =
  { readonly waMessageId: string } | { readonly tenantId: string; readonly messageId: string };

/** What pacing needs to know about a channel's recent sending. */
export interface SendHistory {
  readonly lastSentAt: Date | null;
  readonly sentSince: number;
  readonly recipientSendsLastHour: Array<{ readonly messageId: string; readonly at: Date }>;
}

/**
 * Where and order of a channel's messages due at $2 ($1: the channel), as the sender takes them: one
 * definition for the claim and for reading the next one without claiming it.
 */
function dueInQueueOrder(andAlso = 'true'): string {
  return `channel_id = $1 and status = 'queued' and send_after <= $2
    and (expires_at is null or expires_at > $2) and ${andAlso}
    order by priority, send_after, created_at`;
}

/**
 * The queue's SQL: status reports applied under the transition rule (one path, batched), the
 * sender's bulk steps (claim, expire, requeue, fail a channel's queue) and what the sender and pacing
 * read. Every status change is written with its event, in the transaction passed as `tx`; handing
 * changes to the sinks is the caller's (src/dispatch/status-recorder.ts, the message service).
 */
export class MessageQueueRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Applies status reports, many at once (group commit): the rows are locked in one statement, each
   * report is judged in the given order against the message as the earlier reports left it (an ack
   * and its receipt may come together), the changed rows are written in one update and their events
   * in one insert. One outcome per report, in order; undefined for a message that is not there (or
   * not that tenant's). Repeated and late receipts come back duplicate/stale and change nothing.
   */
  async applyReports(
    items: readonly { readonly target: MessageTarget; readonly report: StatusReport }[],
    tx: Queryable,
  ): Promise<Array<TransitionOutcome | undefined>> {
    if (items.length === 0) return [];
    const waIds = new Set<string>();
    const ids = new Set<string>();
    for (const { target } of items)
      if ('waMessageId' in target) waIds.add(target.waMessageId);
      else ids.add(target.messageId);
    const rows = await tx.query<MessageRow>(
      'select * from messages where wa_message_id = any($1) or id = any($2) order by id for update',
      [[...waIds], [...ids]],
    );
    // The messages as the reports so far left them, by id; and WhatsApp's ids to ours.
    const current = new Map(rows.map((row) => [row.id, toMessage(row)]));
    const idOfWaId = new Map(rows.map((row) => [row.wa_message_id, row.id]));
    const steps = items.map(({ target, report }) => {
      const id = 'waMessageId' in target ? idOfWaId.get(target.waMessageId) : target.messageId;
      const message = id === undefined ? undefined : current.get(id);
      if (!message || ('tenantId' in target && message.tenantId !== target.tenantId)) return undefined;
      const step = applyReport(message, report);
      if (step.next) current.set(message.id, step.next);
      return { verdict: step.verdict, message: step.next ?? message, draft: step.event };
    });
    const drafts = steps.flatMap((step) => (step?.draft ? [step.draft] : []));
    if (drafts.length === 0)
      return steps.map((step) => step && { verdict: step.verdict, message: step.message });
    const written = [...new Set(drafts.map((d) => d.messageId))].map((id) => current.get(id)!);
    await this.writeStatuses(written, tx);
    const events = await insertEvents(drafts, tx);
    let next = 0;
    return steps.map((step) => {
      if (!step) return undefined;
      if (!step.draft) return { verdict: step.verdict, message: step.message };
      return { verdict: step.verdict, message: step.message, event: events[next++]! };
    });
  }

  /**
   * Claims up to `limit` due messages of a channel for sending — queued, due, not expired — in
   * queue order: they become 'sending' with one more attempt. Rows another transaction holds are
   * skipped (SKIP LOCKED), so concurrent senders never claim the same message.
   */
  async claimDue(
    channelId: string,
    now: Date,
    limit: number,
    tx: Queryable,
    messageId?: string,
  ): Promise<TransitionOutcome[]> {
    const rows = await tx.query<MessageRow>(
      `with due as (
         select id from messages
         where ${dueInQueueOrder('($4::text is null or id = $4)')}
         limit $3
         for update skip locked
       )
       update messages m set status = 'sending', attempts = m.attempts + 1, updated_at = $2
       from due where m.id = due.id
       returning m.*`,
      [channelId, now, limit, messageId ?? null],
    );
    const messages = rows.map(toMessage).sort(queueOrder);
    return withEvents(messages, 'claimed', now, tx);
  }

  /** Fails queued messages whose expiry has passed (at most `limit` per call), each with its event. */
  async expireDue(now: Date, limit: number, tx: Queryable): Promise<TransitionOutcome[]> {
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
    return withEvents(rows.map(toMessage), 'expired', now, tx);
  }

  /**
   * Crash recovery: messages caught in 'sending' go back to 'queued', keeping their WhatsApp id
   * (the resend is the same message to WhatsApp and the recipient). Narrowed to one channel, and/or
   * to claims older than `claimedBefore` (a send whose ack never came), and/or to `channelIds` (the
   * channels a node holds: another node's sends in flight are its own to requeue).
   */
  async requeueSending(
    filter: {
      readonly channelId?: string;
      readonly claimedBefore?: Date;
      readonly channelIds?: readonly string[];
    },
    at: Date,
    tx: Queryable,
  ): Promise<TransitionOutcome[]> {
    const rows = await tx.query<MessageRow>(
      `update messages set status = 'queued', updated_at = $3
       where status = 'sending' and ($1::text is null or channel_id = $1)
         and ($2::timestamptz is null or updated_at < $2)
         and ($4::text[] is null or channel_id = any($4::text[]))
       returning *`,
      [filter.channelId ?? null, filter.claimedBefore ?? null, at, filter.channelIds ?? null],
    );
    return withEvents(rows.map(toMessage).sort(queueOrder), 'requeued', at, tx);
  }

  /** Fails every waiting (queued or in-flight) message of a channel with `reason` (e.g. channel_removed). */
  async failQueued(
    tenantId: string,
    channelId: string,
    reason: FailureReason,
    at: Date,
    tx: Queryable,
  ): Promise<TransitionOutcome[]> {
    const rows = await tx.query<MessageRow>(
      `update messages set status = 'failed', failure_reason = $3, failed_at = $4, updated_at = $4
       where tenant_id = $1 and channel_id = $2 and status in ('queued', 'sending')
       returning *`,
      [tenantId, channelId, reason, at],
    );
    return withEvents(rows.map(toMessage).sort(queueOrder), reason, at, tx);
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

  /**
   * Channels with queued messages: all of them (to start their senders at boot), or, with `dueBy`,
   * only those with a message due by then and not expired (the sweep's wake-up list).
   */
  async channelsWithQueuedWork(dueBy?: Date): Promise<string[]> {
    const rows = await this.db.query<{ channel_id: string }>(
      `select distinct channel_id from messages
       where status = 'queued'
         and ($1::timestamptz is null or (send_after <= $1 and (expires_at is null or expires_at > $1)))`,
      [dueBy ?? null],
    );
    return rows.map((r) => r.channel_id);
  }

  /**
   * The channel's next due message, in queue order (as `claimDue` would take it), read without
   * claiming it: the sender decides whether it goes now before anything about it changes.
   */
  async peekDue(channelId: string, now: Date): Promise<Message | undefined> {
    const [row] = await this.db.query<MessageRow>(
      `select * from messages where ${dueInQueueOrder()} limit 1`,
      [channelId, now],
    );
    return row ? toMessage(row) : undefined;
  }

  /**
   * A queued message the pacing policy holds back (quiet hours, the daily cap, the pace between two
   * sends) is due later; it stays queued, attempts untouched and no event written: nothing happened
   * to it but a later due time. A message no longer queued (cancelled, expired) is left as it is.
   */
  async postpone(messageId: string, sendAfter: Date, now: Date): Promise<void> {
    await this.db.query(
      `update messages set send_after = $2, updated_at = $3 where id = $1 and status = 'queued'`,
      [messageId, sendAfter, now],
    );
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

  /** Writes what the transition rule changed on each message, in one statement. */
  private async writeStatuses(messages: readonly Message[], tx: Queryable): Promise<void> {
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
          messages.map((m) => ({
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
  }
}
