import { z } from 'zod';
import { CHANNEL_STATUSES, NEW_CHAT_CAP_STATES } from '../domain/channel-status.js';
import { FAILURE_DETAILS, FAILURE_REASONS, MESSAGE_STATUSES, PRIORITIES } from '../domain/message-status.js';
import { WAITING_REASONS } from '../domain/message-waiting.js';
import { LANGUAGES } from '../store/tenants-repository.js';
import { schemas, webhookSchemas } from './schemas.js';

/**
 * What the /v1 API answers, declared once: the route contracts name these, the OpenAPI document is
 * generated from them, and the mappers that build the answers are typed by them.
 */

const instant = z.string().datetime({ offset: true });
const strings = <T extends readonly string[]>(values: T) =>
  z.enum(values as unknown as [string, ...string[]]);

export const errorView = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.unknown()).optional(),
    errorId: z.string().optional().describe('On a 500 only: quote it to support'),
  }),
});

export const tenantView = z.object({
  id: z.string(),
  name: z.string(),
  timeZone: z.string().describe('IANA time zone, e.g. America/Sao_Paulo'),
  language: strings(LANGUAGES),
  createdAt: instant,
});

export const apiKeyView = z.object({
  id: z.string(),
  label: z.string(),
  hint: z
    .string()
    .nullable()
    .describe('Prefix and last four characters (zg_live_…x7Qa); null for keys issued before hints existed'),
  createdAt: instant,
  current: z.boolean().describe('The key this request was made with'),
});

export const issuedApiKeyView = z.object({
  id: z.string(),
  key: z.string().describe('zg_live_…: shown only now'),
  label: z.string(),
  hint: z.string().nullable(),
  createdAt: instant,
});

export const linkView = z.object({ url: z.string(), expiresAt: instant });

export const pairingCodeView = z.object({
  code: z.string().describe('To type on the phone, e.g. ABCD-1234'),
  expiresAt: instant,
});

export const channelView = z.object({
  id: z.string(),
  name: z.string(),
  linkMode: z.enum(['qr', 'code']),
  status: strings(CHANNEL_STATUSES),
  tone: z.enum(['green', 'amber', 'red']),
  statusSince: instant,
  cause: z.string().nullable().describe('Why the status last changed'),
  phone: z.string().nullable().describe('E.164 with +, once linked'),
  linkedAt: instant.nullable(),
  business: z.boolean().nullable().describe('Linked with the WhatsApp Business app; null while unknown'),
  link: z
    .object({
      qr: z
        .object({
          raw: z.string(),
          svg: z.string(),
          expiresAt: instant,
          ttlMs: z.number().int(),
          sequence: z.number().int(),
        })
        .optional(),
      pairingCode: pairingCodeView.optional(),
      needsPairingPhone: z.boolean(),
      windowEndsAt: instant,
      waitingSince: instant
        .optional()
        .describe("Since when the gateway has waited for WhatsApp's next QR or code"),
      stalled: z
        .object({
          stage: z.enum(['slow', 'stuck']),
          cause: z.enum(['unreachable', 'no_answer', 'whatsapp_error', 'version_refused']),
        })
        .nullable()
        .optional()
        .describe(
          'No QR or code yet: `slow` after about 10 s ("Still connecting to WhatsApp…"), `stuck` after about 30 s, with the cause: `unreachable` (the gateway cannot connect to WhatsApp), `no_answer` (connected, WhatsApp sends nothing), `whatsapp_error` (WhatsApp answered with a server error), `version_refused` (WhatsApp refused this client version; the gateway is updating it). Watching with `retry` starts the attempt again.',
        ),
    })
    .nullable()
    .describe('The live link attempt: present only while someone looks at the QR or code'),
  linkWindowEnded: z.boolean(),
  qrPageUrl: z
    .string()
    .optional()
    .describe('The standalone QR page, while its link is live (single-channel answers)'),
  heldBy: z
    .object({ node: z.string().describe('NODE_ID of the holder'), since: instant })
    .optional()
    .describe(
      'Several gateway nodes: the node holding this channel (its session) and since when, when asked on another node; absent on the holder, on one node, and when no node holds it (then the status is not `connected`)',
    ),
  paused: z.boolean().describe('The queue sends nothing while paused'),
  pausedCause: z
    .enum(['manual', 'removed'])
    .nullable()
    .describe('manual: paused by the business; removed: the device was removed on the phone'),
  restrictedUntil: instant
    .nullable()
    .describe('After a 463 (reach-out timelock): no messages to new contacts until then'),
  restrictedBy: z
    .enum(['reach_out_timelock', 'new_chats_capped'])
    .nullable()
    .describe(
      "What holds new contacts back while `restrictedUntil` is set: WhatsApp's reach-out timelock, " +
        'or its monthly new-chat cap (first contacts wait for the next cycle; known contacts still get theirs)',
    ),
  newChats: z
    .object({
      state: strings(NEW_CHAT_CAP_STATES).describe(
        'none; first_warning (80 % used); second_warning (90 %); capped (reached)',
      ),
      used: z.number().int().nullable().describe('First contacts started this cycle'),
      quota: z.number().int().nullable().describe('First contacts allowed per cycle'),
      resetsAt: instant.nullable().describe('When the cycle ends and the count starts again'),
      updatedAt: instant.describe('When WhatsApp said it'),
    })
    .nullable()
    .describe(
      "WhatsApp's monthly cap on new chats (first contacts) as it last said for this number; null " +
        'until it says anything. The gateway holds first contacts back at the cap instead of sending them into refusals.',
    ),
});

