import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../src/domain/errors.js';
import {
  parseRecordWebhook,
  type Appointment,
  type RecordChange,
} from '../../src/integrations/altegio/domain/record-webhook.js';
import {
  applyRecordChange,
  type AppointmentState,
} from '../../src/integrations/altegio/domain/record-ordering.js';
import {
  DEFAULT_SCHEDULE_SETTINGS,
  diffPlans,
  eventNotification,
  hoursBefore,
  planNotifications,
  resolveScheduleSettings,
  type PlannedNotification,
} from '../../src/integrations/altegio/domain/reminder-plan.js';
import { altegioRecord, recordWebhookEnvelope } from '../support/fake-altegio.js';

const NOW = new Date('2025-07-10T12:00:00Z');
const hours = (h: number, from = NOW) => new Date(from.getTime() + h * 3_600_000);
const settings = resolveScheduleSettings({
  timeZone: 'America/Sao_Paulo',
  enabled: { review_request: true },
});

const change = (
  options: { startsAt: Date; status?: 'create' | 'update' | 'delete'; lastChange?: Date } & Parameters<
    typeof altegioRecord
  >[0] = { startsAt: hours(72) },
): RecordChange => {
  const record = altegioRecord({ id: 42, lastChangeDate: options.lastChange ?? NOW, ...options });
  const parsed = parseRecordWebhook(recordWebhookEnvelope(options.status ?? 'create', record), {
    timeZone: 'America/Sao_Paulo',
  });
  assert.equal(parsed.kind, 'record');
  return parsed.change;
};
const appointment = (options: Parameters<typeof change>[0]): Appointment => change(options).appointment!;
const keys = (plan: readonly PlannedNotification[]) => plan.map((p) => p.key);

describe('settings', () => {
  test('defaults: 24 h and 2 h reminders, created/changed/cancelled on, review off', () => {
    const s = resolveScheduleSettings();
    assert.deepEqual(s.reminderOffsetsHours, [24, 2]);
    assert.equal(s.enabled.review_request, false);
    assert.equal(s.enabled.booking_created, true);
    assert.deepEqual(
      resolveScheduleSettings({ reminderOffsetsHours: [2, 24, 2] }).reminderOffsetsHours,
      [24, 2],
    );
  });

  test('bad values are invalid_input naming the field', () => {
    const fieldOf = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        assert.ok(error instanceof AppError);
        return error.details?.field;
      }
      assert.fail('expected an error');
    };
    assert.equal(
      fieldOf(() => resolveScheduleSettings({ timeZone: 'Mars/Base' })),
      'timeZone',
    );
    assert.equal(
      fieldOf(() => resolveScheduleSettings({ reminderOffsetsHours: [0] })),
      'reminderOffsetsHours',
    );
    assert.equal(
      fieldOf(() => resolveScheduleSettings({ reminderOffsetsHours: [1.5] })),
      'reminderOffsetsHours',
    );
    assert.equal(
      fieldOf(() => resolveScheduleSettings({ reminderOffsetsHours: [1, 2, 3, 4, 5, 6] })),
      'reminderOffsetsHours',
    );
    assert.equal(
      fieldOf(() => resolveScheduleSettings({ reviewDelayMinutes: -1 })),
      'reviewDelayMinutes',
    );
  });
});

