import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { StatusRecorder } from '../../src/dispatch/status-recorder.js';
import { AppError } from '../../src/domain/errors.js';
import type { MessageEventSink, MessageStatusChange } from '../../src/messages/message-event-sink.js';
import { MessageService, type AcceptResult } from '../../src/messages/message-service.js';
import { ChannelsRepository } from '../../src/store/channels-repository.js';
import type { Queryable } from '../../src/store/database.js';
import { InboundMessagesRepository } from '../../src/store/inbound-messages-repository.js';
import { MessageQueueRepository } from '../../src/store/message-queue-repository.js';
import { MessagesRepository } from '../../src/store/messages-repository.js';
import { RecipientChecksRepository } from '../../src/store/recipient-checks-repository.js';
import { TemplatesRepository } from '../../src/store/templates-repository.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import pino from 'pino';
import { webhookMessageSink } from '../../src/messages/webhook-message-sink.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { publicOnly } from '../../src/webhooks/webhook-destinations.js';
import { createWebhooks } from '../../src/webhooks/webhooks.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/databases.js';

/** Writes a row per change with the caller's `tx`, so a rolled-back group leaves none. */
class RowSink implements MessageEventSink {
  readonly changes: MessageStatusChange[] = [];
  async record(tx: Queryable, event: MessageStatusChange): Promise<void> {
    await tx.query('insert into sink_log (message_id) values ($1)', [event.messageId]);
    this.changes.push(event);
  }
  async recordInbound(): Promise<void> {}
}

type Outcome = { ok: true; result: AcceptResult } | { ok: false; error: unknown };
const settle = (p: Promise<AcceptResult>): Promise<Outcome> =>
  p.then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/**
 * Accepts that arrive together are stored in one transaction (group commit): each caller still
 * hears its own outcome, idempotency holds inside a group, and one bad item fails alone.
 */
