import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { StatusRecorder } from '../../src/dispatch/status-recorder.js';
import { AppError, isAppError } from '../../src/domain/errors.js';
import type { MessageStatus } from '../../src/domain/message-status.js';
import {
  noMessageEvents,
  type InboundReply,
  type MessageEventSink,
  type MessageStatusChange,
} from '../../src/messages/message-event-sink.js';
import { MessageService, type AcceptInput } from '../../src/messages/message-service.js';
import { PolicyPacingGate } from '../../src/messages/pacing-gate.js';
import { PacingService } from '../../src/messages/pacing-service.js';
import { TemplateService } from '../../src/messages/template-service.js';
import { ChannelsRepository } from '../../src/store/channels-repository.js';
import type { Queryable } from '../../src/store/database.js';
import { InboundMessagesRepository } from '../../src/store/inbound-messages-repository.js';
import { MessageQueueRepository } from '../../src/store/message-queue-repository.js';
import { MessagesRepository } from '../../src/store/messages-repository.js';
import { PacingRepository } from '../../src/store/pacing-repository.js';
import { RecipientChecksRepository } from '../../src/store/recipient-checks-repository.js';
import { TemplatesRepository } from '../../src/store/templates-repository.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/databases.js';

/** Records what reaches the sink, and writes a row with `tx` to prove it shares the transaction. */
class RecordingSink implements MessageEventSink {
  readonly changes: MessageStatusChange[] = [];
  readonly replies: InboundReply[] = [];
  failNext = false;
  async record(tx: Queryable, event: MessageStatusChange): Promise<void> {
    await tx.query('insert into sink_log (message_id, status) values ($1, $2)', [
      event.messageId,
      event.status,
    ]);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('sink down');
    }
    this.changes.push(event);
  }
  async recordInbound(tx: Queryable, reply: InboundReply): Promise<void> {
    await tx.query('insert into sink_log (message_id, status) values ($1, $2)', [reply.inboundId, 'inbound']);
    this.replies.push(reply);
  }
}

const failureOf = async (work: Promise<unknown>): Promise<AppError> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  assert.fail('expected an AppError');
};

