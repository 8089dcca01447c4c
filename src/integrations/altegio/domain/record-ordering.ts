/**
 * The rule that orders and deduplicates ALTEGIO's record changes: webhooks arrive late, twice, or out
 * of order; `last_change_date` decides, and a fingerprint tells a replay from a real change.
 */
import type { Appointment, RecordChange } from './record-webhook.js';

/** What we remember of a record between webhooks. */
export interface AppointmentState {
  readonly recordId: string;
  readonly lastChangeDate?: Date;
  readonly deleted: boolean;
  /** appointmentFingerprint of the last accepted appointment ('' when none was known). */
  readonly fingerprint: string;
  readonly appointment?: Appointment;
}

/**
 * A stable digest of what matters in an appointment, to tell a replayed webhook from a real change
 * that carries the same `last_change_date` (it has one-second resolution).
 */
export function appointmentFingerprint(a: Appointment | undefined): string {
  if (!a) return '';
  return JSON.stringify([
    a.startsAt.getTime(),
    a.lengthSeconds,
    a.attendance,
    a.confirmed,
    a.deleted,
    a.clientId ?? null,
    a.clientName ?? null,
    a.clientPhoneRaw ?? null,
    a.services.map((s) => [s.id ?? null, s.title]),
    a.staff?.id ?? null,
    a.staff?.name ?? null,
    a.staff?.position ?? null,
    a.comment ?? null,
  ]);
}

/**
 * Why a change was applied or not:
 * - applied: `new` (first news of the record), `newer` (later `last_change_date`), `deleted`,
 *   `same_time` (same `last_change_date`, different content) or `undated` (a date is missing on one
 *   side and the content differs) — the last two are applied but flagged `reconcile`;
 * - not applied: `duplicate` (a replay), `stale` (older than what we have), `after_delete` (the
 *   record is already deleted; deletion is final).
 */
export type RecordChangeReason =
  'new' | 'newer' | 'deleted' | 'same_time' | 'undated' | 'duplicate' | 'stale' | 'after_delete';

export interface RecordChangeDecision {
  readonly accept: boolean;
  readonly reason: RecordChangeReason;
  /** The order could not be proved: read the record from ALTEGIO's API to be sure. */
  readonly reconcile: boolean;
  /** The state to keep (the current one when not accepted). */
  readonly next: AppointmentState;
}

/**
 * The ordering rule for record webhooks. A delete always wins (better to cancel a reminder than send
 * one for a deleted visit) and is final; otherwise the later `last_change_date` wins and a replay is
 * recognised by its fingerprint.
 */
export function applyRecordChange(
  current: AppointmentState | undefined,
  incoming: RecordChange,
): RecordChangeDecision {
  const fingerprint = appointmentFingerprint(incoming.appointment);
  const build = (): AppointmentState => {
    const last =
      current?.lastChangeDate === undefined
        ? incoming.lastChangeDate
        : incoming.lastChangeDate === undefined ||
            current.lastChangeDate.getTime() > incoming.lastChangeDate.getTime()
          ? current.lastChangeDate
          : incoming.lastChangeDate;
    const appointment = incoming.appointment ?? current?.appointment;
    return {
      recordId: incoming.recordId,
      deleted: incoming.deleted,
      fingerprint: incoming.appointment ? fingerprint : (current?.fingerprint ?? ''),
      ...(last === undefined ? {} : { lastChangeDate: last }),
      ...(appointment === undefined ? {} : { appointment }),
    };
  };
  const accept = (reason: RecordChangeReason, reconcile = false): RecordChangeDecision => ({
    accept: true,
    reason,
    reconcile,
    next: build(),
  });
  if (current === undefined) return accept('new');
  const keep = (reason: RecordChangeReason): RecordChangeDecision => ({
    accept: false,
    reason,
    reconcile: false,
    next: current,
  });
  if (current.deleted) return keep(incoming.deleted ? 'duplicate' : 'after_delete');
  if (incoming.deleted) return accept('deleted');
  const sameContent = fingerprint === current.fingerprint;
  if (current.lastChangeDate === undefined || incoming.lastChangeDate === undefined) {
    return sameContent ? keep('duplicate') : accept('undated', true);
  }
  const diff = incoming.lastChangeDate.getTime() - current.lastChangeDate.getTime();
  if (diff < 0) return keep('stale');
  if (diff > 0) return accept('newer');
  return sameContent ? keep('duplicate') : accept('same_time', true);
}
