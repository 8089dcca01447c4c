import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  appointmentFromRecord,
  parseAltegioDateTime,
  parseRecordWebhook,
  type RecordChange,
} from '../../src/integrations/altegio/domain/record-webhook.js';
import {
  applyRecordChange,
  type AppointmentState,
} from '../../src/integrations/altegio/domain/record-ordering.js';
import { altegioDateTime, altegioRecord, recordWebhookEnvelope } from '../support/fake-altegio.js';
import { failure } from '../support/app-error.js';

const TZ = 'Asia/Yekaterinburg'; // UTC+5, no DST

const changeOf = (body: unknown): RecordChange => {
  const parsed = parseRecordWebhook(body, { timeZone: TZ });
  assert.equal(parsed.kind, 'record');
  return parsed.change;
};

const T0 = new Date('2025-07-10T09:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

describe('ALTEGIO date-times', () => {
  test('with an offset (+05:00, +0500, Z) or read in the business time zone', () => {
    const utc = '2025-07-13T07:10:00.000Z';
    assert.equal(parseAltegioDateTime('2025-07-13T12:10:00+05:00', 'UTC')?.toISOString(), utc);
    assert.equal(parseAltegioDateTime('2025-07-13T12:10:00+0500', 'UTC')?.toISOString(), utc);
    assert.equal(parseAltegioDateTime('2025-07-13T07:10:00Z', 'UTC')?.toISOString(), utc);
    assert.equal(parseAltegioDateTime('2025-07-13 12:10:00', TZ)?.toISOString(), utc);
    assert.equal(
      parseAltegioDateTime('2025-07-13 09:10:00', 'America/Sao_Paulo')?.toISOString(),
      '2025-07-13T12:10:00.000Z',
    );
    for (const bad of ['', 'tomorrow', '2025-02-30 10:00:00', '2025-13-01T00:00:00Z', 20250713, null]) {
      assert.equal(parseAltegioDateTime(bad, 'UTC'), undefined, String(bad));
    }
  });
});

describe('ALTEGIO record webhooks', () => {
  test('the appointment is extracted from a full record', () => {
    const record = altegioRecord({
      id: 555,
      companyId: 4564,
      startsAt: new Date('2025-07-13T07:10:00Z'),
      offsetMinutes: 300,
      lengthSeconds: 5400,
      lastChangeDate: T0,
      clientPhone: '+7 916 123-45-67',
      clientName: 'Olga',
      attendance: 2,
      overrides: { unknown_new_field: [1, 2, 3] },
    });
    const change = changeOf(recordWebhookEnvelope('create', record));
    assert.equal(change.event, 'create');
    assert.equal(change.companyId, '4564');
    assert.equal(change.recordId, '555');
    assert.equal(change.deleted, false);
    assert.equal(change.lastChangeDate?.toISOString(), T0.toISOString());
    const a = change.appointment!;
    assert.equal(a.startsAt.toISOString(), '2025-07-13T07:10:00.000Z');
    assert.equal(a.endsAt.toISOString(), '2025-07-13T08:40:00.000Z');
    assert.equal(a.lengthSeconds, 5400);
    assert.equal(a.attendance, 2);
    assert.equal(a.clientName, 'Olga');
    assert.equal(a.clientPhone, '79161234567');
    assert.equal(a.clientPhoneRaw, '+7 916 123-45-67');
    assert.deepEqual(a.services, [{ id: '501', title: 'Haircut' }]);
    assert.deepEqual(a.staff, {
      id: '77',
      name: 'Maria',
      position: 'Senior stylist',
      specialization: 'Stylist',
    });
    assert.equal(a.shortLink, 'https://alteg.io/r/555');
  });

  test('tolerant: string ids, no datetime (date read in the time zone), odd attendance, no client', () => {
    const change = changeOf({
      company_id: '4564',
      resource: 'record',
      resource_id: '9',
      status: 'update',
      data: { id: '9', date: '2025-07-13 12:10:00', length: '1800', attendance: 'weird', client: null },
      extra_envelope_field: true,
    });
    const a = change.appointment!;
    assert.equal(a.startsAt.toISOString(), '2025-07-13T07:10:00.000Z');
    assert.equal(a.lengthSeconds, 1800);
    assert.equal(a.attendance, 0);
    assert.equal(a.clientPhone, undefined);
    assert.equal(change.lastChangeDate, undefined);
  });

  test('a bad phone is kept raw only', () => {
    const change = changeOf(recordWebhookEnvelope('create', altegioRecord({ clientPhone: '12' })));
    assert.equal(change.appointment?.clientPhone, undefined);
    assert.equal(change.appointment?.clientPhoneRaw, '12');
  });

  test('deletes: with or without data', () => {
    const full = changeOf(recordWebhookEnvelope('delete', altegioRecord({ id: 1 })));
    assert.equal(full.deleted, true);
    assert.ok(full.appointment);
    const bare = changeOf({
      company_id: 1,
      resource: 'record',
      resource_id: 2,
      status: 'delete',
      data: null,
    });
    assert.equal(bare.deleted, true);
    assert.equal(bare.appointment, undefined);
    const flagged = changeOf(
      recordWebhookEnvelope('update', altegioRecord({ overrides: { deleted: true } })),
    );
    assert.equal(flagged.deleted, true);
  });

  test('other resources and unknown statuses are ignored, not errors', () => {
    const base = { company_id: 1, resource_id: 2, data: {} };
    assert.deepEqual(
      parseRecordWebhook({ ...base, resource: 'client', status: 'update' }, { timeZone: TZ }),
      {
        kind: 'ignored',
        companyId: '1',
        resource: 'client',
        reason: 'other_resource',
      },
    );
    assert.equal(
      parseRecordWebhook({ ...base, resource: 'record', status: 'archive' }, { timeZone: TZ }).kind,
      'ignored',
    );
  });

  test('bad input: wrong types, missing fields, mismatched ids', () => {
    const ok = recordWebhookEnvelope('update', altegioRecord({ id: 5, companyId: 4564 }));
    const cases: [unknown, string][] = [
      [null, 'body'],
      [[ok], 'body'],
      [{ ...ok, company_id: 'abc' }, 'company_id'],
      [{ ...ok, company_id: undefined }, 'company_id'],
      [{ ...ok, resource_id: { id: 5 } }, 'resource_id'],
      [{ ...ok, status: 7 }, 'status'],
      [{ ...ok, resource_id: 6 }, 'data.id'],
      [{ ...ok, company_id: 1 }, 'data.company_id'],
      [{ ...ok, data: 'x' }, 'data'],
      [{ ...ok, data: { id: 5, company_id: 4564 } }, 'data.datetime'],
      [{ ...ok, data: { id: 5, datetime: 'soon' } }, 'data.datetime'],
    ];
    for (const [body, field] of cases) {
      const error = failure(() => parseRecordWebhook(body, { timeZone: TZ }));
      assert.equal(error.code, 'invalid_input', field);
      assert.equal(error.details?.field, field, JSON.stringify(body)?.slice(0, 100));
    }
  });

  test('appointmentFromRecord reads a GET /record answer for reconciliation', () => {
    const a = appointmentFromRecord(altegioRecord({ id: 77, companyId: 12 }), { timeZone: TZ });
    assert.equal(a.recordId, '77');
    assert.equal(a.companyId, '12');
  });
});

describe('ordering and deduplication of record changes', () => {
  const change = (
    lastChange: Date | undefined,
    status: 'create' | 'update' | 'delete' = 'update',
    startsAt = at(3 * 1440),
  ) => {
    const record = altegioRecord({ id: 42, startsAt, ...(lastChange ? { lastChangeDate: lastChange } : {}) });
    if (!lastChange) delete (record as Record<string, unknown>).last_change_date;
    return changeOf(recordWebhookEnvelope(status, record));
  };
  const apply = (state: AppointmentState | undefined, c: RecordChange) => applyRecordChange(state, c);

  test('first news is accepted; a replay is a duplicate and changes nothing', () => {
    const first = apply(undefined, change(at(0), 'create'));
    assert.deepEqual([first.accept, first.reason], [true, 'new']);
    const replay = apply(first.next, change(at(0), 'create'));
    assert.deepEqual([replay.accept, replay.reason], [false, 'duplicate']);
    assert.equal(replay.next, first.next);
  });

  test('a later change wins; an older one arriving late is stale', () => {
    const s1 = apply(undefined, change(at(0), 'create', at(3000))).next;
    const s2 = apply(s1, change(at(10), 'update', at(4000)));
    assert.deepEqual([s2.accept, s2.reason], [true, 'newer']);
    assert.equal(s2.next.appointment?.startsAt.toISOString(), at(4000).toISOString());
    const late = apply(s2.next, change(at(5), 'update', at(3500)));
    assert.deepEqual([late.accept, late.reason], [false, 'stale']);
    assert.equal(late.next.appointment?.startsAt.toISOString(), at(4000).toISOString());
  });

  test('same last_change_date with different content is applied but flagged for reconciliation', () => {
    const s1 = apply(undefined, change(at(0), 'create', at(3000))).next;
    const same = apply(s1, change(at(0), 'update', at(3100)));
    assert.deepEqual([same.accept, same.reason, same.reconcile], [true, 'same_time', true]);
  });

  test('undated changes: duplicates recognised by content, others applied with reconcile', () => {
    const s1 = apply(undefined, change(undefined, 'create', at(3000))).next;
    assert.equal(s1.lastChangeDate, undefined);
    assert.equal(apply(s1, change(undefined, 'create', at(3000))).reason, 'duplicate');
    const moved = apply(s1, change(undefined, 'update', at(3100)));
    assert.deepEqual([moved.accept, moved.reason, moved.reconcile], [true, 'undated', true]);
  });

  test('a delete always wins and is final; a late create or update after it changes nothing', () => {
    const s1 = apply(undefined, change(at(0), 'create')).next;
    const deleted = apply(s1, change(at(-100), 'delete'));
    assert.deepEqual([deleted.accept, deleted.reason], [true, 'deleted']);
    assert.equal(deleted.next.deleted, true);
    assert.equal(deleted.next.lastChangeDate?.toISOString(), at(0).toISOString(), 'the date never goes back');
    assert.equal(apply(deleted.next, change(at(50), 'update')).reason, 'after_delete');
    assert.equal(apply(deleted.next, change(at(50), 'delete')).reason, 'duplicate');
  });

  test('a delete arriving before its create leaves a tombstone the create cannot undo', () => {
    const bare = changeOf({
      company_id: 4564,
      resource: 'record',
      resource_id: 42,
      status: 'delete',
      data: {},
    });
    const tomb = apply(undefined, bare);
    assert.deepEqual([tomb.accept, tomb.next.deleted, tomb.next.appointment], [true, true, undefined]);
    const create = apply(tomb.next, change(at(0), 'create'));
    assert.deepEqual([create.accept, create.reason], [false, 'after_delete']);
  });

  test('a bare delete keeps the appointment we knew (for the cancellation notice)', () => {
    const s1 = apply(undefined, change(at(0), 'create')).next;
    const bare = changeOf({ company_id: 4564, resource: 'record', resource_id: 42, status: 'delete' });
    const next = apply(s1, bare).next;
    assert.equal(next.deleted, true);
    assert.equal(next.appointment?.recordId, '42');
  });

  test('webhook dates with another offset compare as instants', () => {
    const s1 = apply(undefined, change(at(0), 'create')).next;
    const record = altegioRecord({ id: 42, startsAt: at(3 * 1440), offsetMinutes: 300 });
    record.last_change_date = altegioDateTime(at(-1), 300);
    assert.equal(apply(s1, changeOf(recordWebhookEnvelope('update', record))).reason, 'stale');
  });
});