for (const kind of DATABASE_KINDS) {
  describe(`messages on ${kind}`, () => {
    let t: TestDatabase;
    let sink: RecordingSink;
    let messages: MessageService;
    let queue: MessageQueueRepository;
    let recorder: StatusRecorder;
    let checks: RecipientChecksRepository;
    let repo: MessagesRepository;
    // A fixed start: nothing here depends on today's date.
    const clock = new ManualClock(new Date('2030-03-04T12:00:00Z'));
    let templates: TemplateService;
    let channels: ChannelsRepository;
    let phoneSeq = 0;
    const nextPhone = () => `+55 11 9${String(8000_0000 + ++phoneSeq).padStart(8, '0')}`;
    const digits = (phone: string) => phone.replace(/\D/g, '');

    before(async () => {
      t = await freshDatabase(kind);
      await t.db.query('create table sink_log (message_id text not null, status text not null)');
      sink = new RecordingSink();
      repo = new MessagesRepository(t.db);
      channels = new ChannelsRepository(t.db);
      const templatesRepo = new TemplatesRepository(t.db);
      queue = new MessageQueueRepository(t.db);
      checks = new RecipientChecksRepository(t.db);
      recorder = new StatusRecorder({
        db: t.db,
        queue,
        inbound: new InboundMessagesRepository(t.db),
        recipientChecks: checks,
        sink,
        clock,
      });
      messages = new MessageService({
        db: t.db,
        messages: repo,
        templates: templatesRepo,
        sink,
        recorder,
        clock,
      });
      templates = new TemplateService({ templates: templatesRepo, clock });
    });
    after(async () => t.dispose());

    /** Claims due messages of a channel (the bulk step the dispatcher's claim takes one of, by id). */
    const claimDue = async (channelId: string, at: Date, limit: number) =>
      (await t.db.transaction((tx) => queue.claimDue(channelId, at, limit, tx))).map((o) => o.message);
    /** One receipt from the channel, by WhatsApp id. */
    const receipt = async (waMessageId: string, status: 'sent' | 'delivered' | 'read', at: Date) =>
      (await recorder.markStatuses([{ waMessageId, status, at }]))[0];
    /** One report about a business's message, by its id. */
    const report = async (tenantId: string, messageId: string, status: MessageStatus) =>
      (
        await recorder.record([
          {
            target: { tenantId, messageId },
            report: {
              status,
              at: clock.now(),
              ...(status === 'failed' ? { failure: { reason: 'rejected' as const } } : {}),
            },
          },
        ])
      )[0];

    const newBusiness = async (channelCount = 1) => {
      const tenant = await new TenantsRepository(t.db).create({
        name: 'Salon',
        timeZone: 'America/Sao_Paulo',
        language: 'pt-BR',
      });
      const list = [];
      for (let i = 0; i < channelCount; i++) list.push(await channels.create(tenant.id, `WhatsApp ${i}`));
      return { tenantId: tenant.id, channelId: list[0]?.id ?? '', channels: list };
    };
    const text = (over: Partial<AcceptInput> = {}): AcceptInput => ({
      to: nextPhone(),
      text: 'Hello',
      ...over,
    });

    test('accept stores a queued message with a fixed WhatsApp id, its first event and the sink row', async () => {
      const b = await newBusiness();
      const before = sink.changes.length;
      const { message, created } = await messages.accept(b.tenantId, {
        to: '+55 (11) 98765-4321',
        text: 'Your appointment is tomorrow at 10:00',
        metadata: { recordId: 42 },
      });
      assert.equal(created, true);
      assert.equal(message.status, 'queued');
      assert.equal(message.toPhone, '5511987654321');
      assert.equal(message.channelId, b.channelId, 'the first channel by default');
      assert.match(message.waMessageId, /^3EB0[0-9A-F]{18}$/);
      assert.match(message.id, /^msg_/);
      assert.equal(message.priority, 'transactional');
      assert.deepEqual(message.metadata, { recordId: 42 });
      assert.deepEqual(
        (await messages.events(b.tenantId, message.id)).map((e) => [e.status, e.reason]),
        [['queued', 'accepted']],
      );
      assert.equal(sink.changes.length, before + 1);
      assert.deepEqual(
        { ...sink.changes.at(-1), at: undefined, eventId: undefined },
        {
          tenantId: b.tenantId,
          channelId: b.channelId,
          messageId: message.id,
          waMessageId: message.waMessageId,
          toPhone: '5511987654321',
          status: 'queued',
          reason: 'accepted',
          at: undefined,
          eventId: undefined,
          metadata: { recordId: 42 },
        },
      );
      const logged = await t.db.query('select * from sink_log where message_id = $1', [message.id]);
      assert.equal(logged.length, 1);
    });

    test('a failing sink rolls the accept back: nothing half-written', async () => {
      const b = await newBusiness();
      sink.failNext = true;
      await assert.rejects(messages.accept(b.tenantId, text({ idempotencyKey: 'k-roll' })), /sink down/);
      assert.equal((await messages.list(b.tenantId)).messages.length, 0);
      const again = await messages.accept(b.tenantId, text({ idempotencyKey: 'k-roll' }));
      assert.equal(again.created, true, 'the key was not used up by the failed attempt');
    });

    test('idempotency: a repeat returns the first message; keys are per business', async () => {
      const a = await newBusiness();
      const b = await newBusiness();
      const first = await messages.accept(a.tenantId, text({ idempotencyKey: 'order-1', text: 'first' }));
      const repeat = await messages.accept(a.tenantId, text({ idempotencyKey: 'order-1', text: 'second' }));
      assert.equal(repeat.created, false);
      assert.equal(repeat.message.id, first.message.id);
      assert.equal(repeat.message.body, 'first');
      const other = await messages.accept(b.tenantId, text({ idempotencyKey: 'order-1' }));
      assert.equal(other.created, true);
      assert.notEqual(other.message.id, first.message.id);
    });

    test("keyReuse 'conflict': the key reused for another message is a 409 naming it; the same message (spelt differently) is the first", async () => {
      const b = await newBusiness();
      const strict = (input: Partial<AcceptInput>) =>
        text({ to: '+55 11 91234-0009', ...input, keyReuse: 'conflict' });
      const first = await messages.accept(
        b.tenantId,
        strict({ idempotencyKey: 'visit-9', text: 'see you', metadata: { a: 1, b: [1, { c: 2, d: 3 }] } }),
      );
      const same = await messages.accept(
        b.tenantId,
        strict({
          to: '5511912340009',
          idempotencyKey: 'visit-9',
          text: 'see you',
          metadata: { b: [1, { d: 3, c: 2 }], a: 1 },
          priority: 'transactional',
          urgent: false,
        }),
      );
      assert.equal(same.created, false);
      assert.equal(same.message.id, first.message.id);
      const error = await messages
        .accept(b.tenantId, strict({ idempotencyKey: 'visit-9', text: 'see you tomorrow' }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.code, 'conflict');
      assert.equal(error.details?.field, 'idempotencyKey');
      assert.equal(error.details?.messageId, first.message.id);
      // Racing: one different message each under one key: one stored, every other one refused.
      const racing = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          messages.accept(b.tenantId, strict({ idempotencyKey: 'race-x', text: `r${i}` })),
        ),
      );
      assert.equal(racing.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(racing.every((r) => r.status === 'fulfilled' || (r.reason as AppError).code === 'conflict'));
      // The default ('first'): internal callers get the first message back, as before.
      const lenient = await messages.accept(b.tenantId, text({ idempotencyKey: 'visit-9', text: 'other' }));
      assert.equal(lenient.message.id, first.message.id);
      const rows = await t.db.query('select id from messages where tenant_id = $1', [b.tenantId]);
      assert.equal(rows.length, 2);
    });

    test('concurrent duplicate accepts store one message and all get it', async () => {
      const b = await newBusiness();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          messages.accept(b.tenantId, text({ idempotencyKey: 'race', text: `n${i}` })),
        ),
      );
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.message.id)).size, 1);
      const rows = await t.db.query('select id from messages where tenant_id = $1', [b.tenantId]);
      assert.equal(rows.length, 1);
      const events = await t.db.query('select id from message_events where tenant_id = $1', [b.tenantId]);
      assert.equal(events.length, 1);
    });

    test('templates are rendered at accept time; a missing variable stores nothing', async () => {
      const b = await newBusiness();
      await templates.put(b.tenantId, 'reminder', 'pt-BR', 'Olá {{name}}, amanhã às {{time}}.');
      await templates.put(b.tenantId, 'reminder', 'en', 'Hi {{name}}, tomorrow at {{time}}.');
      const pt = await messages.accept(
        b.tenantId,
        text({ text: undefined, template: 'reminder', variables: { name: 'Ana', time: '10:00' } }),
      );
      assert.equal(pt.message.body, 'Olá Ana, amanhã às 10:00.', "the business's language by default");
      assert.deepEqual([pt.message.templateName, pt.message.templateLanguage], ['reminder', 'pt-BR']);
      const en = await messages.accept(
        b.tenantId,
        text({
          text: undefined,
          template: 'reminder',
          language: 'EN',
          variables: { name: 'Ann', time: '10am' },
        }),
      );
      assert.equal(en.message.body, 'Hi Ann, tomorrow at 10am.');
      const missing = await failureOf(
        messages.accept(
          b.tenantId,
          text({ text: undefined, template: 'reminder', variables: { name: 'Ana' } }),
        ),
      );
      assert.equal(missing.details?.field, 'variables.time');
      const unknown = await failureOf(
        messages.accept(b.tenantId, text({ text: undefined, template: 'nope' })),
      );
      assert.equal(unknown.details?.field, 'template');
      assert.equal((await messages.list(b.tenantId)).messages.length, 2);
    });

    test('bad input is refused naming the field', async () => {
      const b = await newBusiness();
      const other = await newBusiness();
      const cases: Array<[AcceptInput, string]> = [
        [{ to: '12', text: 'x' }, 'to'],
        [{ to: nextPhone() }, 'text'],
        [{ to: nextPhone(), text: 'x', template: 'y' }, 'template'],
        [{ to: nextPhone(), text: 'x', channelId: other.channelId }, 'channelId'],
        [{ to: nextPhone(), text: 'x', expiresAt: new Date(clock.now().getTime() - 1000) }, 'expiresAt'],
        [
          {
            to: nextPhone(),
            text: 'x',
            sendAfter: new Date(clock.now().getTime() + 7_200_000),
            expiresAt: new Date(clock.now().getTime() + 3_600_000),
          },
          'expiresAt',
        ],
        [{ to: nextPhone(), text: '   ' }, 'text'],
      ];
      for (const [input, field] of cases) {
        const error = await failureOf(messages.accept(b.tenantId, input));
        assert.equal(error.details?.field, field, JSON.stringify(input));
      }
      const empty = await newBusiness(0);
      assert.equal((await failureOf(messages.accept(empty.tenantId, text()))).details?.field, 'channelId');
    });

    test('a batch: valid items stored together, invalid ones reported, repeats resolved', async () => {
      const b = await newBusiness(2);
      const results = await messages.acceptBatch(b.tenantId, [
        text({ idempotencyKey: 'b-1' }),
        { to: 'nope', text: 'x' },
        text({ idempotencyKey: 'b-1' }),
        text({ channelId: b.channels[1]!.id, priority: 'marketing' }),
      ]);
      assert.deepEqual(
        results.map((r) => r.outcome),
        ['accepted', 'invalid', 'duplicate', 'accepted'],
      );
      assert.equal(results[1]!.outcome === 'invalid' && results[1]!.error.details?.field, 'to');
      assert.equal(
        results[0]!.outcome !== 'invalid' &&
          results[2]!.outcome !== 'invalid' &&
          results[0]!.message.id === results[2]!.message.id,
        true,
      );
      assert.equal((await messages.list(b.tenantId)).messages.length, 2);
      await assert.rejects(
        messages.acceptBatch(
          b.tenantId,
          Array.from({ length: 101 }, () => text()),
        ),
        (e: unknown) => isAppError(e, 'invalid_input'),
      );
    });

    test('list: filters and keyset pages, newest first', async () => {
      const b = await newBusiness(2);
      const phone = nextPhone();
      const made = [];
      for (let i = 0; i < 5; i++)
        made.push(
          (
            await messages.accept(
              b.tenantId,
              text({ to: i < 3 ? phone : nextPhone(), channelId: b.channels[i % 2]!.id }),
            )
          ).message,
        );
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 3; page++) {
        const result = await messages.list(b.tenantId, { limit: 2, cursor });
        seen.push(...result.messages.map((m) => m.id));
        cursor = result.nextCursor ?? undefined;
        if (page < 2) assert.ok(cursor);
      }
      assert.equal(cursor, undefined);
      assert.deepEqual(new Set(seen), new Set(made.map((m) => m.id)));
      assert.equal(seen.length, 5);
      assert.deepEqual(
        seen,
        [...made]
          .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id < x.id ? -1 : 1))
          .map((m) => m.id),
      );
      assert.equal((await messages.list(b.tenantId, { phone: digits(phone) })).messages.length, 3);
      assert.equal((await messages.list(b.tenantId, { channelId: b.channels[1]!.id })).messages.length, 2);
      await messages.cancel(b.tenantId, made[0]!.id);
      assert.deepEqual(
        (await messages.list(b.tenantId, { status: 'failed' })).messages.map((m) => m.id),
        [made[0]!.id],
      );
      assert.equal((await messages.list(b.tenantId, { createdBefore: new Date(0) })).messages.length, 0);
      assert.equal(
        (await failureOf(messages.list(b.tenantId, { cursor: 'garbage' }))).details?.field,
        'cursor',
      );
      assert.equal((await failureOf(messages.list(b.tenantId, { phone: '1' }))).details?.field, 'phone');
    });

    test('cancel: only while queued', async () => {
      const b = await newBusiness();
      const { message } = await messages.accept(b.tenantId, text());
      const cancelled = await messages.cancel(b.tenantId, message.id);
      assert.equal(cancelled.status, 'failed');
      assert.equal(cancelled.failureReason, 'cancelled');
      assert.equal(sink.changes.at(-1)?.reason, 'cancelled');
      const again = await failureOf(messages.cancel(b.tenantId, message.id));
      assert.equal(again.code, 'conflict');
      assert.equal(again.details?.status, 'failed');
      const claimed = (await messages.accept(b.tenantId, text())).message;
      await claimDue(b.channelId, clock.now(), 10);
      const late = await failureOf(messages.cancel(b.tenantId, claimed.id));
      assert.equal(late.code, 'conflict');
      assert.equal(late.details?.status, 'sending');
    });

    test('statuses recorded together: judged in arrival order, duplicates and late receipts harmless, one sink row per visible change', async () => {
      const b = await newBusiness();
      const one = (await messages.accept(b.tenantId, text())).message;
      const two = (await messages.accept(b.tenantId, text())).message;
      const three = (await messages.accept(b.tenantId, text())).message;
      const at = clock.now();
      await claimDue(b.channelId, at, 10);
      const before = sink.changes.length;
      const later = (ms: number) => new Date(at.getTime() + ms);
      const outcomes = await recorder.markStatuses([
        { waMessageId: one.waMessageId, status: 'sent', at: later(1) },
        { waMessageId: one.waMessageId, status: 'delivered', at: later(2) },
        { waMessageId: one.waMessageId, status: 'delivered', at: later(3) }, // a repeat
        { waMessageId: two.waMessageId, status: 'delivered', at: later(4) }, // receipt before its ack
        { waMessageId: two.waMessageId, status: 'sent', at: later(5) }, // the late ack: stale
        {
          waMessageId: three.waMessageId,
          status: 'failed',
          at: later(6),
          failure: { reason: 'restricted', errorCode: 463 },
        },
        { waMessageId: three.waMessageId, status: 'delivered', at: later(7) }, // after a failure: nothing
        { waMessageId: '3EB0NOTOURS00000000000', status: 'sent', at: later(8) }, // not ours
      ]);
      assert.equal(outcomes.length, 8);
      assert.equal(outcomes[7], undefined);
      const status = async (id: string) => (await messages.get(b.tenantId, id)).status;
      assert.equal(await status(one.id), 'delivered');
      assert.equal(await status(two.id), 'delivered');
      const failed = await messages.get(b.tenantId, three.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.failureReason, 'restricted');
      assert.equal(failed.errorCode, 463);
      assert.deepEqual(
        sink.changes.slice(before).map((c) => [c.messageId, c.status]),
        [
          [one.id, 'sent'],
          [one.id, 'delivered'],
          [two.id, 'delivered'],
          [three.id, 'failed'],
        ],
        'one sink record per applied change, in arrival order',
      );
      assert.deepEqual(
        (await messages.events(b.tenantId, one.id)).map((e) => e.status),
        ['queued', 'sending', 'sent', 'delivered'],
      );
    });

    test('claimDue: due work only, priority then time, attempts counted, events written', async () => {
      const b = await newBusiness();
      const now = clock.now();
      const marketing = (await messages.accept(b.tenantId, text({ priority: 'marketing' }))).message;
      const later = (
        await messages.accept(b.tenantId, text({ sendAfter: new Date(now.getTime() + 3_600_000) }))
      ).message;
      const reminder = (await messages.accept(b.tenantId, text())).message;
      const expiring = (
        await messages.accept(b.tenantId, text({ expiresAt: new Date(now.getTime() + 1_000) }))
      ).message;
      const sinkBefore = sink.changes.length;
      const claimed = await claimDue(b.channelId, new Date(now.getTime() + 2_000), 10);
      assert.deepEqual(
        claimed.map((m) => m.id),
        [reminder.id, marketing.id],
        'transactional first; the later and the expired ones stay',
      );
      assert.ok(claimed.every((m) => m.status === 'sending' && m.attempts === 1));
      assert.equal(sink.changes.length, sinkBefore, "'sending' is internal: not sent to the sink");
      assert.deepEqual(
        (await messages.events(b.tenantId, reminder.id)).map((e) => e.status),
        ['queued', 'sending'],
      );
      assert.equal((await claimDue(b.channelId, new Date(now.getTime() + 2_000), 10)).length, 0);
      assert.equal(await queue.queueDepth(b.channelId), 4);
      assert.deepEqual(await queue.nextDueAt(b.channelId, new Date(now.getTime() + 2_000)), later.sendAfter);
      assert.ok((await queue.channelsWithQueuedWork()).includes(b.channelId));
      const next = await recorder.nextDue(b.channelId, new Date(now.getTime() + 2_000));
      assert.ok('nextDueAt' in next && next.nextDueAt?.getTime() === later.sendAfter.getTime());
      assert.equal(await recorder.expireDue(new Date(now.getTime() + 2_000)), 1, 'only the expiring one');
      assert.equal((await messages.get(b.tenantId, expiring.id)).failureReason, 'expired');
      assert.equal(sink.changes.at(-1)?.reason, 'expired');
      const hourOn = new Date(now.getTime() + 3_600_001);
      const dueLater = await recorder.nextDue(b.channelId, hourOn);
      assert.ok('message' in dueLater && dueLater.message.id === later.id && !dueLater.message.marketing);
      const claimedLater = await recorder.claim(dueLater.message, hourOn);
      assert.equal(claimedLater?.id, later.id);
      assert.equal(claimedLater?.attempts, 1);
    });

    test('nextDue reads without claiming; postpone holds a message back, still queued, with no event', async () => {
      const b = await newBusiness();
      const now = clock.now();
      const first = (await messages.accept(b.tenantId, text())).message;
      const second = (await messages.accept(b.tenantId, text())).message;
      const at = new Date(now.getTime() + 1_000);
      const due = await recorder.nextDue(b.channelId, at);
      assert.ok('message' in due && due.message.id === first.id);
      assert.equal((await messages.get(b.tenantId, first.id)).status, 'queued', 'reading it claims nothing');

      // Held for quiet hours: still queued, no attempt spent, no event, due at the opening.
      const opening = new Date(now.getTime() + 9 * 3_600_000);
      await recorder.postpone(due.message, opening);
      const held = await messages.get(b.tenantId, first.id);
      assert.equal(held.status, 'queued');
      assert.equal(held.attempts, 0);
      assert.equal(held.sendAfter.getTime(), opening.getTime());
      assert.deepEqual(
        (await messages.events(b.tenantId, first.id)).map((e) => e.status),
        ['queued'],
      );
      const after = await recorder.nextDue(b.channelId, at);
      assert.ok('message' in after && after.message.id === second.id, 'the next one in line is due now');

      // A message cancelled between the read and the claim is not claimed, nor postponed back.
      const cancelled = await messages.cancel(b.tenantId, second.id);
      assert.equal(cancelled.status, 'failed');
      assert.equal(await recorder.claim(after.message, at), undefined);
      await recorder.postpone(after.message, opening);
      assert.equal((await messages.get(b.tenantId, second.id)).status, 'failed');

      // Claimed once due: 'sending', one attempt, its event.
      const claimed = await recorder.claim(due.message, new Date(opening.getTime() + 1));
      assert.equal(claimed?.id, first.id);
      assert.equal(claimed?.attempts, 1);
      assert.deepEqual(
        (await messages.events(b.tenantId, first.id)).map((e) => e.status),
        ['queued', 'sending'],
      );
    });

    test('SKIP LOCKED: concurrent claimers never claim the same message', async () => {
      const b = await newBusiness();
      for (let i = 0; i < 40; i++) await messages.accept(b.tenantId, text());
      const now = new Date(clock.now().getTime() + 1_000);
      if (t.db.dialect === 'postgres') {
        // Two open transactions at once: the first holds its rows while the second claims.
        let releaseFirst!: () => void;
        const held = new Promise<void>((resolve) => (releaseFirst = resolve));
        let firstClaimed!: (ids: string[]) => void;
        const firstIds = new Promise<string[]>((resolve) => (firstClaimed = resolve));
        const first = t.db.transaction(async (tx) => {
          const rows = await queue.claimDue(b.channelId, now, 5, tx);
          firstClaimed(rows.map((r) => r.message.id));
          await held;
          return rows;
        });
        const idsOfFirst = await firstIds;
        const second = await t.db.transaction((tx) => queue.claimDue(b.channelId, now, 5, tx));
        releaseFirst();
        await first;
        const idsOfSecond = second.map((r) => r.message.id);
        assert.equal(idsOfFirst.length, 5);
        assert.equal(idsOfSecond.length, 5);
        assert.equal(new Set([...idsOfFirst, ...idsOfSecond]).size, 10, 'disjoint while both were open');
      }
      const batches = await Promise.all(Array.from({ length: 8 }, () => claimDue(b.channelId, now, 5)));
      const ids = batches.flat().map((m) => m.id);
      assert.equal(ids.length, new Set(ids).size, 'no message claimed twice');
      const total = ids.length + (t.db.dialect === 'postgres' ? 10 : 0);
      const rest = await claimDue(b.channelId, now, 100);
      assert.equal(total + rest.length, 40);
    });

    test('receipts out of order and repeated: read implies delivered; never backwards', async () => {
      const b = await newBusiness();
      const { message } = await messages.accept(b.tenantId, text());
      await claimDue(b.channelId, new Date(clock.now().getTime() + 1_000), 1);
      const readAt = new Date(clock.now().getTime() + 5_000);
      await receipt(message.waMessageId, 'read', readAt);
      await receipt(message.waMessageId, 'delivered', new Date(clock.now().getTime() + 6_000));
      await receipt(message.waMessageId, 'sent', new Date(clock.now().getTime() + 7_000));
      const again = await receipt(message.waMessageId, 'read', clock.now());
      assert.equal(again?.verdict, 'duplicate');
      const failed = await report(b.tenantId, message.id, 'failed');
      assert.equal(failed?.verdict, 'terminal');
      const stored = await messages.get(b.tenantId, message.id);
      assert.equal(stored.status, 'read');
      assert.deepEqual([stored.sentAt, stored.deliveredAt, stored.readAt], [readAt, readAt, readAt]);
      assert.deepEqual(
        (await messages.events(b.tenantId, message.id)).map((e) => e.status),
        ['queued', 'sending', 'read'],
      );
      assert.equal(await receipt('3EB0000000000000000000', 'read', clock.now()), undefined);
      assert.equal(await report('ten_other', message.id, 'read'), undefined, 'tenant-scoped');
    });

    test('failures carry their reason and code; a 463 is restricted', async () => {
      const b = await newBusiness();
      const { message } = await messages.accept(b.tenantId, text({ metadata: { crm: 'x' } }));
      await claimDue(b.channelId, new Date(clock.now().getTime() + 1_000), 1);
      await recorder.markStatuses([
        {
          waMessageId: message.waMessageId,
          status: 'failed',
          at: clock.now(),
          failure: { reason: 'restricted', errorCode: 463 },
        },
      ]);
      const stored = await messages.get(b.tenantId, message.id);
      assert.deepEqual(
        [stored.status, stored.failureReason, stored.errorCode],
        ['failed', 'restricted', 463],
      );
      const change = sink.changes.at(-1)!;
      assert.deepEqual(
        [change.status, change.reason, change.errorCode, change.metadata],
        ['failed', 'restricted', 463, { crm: 'x' }],
      );
      const other = (await messages.accept(b.tenantId, text())).message;
      await recorder.markFailed(other, { reason: 'not_on_whatsapp' }, clock.now());
      assert.equal((await messages.get(b.tenantId, other.id)).failureReason, 'not_on_whatsapp');
    });

    test('crash recovery: sending goes back to queued with the same WhatsApp id; old receipts still count', async () => {
      const b = await newBusiness();
      const { message } = await messages.accept(b.tenantId, text());
      const second = (await messages.accept(b.tenantId, text())).message;
      const now = new Date(clock.now().getTime() + 1_000);
      await claimDue(b.channelId, now, 10);
      assert.equal(
        await recorder.requeueStale(new Date(now.getTime() - 60_000)),
        0,
        'fresh claims are not stale',
      );
      const requeued = await recorder.requeueSending(b.channelId);
      assert.deepEqual(requeued.map((m) => m.id).sort(), [message.id, second.id].sort());
      const back = await messages.get(b.tenantId, message.id);
      assert.deepEqual([back.status, back.waMessageId, back.attempts], ['queued', message.waMessageId, 1]);
      // The send before the crash reached WhatsApp: its receipt arrives for the requeued message.
      await receipt(message.waMessageId, 'delivered', clock.now());
      assert.equal((await messages.get(b.tenantId, message.id)).status, 'delivered');
      const [again] = await claimDue(b.channelId, new Date(clock.now().getTime() + 2_000), 10);
      assert.equal(again?.id, second.id, 'the delivered one is not sent again');
      assert.equal(again?.attempts, 2);
      await recorder.release(again, new Date(clock.now().getTime() + 60_000));
      const released = await messages.get(b.tenantId, second.id);
      assert.equal(released.status, 'queued');
      assert.ok(released.sendAfter.getTime() > clock.now().getTime() + 30_000);
      await claimDue(b.channelId, new Date(clock.now().getTime() + 120_000), 10);
      // System-wide: other tests' claims are older too.
      assert.ok((await recorder.requeueStale(new Date(clock.now().getTime() + 600_000))) >= 1);
      assert.equal((await messages.get(b.tenantId, second.id)).status, 'queued');
      assert.equal((await messages.get(b.tenantId, message.id)).status, 'delivered');
    });

    test('the stale-send sweep of one node requeues only the channels it holds', async () => {
      const mine = await newBusiness();
      const theirs = await newBusiness();
      const { message: held } = await messages.accept(mine.tenantId, text());
      const { message: other } = await messages.accept(theirs.tenantId, text());
      const now = new Date(clock.now().getTime() + 1_000);
      await claimDue(mine.channelId, now, 10);
      await claimDue(theirs.channelId, now, 10);
      const staleBefore = new Date(now.getTime() + 600_000);
      assert.equal(await recorder.requeueStale(staleBefore, [mine.channelId]), 1);
      assert.equal((await messages.get(mine.tenantId, held.id)).status, 'queued');
      // In flight on another node: that node's to requeue (or the new holder's, when it takes over).
      assert.equal((await messages.get(theirs.tenantId, other.id)).status, 'sending');
      assert.equal(
        await recorder.requeueStale(staleBefore, []),
        0,
        'a node holding nothing requeues nothing',
      );
      assert.equal((await messages.get(theirs.tenantId, other.id)).status, 'sending');
      await recorder.requeueSending(theirs.channelId);
    });

    test('failQueued fails a channel’s waiting messages with the reason', async () => {
      const b = await newBusiness();
      await messages.accept(b.tenantId, text());
      const failed = await recorder.failQueued(b.tenantId, b.channelId, 'channel_removed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.failureReason, 'channel_removed');
    });

    test('inbound replies: stored once, tied to the last notification sent to that phone', async () => {
      const b = await newBusiness();
      const other = await newBusiness();
      const phone = nextPhone();
      const earlier = (await messages.accept(b.tenantId, text({ to: phone }))).message;
      const latest = (await messages.accept(b.tenantId, text({ to: phone }))).message;
      await claimDue(b.channelId, new Date(clock.now().getTime() + 1_000), 10);
      await receipt(earlier.waMessageId, 'sent', new Date(clock.now().getTime() - 10_000));
      await receipt(latest.waMessageId, 'sent', clock.now());
      const input = {
        waMessageId: 'ABCDEF0123',
        fromPhone: digits(phone),
        text: 'Confirmo',
        receivedAt: clock.now(),
      };
      const first = await recorder.recordInbound({ tenantId: b.tenantId, channelId: b.channelId, ...input });
      assert.equal(first?.created, true);
      assert.equal(first?.inbound.inReplyToMessageId, latest.id);
      const repeat = await recorder.recordInbound({ tenantId: b.tenantId, channelId: b.channelId, ...input });
      assert.equal(repeat?.created, false);
      assert.equal(repeat?.inbound.id, first?.inbound.id);
      assert.equal(sink.replies.filter((r) => r.waMessageId === 'ABCDEF0123').length, 1);
      assert.equal(
        await recorder.recordInbound({ tenantId: other.tenantId, channelId: b.channelId, ...input }),
        undefined,
        'not their channel',
      );
      const stray = await recorder.recordInbound({
        tenantId: b.tenantId,
        channelId: b.channelId,
        ...input,
        waMessageId: 'XYZ',
        fromPhone: '5511900000000',
      });
      assert.equal(stray?.inbound.inReplyToMessageId, null);
      await recorder.recordInbound({ tenantId: b.tenantId, channelId: b.channelId, ...input });
    });

    test('onWhatsApp cache: remembered per channel, trusted for a while', async () => {
      const b = await newBusiness();
      const other = await newBusiness();
      assert.equal(await recorder.recipientOnWhatsApp(b.tenantId, b.channelId, '5511900000001'), undefined);
      await recorder.rememberRecipient(b.tenantId, b.channelId, '5511900000001', true);
      await checks.put(
        b.tenantId,
        b.channelId,
        '5511900000002',
        false,
        new Date(clock.now().getTime() - 2 * 86_400_000),
      );
      assert.equal(await recorder.recipientOnWhatsApp(b.tenantId, b.channelId, '5511900000001'), true);
      assert.equal(
        await recorder.recipientOnWhatsApp(b.tenantId, b.channelId, '5511900000002'),
        undefined,
        'a stale "no"',
      );
      assert.equal((await checks.get(b.tenantId, b.channelId, '5511900000002'))?.onWhatsApp, false);
      assert.equal(
        await recorder.recipientOnWhatsApp(other.tenantId, b.channelId, '5511900000001'),
        undefined,
      );
      await recorder.rememberRecipient(other.tenantId, b.channelId, '5511900000003', true);
      assert.equal(
        await checks.get(b.tenantId, b.channelId, '5511900000003'),
        undefined,
        'not written across tenants',
      );
    });

    test('send history for pacing', async () => {
      const b = await newBusiness();
      const phone = nextPhone();
      const sent = [];
      for (let i = 0; i < 3; i++)
        sent.push((await messages.accept(b.tenantId, text({ to: i < 2 ? phone : nextPhone() }))).message);
      await claimDue(b.channelId, new Date(clock.now().getTime() + 1_000), 10);
      const now = clock.now();
      await receipt(sent[0]!.waMessageId, 'sent', new Date(now.getTime() - 2 * 3_600_000));
      await receipt(sent[1]!.waMessageId, 'sent', new Date(now.getTime() - 60_000));
      await receipt(sent[2]!.waMessageId, 'sent', new Date(now.getTime() - 30_000));
      const history = await queue.sendHistory(
        b.channelId,
        digits(phone),
        now,
        new Date(now.getTime() - 90 * 60_000),
      );
      assert.deepEqual(history.lastSentAt, new Date(now.getTime() - 30_000));
      assert.equal(history.sentSince, 2);
      assert.deepEqual(history.recipientSendsLastHour, [
        { messageId: sent[1]!.id, at: new Date(now.getTime() - 60_000) },
      ]);
    });

    test("tenant scoping: another business's messages are not found", async () => {
      const a = await newBusiness();
      const b = await newBusiness();
      const { message } = await messages.accept(a.tenantId, text());
      assert.equal((await failureOf(messages.get(b.tenantId, message.id))).code, 'not_found');
      assert.equal((await failureOf(messages.events(b.tenantId, message.id))).code, 'not_found');
      assert.equal((await failureOf(messages.cancel(b.tenantId, message.id))).code, 'not_found');
      assert.equal((await messages.list(b.tenantId)).messages.length, 0);
      assert.equal((await messages.get(a.tenantId, message.id)).status, 'queued');
    });

    test('templates: create, replace, list, delete, per business', async () => {
      const a = await newBusiness();
      const b = await newBusiness();
      const created = await templates.put(a.tenantId, 'confirm', 'pt-br', 'Oi %CLIENT_NAME%!');
      assert.equal(created.created, true);
      assert.equal(created.template.language, 'pt-BR');
      assert.deepEqual(created.variables, ['CLIENT_NAME']);
      const replaced = await templates.put(a.tenantId, 'confirm', 'pt-BR', 'Olá {{name}}!');
      assert.equal(replaced.created, false);
      assert.equal((await templates.get(a.tenantId, 'confirm', 'pt-BR')).template.body, 'Olá {{name}}!');
      assert.equal((await templates.list(a.tenantId)).length, 1);
      assert.equal((await templates.list(b.tenantId)).length, 0);
      assert.equal((await failureOf(templates.get(b.tenantId, 'confirm', 'pt-BR'))).code, 'not_found');
      assert.equal(
        (await failureOf(templates.put(a.tenantId, 'bad name', 'en', 'x'))).details?.field,
        'name',
      );
      assert.equal(
        (await failureOf(templates.put(a.tenantId, 'ok', 'en', 'Hi {{name'))).details?.field,
        'body',
      );
      await templates.delete(a.tenantId, 'confirm', 'pt-BR');
      assert.equal((await failureOf(templates.delete(a.tenantId, 'confirm', 'pt-BR'))).code, 'not_found');
    });

    test('pacing settings: defaults, overrides, reset', async () => {
      const b = await newBusiness();
      const pacing = new PacingService({ pacing: new PacingRepository(t.db) });
      const initial = await pacing.get(b.tenantId);
      assert.equal(initial.settings.minIntervalMs, 4_000);
      assert.deepEqual(initial.overrides, {});
      assert.equal(initial.timeZone, 'America/Sao_Paulo');
      const changed = await pacing.set(b.tenantId, { minIntervalMs: 10_000, sendingWindow: null });
      assert.equal(changed.settings.minIntervalMs, 10_000);
      assert.equal(changed.settings.sendingWindow, null);
      assert.equal(changed.settings.jitterMs, 3_000);
      assert.deepEqual((await pacing.get(b.tenantId)).overrides, {
        minIntervalMs: 10_000,
        sendingWindow: null,
      });
      const bad = await failureOf(pacing.set(b.tenantId, { sendingWindow: { start: '8am', end: '21:00' } }));
      assert.equal(bad.details?.field, 'sendingWindow.start');
      assert.deepEqual((await pacing.set(b.tenantId, {})).overrides, {});
      assert.equal((await failureOf(pacing.get('ten_missing'))).code, 'not_found');
    });

    test('the pacing gate: its own sends, the store, and the business settings', async () => {
      const b = await newBusiness();
      await channels.changeStatus(b.tenantId, b.channelId, 'connected', 'opened', {
        linkedAt: new Date(clock.now().getTime() - 30 * 86_400_000),
      });
      const pacing = new PacingService({ pacing: new PacingRepository(t.db) });
      await pacing.set(b.tenantId, { sendingWindow: null });
      const gate = new PolicyPacingGate({ pacing, queue, channels, random: () => 0, settingsTtlMs: 0 });
      const first = (await messages.accept(b.tenantId, text({ text: 'x'.repeat(10) }))).message;
      const second = (await messages.accept(b.tenantId, text())).message;
      const now = clock.now();
      assert.deepEqual(await gate.decide(first, now), { typingMs: 400 });
      gate.sent(first, now);
      const next = await gate.decide(second, new Date(now.getTime() + 1_000));
      assert.equal(next.reason, 'interval');
      assert.equal(next.sendAt?.getTime(), now.getTime() + 4_000);
      await pacing.set(b.tenantId, { enabled: false });
      assert.deepEqual(await gate.decide(second, new Date(now.getTime() + 1_000)), { typingMs: 0 });
    });

    test('a no-op sink works too', async () => {
      const b = await newBusiness();
      const plain = new MessageService({
        db: t.db,
        messages: repo,
        templates: new TemplatesRepository(t.db),
        sink: noMessageEvents,
        recorder,
        clock,
      });
      assert.equal((await plain.accept(b.tenantId, text())).created, true);
    });
  });
}
