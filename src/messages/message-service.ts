import type { Clock } from '../clock.js';
import type { StatusRecorder } from '../dispatch/status-recorder.js';
import { AppError } from '../domain/errors.js';
import { statusChangeOf, type Message, type MessageEvent } from '../domain/message.js';
import type { MessageStatus } from '../domain/message-status.js';
import type { CountryCode } from 'libphonenumber-js';
import { normalisePhoneNumber } from '../domain/phone-numbers.js';
import type { Database, Queryable } from '../store/database.js';
import {
  newMessageIds,
  type InsertOutcome,
  type MessagesRepository,
  type NewMessage,
  type NewMessageIds,
} from '../store/messages-repository.js';
import type { TemplatesRepository } from '../store/templates-repository.js';
import { recordChanges, type MessageEventSink, type MessageStatusChange } from './message-event-sink.js';
import { draftMessage, type AcceptInput } from './message-draft.js';

export type { AcceptInput };

export interface MessageServiceOptions {
  readonly db: Database;
  readonly messages: MessagesRepository;
  readonly templates: TemplatesRepository;
  readonly sink: MessageEventSink;
  /** Where a cancel is recorded (the one path of status changes). */
  readonly recorder: Pick<StatusRecorder, 'record'>;
  /** Called after the commit for each newly accepted message (e.g. to wake its channel's sender). */
  readonly onAccepted?: (message: Message) => void;
  readonly clock: Clock;
  /**
   * The country a business's numbers are in when written without a country code (from its time
   * zone); absent: every number needs its country code.
   */
  readonly countryOf?: (tenantId: string) => Promise<CountryCode | undefined>;
  /**
   * Group commit: how many accept transactions may be open at once; accepts arriving meanwhile wait
   * and go together in the next one. Default: 1 on the embedded database (one connection anyway),
   * 4 on a server.
   */
  readonly maxOpenGroups?: number;
}

/** The message, and whether this call created it (false: an earlier call with the same key did). */
export interface AcceptResult {
  readonly message: Message;
  readonly created: boolean;
}

/** One message for `storeMany`. */
interface StoreItem {
  readonly tenantId: string;
  readonly draft: NewMessage;
  readonly at: Date;
  readonly ids?: NewMessageIds;
  readonly keyReuse?: 'conflict' | 'first' | undefined;
}

/** The answer to an idempotency key reused for a different message. */
const keyReused = (key: string, first: Message): AppError =>
  new AppError(
    'conflict',
    `idempotencyKey: "${key}" was already used for a different message (${first.id}); send a new message with a new key.`,
    { details: { field: 'idempotencyKey', messageId: first.id } },
  );

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** An accept waiting for its group commit. */
interface PendingAccept extends StoreItem {
  readonly ids: NewMessageIds;
  settle(outcome: { ok: true; value: AcceptResult | AppError } | { ok: false; error: Error }): void;
}

/** One batch item's outcome, at the item's index. */
export type BatchItemResult =
  | { readonly outcome: 'accepted' | 'duplicate'; readonly message: Message }
  | { readonly outcome: 'invalid'; readonly error: AppError };

export interface MessageListQuery {
  readonly status?: MessageStatus | undefined;
  readonly channelId?: string | undefined;
  /** Any common format; normalised like `to`. */
  readonly phone?: string | undefined;
  readonly createdFrom?: Date | undefined;
  readonly createdBefore?: Date | undefined;
  /** Only messages still queued for a later time (asked for, or held by quiet hours or a cap). */
  readonly scheduled?: boolean | undefined;
  readonly limit?: number | undefined;
  /** From a previous page's `nextCursor`. */
  readonly cursor?: string | undefined;
}

