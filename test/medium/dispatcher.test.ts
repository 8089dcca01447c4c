import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { SendingChannel } from '../../src/channels/channel-driver.js';
import { ManualClock } from '../../src/clock.js';
import { Dispatcher, type PacingGate } from '../../src/dispatch/dispatcher.js';
import type { MessageService } from '../../src/messages/message-service.js';
import type { StatusRecorder } from '../../src/dispatch/status-recorder.js';
import { ChannelsRepository } from '../../src/store/channels-repository.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { messageStack } from '../support/message-stack.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * The dispatcher with the real queue (PGlite and PostgreSQL); the channel is the test's own, a
 * WhatsApp session that records each send and acks only when told.
 *
 * Wake-ups: a message can go back to the queue while its channel's sender sleeps with nothing to
 * wake it: put back by another node whose send failed as the channel moved here, or requeued by the
 * sweep after its ack never came. The dispatcher's sweep wakes the sender of every channel open here
 * with a message due, so such a message goes without waiting for the next one to be accepted.
 *
 * Pacing: a message the policy holds back (quiet hours) is decided on before it is claimed, so it
 * is never seen as 'sending' and spends no attempt while it waits.
 */
for (const kind of DATABASE_KINDS) {
  describe(`the dispatcher on ${kind}`, () => {
    let t: TestDatabase;
    let recorder: StatusRecorder;
    let messages: MessageService;
    let tenantId: string;
    // A fixed start that runs on: nothing here depends on today's date.
    const clock = new ManualClock(new Date('2030-03-04T12:00:00Z'));
    const dispatchers: Dispatcher[] = [];

    before(async () => {
      t = await freshDatabase(kind);
      ({ recorder, messages } = messageStack(t.db, clock));
      const tenant = await new TenantsRepository(t.db).create({
        name: 'Salon',
        timeZone: 'America/Sao_Paulo',
        language: 'pt-BR',
      });
      tenantId = tenant.id;
    });
    after(async () => {
      await Promise.all(dispatchers.map((d) => d.stop()));
      await t.dispose();
    });

    /**
     * A dispatcher whose one channel is open on this node and records each send; with `acks`, the
     * channel answers each send with its server ack, as WhatsApp does.
     */
    async function startDispatcher(
      channelId: string,
      options: { acks: boolean; staleSendingMs: number; ackTimeoutMs: number; pacing?: PacingGate },
    ): Promise<{ dispatcher: Dispatcher; sent: string[] }> {
      const sent: string[] = [];
      const channel: SendingChannel = {
        send: async (_message, waMessageId) => {
          sent.push(waMessageId);
          if (options.acks)
            setImmediate(() =>
              dispatcher.onStatus({ tenantId, channelId }, { messageId: waMessageId, status: 'sent' }),
            );
        },
      };
      const dispatcher = new Dispatcher({
        store: recorder,
        channel: (id) => (id === channelId ? channel : undefined),
        gates: { read: async () => ({ paused: undefined, restriction: undefined }) },
        pacing: options.pacing ?? { decide: async () => ({ typingMs: 0 }), sent: () => undefined },
        logger: pino({ level: 'silent' }),
        clock,
        sweepIntervalMs: 50,
        staleSendingMs: options.staleSendingMs,
        ackTimeoutMs: options.ackTimeoutMs,
      });
      dispatchers.push(dispatcher);
      await dispatcher.start();
      return { dispatcher, sent };
    }

    const newChannel = async (name: string) => (await new ChannelsRepository(t.db).create(tenantId, name)).id;
    const accept = async (channelId: string, text: string, sendAfter?: Date) =>
      (await messages.accept(tenantId, { to: '+55 11 98000 0001', text, channelId, sendAfter })).message;
    const statusOf = async (id: string) =>
      (await t.db.query<{ status: string }>('select status from messages where id = $1', [id]))[0]?.status;

    test('a message held for quiet hours stays queued while it waits, then goes once', async () => {
      const channelId = await newChannel('quiet hours');
      const opening = new Date(clock.now().getTime() + 9 * 3_600_000);
      const seenByPacing: Array<string | undefined> = [];
      // The business's window opens in nine hours: until then every message is held for it.
      const pacing: PacingGate = {
        decide: async (message, now) => {
          seenByPacing.push(await statusOf(message.id));
          return now < opening ? { sendAt: opening, typingMs: 0 } : { typingMs: 0 };
        },
        sent: () => undefined,
      };
      const { sent } = await startDispatcher(channelId, {
        acks: true,
        staleSendingMs: 600_000,
        ackTimeoutMs: 5_000,
        pacing,
      });
      const message = await accept(channelId, 'Booking confirmed');
      const held = async () =>
        (
          await t.db.query<{ status: string; attempts: number; send_after: Date }>(
            'select status, attempts, send_after from messages where id = $1',
            [message.id],
          )
        )[0];
      await waitUntil(async () => (await held())?.send_after.getTime() === opening.getTime(), {
        what: 'the message held until the window opens',
        timeoutMs: 5_000,
      });
      assert.deepEqual(seenByPacing, ['queued'], 'decided on while still queued, never claimed first');
      assert.deepEqual(
        { ...(await held()), send_after: undefined },
        {
          status: 'queued',
          attempts: 0,
          send_after: undefined,
        },
      );
      assert.deepEqual(sent, []);

      clock.advance(9 * 3_600_000 + 1);
      await waitUntil(async () => (await statusOf(message.id)) === 'sent', {
        what: 'the message sent when the window opens',
        timeoutMs: 5_000,
      });
      assert.deepEqual(sent, [message.waMessageId], 'sent once');
      assert.equal((await held())?.attempts, 1, 'one attempt: the real send');
    });

    test('a message another node puts back goes from here, without a new message to wake the sender', async () => {
      const channelId = await newChannel('moved here');
      // Due in an hour: this node's sender sleeps until then (at most a minute) with nothing to do.
      const message = await accept(
        channelId,
        'Reminder: tomorrow at 10:00',
        new Date(clock.now().getTime() + 3_600_000),
      );
      // The channel is open here; its sender started with the queue as it was (nothing due) and sleeps.
      const { sent } = await startDispatcher(channelId, {
        acks: true,
        staleSendingMs: 600_000,
        ackTimeoutMs: 5_000,
      });
      // The node that held the channel before had already claimed it (its clock an hour on, to make it
      // due there), and its send fails as its session closes: it puts the message back, due now. It
      // cannot wake this node's sender.
      const hourOn = new Date(clock.now().getTime() + 3_600_000);
      const due = await recorder.nextDue(channelId, hourOn);
      assert.ok('message' in due && due.message.id === message.id);
      const claimed = await recorder.claim(due.message, hourOn);
      assert.ok(claimed);
      await recorder.release(claimed, clock.now());
      await waitUntil(async () => (await statusOf(message.id)) === 'sent', {
        what: 'the message put back sent from here',
        timeoutMs: 5_000,
      });
      assert.deepEqual(sent, [message.waMessageId], 'sent once, with its WhatsApp id');
    });

    test('a send whose ack never came goes again by itself once it is stale', async () => {
      const channelId = await newChannel('no ack');
      const message = await accept(channelId, 'Your visit is confirmed');
      // The channel never acks.
      const { dispatcher, sent } = await startDispatcher(channelId, {
        acks: false,
        staleSendingMs: 300,
        ackTimeoutMs: 50,
      });
      dispatcher.notify(channelId);
      await waitUntil(() => sent.length === 1, { what: 'the first send', timeoutMs: 5_000 });
      // No ack: after the ack timeout the sender sleeps with nothing queued; the sweep requeues the
      // stale send (same id), and must wake the sender for it.
      await waitUntil(() => sent.length >= 2, {
        what: 'the stale send sent again',
        timeoutMs: 5_000,
      });
      assert.deepEqual([...new Set(sent)], [message.waMessageId], 'the same WhatsApp id each time');
    });
  });
}