describe('the plan for an appointment', () => {
  test('reminders at 24 h and 2 h, expiring at the start; review after the end + delay', () => {
    const a = appointment({ startsAt: hours(72), lengthSeconds: 3600 });
    const plan = planNotifications(a, settings, NOW);
    assert.deepEqual(keys(plan), ['42:reminder:24h', '42:reminder:2h', '42:review']);
    assert.equal(plan[0]?.sendAt.toISOString(), hours(48).toISOString());
    assert.equal(plan[1]?.sendAt.toISOString(), hours(70).toISOString());
    assert.equal(plan[0]?.expiresAt?.toISOString(), a.startsAt.toISOString());
    assert.equal(plan[2]?.sendAt.toISOString(), hours(75).toISOString());
    assert.equal(plan[2]?.expiresAt?.toISOString(), hours(99).toISOString());
  });

  test('whole-day offsets keep the local clock time across a DST change', () => {
    // Berlin leaves summer time on 2025-10-26: 10:00 on the 26th is 24 h + 1 h after 10:00 on the 25th.
    const start = new Date('2025-10-26T09:00:00Z'); // 10:00 CET
    assert.equal(hoursBefore(start, 24, 'Europe/Berlin').toISOString(), '2025-10-25T08:00:00.000Z'); // 10:00 CEST
    assert.equal(hoursBefore(start, 2, 'Europe/Berlin').toISOString(), '2025-10-26T07:00:00.000Z');
    assert.equal(hoursBefore(start, 24, 'UTC').toISOString(), '2025-10-25T09:00:00.000Z');
  });

  test('nothing for a deleted appointment, a no-show, or a client without a valid phone', () => {
    assert.deepEqual(planNotifications(undefined, settings, NOW), []);
    assert.deepEqual(
      planNotifications(appointment({ startsAt: hours(72), attendance: -1 }), settings, NOW),
      [],
    );
    assert.deepEqual(
      planNotifications(appointment({ startsAt: hours(72), clientPhone: null }), settings, NOW),
      [],
    );
    assert.deepEqual(
      planNotifications(appointment({ startsAt: hours(72), clientPhone: 'n/a' }), settings, NOW),
      [],
    );
    const deleted = change({ startsAt: hours(72), status: 'delete' }).appointment;
    assert.deepEqual(planNotifications(deleted && { ...deleted, deleted: true }, settings, NOW), []);
  });

  test('no reminders once the visit started or the client arrived; only enabled kinds', () => {
    assert.deepEqual(keys(planNotifications(appointment({ startsAt: hours(-0.5) }), settings, NOW)), [
      '42:review',
    ]);
    assert.deepEqual(
      keys(planNotifications(appointment({ startsAt: hours(5), attendance: 1 }), settings, NOW)),
      ['42:review'],
    );
    assert.deepEqual(
      keys(planNotifications(appointment({ startsAt: hours(72) }), DEFAULT_SCHEDULE_SETTINGS, NOW)),
      ['42:reminder:24h', '42:reminder:2h'],
    );
    const arrivedOnly = resolveScheduleSettings({
      enabled: { review_request: true },
      reviewOnlyWhenArrived: true,
    });
    assert.deepEqual(keys(planNotifications(appointment({ startsAt: hours(72) }), arrivedOnly, NOW)), [
      '42:reminder:24h',
      '42:reminder:2h',
    ]);
    assert.deepEqual(keys(planNotifications(appointment({ startsAt: hours(-30) }), settings, NOW)), []);
  });
});

describe('re-planning', () => {
  test('an unchanged plan changes nothing', () => {
    const plan = planNotifications(appointment({ startsAt: hours(72) }), settings, NOW);
    assert.deepEqual(diffPlans(plan, plan, NOW), { toCancel: [], toSchedule: [], skipped: [] });
  });

  test('a moved appointment cancels and re-schedules what moved; passed times are skipped', () => {
    const before = planNotifications(appointment({ startsAt: hours(72) }), settings, NOW);
    const after = planNotifications(appointment({ startsAt: hours(20) }), settings, NOW);
    const diff = diffPlans(before, after, NOW);
    assert.deepEqual(keys(diff.toCancel), ['42:reminder:24h', '42:reminder:2h', '42:review']);
    assert.deepEqual(keys(diff.toSchedule), ['42:reminder:2h', '42:review']);
    assert.deepEqual(keys(diff.skipped), ['42:reminder:24h']);
    assert.equal(diff.toSchedule[0]?.sendAt.toISOString(), hours(18).toISOString());
  });

  test('a deleted or cancelled appointment cancels everything', () => {
    const before = planNotifications(appointment({ startsAt: hours(72) }), settings, NOW);
    const diff = diffPlans(before, planNotifications(undefined, settings, NOW), NOW);
    assert.equal(diff.toCancel.length, 3);
    assert.deepEqual(diff.toSchedule, []);
    const noShow = diffPlans(
      before,
      planNotifications(appointment({ startsAt: hours(72), attendance: -1 }), settings, NOW),
      NOW,
    );
    assert.equal(noShow.toCancel.length, 3);
  });

  test('a booking made 20 h ahead gets no 24 h reminder', () => {
    const diff = diffPlans(
      [],
      planNotifications(appointment({ startsAt: hours(20) }), DEFAULT_SCHEDULE_SETTINGS, NOW),
      NOW,
    );
    assert.deepEqual(keys(diff.toSchedule), ['42:reminder:2h']);
    assert.deepEqual(keys(diff.skipped), ['42:reminder:24h']);
  });

  test('a reminder already due is left alone by an unrelated update', () => {
    const a = appointment({ startsAt: hours(72) });
    const plan = planNotifications(a, settings, NOW);
    const later = hours(48.01); // the 24 h reminder's time has just passed
    const replanned = planNotifications({ ...a, comment: 'bring photos' }, settings, later);
    assert.deepEqual(diffPlans(plan, replanned, later), { toCancel: [], toSchedule: [], skipped: [] });
  });
});

