/**
 * Scheduling-mode texts in ALTEGIO's own template style (`%CLIENT_NAME%`, `%DATETIME%`, …): the
 * variables, their values from an appointment (dates in the business's language and time zone), the
 * default texts per kind and language, and rendering with a preview that reports unknown variables.
 */
import { AppError } from '../../../domain/errors.js';
import { LANGUAGES, type Language } from '../../../domain/languages.js';
import { MESSAGE_TEXT_MAX_LENGTH } from '../../../domain/message-status.js';
import type { Appointment } from './record-webhook.js';
import type { NotificationKind } from './reminder-plan.js';

/** The variables a scheduling-mode template may use (ALTEGIO's names, plus TIME and COMPANY_*). */
export const ALTEGIO_VARIABLES = [
  'CLIENT_NAME',
  'CLIENT_PHONE',
  'SERVICE_TITLE',
  'MASTER_NAME',
  'POSITION_TITLE',
  'DATETIME',
  'DATETIME_SHORT',
  'DATE',
  'TIME',
  'LINK',
  'COMPANY_NAME',
  'COMPANY_ADDRESS',
] as const;

export type AltegioVariable = (typeof ALTEGIO_VARIABLES)[number];
export type AltegioValues = Partial<Record<AltegioVariable, string>>;

/** Languages with default texts; any other tag falls back to English. */
export type TemplateLanguage = Language;
export const TEMPLATE_LANGUAGES = LANGUAGES;

/** Texts a business can edit: the scheduled notifications and the answers to confirmation replies. */
export type TemplateKind = NotificationKind | 'reply_confirmed' | 'reply_cancelled';

/** "pt", "pt-PT", "pt-BR" → pt-BR; "es-MX" → es; anything else → en. */
export function templateLanguage(tag: string | undefined): TemplateLanguage {
  const lower = (tag ?? '').toLowerCase();
  if (lower === 'pt' || lower.startsWith('pt-')) return 'pt-BR';
  if (lower === 'es' || lower.startsWith('es-')) return 'es';
  return 'en';
}

// Upper-case names only, as ALTEGIO writes them, so "50% off 20%" stays text.
const VARIABLE = /%([A-Z][A-Z0-9_]*)%/g;

const isKnown = (name: string): name is AltegioVariable =>
  (ALTEGIO_VARIABLES as readonly string[]).includes(name);

/** A problem the panel's preview shows next to a template. */
export interface TemplateIssue {
  readonly variable: string;
  /** `unknown_variable` blocks saving; `no_value` (the appointment lacks it) renders as empty text. */
  readonly problem: 'unknown_variable' | 'no_value';
}

/**
 * Renders `%VAR%` placeholders. Unknown variables are left as written and reported; a known one with
 * no value becomes empty text and is reported as `no_value` (a reminder without a staff name is still
 * worth sending). Values are inserted once: a value containing `%X%` is not expanded again.
 */
export function renderAltegioTemplate(
  body: string,
  values: AltegioValues,
): { text: string; issues: TemplateIssue[] } {
  const issues: TemplateIssue[] = [];
  const note = (variable: string, problem: TemplateIssue['problem']) => {
    if (!issues.some((i) => i.variable === variable)) issues.push({ variable, problem });
  };
  const text = body.replace(VARIABLE, (whole, name: string) => {
    if (!isKnown(name)) {
      note(name, 'unknown_variable');
      return whole;
    }
    const value = values[name];
    if (value === undefined || value === '') {
      note(name, 'no_value');
      return '';
    }
    return value;
  });
  return { text: text.replace(/ {2,}/g, ' ').trim(), issues };
}

/** Throws `invalid_input` (field named) for a template that cannot be saved: empty, too long, unknown variables. */
export function checkAltegioTemplate(body: string, field = 'body'): void {
  if (body.trim() === '') {
    throw new AppError('invalid_input', `${field}: must not be empty.`, { details: { field } });
  }
  if (body.length > MESSAGE_TEXT_MAX_LENGTH) {
    throw new AppError('invalid_input', `${field}: at most ${MESSAGE_TEXT_MAX_LENGTH} characters.`, {
      details: { field },
    });
  }
  const unknown = [...body.matchAll(VARIABLE)].map((m) => m[1]!).filter((name) => !isKnown(name));
  if (unknown.length > 0) {
    throw new AppError(
      'invalid_input',
      `${field}: unknown variable %${unknown[0]}%; use ${ALTEGIO_VARIABLES.map((v) => `%${v}%`).join(', ')}.`,
      { details: { field, unknown: [...new Set(unknown)] } },
    );
  }
}

