import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FAILURE_REASONS, type FailureReason } from '../../src/domain/message-status.js';
import {
  ALTEGIO_STATUS,
  DEFAULT_STATUS_REPORT_OPTIONS,
  altegioStatusFor,
  buildStatusReport,
  isFinalAltegioStatus,
  nextStatusReport,
  smsParts,
  statusReportBodies,
  type AltegioStatusCode,
} from '../../src/integrations/altegio/domain/status-report.js';

const message = { altegioId: '232674', extId: 'msg_01', text: 'Hi Ana, see you tomorrow.' };

describe('ALTEGIO status reports', () => {
  test('our statuses map to ALTEGIO codes', () => {
    assert.equal(altegioStatusFor('queued'), 8);
    assert.equal(altegioStatusFor('sending'), undefined);
    assert.equal(altegioStatusFor('sent'), 4);
    assert.equal(altegioStatusFor('delivered'), 1);
    assert.equal(altegioStatusFor('read'), 1);
    const expected: Record<FailureReason, AltegioStatusCode> = {
      invalid_number: 2,
      not_on_whatsapp: 2,
      expired: 2,
      channel_removed: 2,
      restricted: 16,
      rejected: 16,
      cancelled: 16,
    };
    for (const reason of FAILURE_REASONS)
      assert.equal(altegioStatusFor('failed', reason), expected[reason], reason);
    assert.equal(altegioStatusFor('failed'), 2);
  });

  test('reports only move forward: 8 → 4 → final, never back, nothing after a final code', () => {
    assert.equal(nextStatusReport(undefined, 'queued'), 8);
    assert.equal(nextStatusReport(8, 'sending'), undefined);
    assert.equal(nextStatusReport(8, 'sent'), 4);
    assert.equal(nextStatusReport(4, 'queued'), undefined, 'a requeue after the ack is not reported');
    assert.equal(nextStatusReport(4, 'sent'), undefined, 'no repeats');
    assert.equal(nextStatusReport(4, 'delivered'), 1);
    assert.equal(nextStatusReport(8, 'delivered'), 1, 'a skipped stage is not back-filled');
    assert.equal(nextStatusReport(1, 'read'), undefined);
    assert.equal(nextStatusReport(1, 'failed', 'rejected'), undefined);
    assert.equal(nextStatusReport(2, 'delivered'), undefined);
    assert.equal(nextStatusReport(4, 'failed', 'restricted'), 16);
    assert.equal(nextStatusReport(undefined, 'failed', 'not_on_whatsapp'), 2);
    assert.ok(isFinalAltegioStatus(ALTEGIO_STATUS.NO_FUNDS));
    assert.ok(!isFinalAltegioStatus(ALTEGIO_STATUS.SENT));
  });

  test('SMS parts: GSM-7 160/153 with extension characters counted twice, UCS-2 70/67', () => {
    assert.equal(smsParts(''), 1);
    assert.equal(smsParts('a'.repeat(160)), 1);
    assert.equal(smsParts('a'.repeat(161)), 2);
    assert.equal(smsParts('a'.repeat(306)), 2);
    assert.equal(smsParts('a'.repeat(307)), 3);
    assert.equal(smsParts('€'.repeat(80)), 1);
    assert.equal(smsParts('€'.repeat(81)), 2);
    assert.equal(smsParts('ã'.repeat(70)), 1);
    assert.equal(smsParts('ã'.repeat(71)), 2);
    assert.equal(smsParts('ã'.repeat(134)), 2);
    assert.equal(smsParts('ã'.repeat(135)), 3);
    assert.equal(smsParts('Olá 👋'), 1);
  });

  test('the report body: ALTEGIO id by default, price 0, currency, parts', () => {
    assert.deepEqual(buildStatusReport(message, 8), {
      id: '232674',
      status: 8,
      payment_sum: 0,
      currency_iso: 'USD',
      parts_amount: 1,
    });
    const ours = buildStatusReport({ ...message, text: 'x'.repeat(200) }, 1, {
      reportId: 'ours',
      body: 'object',
      currencyIso: 'BRL',
      parts: 'sms',
    });
    assert.deepEqual(ours, { id: 'msg_01', status: 1, payment_sum: 0, currency_iso: 'BRL', parts_amount: 2 });
    const one = buildStatusReport({ ...message, text: 'x'.repeat(500) }, 1, {
      ...DEFAULT_STATUS_REPORT_OPTIONS,
      parts: 'one',
    });
    assert.equal(one.parts_amount, 1);
  });

  test('bodies: one JSON array by default, as ALTEGIO documents; bare objects only on request', () => {
    const reports = [buildStatusReport(message, 8), buildStatusReport(message, 4)];
    assert.equal(DEFAULT_STATUS_REPORT_OPTIONS.body, 'list');
    assert.equal(DEFAULT_STATUS_REPORT_OPTIONS.reportId, 'altegio');
    assert.deepEqual(statusReportBodies(reports), [reports]);
    assert.deepEqual(statusReportBodies([reports[0]!]), [[reports[0]]]);
    assert.deepEqual(statusReportBodies(reports, { body: 'object' }), reports);
    assert.deepEqual(statusReportBodies([]), []);
  });
});