describe('booking notices', () => {
  const accept = (state: AppointmentState | undefined, c: RecordChange) => {
    const decision = applyRecordChange(state, c);
    assert.ok(decision.accept, decision.reason);
    return decision.next;
  };

  test('created on the first create; changed when moved; cancelled when deleted', () => {
    const created = change({ startsAt: hours(72) });
    const s1 = accept(undefined, created);
    const n1 = eventNotification(undefined, s1, 'create', settings, NOW);
    assert.equal(n1?.kind, 'booking_created');
    assert.equal(n1?.key, '42:created');
    assert.equal(n1?.sendAt.toISOString(), new Date(NOW.getTime() + 60_000).toISOString());
    assert.equal(n1?.expiresAt?.toISOString(), hours(72).toISOString());

    const moved = change({ startsAt: hours(96), status: 'update', lastChange: hours(1) });
    const s2 = accept(s1, moved);
    const n2 = eventNotification(s1, s2, 'update', settings, hours(1));
    assert.equal(n2?.kind, 'booking_changed');
    assert.equal(n2?.key, `42:changed:${hours(1).getTime()}`);

    const commented = change({
      startsAt: hours(96),
      status: 'update',
      lastChange: hours(2),
      overrides: { comment: 'x' },
    });
    const s3 = accept(s2, commented);
    assert.equal(
      eventNotification(s2, s3, 'update', settings, hours(2)),
      undefined,
      'a comment is not a change',
    );

    const confirmed = change({
      startsAt: hours(96),
      status: 'update',
      lastChange: hours(3),
      attendance: 2,
      overrides: { comment: 'x' },
    });
    const s4 = accept(s3, confirmed);
    assert.equal(
      eventNotification(s3, s4, 'update', settings, hours(3)),
      undefined,
      'attendance is not a change',
    );

    const deleted = change({ startsAt: hours(96), status: 'delete', lastChange: hours(4) });
    const s5 = accept(s4, deleted);
    assert.equal(eventNotification(s4, s5, 'delete', settings, hours(4))?.key, '42:cancelled');
  });

  test('nothing for a visit already started, an update of an unknown record, a no-show, or a disabled kind', () => {
    const past = accept(undefined, change({ startsAt: hours(-1) }));
    assert.equal(eventNotification(undefined, past, 'create', settings, NOW), undefined);
    const unknown = accept(undefined, change({ startsAt: hours(10), status: 'update' }));
    assert.equal(eventNotification(undefined, unknown, 'update', settings, NOW), undefined);
    const s1 = accept(undefined, change({ startsAt: hours(10) }));
    const noShow = accept(
      s1,
      change({ startsAt: hours(11), status: 'update', attendance: -1, lastChange: hours(0.1) }),
    );
    assert.equal(eventNotification(s1, noShow, 'update', settings, NOW), undefined);
    const quiet = resolveScheduleSettings({ enabled: { booking_created: false } });
    assert.equal(eventNotification(undefined, s1, 'create', quiet, NOW), undefined);
  });
});
