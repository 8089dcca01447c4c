/**
 * ALTEGIO's record (appointment) webhooks: the envelope and the appointment inside it (the rule that
 * orders and deduplicates changes is record-ordering.ts). Tolerant: unknown fields are ignored, ids
 * may be numbers or strings.
 */
import { z } from 'zod';
import { AppError } from '../../../domain/errors.js';
import { normalisePhoneNumber } from '../../../domain/phone-numbers.js';
import { zonedTime } from '../../../domain/sending-window.js';
import type { Attendance } from './partner-api.js';

export type RecordEvent = 'create' | 'update' | 'delete';

/** An appointment as we keep it, extracted from a record's `data`. */
export interface Appointment {
  readonly companyId: string;
  readonly recordId: string;
  readonly startsAt: Date;
  /**
   * The UTC offset `datetime` was written with (`+05:00` → 300), when it had one: how the salon's
   * clock reads the visit, used to write its time while the salon's time zone is not known.
   */
  readonly utcOffsetMinutes?: number;
  /** `seance_length` (or `length`) in seconds; 0 when the record has neither. */
  readonly lengthSeconds: number;
  readonly endsAt: Date;
  /** 2 confirmed, 1 arrived, 0 waiting, −1 no-show (anything else reads as 0). */
  readonly attendance: Attendance;
  readonly confirmed: boolean;
  readonly deleted: boolean;
  readonly clientId?: string;
  readonly clientName?: string;
  /** E.164 digits without '+', when the record's phone is a valid number. */
  readonly clientPhone?: string;
  /** The phone as ALTEGIO wrote it. */
  readonly clientPhoneRaw?: string;
  readonly clientEmail?: string;
  readonly services: readonly { readonly id?: string; readonly title: string }[];
  readonly staff?: {
    readonly id?: string;
    readonly name?: string;
    readonly position?: string;
    readonly specialization?: string;
  };
  readonly comment?: string;
  readonly shortLink?: string;
  readonly online?: boolean;
  readonly createDate?: Date;
  readonly lastChangeDate?: Date;
}

/** One record webhook, parsed. */
export interface RecordChange {
  readonly companyId: string;
  readonly recordId: string;
  readonly event: RecordEvent;
  /** The event is a delete, or the record says `deleted`. */
  readonly deleted: boolean;
  readonly lastChangeDate?: Date;
  /** Undefined only for a delete whose `data` carries no usable record. */
  readonly appointment?: Appointment;
}

export type RecordWebhook =
  | { readonly kind: 'record'; readonly change: RecordChange }
  /** Valid, but not something we act on (another resource, an unknown status): acknowledge it. */
  | {
      readonly kind: 'ignored';
      readonly companyId: string;
      readonly resource: string;
      readonly reason: 'other_resource' | 'unknown_status';
    };

const idSchema = z
  .union(
    [
      z
        .string()
        .trim()
        .regex(/^\d{1,18}$/, 'must be a number'),
      z.number().int().nonnegative(),
    ],
    {
      errorMap: () => ({ message: 'must be a number' }),
    },
  )
  .transform(String);

const envelopeSchema = z
  .object({
    company_id: idSchema,
    resource: z.string().trim().min(1),
    resource_id: idSchema,
    status: z.string().trim().min(1),
    data: z.unknown(),
  })
  .passthrough();

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads ALTEGIO's date-times: `2025-07-13T12:10:00+05:00`, `…+0500`, `…Z`, or without an offset
 * (`2025-07-13 12:10:00`), which is read in `timeZone` (the business's). Undefined when unreadable.
 */
export function parseAltegioDateTime(value: unknown, timeZone: string): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) =>
    p === undefined ? 0 : Number(p),
  ) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  // 2025-02-31 is not a date (Date.UTC would roll it over to March).
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const zone = m[7];
  if (zone !== undefined) {
    let offsetMinutes = 0;
    if (zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    }
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000);
  }
  const local = zonedTime({ year, month, day }, hour * 60 + minute, timeZone);
  return new Date(local.getTime() + second * 1000);
}

/** The UTC offset in minutes an ALTEGIO date-time was written with (`Z` → 0); undefined without one. */
export function altegioUtcOffset(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const zone = DATE_TIME.exec(value.trim())?.[7];
  if (zone === undefined) return undefined;
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  // Real offsets run from −12:00 to +14:00; anything else is not a clock a salon reads.
  if (minutes > 14 * 60) return undefined;
  return zone.startsWith('-') ? -minutes : minutes;
}

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
};

const wholeNumber = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : undefined;
};

const flag = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 'true';

function attendanceOf(value: unknown): Attendance {
  const n = wholeNumber(value);
  return n === -1 || n === 0 || n === 1 || n === 2 ? n : 0;
}

function fieldError(field: string, message: string): AppError {
  return new AppError('invalid_input', `${field}: ${message}`, { details: { field } });
}

/**
 * The appointment in a record's `data` (the webhook's, or `GET /record/…`'s). Needs a start
 * (`datetime`, else `date` read in `timeZone`) and an id (`data.id`, else `fallback.recordId`);
 * throws `invalid_input` naming the field otherwise. Everything else is optional.
 */
