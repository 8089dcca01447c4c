/**
 * Scheduling mode: which notifications an appointment should have (reminders before it, a review
 * request after it, and the one-off booking created / changed / cancelled notices), and how a new
 * plan differs from the one already scheduled. Pure: `now` is passed in. Texts are not here: they are
 * rendered at send time from the latest accepted appointment (templates.ts).
 */
import { AppError } from '../../../domain/errors.js';
import { isValidTimeZone, localDateTime, zonedTime } from '../../../domain/sending-window.js';
import type { Appointment, RecordEvent } from './record-webhook.js';
import type { AppointmentState } from './record-ordering.js';

export type NotificationKind =
  'reminder' | 'booking_created' | 'booking_changed' | 'booking_cancelled' | 'review_request';

export const NOTIFICATION_KINDS = [
  'reminder',
  'booking_created',
  'booking_changed',
  'booking_cancelled',
  'review_request',
] as const satisfies readonly NotificationKind[];

/** A business's scheduling settings. */
export interface ScheduleSettings {
  /** The business's IANA time zone (whole-day offsets keep the wall-clock time across DST). */
  readonly timeZone: string;
  /** Hours before the start, distinct, 1–168 (default 24 and 2). */
  readonly reminderOffsetsHours: readonly number[];
  readonly enabled: Readonly<Record<NotificationKind, boolean>>;
  /** Minutes after the visit's end before the review request (default 120). */
  readonly reviewDelayMinutes: number;
  /** Only ask for a review when staff marked the client as arrived (attendance 1). Default false. */
  readonly reviewOnlyWhenArrived: boolean;
  /** A review request not sent within this many hours of its time is dropped (default 24). */
  readonly reviewExpiryHours: number;
  /** Delay before created/changed/cancelled notices, so quick successive edits settle (default 60 s). */
  readonly eventDelaySeconds: number;
}

export const DEFAULT_SCHEDULE_SETTINGS: ScheduleSettings = Object.freeze({
  timeZone: 'UTC',
  reminderOffsetsHours: Object.freeze([24, 2]),
  enabled: Object.freeze({
    reminder: true,
    booking_created: true,
    booking_changed: true,
    booking_cancelled: true,
    review_request: false,
  }),
  reviewDelayMinutes: 120,
  reviewOnlyWhenArrived: false,
  reviewExpiryHours: 24,
  eventDelaySeconds: 60,
});

const MAX_OFFSETS = 5;

/** Settings with defaults filled in; throws `invalid_input` naming the field for a bad value. */
export function resolveScheduleSettings(
  overrides: Partial<Omit<ScheduleSettings, 'enabled'>> & {
    enabled?: Partial<Record<NotificationKind, boolean>>;
  } = {},
): ScheduleSettings {
  const d = DEFAULT_SCHEDULE_SETTINGS;
  const bad = (field: string, message: string) =>
    new AppError('invalid_input', `${field}: ${message}`, { details: { field } });
  const timeZone = overrides.timeZone ?? d.timeZone;
  if (!isValidTimeZone(timeZone)) throw bad('timeZone', 'not a known time zone');
  const offsets = overrides.reminderOffsetsHours ?? d.reminderOffsetsHours;
  if (offsets.length > MAX_OFFSETS) throw bad('reminderOffsetsHours', `at most ${MAX_OFFSETS} reminders`);
  for (const h of offsets) {
    if (!Number.isInteger(h) || h < 1 || h > 168) {
      throw bad('reminderOffsetsHours', 'each must be a whole number of hours from 1 to 168');
    }
  }
  const minutes = (field: 'reviewDelayMinutes' | 'reviewExpiryHours' | 'eventDelaySeconds', max: number) => {
    const value = overrides[field] ?? d[field];
    if (!Number.isInteger(value) || value < 0 || value > max) throw bad(field, `must be 0–${max}`);
    return value;
  };
  return Object.freeze({
    timeZone,
    reminderOffsetsHours: Object.freeze([...new Set(offsets)].sort((a, b) => b - a)),
    enabled: Object.freeze({ ...d.enabled, ...overrides.enabled }),
    reviewDelayMinutes: minutes('reviewDelayMinutes', 7 * 24 * 60),
    reviewOnlyWhenArrived: overrides.reviewOnlyWhenArrived ?? d.reviewOnlyWhenArrived,
    reviewExpiryHours: Math.max(1, minutes('reviewExpiryHours', 7 * 24)),
    eventDelaySeconds: minutes('eventDelaySeconds', 3600),
  });
}

/** One notification an appointment should have. */
export interface PlannedNotification {
  readonly kind: NotificationKind;
  /** Stable per slot (`123:reminder:24h`, `123:review`, `123:created`, …); with `sendAt`, the idempotency key. */
  readonly key: string;
  readonly recordId: string;
  readonly sendAt: Date;
  /** Not sent after this (a reminder never goes after the visit started). */
  readonly expiresAt?: Date;
}

/** `hours` before `at`; whole days keep the local clock time in `timeZone` (a DST night is 23 or 25 h). */
export function hoursBefore(at: Date, hours: number, timeZone: string): Date {
  if (hours % 24 !== 0) return new Date(at.getTime() - hours * 3_600_000);
  const l = localDateTime(at, timeZone);
  const day = new Date(Date.UTC(l.year, l.month - 1, l.day - hours / 24));
  const local = zonedTime(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() },
    l.minuteOfDay,
    timeZone,
  );
  return new Date(local.getTime() + l.second * 1000);
}

