import { z } from 'zod';
import { MESSAGE_STATUSES, MESSAGE_TEXT_MAX_LENGTH, PRIORITIES } from '../domain/message-status.js';
import { LANGUAGES } from '../store/tenants-repository.js';
import { DELIVERY_STATUSES } from '../webhooks/webhook-deliveries-repository.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-events.js';
import { webhookUrlProblem } from '../webhooks/webhook-url.js';

/** Years a date may name: zod's pattern allows 0000–9999 and offsets such as +25:00 that Date refuses. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9999;
const instant = z
  .string()
  .datetime({ offset: true })
  .transform((value, ctx) => {
    const date = new Date(value);
    const year = date.getUTCFullYear();
    if (Number.isNaN(date.getTime()) || year < FIRST_YEAR || year > LAST_YEAR) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `not a real date-time between ${FIRST_YEAR} and ${LAST_YEAR} (offsets up to ±23:59)`,
      });
      return z.NEVER;
    }
    return date;
  })
  .describe('ISO 8601 date-time with offset, e.g. 2025-05-01T09:00:00-03:00');

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM, e.g. 08:00')
  .describe('Local time HH:MM');

const sendMessage = z
  .object({
    to: z
      .string()
      .trim()
      .min(3)
      .max(40)
      .describe(
        "Recipient phone in any common format; without '+' a national number is read as the business's country's (from its time zone)",
      ),
    channelId: z.string().min(1).max(64).optional().describe("Omitted: the business's first channel"),
    text: z.string().min(1).max(MESSAGE_TEXT_MAX_LENGTH).optional().describe('The text; or use a template'),
    template: z.string().min(1).max(64).optional().describe('A template name (see /v1/templates)'),
    language: z
      .string()
      .min(2)
      .max(35)
      .optional()
      .describe("The template's language; omitted: the business's language, else its only version"),
    variables: z
      .record(z.union([z.string().max(1000), z.number(), z.boolean()]))
      .refine((v) => Object.keys(v).length <= 100, 'at most 100 variables')
      .optional()
      .describe('Values for {{name}} / %NAME% placeholders'),
    idempotencyKey: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('Or the Idempotency-Key header: a repeat returns the first message'),
    sendAfter: instant.optional().describe('Not before this time'),
    expiresAt: instant.optional().describe('Fail as expired if not sent by then'),
    priority: z.enum(PRIORITIES).optional(),
    urgent: z.boolean().optional().describe('May be sent outside the sending window (at night)'),
    metadata: z
      .record(z.unknown())
      .refine((v) => JSON.stringify(v).length <= 4096, 'at most 4 KB of JSON')
      .optional()
      .describe('Your own data, echoed in webhooks'),
  })
  .strict();

/** Request bodies of the HTTP API; the OpenAPI document is generated from these same schemas. */
export const schemas = {
  createTenant: z
    .object({
      name: z.string().trim().min(1).max(200),
      timeZone: z.string().min(1).max(64).describe('IANA time zone, e.g. America/Sao_Paulo'),
      language: z.enum(LANGUAGES as unknown as [string, ...string[]]).default('en'),
    })
    .strict(),
  updateTenant: z
    .object({
      name: z.string().trim().min(1).max(200).optional(),
      timeZone: z.string().min(1).max(64).optional(),
      language: z.enum(LANGUAGES as unknown as [string, ...string[]]).optional(),
    })
    .strict(),
  createChannel: z.object({ name: z.string().trim().min(1).max(100).default('WhatsApp') }).strict(),
  linkMode: z.object({ mode: z.enum(['qr', 'code']) }).strict(),
  /** A browser's watch heartbeat: which open window or page it is, and whether it asks to retry now. */
  watch: z
    .object({
      viewer: z
        .string()
        .regex(/^[A-Za-z0-9_-]{8,64}$/, 'viewer: 8 to 64 letters, digits, - or _')
        .optional(),
      retry: z.boolean().optional(),
    })
    .strict(),
  /** An API client's watch: `retry` starts a link attempt stuck waiting on WhatsApp again at once. */
  apiWatch: z
    .object({ retry: z.boolean().optional().describe('Start a stalled link attempt again now') })
    .strict(),
  /** Panel → Messages: "Send a test message" to the owner's own phone (any format, national too). */
  testMessage: z.object({ phone: z.string().trim().min(1).max(40) }).strict(),
  pairingPhone: z
    .object({ phone: z.string().min(3).max(32).describe('The sending phone, with country code') })
    .strict(),
  apiKey: z.object({ label: z.string().max(100).default('') }).strict(),
  qrFormat: z.enum(['png', 'svg', 'raw']).default('png'),
  sendMessage,
  /** The batch as documented; items are validated one by one (see sendMessageBatchEnvelope). */
  sendMessageBatch: z.object({ messages: z.array(sendMessage).min(1).max(100) }).strict(),
  sendMessageBatchEnvelope: z
    .object({
      messages: z.array(z.unknown()).min(1).max(100),
      idempotencyKey: z.string().trim().min(1).max(190).optional(),
    })
    .strict(),
  listMessages: z
    .object({
      status: z.enum(MESSAGE_STATUSES).optional(),
      channelId: z.string().min(1).max(64).optional(),
      phone: z.string().min(3).max(40).optional(),
      createdFrom: instant.optional(),
      createdBefore: instant.optional(),
      scheduled: z
        .enum(['true', 'false'])
        .transform((v) => v === 'true')
        .optional()
        .describe('true: only queued messages due later (scheduled, or held by quiet hours or a cap)'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().min(1).max(500).optional(),
    })
    .strict(),
  putTemplate: z
    .object({
      body: z
        .string()
        .min(1)
        .max(MESSAGE_TEXT_MAX_LENGTH)
        .describe('Text with {{variable}} (or %VARIABLE%) placeholders'),
    })
    .strict(),
  pacing: z
    .object({
      enabled: z.boolean().describe('false: no pacing at all (tests, benchmarks)'),
      minIntervalMs: z.number().int().min(0).max(600_000).describe('Least time between two sends (4000)'),
      jitterMs: z.number().int().min(0).max(600_000).describe('Random extra on top (3000)'),
      typingMsPerChar: z.number().int().min(0).max(1_000).describe('"typing…" per character (40)'),
      typingMaxMs: z.number().int().min(0).max(60_000).describe('Longest "typing…" (4000)'),
      recipientHourlyCap: z.number().int().min(1).max(1_000).describe('Per recipient per hour (3)'),
      channelDailyCap: z.number().int().min(1).max(100_000).describe('Per channel per day (1000)'),
      warmUpDays: z.number().int().min(0).max(90).describe('Days a new number stays at the warm-up cap (7)'),
      warmUpDailyCap: z.number().int().min(1).max(100_000).describe('Daily cap while warming up (50)'),
      sendingWindow: z
        .object({ start: clockTime, end: clockTime })
        .strict()
        .nullable()
        .describe("Local opening hours in the business's time zone; null: any time (08:00–21:00)"),
    })
    .partial()
    .strict(),
} as const;

const webhookUrl = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .superRefine((value, ctx) => {
    const problem = webhookUrlProblem(value);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  })
  .describe('Where events are POSTed: an absolute http(s) URL');
const webhookEvents = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .transform((events) => [...new Set(events)])
  .nullable()
  .describe('Event types to receive; omitted or null: every type');
const isoDate = z.string().describe('ISO 8601 date-time');
const webhookEndpointView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).nullable(),
  enabled: z.boolean(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

/** Webhook endpoints: request bodies and query, and the response shapes the OpenAPI document shows. */
export const webhookSchemas = {
  createWebhook: z.object({ url: webhookUrl, events: webhookEvents.optional() }).strict(),
  updateWebhook: z
    .object({ url: webhookUrl.optional(), events: webhookEvents.optional(), enabled: z.boolean().optional() })
    .strict(),
  deliveriesQuery: z
    .object({
      status: z.enum(DELIVERY_STATUSES).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      before: z.string().max(100).optional().describe('A delivery id: the page after it (older)'),
    })
    .strict(),
  endpoint: webhookEndpointView,
  endpointWithSecret: webhookEndpointView.extend({
    secret: z.string().describe('whsec_…: shown only now; verify our signatures with it'),
  }),
  delivery: z.object({
    id: z.string().describe('The webhook-id header, the same on every attempt'),
    endpointId: z.string(),
    eventType: z.string(),
    payload: z.record(z.unknown()),
    occurredAt: isoDate,
    status: z.enum(DELIVERY_STATUSES),
    attemptCount: z.number().int(),
    nextAttemptAt: isoDate.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: isoDate,
    deliveredAt: isoDate.nullable(),
    attempts: z.array(
      z.object({
        at: isoDate,
        statusCode: z.number().int().nullable(),
        durationMs: z.number().int(),
        error: z.string().nullable(),
      }),
    ),
  }),
  testQueued: z.object({ deliveryId: z.string() }),
} as const;