export function appointmentFromRecord(
  data: unknown,
  context: { timeZone: string; companyId?: string; recordId?: string },
): Appointment {
  const r = asObject(data);
  if (!r) throw fieldError('data', 'must be an object');
  const recordId = text(r.id) ?? context.recordId;
  if (recordId === undefined) throw fieldError('data.id', 'is required');
  const companyId = text(r.company_id) ?? context.companyId;
  if (companyId === undefined) throw fieldError('data.company_id', 'is required');
  const startsAt =
    parseAltegioDateTime(r.datetime, context.timeZone) ?? parseAltegioDateTime(r.date, context.timeZone);
  if (startsAt === undefined) throw fieldError('data.datetime', 'is missing or not a date-time');
  // The offset counts only when `datetime` itself was the start read.
  const offset =
    parseAltegioDateTime(r.datetime, context.timeZone) === undefined
      ? undefined
      : altegioUtcOffset(r.datetime);
  const length = wholeNumber(r.seance_length) ?? wholeNumber(r.length) ?? 0;
  const lengthSeconds = Math.max(0, length);

  const a: { -readonly [K in keyof Appointment]: Appointment[K] } = {
    companyId,
    recordId,
    startsAt,
    lengthSeconds,
    endsAt: new Date(startsAt.getTime() + lengthSeconds * 1000),
    ...(offset === undefined ? {} : { utcOffsetMinutes: offset }),
    attendance: attendanceOf(r.attendance ?? r.visit_attendance),
    confirmed: flag(r.confirmed),
    deleted: flag(r.deleted),
    services: [],
  };

  const client = asObject(r.client);
  if (client) {
    const clientId = text(client.id);
    if (clientId !== undefined) a.clientId = clientId;
    const fullName = [text(client.name), text(client.surname)].filter(Boolean).join(' ');
    const name = text(client.display_name) ?? (fullName === '' ? undefined : fullName);
    if (name !== undefined) a.clientName = name;
    const phone = text(client.phone);
    if (phone !== undefined) {
      a.clientPhoneRaw = phone;
      try {
        a.clientPhone = normalisePhoneNumber(phone, 'data.client.phone');
      } catch {
        // Kept raw only: the planner sends nothing to a number that is not one.
      }
    }
    const email = text(client.email);
    if (email !== undefined) a.clientEmail = email;
  }

  if (Array.isArray(r.services)) {
    a.services = r.services.flatMap((s) => {
      const service = asObject(s);
      const title = service && text(service.title);
      if (!service || title === undefined) return [];
      const id = text(service.id);
      return [id === undefined ? { title } : { id, title }];
    });
  }

  const staff = asObject(r.staff);
  if (staff) {
    const out: { id?: string; name?: string; position?: string; specialization?: string } = {};
    const staffId = text(staff.id) ?? text(r.staff_id);
    if (staffId !== undefined) out.id = staffId;
    const name = text(staff.name);
    if (name !== undefined) out.name = name;
    const position = text(asObject(staff.position)?.title) ?? text(staff.position);
    if (position !== undefined) out.position = position;
    const specialization = text(staff.specialization);
    if (specialization !== undefined) out.specialization = specialization;
    a.staff = out;
  } else if (text(r.staff_id) !== undefined) {
    a.staff = { id: text(r.staff_id)! };
  }

  const comment = text(r.comment);
  if (comment !== undefined) a.comment = comment;
  const shortLink = text(r.short_link);
  if (shortLink !== undefined) a.shortLink = shortLink;
  if (r.online !== undefined && r.online !== null) a.online = flag(r.online);
  const created = parseAltegioDateTime(r.create_date, context.timeZone);
  if (created !== undefined) a.createDate = created;
  const changed = parseAltegioDateTime(r.last_change_date, context.timeZone);
  if (changed !== undefined) a.lastChangeDate = changed;
  return a;
}

/**
 * Parses a webhook body. Throws `invalid_input` (field named) for a malformed envelope, a record whose
 * `data` names another record or company, or a create/update without a usable appointment. Other
 * resources and unknown statuses come back as `ignored`.
 */
export function parseRecordWebhook(body: unknown, context: { timeZone: string }): RecordWebhook {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fieldError(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
  }
  const env = parsed.data;
  const resource = env.resource.toLowerCase();
  if (resource !== 'record') {
    return { kind: 'ignored', companyId: env.company_id, resource, reason: 'other_resource' };
  }
  const status = env.status.toLowerCase();
  if (status !== 'create' && status !== 'update' && status !== 'delete') {
    return { kind: 'ignored', companyId: env.company_id, resource, reason: 'unknown_status' };
  }
  const data = asObject(env.data);
  if (data) {
    const dataId = text(data.id);
    if (dataId !== undefined && dataId !== env.resource_id) {
      throw fieldError('data.id', 'does not match resource_id');
    }
    const dataCompany = text(data.company_id);
    if (dataCompany !== undefined && dataCompany !== env.company_id) {
      throw fieldError('data.company_id', 'does not match company_id');
    }
  }
  let appointment: Appointment | undefined;
  if (status === 'delete') {
    try {
      appointment = appointmentFromRecord(env.data, {
        timeZone: context.timeZone,
        companyId: env.company_id,
        recordId: env.resource_id,
      });
    } catch {
      // A delete needs no details: cancelling by id is enough.
    }
  } else {
    appointment = appointmentFromRecord(env.data, {
      timeZone: context.timeZone,
      companyId: env.company_id,
      recordId: env.resource_id,
    });
  }
  const lastChangeDate =
    appointment?.lastChangeDate ?? parseAltegioDateTime(data?.last_change_date, context.timeZone);
  const change: { -readonly [K in keyof RecordChange]: RecordChange[K] } = {
    companyId: env.company_id,
    recordId: env.resource_id,
    event: status,
    deleted: status === 'delete' || appointment?.deleted === true,
  };
  if (lastChangeDate !== undefined) change.lastChangeDate = lastChangeDate;
  if (appointment !== undefined) change.appointment = appointment;
  return { kind: 'record', change };
}