export const channelEventView = z.object({
  status: strings(CHANNEL_STATUSES),
  cause: z.string().nullable(),
  at: instant,
});

export const waitingView = z
  .object({
    reason: strings(WAITING_REASONS),
    until: instant.nullable(),
    timeZone: z.string(),
  })
  .nullable()
  .describe(
    'On reads (list and get): why a queued message has not gone yet and until when; null when ' +
      'it is not queued or is due now. `until` is null when it waits for someone (Resume, linking ' +
      'the phone again); `timeZone` is the business’s, to show `until` in local time.',
  );

export const messageView = z.object({
  id: z.string(),
  channelId: z.string(),
  to: z.string().describe('E.164 with +'),
  status: z.enum(MESSAGE_STATUSES),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  failureDetail: z
    .enum(FAILURE_DETAILS)
    .nullable()
    .describe(
      'What `failureReason` alone does not say (null otherwise; the reason keeps its value): for a ' +
        'WhatsApp 463, its cause — `recipient_token_missing` (reason `rejected`: the contact expects a ' +
        'trusted-contact token this number does not have yet; only this message fails), `misaddressed` ' +
        "(reason `rejected`: refused at the contact's phone number and again at its LID), " +
        '`reach_out_timelock` (reason `restricted`); for a first contact the gateway held back, why: ' +
        '`reach_out_timelock` or `new_chats_capped` (the monthly new-chat cap is reached).',
    ),
  errorCode: z.number().int().nullable().describe("WhatsApp's error code (463: restricted)"),
  text: z.string().describe('The final text (templates rendered at accept time)'),
  template: z.object({ name: z.string(), language: z.string().nullable() }).nullable(),
  priority: z.enum(PRIORITIES),
  urgent: z.boolean(),
  sendAfter: instant,
  expiresAt: instant.nullable(),
  attempts: z.number().int(),
  idempotencyKey: z.string().nullable(),
  metadata: z.record(z.unknown()).describe('Your own data, as sent'),
  waMessageId: z.string().describe('Fixed at accept time; a resend after a crash reuses it'),
  createdAt: instant,
  updatedAt: instant,
  sentAt: instant.nullable(),
  deliveredAt: instant.nullable(),
  readAt: instant.nullable(),
  failedAt: instant.nullable(),
  waiting: waitingView.optional(),
});

export const messageEventView = z.object({
  status: z.enum(MESSAGE_STATUSES),
  reason: z.string().nullable(),
  errorCode: z.number().int().nullable(),
  details: z.record(z.unknown()).nullable(),
  at: instant,
});

export const templateView = z.object({
  name: z.string(),
  language: z.string(),
  body: z.string(),
  variables: z.array(z.string()),
  createdAt: instant,
  updatedAt: instant,
});

export const pacingView = z.object({
  settings: schemas.pacing.required(),
  overrides: schemas.pacing,
  timeZone: z.string().describe('The window is read in this time zone'),
});

export const batchResultView = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  invalid: z.number().int(),
  results: z.array(
    z.object({
      index: z.number().int(),
      status: z.number().int().describe('202 accepted, 200 duplicate key, 4xx invalid'),
      message: messageView.optional(),
      error: errorView.shape.error.omit({ errorId: true }).optional(),
    }),
  ),
});

/** Shapes named in the document's components (each is written out once there, then referenced). */
export const NAMED_VIEWS = {
  Error: errorView,
  Tenant: tenantView,
  ApiKey: apiKeyView,
  Link: linkView,
  PairingCode: pairingCodeView,
  Channel: channelView,
  ChannelEvent: channelEventView,
  Message: messageView,
  MessageEvent: messageEventView,
  Template: templateView,
  Pacing: pacingView,
  WebhookEndpoint: webhookSchemas.endpoint,
  WebhookDelivery: webhookSchemas.delivery,
} as const;

export type TenantView = z.infer<typeof tenantView>;
export type MessageView = z.infer<typeof messageView>;
export type MessageEventView = z.infer<typeof messageEventView>;
export type TemplateView = z.infer<typeof templateView>;
export type PacingView = z.infer<typeof pacingView>;