/**
 * The time-based notifications the appointment should have now: a reminder per offset while the visit
 * has not started (none once the client arrived), and a review request after it. Nothing for a
 * deleted appointment, a no-show (attendance −1, also how a client's "cancel" reply is recorded), or a
 * client without a valid phone. Reminders whose time has passed stay in the plan (so one already
 * scheduled is not cancelled by an unrelated update); diffPlans never schedules a new one late.
 */
export function planNotifications(
  appointment: Appointment | undefined,
  settings: ScheduleSettings,
  now: Date,
): PlannedNotification[] {
  if (!appointment || appointment.deleted || appointment.attendance === -1) return [];
  if (appointment.clientPhone === undefined) return [];
  const { recordId, startsAt } = appointment;
  const plan: PlannedNotification[] = [];
  if (settings.enabled.reminder && appointment.attendance !== 1 && now < startsAt) {
    for (const hours of settings.reminderOffsetsHours) {
      plan.push({
        kind: 'reminder',
        key: `${recordId}:reminder:${hours}h`,
        recordId,
        sendAt: hoursBefore(startsAt, hours, settings.timeZone),
        expiresAt: startsAt,
      });
    }
  }
  if (settings.enabled.review_request && (!settings.reviewOnlyWhenArrived || appointment.attendance === 1)) {
    const sendAt = new Date(appointment.endsAt.getTime() + settings.reviewDelayMinutes * 60_000);
    const expiresAt = new Date(sendAt.getTime() + settings.reviewExpiryHours * 3_600_000);
    if (now < expiresAt)
      plan.push({ kind: 'review_request', key: `${recordId}:review`, recordId, sendAt, expiresAt });
  }
  return plan;
}

function sameWhen(a: PlannedNotification, b: PlannedNotification): boolean {
  return a.sendAt.getTime() === b.sendAt.getTime() && a.expiresAt?.getTime() === b.expiresAt?.getTime();
}

/** What changes between the plan already scheduled and the new one. */
export interface PlanDiff {
  /** Scheduled entries no longer wanted, or wanted at another time (cancelling a sent one is a no-op). */
  readonly toCancel: PlannedNotification[];
  /** New or moved entries whose time is still ahead. */
  readonly toSchedule: PlannedNotification[];
  /** New or moved entries whose time has already passed: not sent (the moment is gone). */
  readonly skipped: PlannedNotification[];
}

/**
 * Old plan vs new: an entry with the same key and times is left alone (even if its time has passed —
 * it is scheduled and may be on its way); anything else old is cancelled and anything else new is
 * scheduled if its time is still ahead of `now`. A moved appointment thus re-plans, a deleted one
 * (empty plan) cancels everything, and a booking made 20 h ahead gets no 24 h reminder.
 */
export function diffPlans(
  scheduled: readonly PlannedNotification[],
  next: readonly PlannedNotification[],
  now: Date,
): PlanDiff {
  const wanted = new Map(next.map((n) => [n.key, n]));
  const have = new Map(scheduled.map((n) => [n.key, n]));
  const toCancel = scheduled.filter((old) => {
    const want = wanted.get(old.key);
    return !want || !sameWhen(old, want);
  });
  const toSchedule: PlannedNotification[] = [];
  const skipped: PlannedNotification[] = [];
  for (const n of next) {
    const old = have.get(n.key);
    if (old && sameWhen(old, n)) continue;
    (n.sendAt > now ? toSchedule : skipped).push(n);
  }
  return { toCancel, toSchedule, skipped };
}

function movedOrReassigned(before: Appointment, after: Appointment): boolean {
  const titles = (a: Appointment) => JSON.stringify(a.services.map((s) => s.id ?? s.title).sort());
  return (
    before.startsAt.getTime() !== after.startsAt.getTime() ||
    (before.staff?.id ?? before.staff?.name) !== (after.staff?.id ?? after.staff?.name) ||
    titles(before) !== titles(after)
  );
}

/**
 * The one-off notice an accepted record change calls for, if any (`before`: the state before the
 * change, `after`: applyRecordChange's `next`):
 * - `booking_created` on a `create` of a record we did not know;
 * - `booking_changed` when the time, the staff member or the services changed (not for attendance,
 *   comments, …), keyed by the change so each move gets its own notice;
 * - `booking_cancelled` when the record is deleted.
 * Only for a visit still ahead, to a client with a valid phone; sent after `eventDelaySeconds`,
 * never after the visit started. A no-show mark (−1) sends nothing.
 */
export function eventNotification(
  before: AppointmentState | undefined,
  after: AppointmentState,
  event: RecordEvent,
  settings: ScheduleSettings,
  now: Date,
): PlannedNotification | undefined {
  const a = after.appointment;
  if (!a || a.clientPhone === undefined || a.startsAt <= now) return undefined;
  const sendAt = new Date(now.getTime() + settings.eventDelaySeconds * 1000);
  const notice = (kind: NotificationKind, key: string): PlannedNotification | undefined =>
    settings.enabled[kind] ? { kind, key, recordId: a.recordId, sendAt, expiresAt: a.startsAt } : undefined;
  if (after.deleted) {
    return before?.deleted ? undefined : notice('booking_cancelled', `${a.recordId}:cancelled`);
  }
  if (a.attendance === -1) return undefined;
  if (before === undefined) {
    return event === 'create' ? notice('booking_created', `${a.recordId}:created`) : undefined;
  }
  if (before.appointment && movedOrReassigned(before.appointment, a)) {
    const stamp = (after.lastChangeDate ?? a.startsAt).getTime();
    return notice('booking_changed', `${a.recordId}:changed:${stamp}`);
  }
  return undefined;
}