/** The text to send; throws `invalid_input` if the template has unknown variables (checked when saved). */
export function renderForSending(body: string, values: AltegioValues): string {
  checkAltegioTemplate(body);
  return renderAltegioTemplate(body, values).text;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const STYLES = {
  DATETIME: { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' },
  DATETIME_SHORT: { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' },
  DATE: { weekday: 'long', day: 'numeric', month: 'long' },
  TIME: { hour: '2-digit', minute: '2-digit' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

/** An instant as the business's clients read it, in `language` and `timeZone`. */
export function formatAppointmentTime(
  at: Date,
  style: keyof typeof STYLES,
  language: TemplateLanguage,
  timeZone: string,
): string {
  const key = `${style}|${language}|${timeZone}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(language, { ...STYLES[style], timeZone });
    formats.set(key, f);
  }
  return f.format(at);
}

/** An `Intl` time zone for a fixed UTC offset in minutes (`300` → `+05:00`, `-180` → `-03:00`). */
export function offsetTimeZone(minutes: number): string {
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

/**
 * The zone an appointment's time is written in. Once the salon's time zone is known (the business
 * took it at install) it is the business's zone. While it is not, the offset the record itself was
 * written with decides — ALTEGIO writes `datetime` in the salon's clock (`12:10:00+05:00`), so the
 * client reads 12:10, not 07:10 in a default UTC; without an offset, the business's zone.
 */
export function appointmentTimeZone(
  appointment: Pick<Appointment, 'utcOffsetMinutes'>,
  businessTimeZone: string,
  salonTimeZoneKnown: boolean,
): string {
  if (salonTimeZoneKnown || appointment.utcOffsetMinutes === undefined) return businessTimeZone;
  return offsetTimeZone(appointment.utcOffsetMinutes);
}

/** Where an appointment's texts are written: the business's language, time zone and details. */
export interface TemplateContext {
  readonly language: TemplateLanguage;
  readonly timeZone: string;
  readonly companyName?: string;
  readonly companyAddress?: string;
}

/** The variables' values for an appointment. */
export function templateValues(appointment: Appointment, context: TemplateContext): AltegioValues {
  const { language, timeZone } = context;
  const values: AltegioValues = {
    SERVICE_TITLE: appointment.services.map((s) => s.title).join(', '),
    DATETIME: formatAppointmentTime(appointment.startsAt, 'DATETIME', language, timeZone),
    DATETIME_SHORT: formatAppointmentTime(appointment.startsAt, 'DATETIME_SHORT', language, timeZone),
    DATE: formatAppointmentTime(appointment.startsAt, 'DATE', language, timeZone),
    TIME: formatAppointmentTime(appointment.startsAt, 'TIME', language, timeZone),
  };
  if (appointment.clientName !== undefined) values.CLIENT_NAME = appointment.clientName;
  if (appointment.clientPhone !== undefined) values.CLIENT_PHONE = `+${appointment.clientPhone}`;
  if (appointment.staff?.name !== undefined) values.MASTER_NAME = appointment.staff.name;
  if (appointment.staff?.position !== undefined) values.POSITION_TITLE = appointment.staff.position;
  if (appointment.shortLink !== undefined) values.LINK = appointment.shortLink;
  if (context.companyName !== undefined) values.COMPANY_NAME = context.companyName;
  if (context.companyAddress !== undefined) values.COMPANY_ADDRESS = context.companyAddress;
  return values;
}

/** Default texts: short, friendly, one per kind and language. */
export const DEFAULT_TEMPLATES: Readonly<Record<TemplateKind, Readonly<Record<TemplateLanguage, string>>>> = {
  reminder: {
    en: 'Hi %CLIENT_NAME%! A reminder of your %SERVICE_TITLE% with %MASTER_NAME% on %DATETIME%. Reply + or 1 to confirm, - or 3 to cancel.',
    'pt-BR':
      'Olá, %CLIENT_NAME%! Lembrete do seu horário de %SERVICE_TITLE% com %MASTER_NAME% em %DATETIME%. Responda + ou 1 para confirmar, - ou 3 para cancelar.',
    es: '¡Hola, %CLIENT_NAME%! Te recordamos tu cita de %SERVICE_TITLE% con %MASTER_NAME% el %DATETIME%. Responde + o 1 para confirmar, - o 3 para cancelar.',
  },
  booking_created: {
    en: 'Hi %CLIENT_NAME%! You are booked for %SERVICE_TITLE% with %MASTER_NAME% on %DATETIME%. See you soon!',
    'pt-BR':
      'Olá, %CLIENT_NAME%! Seu horário de %SERVICE_TITLE% com %MASTER_NAME% está marcado para %DATETIME%. Até logo!',
    es: '¡Hola, %CLIENT_NAME%! Tu cita de %SERVICE_TITLE% con %MASTER_NAME% quedó reservada para el %DATETIME%. ¡Hasta pronto!',
  },
  booking_changed: {
    en: 'Hi %CLIENT_NAME%, your booking has changed: %SERVICE_TITLE% with %MASTER_NAME% on %DATETIME%.',
    'pt-BR': 'Olá, %CLIENT_NAME%, seu horário mudou: %SERVICE_TITLE% com %MASTER_NAME% em %DATETIME%.',
    es: 'Hola, %CLIENT_NAME%, tu cita cambió: %SERVICE_TITLE% con %MASTER_NAME% el %DATETIME%.',
  },
  booking_cancelled: {
    en: 'Hi %CLIENT_NAME%, your booking for %SERVICE_TITLE% on %DATETIME% has been cancelled. We hope to see you another time.',
    'pt-BR':
      'Olá, %CLIENT_NAME%, seu horário de %SERVICE_TITLE% em %DATETIME% foi cancelado. Esperamos ver você em breve.',
    es: 'Hola, %CLIENT_NAME%, tu cita de %SERVICE_TITLE% del %DATETIME% fue cancelada. Esperamos verte pronto.',
  },
  review_request: {
    en: 'Thank you for visiting us, %CLIENT_NAME%! How was your %SERVICE_TITLE% with %MASTER_NAME%? We would love to hear from you.',
    'pt-BR':
      'Obrigado pela visita, %CLIENT_NAME%! Como foi seu %SERVICE_TITLE% com %MASTER_NAME%? Adoraríamos saber sua opinião.',
    es: '¡Gracias por tu visita, %CLIENT_NAME%! ¿Qué tal tu %SERVICE_TITLE% con %MASTER_NAME%? Nos encantaría conocer tu opinión.',
  },
  reply_confirmed: {
    en: 'Thank you, %CLIENT_NAME%! Your visit on %DATETIME% is confirmed.',
    'pt-BR': 'Obrigado, %CLIENT_NAME%! Sua visita em %DATETIME% está confirmada.',
    es: '¡Gracias, %CLIENT_NAME%! Tu cita del %DATETIME% está confirmada.',
  },
  reply_cancelled: {
    en: 'Thank you for letting us know, %CLIENT_NAME%. Your visit on %DATETIME% has been cancelled.',
    'pt-BR': 'Obrigado por avisar, %CLIENT_NAME%. Sua visita em %DATETIME% foi cancelada.',
    es: 'Gracias por avisarnos, %CLIENT_NAME%. Tu cita del %DATETIME% fue cancelada.',
  },
};

/** The default text for a kind in a language (any tag; see templateLanguage). */
export function defaultTemplate(kind: TemplateKind, language: string): string {
  return DEFAULT_TEMPLATES[kind][templateLanguage(language)];
}

const SAMPLES: Record<
  TemplateLanguage,
  { client: string; service: string; master: string; position: string }
> = {
  en: { client: 'Anna', service: 'Haircut', master: 'Maria', position: 'Stylist' },
  'pt-BR': { client: 'Ana', service: 'Corte de cabelo', master: 'Maria', position: 'Cabeleireira' },
  es: { client: 'Ana', service: 'Corte de pelo', master: 'María', position: 'Estilista' },
};

/**
 * The panel's preview: the template rendered for a sample appointment 24 hours after `now`, in the
 * business's time zone, with the issues found (unknown variables).
 */
export function previewTemplate(
  body: string,
  context: TemplateContext,
  now: Date,
): { text: string; issues: TemplateIssue[] } {
  const sample = SAMPLES[context.language];
  const startsAt = new Date(now.getTime() + 24 * 3_600_000);
  const values: AltegioValues = {
    CLIENT_NAME: sample.client,
    CLIENT_PHONE: '+5511987654321',
    SERVICE_TITLE: sample.service,
    MASTER_NAME: sample.master,
    POSITION_TITLE: sample.position,
    DATETIME: formatAppointmentTime(startsAt, 'DATETIME', context.language, context.timeZone),
    DATETIME_SHORT: formatAppointmentTime(startsAt, 'DATETIME_SHORT', context.language, context.timeZone),
    DATE: formatAppointmentTime(startsAt, 'DATE', context.language, context.timeZone),
    TIME: formatAppointmentTime(startsAt, 'TIME', context.language, context.timeZone),
    LINK: 'https://alteg.io/r/example',
    COMPANY_NAME: context.companyName ?? 'Studio',
    COMPANY_ADDRESS: context.companyAddress ?? '1 Main Street',
  };
  return renderAltegioTemplate(body, values);
}
