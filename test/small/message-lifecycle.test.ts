import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyReport,
  isBusinessVisible,
  queueOrder,
  statusChangeOf,
  type Message,
} from '../../src/domain/message.js';

const T0 = new Date('2030-03-04T12:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

const message = (over: Partial<Message> = {}): Message => ({
  id: 'msg_1',
  tenantId: 'ten_1',
  channelId: 'ch_1',
  waMessageId: '3EB0AAAAAAAAAAAAAAAAAA',
  toPhone: '5511987654321',
  body: 'See you tomorrow',
  templateName: null,
  templateLanguage: null,
  priority: 'transactional',
  urgent: false,
  status: 'sending',
  failureReason: null,
  failureDetail: null,
  errorCode: null,
  sendAfter: T0,
  expiresAt: null,
  attempts: 1,
  idempotencyKey: null,
  metadata: { crm: 'x' },
  createdAt: T0,
  updatedAt: T0,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  failedAt: null,
  ...over,
});

describe('the message lifecycle (domain/message.ts)', () => {
  test('a read receipt before its ack: read implies delivered and sent, all at the receipt time', () => {
    const step = applyReport(message(), { status: 'read', at: at(5), note: 'receipt' });
    assert.equal(step.verdict, 'apply');
    assert.deepEqual(
      [step.next?.status, step.next?.sentAt, step.next?.deliveredAt, step.next?.readAt],
      ['read', at(5), at(5), at(5)],
    );
    assert.deepEqual(step.event, {
      tenantId: 'ten_1',
      messageId: 'msg_1',
      status: 'read',
      reason: 'receipt',
      errorCode: null,
      details: null,
      at: at(5),
    });
  });

  test('first times are kept: a later delivered receipt does not move sentAt', () => {
    const sent = applyReport(message(), { status: 'sent', at: at(1), note: 'server_ack' }).next!;
    const delivered = applyReport(sent, { status: 'delivered', at: at(2), note: 'receipt' }).next!;
    assert.deepEqual([delivered.sentAt, delivered.deliveredAt, delivered.readAt], [at(1), at(2), null]);
  });

  test('repeats, late receipts and terminal states store nothing', () => {
    const read = message({ status: 'read', readAt: at(1) });
    assert.deepEqual(applyReport(read, { status: 'read', at: at(2) }), { verdict: 'duplicate' });
    assert.deepEqual(applyReport(read, { status: 'failed', at: at(2) }), { verdict: 'terminal' });
    const delivered = message({ status: 'delivered' });
    assert.deepEqual(applyReport(delivered, { status: 'sent', at: at(2) }), { verdict: 'stale' });
  });

  test('a failure carries its reason, detail and code; without a reason it is rejected', () => {
    const step = applyReport(message(), {
      status: 'failed',
      at: at(3),
      failure: { reason: 'restricted', detail: 'reach_out_timelock', errorCode: 463, details: { until: 9 } },
    });
    assert.deepEqual(
      [step.next?.failureReason, step.next?.failureDetail, step.next?.errorCode, step.next?.failedAt],
      ['restricted', 'reach_out_timelock', 463, at(3)],
    );
    assert.deepEqual(
      [step.event?.reason, step.event?.errorCode, step.event?.details],
      ['restricted', 463, { until: 9 }],
    );
    assert.equal(applyReport(message(), { status: 'failed', at: at(3) }).next?.failureReason, 'rejected');
  });

  test('onlyFrom refuses a report from another status (cancel only while queued)', () => {
    const cancel = {
      status: 'failed',
      at: at(1),
      failure: { reason: 'cancelled' },
      onlyFrom: ['queued'],
    } as const;
    assert.deepEqual(applyReport(message({ status: 'sending' }), cancel), { verdict: 'refused' });
    assert.equal(applyReport(message({ status: 'queued' }), cancel).next?.failureReason, 'cancelled');
  });

  test('back to queued keeps the WhatsApp id and takes the new send time', () => {
    const step = applyReport(message(), {
      status: 'queued',
      at: at(1),
      note: 'requeued',
      sendAfter: at(60_000),
    });
    assert.deepEqual(
      [step.next?.status, step.next?.waMessageId, step.next?.sendAfter],
      ['queued', '3EB0AAAAAAAAAAAAAAAAAA', at(60_000)],
    );
  });

  test('what the business hears of: accepted, sent and after, failures; not claims or requeues', () => {
    assert.equal(isBusinessVisible({ status: 'queued', reason: 'accepted' }), true);
    assert.equal(isBusinessVisible({ status: 'queued', reason: 'requeued' }), false);
    assert.equal(isBusinessVisible({ status: 'sending', reason: 'claimed' }), false);
    assert.equal(isBusinessVisible({ status: 'delivered', reason: 'receipt' }), true);
    assert.equal(isBusinessVisible({ status: 'failed', reason: 'expired' }), true);
  });

  test('the change out carries the message, the event and the failure detail only for failures', () => {
    const failed = message({ status: 'failed', failureReason: 'rejected', failureDetail: 'misaddressed' });
    const event = {
      id: 7,
      messageId: 'msg_1',
      status: 'failed' as const,
      reason: 'rejected' as const,
      errorCode: 463,
      details: null,
      at: at(4),
    };
    assert.deepEqual(statusChangeOf(failed, event), {
      eventId: 7,
      tenantId: 'ten_1',
      channelId: 'ch_1',
      messageId: 'msg_1',
      waMessageId: '3EB0AAAAAAAAAAAAAAAAAA',
      toPhone: '5511987654321',
      status: 'failed',
      reason: 'rejected',
      failureDetail: 'misaddressed',
      errorCode: 463,
      at: at(4),
      metadata: { crm: 'x' },
    });
    const sent = statusChangeOf(message({ failureDetail: 'misaddressed' }), {
      ...event,
      status: 'sent',
      reason: 'server_ack',
      errorCode: null,
    });
    assert.equal('failureDetail' in sent || 'errorCode' in sent, false);
  });

  test('queue order: transactional first, then send time, then arrival', () => {
    const marketing = message({ id: 'a', priority: 'marketing', sendAfter: at(0) });
    const later = message({ id: 'b', sendAfter: at(10) });
    const sooner = message({ id: 'c', sendAfter: at(5), createdAt: at(1) });
    const soonerOlder = message({ id: 'd', sendAfter: at(5), createdAt: at(0) });
    assert.deepEqual(
      [marketing, later, sooner, soonerOlder].sort(queueOrder).map((m) => m.id),
      ['d', 'c', 'b', 'a'],
    );
  });
});