export interface MessagePage {
  readonly messages: Message[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export const BATCH_MAX_ITEMS = 100;
/** The most accepts stored together in one group-commit transaction. */
const GROUP_MAX_ITEMS = 200;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

const invalid = (field: string, message: string): AppError =>
  new AppError('invalid_input', `${field}: ${message}`, { details: { field } });

const notFound = (messageId: string): AppError =>
  new AppError('not_found', 'No such message.', { details: { messageId } });

/** Keyset cursor: the last row's (created_at, id), opaque to clients. */
function encodeCursor(message: Message): string {
  return Buffer.from(JSON.stringify([message.createdAt.toISOString(), message.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof id === 'string' && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch {
    // fall through
  }
  throw invalid('cursor', 'not a cursor this API gave out.');
}

/**
 * Accepting and looking up a business's notifications. A message is accepted once it is in the
 * database with its first event (and whatever the event sink adds), all in one transaction.
 */
export class MessageService {
  /** Accepts waiting for the next group commit, in arrival order. */
  private readonly waiting: PendingAccept[] = [];
  private openGroups = 0;
  private startScheduled = false;
  private readonly maxOpenGroups: number;
  /** Each business's country for a minute, so a burst of accepts reads it once. */
  private readonly countries = new Map<string, { at: number; value: Promise<CountryCode | undefined> }>();

  constructor(private readonly o: MessageServiceOptions) {
    this.maxOpenGroups = o.maxOpenGroups ?? (o.db.dialect === 'pglite' ? 1 : 4);
  }

  /**
   * Validates, renders and stores one message; a repeated idempotency key returns the first. Resolves
   * once the message and its first event (and the sink's rows) are committed.
   */
  async accept(tenantId: string, input: AcceptInput): Promise<AcceptResult> {
    const at = this.o.clock.now();
    const draft = await this.prepare(tenantId, input, at);
    const result = await this.storeInGroup({
      tenantId,
      draft,
      at,
      ids: newMessageIds(),
      keyReuse: input.keyReuse,
    });
    if (result instanceof AppError) throw result;
    if (result.created) this.o.onAccepted?.(result.message);
    return result;
  }

  /**
   * Group commit: accepts that arrive together go in one transaction and one insert, so under load
   * the database sees one commit for many messages. A group starts once the event loop has handled
   * the requests that were ready with this one (setImmediate: the embedded database answers without
   * real I/O, so without this pause each request would run to its commit alone) and fewer than
   * `maxOpenGroups` are open; otherwise it waits for one to finish and takes everything that
   * arrived meanwhile. Alone, an accept waits for nothing but that one turn of the event loop.
   */
  private storeInGroup(item: Omit<PendingAccept, 'settle'>): Promise<AcceptResult | AppError> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        ...item,
        settle: (outcome) => (outcome.ok ? resolve(outcome.value) : reject(outcome.error)),
      });
      if (this.startScheduled) return;
      this.startScheduled = true;
      setImmediate(() => {
        this.startScheduled = false;
        this.startGroups();
      });
    });
  }

  private startGroups(): void {
    while (this.waiting.length > 0 && this.openGroups < this.maxOpenGroups) {
      const group = this.waiting.splice(0, GROUP_MAX_ITEMS);
      this.openGroups++;
      void this.commitGroup(group).finally(() => {
        this.openGroups--;
        this.startGroups();
      });
    }
  }

