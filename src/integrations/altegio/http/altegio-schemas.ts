import { z } from 'zod';
import { MESSAGE_TEXT_MAX_LENGTH } from '../../../domain/message-status.js';
import { TEMPLATE_LANGUAGES, type TemplateKind } from '../domain/templates.js';

const isoDate = z.string().describe('ISO 8601 date-time');

/** Every ALTEGIO scheduling-mode text a business can edit, in the panel's order. */
export const ALTEGIO_TEMPLATE_KINDS = [
  'reminder',
  'booking_created',
  'booking_changed',
  'booking_cancelled',
  'review_request',
  'reply_confirmed',
  'reply_cancelled',
] as const satisfies readonly TemplateKind[];

const notificationKinds = [
  'reminder',
  'booking_created',
  'booking_changed',
  'booking_cancelled',
  'review_request',
] as const;
const enabledKinds = z.object(
  Object.fromEntries(notificationKinds.map((k) => [k, z.boolean()])) as Record<
    (typeof notificationKinds)[number],
    z.ZodBoolean
  >,
);
const replyWords = z
  .array(z.string().trim().min(1).max(32))
  .min(1)
  .max(10)
  .describe('1–10 answers (compared ignoring case, spaces, punctuation and emoji keycaps)');
const cancelAction = z
  .enum(['no_show', 'none'])
  .describe('no_show: the record gets attendance −1 in ALTEGIO; none: only the business is told');
const altegioTemplateView = z.object({
  kind: z.enum(ALTEGIO_TEMPLATE_KINDS),
  language: z.enum(TEMPLATE_LANGUAGES),
  body: z.string(),
  custom: z.boolean().describe('false: the default text (the business has not changed it)'),
});
const templateIssue = z.object({
  variable: z.string().describe('The name between the % signs'),
  problem: z
    .enum(['unknown_variable', 'no_value'])
    .describe('unknown_variable: not one of ours (saving is refused); no_value: renders as empty text'),
});

/** ALTEGIO's settings and templates (scheduling mode): request bodies, path values, answers. */
export const altegioSchemas = {
  putSettings: z
    .object({
      schedule: z
        .object({
          reminderOffsetsHours: z
            .array(z.number().int().min(1).max(168))
            .max(5)
            .describe('Hours before the visit, whole hours 1–168, at most 5 (default 24 and 2)'),
          enabled: enabledKinds
            .partial()
            .strict()
            .describe('Kinds on or off; omitted kinds take the default'),
          reviewDelayMinutes: z.number().int().min(0).max(10_080).describe('After the visit ends (120)'),
          reviewOnlyWhenArrived: z
            .boolean()
            .describe('Ask for a review only when staff marked the client as arrived (false)'),
          reviewExpiryHours: z.number().int().min(1).max(168).describe('Dropped if not sent by then (24)'),
          eventDelaySeconds: z
            .number()
            .int()
            .min(0)
            .max(3600)
            .describe('Booking created/changed/cancelled notices wait this long, so quick edits settle (60)'),
        })
        .partial()
        .strict()
        .optional()
        .describe('Omitted values take the defaults'),
      replies: z
        .object({ confirm: replyWords, cancel: replyWords, cancelAction })
        .partial()
        .strict()
        .optional()
        .describe('Confirmation by reply; defaults: + and 1 confirm, - and 3 cancel, no_show'),
      testPhone: z
        .string()
        .trim()
        .min(3)
        .max(40)
        .nullable()
        .optional()
        .describe('Test mode: every message of the business goes to this number instead; null: off'),
    })
    .strict(),
  putTemplate: z
    .object({
      body: z
        .string()
        .min(1)
        .max(MESSAGE_TEXT_MAX_LENGTH)
        .describe('Text with ALTEGIO-style %VARIABLE% placeholders (see `variables`)'),
    })
    .strict(),
  preview: z
    .object({
      body: z.string().max(MESSAGE_TEXT_MAX_LENGTH),
      language: z.enum(TEMPLATE_LANGUAGES).describe('Dates are written in this language'),
    })
    .strict(),
  templateKind: z.enum(ALTEGIO_TEMPLATE_KINDS),
  templateLanguage: z.enum(TEMPLATE_LANGUAGES),
  settings: z.object({
    schedule: z.object({
      timeZone: z.string().describe("The business's time zone (PATCH /v1/tenant changes it)"),
      reminderOffsetsHours: z.array(z.number().int()).describe('Largest first'),
      enabled: enabledKinds,
      reviewDelayMinutes: z.number().int(),
      reviewOnlyWhenArrived: z.boolean(),
      reviewExpiryHours: z.number().int(),
      eventDelaySeconds: z.number().int(),
    }),
    replies: z.object({
      confirm: z.array(z.string()).describe('As compared: normalised, lower case'),
      cancel: z.array(z.string()),
      cancelAction,
    }),
    testPhone: z.string().nullable().describe('E.164 with +; null when test mode is off'),
  }),
  template: altegioTemplateView,
  templates: z.object({
    variables: z.array(z.string()).describe('Names usable as %NAME%'),
    languages: z.array(z.enum(TEMPLATE_LANGUAGES)),
    templates: z.array(altegioTemplateView).describe('Every kind in every language'),
  }),
  previewResult: z.object({
    text: z.string().describe('The template written for a sample visit 24 h from now'),
    issues: z.array(templateIssue),
  }),
  install: z.object({
    salonId: z.string(),
    state: z.enum(['pending', 'active', 'frozen', 'uninstalled']),
    installedAt: isoDate,
    activation: z.object({
      state: z.enum(['waiting_link', 'sending', 'accepted', 'failed', 'expired']),
      attempts: z.number().int(),
      error: z.string().nullable().describe('Why the last attempt failed'),
      activatedAt: isoDate.nullable(),
      deadline: isoDate.describe("ALTEGIO's 12-hour activation window ends"),
    }),
    channelReported: z.boolean().nullable().describe('What ALTEGIO was last told: WhatsApp available'),
    recentCalls: z.array(
      z.object({
        kind: z.enum(['activation', 'update_channel', 'status_report', 'attendance']),
        status: z.enum(['pending', 'delivered', 'dead']),
        attempts: z.number().int(),
        lastStatusCode: z.number().int().nullable(),
        lastError: z.string().nullable(),
        createdAt: isoDate,
      }),
    ),
  }),
} as const;