for (const kind of DATABASE_KINDS) {
  describe(`accept group commit on ${kind}`, () => {
    let t: TestDatabase;
    let sink: RowSink;
    let messages: MessageService;
    let phoneSeq = 0;
    // A fixed start: nothing here depends on today's date.
    const clock = new ManualClock(new Date('2030-03-04T12:00:00Z'));
    /** A message service over `sink`, with the status recorder it records cancels through. */
    const serviceWith = (eventSink: MessageEventSink): MessageService =>
      new MessageService({
        db: t.db,
        messages: new MessagesRepository(t.db),
        templates: new TemplatesRepository(t.db),
        sink: eventSink,
        recorder: new StatusRecorder({
          db: t.db,
          queue: new MessageQueueRepository(t.db),
          inbound: new InboundMessagesRepository(t.db),
          recipientChecks: new RecipientChecksRepository(t.db),
          sink: eventSink,
          clock,
        }),
        clock,
      });
    const nextPhone = () => `+55 21 9${String(7000_0000 + ++phoneSeq).padStart(8, '0')}`;

    before(async () => {
      t = await freshDatabase(kind);
      await t.db.query('create table sink_log (message_id text not null)');
      sink = new RowSink();
      messages = serviceWith(sink);
    });
    after(async () => t.dispose());

    const newBusiness = async () => {
      const tenant = await new TenantsRepository(t.db).create({
        name: 'Barber',
        timeZone: 'America/Sao_Paulo',
        language: 'pt-BR',
      });
      const channel = await new ChannelsRepository(t.db).create(tenant.id, 'WhatsApp');
      return { tenantId: tenant.id, channelId: channel.id };
    };
    const count = async (sql: string, params: unknown[]): Promise<number> =>
      Number((await t.db.query<{ n: number | string }>(sql, params))[0]?.n ?? 0);

    test('a burst across businesses: repeats inside the burst, an unknown channel, all in input order', async () => {
      const a = await newBusiness();
      const b = await newBusiness();
      const calls = [
        ...Array.from({ length: 40 }, (_, i) =>
          messages.accept(i % 2 ? a.tenantId : b.tenantId, { to: nextPhone(), text: `n${i}` }),
        ),
        // The same key five times in one burst (and the same key for the other business).
        ...Array.from({ length: 5 }, (_, i) =>
          messages.accept(a.tenantId, { to: nextPhone(), text: `dup${i}`, idempotencyKey: 'burst' }),
        ),
        messages.accept(b.tenantId, { to: nextPhone(), text: 'other', idempotencyKey: 'burst' }),
        messages.accept(a.tenantId, { to: nextPhone(), text: 'x', channelId: b.channelId }),
      ].map(settle);
      const outcomes = await Promise.all(calls);
      const ok = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
      assert.equal(ok.length, 46);
      for (const [i, o] of outcomes.slice(0, 40).entries()) {
        assert.ok(o.ok && o.result.created);
        assert.equal(o.ok && o.result.message.body, `n${i}`, 'each caller gets its own message');
        assert.equal(o.ok && o.result.message.tenantId, i % 2 ? a.tenantId : b.tenantId);
      }
      const dups = outcomes.slice(40, 45).map((o) => (o.ok ? o.result : undefined));
      assert.equal(dups.filter((r) => r?.created).length, 1, 'one of the repeats is stored');
      assert.equal(new Set(dups.map((r) => r?.message.id)).size, 1, 'and all of them get it');
      assert.equal(dups[0]?.message.body, 'dup0', 'the first to arrive wins');
      const other = outcomes[45]!;
      assert.ok(other.ok && other.result.created, "another business's key is its own");
      const foreign = outcomes[46]!;
      assert.ok(!foreign.ok && foreign.error instanceof AppError && foreign.error.code === 'invalid_input');

      const tenants = [a.tenantId, b.tenantId];
      assert.equal(
        await count('select count(*) as n from messages where tenant_id = any($1)', [tenants]),
        42,
      );
      assert.equal(
        await count('select count(*) as n from message_events where tenant_id = any($1)', [tenants]),
        42,
      );
      assert.equal(
        await count(
          'select count(*) as n from sink_log s join messages m on m.id = s.message_id where m.tenant_id = any($1)',
          [tenants],
        ),
        42,
      );
    });

    test('a burst for a business with webhooks: one delivery per accepted message and subscribed endpoint', async () => {
      const a = await newBusiness();
      const webhooks = createWebhooks({
        db: t.db,
        secrets: new SecretBox(Buffer.alloc(32, 7)),
        logger: pino({ level: 'silent' }),
        clock,
        // The receivers' host names resolve to a public address, without asking real DNS.
        destinations: publicOnly(async () => [{ address: '93.184.215.14', family: 4 }]),
      });
      await webhooks.service.create(a.tenantId, { url: 'https://crm.example.com/all' });
      await webhooks.service.create(a.tenantId, {
        url: 'https://crm.example.com/in',
        events: ['message.inbound'],
      });
      const withHooks = serviceWith(webhookMessageSink(webhooks.outbox));
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          withHooks.accept(a.tenantId, { to: nextPhone(), text: `w${i}`, idempotencyKey: `w${i % 25}` }),
        ),
      );
      const created = results.filter((r) => r.created);
      assert.equal(created.length, 25);
      const rows = await t.db.query<{ event_type: string; payload: { messageId: string; status: string } }>(
        'select event_type, payload from webhook_deliveries where tenant_id = $1',
        [a.tenantId],
      );
      assert.equal(rows.length, 25, 'the inbound-only endpoint gets none; repeats add none');
      assert.deepEqual(
        new Set(rows.map((r) => r.payload.messageId)),
        new Set(created.map((r) => r.message.id)),
      );
      assert.ok(rows.every((r) => r.event_type === 'message.status' && r.payload.status === 'queued'));
    });

    test('an item the database refuses fails alone; the rest of its group is stored once', async () => {
      const a = await newBusiness();
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          settle(
            messages.accept(a.tenantId, {
              to: nextPhone(),
              // PostgreSQL text cannot hold NUL: the whole first try of the group fails.
              text: i === 5 ? 'bad\u0000text' : `ok${i}`,
              idempotencyKey: `k${i}`,
            }),
          ),
        ),
      );
      assert.equal(outcomes.filter((o) => o.ok).length, 11);
      assert.ok(!outcomes[5]!.ok);
      assert.equal(await count('select count(*) as n from messages where tenant_id = $1', [a.tenantId]), 11);
      assert.equal(
        await count('select count(*) as n from message_events where tenant_id = $1', [a.tenantId]),
        11,
      );
      const again = await messages.accept(a.tenantId, { to: nextPhone(), text: 'ok3', idempotencyKey: 'k3' });
      assert.equal(again.created, false, 'keys stored by the retried items are kept');
    });
  });
}