  /** Never rejects: each item's caller hears its own outcome. */
  private async commitGroup(group: PendingAccept[]): Promise<void> {
    try {
      const results = await this.o.db.transaction((tx) => this.storeMany(group, tx));
      group.forEach((item, i) => item.settle({ ok: true, value: results[i]! }));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.settle({ ok: false, error: asError(error) });
        return;
      }
      // One bad item must not fail the others: each goes again on its own. Their ids were fixed
      // before the first try, so a group that committed after all cannot be stored twice.
      await Promise.all(
        group.map(async (item) => {
          try {
            const value = await this.o.db.transaction((tx) => this.storeMany([item], tx));
            item.settle({ ok: true, value: value[0]! });
          } catch (itemError) {
            item.settle({ ok: false, error: asError(itemError) });
          }
        }),
      );
    }
  }

  /**
   * Up to 100 messages, each valid or invalid on its own: the valid ones are stored together in
   * one transaction (all of them or, on a database failure, none), the invalid ones come back with
   * their error. Results are in input order.
   */
  async acceptBatch(tenantId: string, inputs: readonly AcceptInput[]): Promise<BatchItemResult[]> {
    if (inputs.length === 0 || inputs.length > BATCH_MAX_ITEMS)
      throw invalid('messages', `send 1 to ${BATCH_MAX_ITEMS} messages.`);
    const at = this.o.clock.now();
    const drafts = await Promise.all(
      inputs.map(async (input) => {
        try {
          return await this.prepare(tenantId, input, at);
        } catch (error) {
          if (error instanceof AppError) return error;
          throw error;
        }
      }),
    );
    const valid = drafts.flatMap((draft, i) =>
      draft instanceof AppError ? [] : [{ tenantId, draft, at, keyReuse: inputs[i]!.keyReuse }],
    );
    const stored = valid.length === 0 ? [] : await this.o.db.transaction((tx) => this.storeMany(valid, tx));
    let next = 0;
    const results = drafts.map((draft): BatchItemResult => {
      if (draft instanceof AppError) return { outcome: 'invalid', error: draft };
      const result = stored[next++]!;
      if (result instanceof AppError) return { outcome: 'invalid', error: result };
      return { outcome: result.created ? 'accepted' : 'duplicate', message: result.message };
    });
    for (const result of results) if (result.outcome === 'accepted') this.o.onAccepted?.(result.message);
    return results;
  }

  async get(tenantId: string, messageId: string): Promise<Message> {
    const message = await this.o.messages.get(tenantId, messageId);
    if (!message) throw notFound(messageId);
    return message;
  }

  /** A message's status history, oldest first. */
  async events(tenantId: string, messageId: string): Promise<MessageEvent[]> {
    await this.get(tenantId, messageId);
    return this.o.messages.events(tenantId, messageId);
  }

  /** A business's messages, newest first, filtered, one page at a time. */
  async list(tenantId: string, query: MessageListQuery = {}): Promise<MessagePage> {
    const limit = query.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
      throw invalid('limit', `between 1 and ${MAX_PAGE}.`);
    if (query.scheduled && query.status && query.status !== 'queued')
      throw invalid('scheduled', 'only queued messages are scheduled; leave out status or use queued.');
    const messages = await this.o.messages.list(tenantId, {
      status: query.scheduled ? 'queued' : query.status,
      dueAfter: query.scheduled ? this.o.clock.now() : undefined,
      channelId: query.channelId,
      toPhone: query.phone === undefined ? undefined : normalisePhoneNumber(query.phone, 'phone'),
      createdFrom: query.createdFrom,
      createdBefore: query.createdBefore,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const page = messages.slice(0, limit);
    return {
      messages: page,
      nextCursor: messages.length > limit ? encodeCursor(page[page.length - 1]!) : null,
    };
  }

  /** Cancels a message still waiting in the queue; once picked up for sending it is too late (409). */
  async cancel(tenantId: string, messageId: string): Promise<Message> {
    const [outcome] = await this.o.recorder.record([
      {
        target: { tenantId, messageId },
        report: {
          status: 'failed',
          at: this.o.clock.now(),
          failure: { reason: 'cancelled' },
          onlyFrom: ['queued'],
        },
      },
    ]);
    if (!outcome) throw notFound(messageId);
    if (!outcome.event) {
      const { status } = outcome.message;
      throw new AppError('conflict', `The message is ${status} and can no longer be cancelled.`, {
        details: { messageId, status },
      });
    }
    return outcome.message;
  }

  /**
   * Writes the messages, their first events and the sink's rows, results in input order; an unknown
   * channel comes back as an error. One insert statement whatever the number of messages.
   */
  private async storeMany(
    items: readonly StoreItem[],
    tx: Queryable,
  ): Promise<Array<AcceptResult | AppError>> {
    const outcomes: InsertOutcome[] = await this.o.messages.insert(items, tx);
    const results: Array<AcceptResult | AppError> = [];
    const changes: MessageStatusChange[] = [];
    for (const [i, stored] of outcomes.entries()) {
      if (!stored) {
        results.push(
          items[i]!.draft.channelId === null
            ? invalid('channelId', 'this business has no WhatsApp channel yet.')
            : invalid('channelId', 'no such WhatsApp channel.'),
        );
        continue;
      }
      const item = items[i]!;
      if (
        !stored.created &&
        item.keyReuse === 'conflict' &&
        stored.requestFingerprint !== null &&
        item.draft.requestFingerprint !== stored.requestFingerprint
      ) {
        results.push(keyReused(item.draft.idempotencyKey!, stored.message));
        continue;
      }
      if (stored.created) changes.push(statusChangeOf(stored.message, stored.event));
      results.push({ message: stored.message, created: stored.created });
    }
    await recordChanges(this.o.sink, tx, changes);
    return results;
  }

  /** Everything checked and rendered before the write: a bad input stores nothing. */
  private countryOf(tenantId: string, now: Date): Promise<CountryCode | undefined> {
    if (!this.o.countryOf) return Promise.resolve(undefined);
    const cached = this.countries.get(tenantId);
    if (cached && now.getTime() - cached.at < 60_000) return cached.value;
    const value = this.o.countryOf(tenantId).catch(() => undefined);
    this.countries.set(tenantId, { at: now.getTime(), value });
    return value;
  }

  private prepare(tenantId: string, input: AcceptInput, now: Date): Promise<NewMessage> {
    return draftMessage(input, now, {
      country: () => this.countryOf(tenantId, now),
      template: (name, language) => this.o.templates.find(tenantId, name, language),
    });
  }
}
