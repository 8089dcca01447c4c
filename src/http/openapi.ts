import { zodToJsonSchema } from 'zod-to-json-schema';
import { z } from 'zod';
import { CHANNEL_STATUSES, NEW_CHAT_CAP_STATES } from '../domain/channel-status.js';
import { FAILURE_DETAILS, FAILURE_REASONS, MESSAGE_STATUSES, PRIORITIES } from '../domain/message-status.js';
import { WAITING_REASONS } from '../domain/message-waiting.js';
import { LANGUAGES } from '../store/tenants-repository.js';
import { altegioPaths } from '../integrations/altegio/http/openapi-altegio.js';
import { schemas, webhookSchemas } from './schemas.js';

const body = (schema: z.ZodType<unknown, z.ZodTypeDef, unknown>) => ({
  required: true,
  content: {
    'application/json': { schema: zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none' }) },
  },
});
const ok = (description: string) => ({ description });
const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonRef = (description: string, name: string) => ({
  description,
  content: { 'application/json': { schema: schemaRef(name) } },
});
const errorResponse = (description: string) => jsonRef(description, 'Error');
/** A request with input (body, query or path values) that can be refused. */
const invalid = {
  '400': errorResponse(
    'Invalid input; `error.details.field` names the field and `error.details.issue` the kind of problem ' +
      '(`required`, `too_short` with `minimum`, `too_long` with `maximum`, or `invalid`) where validation found it',
  ),
};
/** Every /v1 route: no or a bad key, or a key of the wrong kind for the route. */
const auth = {
  '401': errorResponse('Missing or invalid API key'),
  '403': errorResponse(
    'The wrong kind of key: a support key on a business route, or a business key on a support route',
  ),
};
const conflict = (description: string) => ({ '409': errorResponse(description) });
/** A route addressing one thing by id: the key errors, and 404 when it is missing. */
const errors = {
  ...auth,
  '404': errorResponse("Not found (or another business's)"),
};
const channelIdParam = { name: 'channelId', in: 'path', required: true, schema: { type: 'string' } };
const tenantIdParam = { name: 'tenantId', in: 'path', required: true, schema: { type: 'string' } };
const channelPath = (base: string) => {
  // Under /v1/tenants/{tenantId}, an unknown business is a 404 on every route.
  const scoped = base.includes('{tenantId}');
  const baseErrors = scoped ? errors : auth;
  const baseParams = scoped ? { parameters: [tenantIdParam] } : {};
  const idParams = { parameters: [...(scoped ? [tenantIdParam] : []), channelIdParam] };
  const channel = jsonRef('The channel', 'Channel');
  return {
    [`${base}`]: {
      ...baseParams,
      get: {
        summary: 'List WhatsApp channels',
        responses: {
          '200': {
            description: 'Channels (without their QR-page URL)',
            content: { 'application/json': { schema: { type: 'array', items: schemaRef('Channel') } } },
          },
          ...baseErrors,
        },
      },
      post: {
        summary: 'Create a WhatsApp channel',
        requestBody: body(schemas.createChannel),
        responses: {
          '201': channel,
          ...invalid,
          ...baseErrors,
          ...conflict(
            'The business already has the most channels allowed (MAX_CHANNELS_PER_BUSINESS, 20 by default; `error.details.limit`)',
          ),
        },
      },
    },
    [`${base}/{channelId}`]: {
      ...idParams,
      get: { summary: 'A channel and its status', responses: { '200': channel, ...errors } },
      delete: {
        summary: 'Delete a channel',
        description:
          'Logs the device out and wipes its credentials; waiting messages fail with `channel_removed`. ' +
          'Sent messages stay in the history.',
        responses: {
          '200': {
            description: 'Deleted',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['deleted', 'failedMessages'],
                  properties: {
                    deleted: { type: 'boolean', enum: [true] },
                    failedMessages: {
                      type: 'integer',
                      description: 'Waiting messages failed as channel_removed',
                    },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    [`${base}/{channelId}/pause`]: {
      ...idParams,
      post: {
        summary: 'Pause the channel’s queue',
        description:
          'Nothing is sent until resumed; waiting messages stay queued (or expire). Survives restarts.',
        responses: { '200': channel, ...errors },
      },
    },
    [`${base}/{channelId}/resume`]: {
      ...idParams,
      post: {
        summary: 'Resume the channel’s queue',
        description: 'Also after the device was removed on the phone (a new link resumes it by itself).',
        responses: { '200': channel, ...errors },
      },
    },
    [`${base}/{channelId}/events`]: {
      ...idParams,
      get: {
        summary: 'Status history, newest first',
        responses: {
          '200': {
            description: 'Events',
            content: { 'application/json': { schema: { type: 'array', items: schemaRef('ChannelEvent') } } },
          },
          ...errors,
        },
      },
    },
    [`${base}/{channelId}/watch`]: {
      ...idParams,
      post: {
        summary: 'Start or extend linking (codes are generated only while someone looks)',
        description:
          'Each watch is a heartbeat of one viewer (the API client counts as one; each open panel window ' +
          'or QR page is another): call it every 20 s while you show the QR or code. Linking goes on ' +
          'while any viewer watched within the last 45 s, and stops LINK_GRACE_SECONDS (15 s) after the ' +
          'last one leaves (`unwatch`) or after LINK_WINDOW_SECONDS without any heartbeat. ' +
          'Each linking channel holds a WhatsApp socket: a business links at most MAX_LINKING_PER_BUSINESS ' +
          'channels at once (5 by default). Beyond that, this route, `qr` and `pairing-code` answer 429 ' +
          '`rate_limited` until one links or its window closes. While no QR or code has come, ' +
          '`link.stalled` says why after a while; `{"retry": true}` starts the attempt again at once.',
        requestBody: { ...body(schemas.apiWatch), required: false },
        responses: { '200': channel, ...errors },
      },
    },
    [`${base}/{channelId}/unwatch`]: {
      ...idParams,
      post: {
        summary: 'Stop looking at the QR or code',
        description:
          'The API client closed its QR or code screen. Linking stops LINK_GRACE_SECONDS after the last ' +
          'viewer leaves (other viewers, such as an open panel window or QR page, keep it going).',
        responses: { '200': channel, ...errors },
      },
    },
    [`${base}/{channelId}/qr`]: {
      ...idParams,
      get: {
        summary: 'The current QR code (starts linking if needed)',
        parameters: [
          {
            name: 'format',
            in: 'query',
            schema: { type: 'string', enum: ['png', 'svg', 'raw'], default: 'png' },
          },
        ],
        responses: {
          '200': {
            description: 'The QR as a PNG (default), an SVG, or with `format=raw` the text it encodes',
            content: {
              'image/png': { schema: { type: 'string', format: 'binary' } },
              'image/svg+xml': { schema: { type: 'string' } },
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['qr'],
                  properties: { qr: { type: 'string', description: 'The text the QR encodes' } },
                },
              },
            },
          },
          ...conflict(
            'Not ready yet (`not_ready`), already linked (`already_linked`), or the channel links by code (`conflict`)',
          ),
          ...invalid,
          ...errors,
        },
      },
    },
    [`${base}/{channelId}/pairing-code`]: {
      ...idParams,
      get: {
        summary: 'The current pairing code (code mode)',
        responses: {
          '200': jsonRef('The code to type on the phone', 'PairingCode'),
          ...conflict(
            'The channel links by QR (`conflict`), or the code is not ready (`not_ready`; ' +
              '`details.field` is `phone` while the sending phone is unknown)',
          ),
          ...errors,
        },
      },
    },
    [`${base}/{channelId}/pairing-phone`]: {
      ...idParams,
      put: {
        summary: 'The sending phone number for code mode',
        requestBody: body(schemas.pairingPhone),
        responses: { '200': channel, ...invalid, ...errors },
      },
    },
    [`${base}/{channelId}/reset`]: {
      ...idParams,
      post: {
        summary: 'Unlink, wipe credentials, revoke the QR-page link and issue a new one',
        responses: {
          '200': {
            description: 'The channel and its new QR-page URL',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['channel', 'qrPageUrl'],
                  properties: { channel: schemaRef('Channel'), qrPageUrl: { type: 'string' } },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    [`${base}/{channelId}/link-mode`]: {
      ...idParams,
      put: {
        summary: 'Switch QR ⇄ code mode (support only)',
        ...(scoped
          ? {}
          : {
              description: 'Always 403 with a business key: support uses /v1/tenants/{tenantId}/channels/….',
            }),
        requestBody: body(schemas.linkMode),
        responses: scoped ? { '200': channel, ...invalid, ...errors } : auth,
      },
    },
    [`${base}/{channelId}/qr-page-link`]: {
      ...idParams,
      get: {
        summary: 'The standalone QR page link',
        responses: { '200': jsonRef('The link', 'Link'), ...errors },
      },
    },
  };
};

/** The OpenAPI document of /v1, built from the same zod schemas the routes validate with. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const tenant = jsonRef('The business', 'Tenant');
  const link = (description: string) => jsonRef(description, 'Link');
  return {
    openapi: '3.0.3',
    info: {
      title: 'Zapgate API',
      version: '0.1.0',
      description:
        'WhatsApp notification gateway: businesses, channels, linking, notifications, templates, pacing, ' +
        'webhooks, and the ALTEGIO integration’s scheduling settings. The browser pages (/panel, /link, /support, /help, /assets) and the JSON they ' +
        'use among themselves are not part of this API.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A business API key (zg_live_…) or a support key (zg_ops_…)',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', example: 'invalid_input' },
                message: { type: 'string' },
                details: { type: 'object', additionalProperties: true },
                errorId: { type: 'string', description: 'On a 500 only: quote it to support' },
              },
            },
          },
        },
        Tenant: {
          type: 'object',
          required: ['id', 'name', 'timeZone', 'language', 'createdAt'],
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            timeZone: { type: 'string', example: 'America/Sao_Paulo' },
            language: { type: 'string', enum: [...LANGUAGES] },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
        ApiKey: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'label', 'hint', 'createdAt', 'current'],
          properties: {
            id: { type: 'string' },
            label: { type: 'string' },
            hint: {
              type: 'string',
              nullable: true,
              description: 'Prefix and last four characters; null for keys issued before hints existed',
              example: 'zg_live_…x7Qa',
            },
            createdAt: { type: 'string', format: 'date-time' },
            current: { type: 'boolean', description: 'The key this request was made with' },
          },
        },
        Link: {
          type: 'object',
          required: ['url', 'expiresAt'],
          properties: { url: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
        },
        PairingCode: {
          type: 'object',
          required: ['code', 'expiresAt'],
          properties: {
            code: { type: 'string', example: 'ABCD-1234' },
            expiresAt: { type: 'string', format: 'date-time' },
          },
        },
        Channel: {
          type: 'object',
          required: [
            'id',
            'name',
            'linkMode',
            'status',
            'tone',
            'statusSince',
            'cause',
            'phone',
            'linkedAt',
            'business',
            'link',
            'linkWindowEnded',
            'paused',
            'pausedCause',
            'restrictedUntil',
            'restrictedBy',
            'newChats',
          ],
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            linkMode: { type: 'string', enum: ['qr', 'code'] },
            status: { type: 'string', enum: [...CHANNEL_STATUSES] },
            tone: { type: 'string', enum: ['green', 'amber', 'red'] },
            statusSince: { type: 'string', format: 'date-time' },
            cause: { type: 'string', nullable: true, description: 'Why the status last changed' },
            phone: { type: 'string', nullable: true, example: '+5511987654321' },
            linkedAt: { type: 'string', format: 'date-time', nullable: true },
            business: {
              type: 'boolean',
              nullable: true,
              description: 'Linked with the WhatsApp Business app; null while unknown',
            },
            link: {
              type: 'object',
              nullable: true,
              description: 'The live link attempt: present only while someone looks at the QR or code',
              required: ['needsPairingPhone', 'windowEndsAt'],
              properties: {
                qr: {
                  type: 'object',
                  required: ['raw', 'svg', 'expiresAt', 'ttlMs', 'sequence'],
                  properties: {
                    raw: { type: 'string' },
                    svg: { type: 'string' },
                    expiresAt: { type: 'string', format: 'date-time' },
                    ttlMs: { type: 'integer' },
                    sequence: { type: 'integer' },
                  },
                },
                pairingCode: schemaRef('PairingCode'),
                needsPairingPhone: { type: 'boolean' },
                windowEndsAt: { type: 'string', format: 'date-time' },
                waitingSince: {
                  type: 'string',
                  format: 'date-time',
                  description: "Since when the gateway has waited for WhatsApp's next QR or code",
                },
                stalled: {
                  type: 'object',
                  nullable: true,
                  description:
                    'No QR or code yet: `slow` after about 10 s ("Still connecting to WhatsApp…"), `stuck` after about 30 s, with the cause: `unreachable` (the gateway cannot connect to WhatsApp), `no_answer` (connected, WhatsApp sends nothing), `whatsapp_error` (WhatsApp answered with a server error), `version_refused` (WhatsApp refused this client version; the gateway is updating it). Watching with `retry` starts the attempt again.',
                  required: ['stage', 'cause'],
                  properties: {
                    stage: { type: 'string', enum: ['slow', 'stuck'] },
                    cause: {
                      type: 'string',
                      enum: ['unreachable', 'no_answer', 'whatsapp_error', 'version_refused'],
                    },
                  },
                },
              },
            },
            linkWindowEnded: { type: 'boolean' },
            qrPageUrl: { type: 'string', description: 'The standalone QR page (single-channel answers)' },
            paused: { type: 'boolean', description: 'The queue sends nothing while paused' },
            pausedCause: {
              type: 'string',
              nullable: true,
              enum: ['manual', 'removed', null],
              description: 'manual: paused by the business; removed: the device was removed on the phone',
            },
            restrictedUntil: {
              type: 'string',
              format: 'date-time',
              nullable: true,
              description: 'After a 463 (reach-out timelock): no messages to new contacts until then',
            },
            restrictedBy: {
              type: 'string',
              nullable: true,
              enum: ['reach_out_timelock', 'new_chats_capped', null],
              description:
                "What holds new contacts back while `restrictedUntil` is set: WhatsApp's reach-out timelock, " +
                'or its monthly new-chat cap (first contacts wait for the next cycle; known contacts still get theirs)',
            },
            newChats: {
              type: 'object',
              nullable: true,
              description:
                "WhatsApp's monthly cap on new chats (first contacts) as it last said for this number; null " +
                'until it says anything. The gateway holds first contacts back at the cap instead of sending ' +
                'them into refusals.',
              required: ['state', 'used', 'quota', 'resetsAt', 'updatedAt'],
              properties: {
                state: {
                  type: 'string',
                  enum: [...NEW_CHAT_CAP_STATES],
                  description: 'none; first_warning (80 % used); second_warning (90 %); capped (reached)',
                },
                used: { type: 'integer', nullable: true, description: 'First contacts started this cycle' },
                quota: { type: 'integer', nullable: true, description: 'First contacts allowed per cycle' },
                resetsAt: {
                  type: 'string',
                  format: 'date-time',
                  nullable: true,
                  description: 'When the cycle ends and the count starts again',
                },
                updatedAt: { type: 'string', format: 'date-time', description: 'When WhatsApp said it' },
              },
            },
          },
        },
        ChannelEvent: {
          type: 'object',
          required: ['status', 'cause', 'at'],
          properties: {
            status: { type: 'string', enum: [...CHANNEL_STATUSES] },
            cause: { type: 'string', nullable: true },
            at: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    paths: {
      '/health': {
        get: {
          summary: 'Liveness',
          security: [],
          responses: {
            '200': {
              description: 'Up',
              content: {
                'application/json': {
                  schema: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } },
                },
              },
            },
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness',
          description:
            'The process answers; the database is not consulted (an outage must not get it restarted).',
          security: [],
          responses: {
            '200': {
              description: 'Up',
              content: {
                'application/json': {
                  schema: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } },
                },
              },
            },
          },
        },
      },
      '/readyz': {
        get: {
          summary: 'Readiness',
          description:
            'The database answers `select 1`. While it is unavailable: 503 `database_unavailable` with `Retry-After`, like every route that needs it.',
          security: [],
          responses: {
            '200': {
              description: 'Ready',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['ok', 'database'],
                    properties: { ok: { type: 'boolean' }, database: { type: 'string', enum: ['ok'] } },
                  },
                },
              },
            },
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          description: 'When METRICS_TOKEN is configured, send it as a Bearer token.',
          security: [],
          responses: {
            '200': { description: 'Prometheus text format', content: { 'text/plain': {} } },
            '401': errorResponse('METRICS_TOKEN is set and was not sent'),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: {
            '200': {
              description: 'OpenAPI 3.0',
              content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
            },
          },
        },
      },
      '/v1/tenant': {
        get: { summary: 'The business of this API key', responses: { '200': tenant, ...auth } },
        patch: {
          summary: 'Update name, time zone, language',
          requestBody: body(schemas.updateTenant),
          responses: { '200': tenant, ...invalid, ...auth },
        },
      },
      '/v1/tenant/panel-login-links': {
        post: {
          summary: 'A one-time link into the panel',
          responses: { '201': link('The login link'), ...auth },
        },
      },
      '/v1/tenant/api-keys': {
        post: {
          summary: 'Issue another API key (shown once)',
          requestBody: body(schemas.apiKey),
          responses: {
            '201': {
              description: 'The key, shown only now',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id', 'key'],
                    properties: { id: { type: 'string' }, key: { type: 'string', example: 'zg_live_…' } },
                  },
                },
              },
            },
            ...invalid,
            ...auth,
          },
        },
      },
      '/v1/api-keys': {
        get: {
          summary: "This business's live API keys (never the keys themselves)",
          responses: {
            '200': {
              description: 'Keys, oldest first; `current` marks the key making this request',
              content: { 'application/json': { schema: { type: 'array', items: schemaRef('ApiKey') } } },
            },
            ...auth,
          },
        },
        post: {
          summary: 'Issue an API key (the key is shown once)',
          requestBody: body(schemas.apiKey),
          responses: {
            '201': {
              description: 'The key, shown only now, and how the list will show it',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['id', 'key', 'label', 'hint', 'createdAt'],
                    properties: {
                      id: { type: 'string' },
                      key: { type: 'string', example: 'zg_live_…' },
                      label: { type: 'string' },
                      hint: { type: 'string', nullable: true, example: 'zg_live_…x7Qa' },
                      createdAt: { type: 'string', format: 'date-time' },
                    },
                  },
                },
              },
            },
            ...invalid,
            ...auth,
          },
        },
      },
      '/v1/api-keys/{keyId}': {
        parameters: [{ name: 'keyId', in: 'path', required: true, schema: { type: 'string' } }],
        delete: {
          summary: 'Revoke one of this business’s API keys (at once on this node, within 5 s on others)',
          responses: {
            '200': {
              description: 'Revoked',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['id', 'revoked'],
                    properties: { id: { type: 'string' }, revoked: { type: 'boolean', enum: [true] } },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      ...channelPath('/v1/channels'),
      '/v1/tenants': {
        get: {
          summary: 'Every business (support)',
          responses: {
            '200': {
              description: 'Businesses',
              content: { 'application/json': { schema: { type: 'array', items: schemaRef('Tenant') } } },
            },
            ...auth,
          },
        },
        post: {
          summary: 'Create a business with its first channel (support)',
          requestBody: body(schemas.createTenant),
          responses: {
            '201': {
              description: 'The business, its first channel, its first API key (shown only now) and links',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['tenant', 'channelId', 'apiKey', 'panelLoginUrl', 'qrPageUrl'],
                    properties: {
                      tenant: schemaRef('Tenant'),
                      channelId: { type: 'string' },
                      apiKey: { type: 'string' },
                      panelLoginUrl: { type: 'string' },
                      qrPageUrl: { type: 'string' },
                    },
                  },
                },
              },
            },
            ...invalid,
            ...auth,
          },
        },
      },
      '/v1/tenants/{tenantId}': {
        parameters: [tenantIdParam],
        get: { summary: 'A business (support)', responses: { '200': tenant, ...errors } },
      },
      '/v1/tenants/{tenantId}/panel-login-links': {
        parameters: [tenantIdParam],
        post: {
          summary: 'A panel login link for a business (support)',
          responses: { '201': link('The login link'), ...errors },
        },
      },
      ...channelPath('/v1/tenants/{tenantId}/channels'),
      ...altegioPaths('/v1/altegio'),
      ...altegioPaths('/v1/tenants/{tenantId}/altegio'),
      ...webhookPaths(),
      ...messagePaths(),
    },
  };
}

const json = (schema: z.ZodType<unknown, z.ZodTypeDef, unknown>, description: string) => ({
  description,
  content: {
    'application/json': {
      schema: zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none', effectStrategy: 'input' }),
    },
  },
});
const webhookIdParam = { name: 'webhookId', in: 'path', required: true, schema: { type: 'string' } };

/** /v1/webhooks: endpoints (business keys), the delivery log, replay, test events. */
function webhookPaths(): Record<string, unknown> {
  const endpoint = json(webhookSchemas.endpoint, 'The endpoint');
  return {
    '/v1/webhooks': {
      get: {
        summary: 'Webhook endpoints of this business',
        responses: { '200': json(z.array(webhookSchemas.endpoint), 'Endpoints'), ...auth },
      },
      post: {
        summary: 'Add a webhook endpoint; its signing secret is shown once',
        description:
          'Deliveries are POSTed as JSON `{type, timestamp, data}` with the Standard Webhooks headers ' +
          '`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of ' +
          '`id.timestamp.body` keyed with the bytes after `whsec_`). A 2xx answer within 10 s is a ' +
          'delivery; anything else is retried with backoff for 24 h, then the delivery is dead (replayable). ' +
          'Reject replays: verify the signature over the raw body, refuse a `webhook-timestamp` more than ' +
          '5 minutes from your clock (each attempt is signed anew, so genuine retries pass), and ' +
          'de-duplicate by `webhook-id` (the same on every retry and replay of a delivery; keep the ids ' +
          'at least 24 h). Event data: `message.status` {messageId, channelId, to, status, reason?, ' +
          'failureDetail? (as on the message), errorCode?, metadata}; ' +
          '`message.inbound` {inboundId, channelId, from, text, ' +
          'inReplyToMessageId}; `channel.status` {channelId, status, cause, statusSince, phone, paused, ' +
          'pausedCause, restrictedUntil, restrictedBy}, sent on every status change and pause or resume; ' +
          '`webhook.test` {endpointId, message}. The URL must reach a public address (private, loopback, ' +
          'link-local and reserved ones are refused, 400 naming `url`, unless the operator allows them).',
        requestBody: body(webhookSchemas.createWebhook),
        responses: {
          '201': json(webhookSchemas.endpointWithSecret, 'The endpoint and its secret'),
          ...conflict('The business already has the most endpoints allowed (20)'),
          ...invalid,
          ...auth,
        },
      },
    },
    '/v1/webhooks/{webhookId}': {
      parameters: [webhookIdParam],
      get: { summary: 'A webhook endpoint', responses: { '200': endpoint, ...errors } },
      patch: {
        summary: 'Change the URL, the event filter, or enable/disable',
        requestBody: body(webhookSchemas.updateWebhook),
        responses: { '200': endpoint, ...invalid, ...errors },
      },
      delete: {
        summary: 'Remove the endpoint and its delivery log',
        responses: { '204': ok('Removed'), ...errors },
      },
    },
    '/v1/webhooks/{webhookId}/rotate-secret': {
      parameters: [webhookIdParam],
      post: {
        summary: 'A new signing secret (shown once); the old one also signs for 24 h',
        responses: {
          '200': json(webhookSchemas.endpointWithSecret, 'The endpoint and its new secret'),
          ...errors,
        },
      },
    },
    '/v1/webhooks/{webhookId}/deliveries': {
      parameters: [webhookIdParam],
      get: {
        summary: 'The delivery log, newest first, with every attempt',
        parameters: [
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'delivered', 'dead'] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          {
            name: 'before',
            in: 'query',
            schema: { type: 'string' },
            description: 'A delivery id: older ones',
          },
        ],
        responses: { '200': json(z.array(webhookSchemas.delivery), 'Deliveries'), ...invalid, ...errors },
      },
    },
    '/v1/webhooks/{webhookId}/test': {
      parameters: [webhookIdParam],
      post: {
        summary: 'Queue a webhook.test event for this endpoint',
        responses: {
          '202': json(webhookSchemas.testQueued, 'Queued'),
          ...conflict('The endpoint is disabled'),
          ...errors,
        },
      },
    },
    '/v1/webhooks/deliveries/{deliveryId}/replay': {
      parameters: [{ name: 'deliveryId', in: 'path', required: true, schema: { type: 'string' } }],
      post: {
        summary: 'Send a dead or delivered delivery again, now (same webhook-id)',
        responses: {
          '200': json(webhookSchemas.delivery, 'The delivery, pending again'),
          ...conflict('Still pending: it is retried automatically'),
          ...errors,
        },
      },
    },
  };
}

const MESSAGE_SCHEMA = {
  type: 'object',
  required: [
    'id',
    'channelId',
    'to',
    'status',
    'failureReason',
    'failureDetail',
    'errorCode',
    'text',
    'template',
    'priority',
    'urgent',
    'sendAfter',
    'expiresAt',
    'attempts',
    'idempotencyKey',
    'metadata',
    'waMessageId',
    'createdAt',
    'updatedAt',
    'sentAt',
    'deliveredAt',
    'readAt',
    'failedAt',
  ],
  properties: {
    id: { type: 'string', example: 'msg_x1y2z3' },
    channelId: { type: 'string' },
    to: { type: 'string', description: 'E.164 with +', example: '+5511987654321' },
    status: { type: 'string', enum: [...MESSAGE_STATUSES] },
    failureReason: {
      type: 'string',
      nullable: true,
      enum: [...FAILURE_REASONS, null],
    },
    failureDetail: {
      type: 'string',
      nullable: true,
      enum: [...FAILURE_DETAILS, null],
      description:
        'What `failureReason` alone does not say (null otherwise; the reason keeps its value): for a ' +
        'WhatsApp 463, its cause — `recipient_token_missing` (reason `rejected`: the contact expects a ' +
        'trusted-contact token this number does not have yet; only this message fails), `misaddressed` ' +
        "(reason `rejected`: refused at the contact's phone number and again at its LID), " +
        '`reach_out_timelock` (reason `restricted`); for a first contact the gateway held back, why: ' +
        '`reach_out_timelock` or `new_chats_capped` (the monthly new-chat cap is reached).',
    },
    errorCode: { type: 'integer', nullable: true, description: "WhatsApp's error code (463: restricted)" },
    text: { type: 'string', description: 'The final text (templates rendered at accept time)' },
    template: {
      type: 'object',
      nullable: true,
      required: ['name', 'language'],
      properties: { name: { type: 'string' }, language: { type: 'string' } },
    },
    priority: { type: 'string', enum: [...PRIORITIES] },
    urgent: { type: 'boolean' },
    sendAfter: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time', nullable: true },
    attempts: { type: 'integer' },
    idempotencyKey: { type: 'string', nullable: true },
    metadata: { type: 'object', additionalProperties: true, description: 'Your own data, as sent' },
    waMessageId: { type: 'string', description: 'Fixed at accept time; a resend after a crash reuses it' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    sentAt: { type: 'string', format: 'date-time', nullable: true },
    deliveredAt: { type: 'string', format: 'date-time', nullable: true },
    readAt: { type: 'string', format: 'date-time', nullable: true },
    failedAt: { type: 'string', format: 'date-time', nullable: true },
    waiting: {
      type: 'object',
      nullable: true,
      description:
        'On reads (list and get): why a queued message has not gone yet and until when; null when ' +
        'it is not queued or is due now. `until` is null when it waits for someone (Resume, linking ' +
        'the phone again); `timeZone` is the business’s, to show `until` in local time.',
      required: ['reason', 'until', 'timeZone'],
      properties: {
        reason: { type: 'string', enum: [...WAITING_REASONS] },
        until: { type: 'string', format: 'date-time', nullable: true },
        timeZone: { type: 'string', example: 'America/Sao_Paulo' },
      },
    },
  },
};
const TEMPLATE_SCHEMA = {
  type: 'object',
  required: ['name', 'language', 'body', 'variables', 'createdAt', 'updatedAt'],
  properties: {
    name: { type: 'string' },
    language: { type: 'string', example: 'pt-BR' },
    body: { type: 'string', example: 'Olá {{name}}, até amanhã às {{time}}!' },
    variables: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const jsonSchema = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
});
const zodSchema = (schema: z.ZodType<unknown, z.ZodTypeDef, unknown>) =>
  zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none', effectStrategy: 'input' });
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

/** /v1/messages, /v1/templates, /v1/pacing (business keys). */
function messagePaths(): Record<string, unknown> {
  const message = jsonSchema('The message', MESSAGE_SCHEMA);
  const idempotencyHeader = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    schema: { type: 'string', maxLength: 200 },
    description:
      'A repeat of the same message with the same key returns the first message (200) instead of a new ' +
      'one; the key reused for a different message is refused (409)',
  };
  const template = jsonSchema('The template', TEMPLATE_SCHEMA);
  const templateParams = [pathParam('name'), pathParam('language')];
  const pacing = jsonSchema('Effective settings, the overrides, and the time zone the window is read in', {
    type: 'object',
    required: ['settings', 'overrides', 'timeZone'],
    properties: {
      settings: zodSchema(schemas.pacing.required()),
      overrides: zodSchema(schemas.pacing),
      timeZone: { type: 'string' },
    },
  });
  const listQuery = Object.entries(
    (zodSchema(schemas.listMessages) as { properties: Record<string, unknown> }).properties,
  ).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
  return {
    '/v1/messages': {
      post: {
        summary: 'Accept a notification: a text, or a template with variables',
        description:
          'Stored durably before the answer; sent later by the channel, paced. The recipient may be ' +
          'written in any common format. A missing template variable is a 400 naming `variables.<name>`.',
        parameters: [idempotencyHeader],
        requestBody: body(schemas.sendMessage),
        responses: {
          '202': jsonSchema('Accepted (queued)', MESSAGE_SCHEMA),
          '200': message,
          ...invalid,
          ...conflict(
            'The idempotency key was already used for a different message (`error.details.messageId` names it)',
          ),
          ...auth,
        },
      },
      get: {
        summary: 'Messages, newest first, filtered and paginated',
        parameters: listQuery,
        responses: {
          '200': jsonSchema('A page', {
            type: 'object',
            required: ['data', 'nextCursor'],
            properties: {
              data: { type: 'array', items: MESSAGE_SCHEMA },
              nextCursor: {
                type: 'string',
                nullable: true,
                description: 'Pass as `cursor` for the next page',
              },
            },
          }),
          ...invalid,
          ...auth,
        },
      },
    },
    '/v1/messages/batch': {
      post: {
        summary: 'Accept up to 100 notifications; each item is valid or invalid on its own',
        description:
          'The valid items are stored together; invalid ones come back with their error. With an ' +
          'Idempotency-Key (header or body), an item without its own key gets `<key>:<index>`.',
        parameters: [idempotencyHeader],
        requestBody: body(
          schemas.sendMessageBatch.extend({
            idempotencyKey: schemas.sendMessageBatchEnvelope.shape.idempotencyKey,
          }),
        ),
        responses: {
          '200': jsonSchema('Per-item results, in order', {
            type: 'object',
            required: ['accepted', 'duplicates', 'invalid', 'results'],
            properties: {
              accepted: { type: 'integer' },
              duplicates: { type: 'integer' },
              invalid: { type: 'integer' },
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['index', 'status'],
                  properties: {
                    index: { type: 'integer' },
                    status: { type: 'integer', description: '202 accepted, 200 duplicate key, 4xx invalid' },
                    message: MESSAGE_SCHEMA,
                    error: {
                      type: 'object',
                      required: ['code', 'message'],
                      properties: {
                        code: { type: 'string' },
                        message: { type: 'string' },
                        details: { type: 'object', additionalProperties: true },
                      },
                    },
                  },
                },
              },
            },
          }),
          ...invalid,
          ...auth,
        },
      },
    },
    '/v1/messages/{messageId}': {
      get: {
        summary: 'A message',
        parameters: [pathParam('messageId')],
        responses: { '200': message, ...errors },
      },
    },
    '/v1/messages/{messageId}/events': {
      get: {
        summary: "A message's status history, oldest first",
        parameters: [pathParam('messageId')],
        responses: {
          '200': jsonSchema('Events', {
            type: 'array',
            items: {
              type: 'object',
              required: ['status', 'reason', 'errorCode', 'details', 'at'],
              properties: {
                status: { type: 'string', enum: [...MESSAGE_STATUSES] },
                reason: { type: 'string', nullable: true },
                errorCode: { type: 'integer', nullable: true },
                details: { type: 'object', nullable: true, additionalProperties: true },
                at: { type: 'string', format: 'date-time' },
              },
            },
          }),
          ...errors,
        },
      },
    },
    '/v1/messages/{messageId}/cancel': {
      post: {
        summary: 'Cancel a message still queued (failed, reason cancelled)',
        parameters: [pathParam('messageId')],
        responses: {
          '200': message,
          ...conflict('Already picked up for sending or finished; `details.status` says which'),
          ...errors,
        },
      },
    },
    '/v1/templates': {
      get: {
        summary: "The business's templates",
        responses: { '200': jsonSchema('Templates', { type: 'array', items: TEMPLATE_SCHEMA }), ...auth },
      },
    },
    '/v1/templates/{name}/{language}': {
      get: {
        summary: 'A template',
        parameters: templateParams,
        responses: { '200': template, ...invalid, ...errors },
      },
      put: {
        summary: 'Create or replace a template ({{variable}} or %VARIABLE% placeholders)',
        parameters: templateParams,
        requestBody: body(schemas.putTemplate),
        responses: { '201': jsonSchema('Created', TEMPLATE_SCHEMA), '200': template, ...invalid, ...auth },
      },
      delete: {
        summary: 'Delete a template',
        parameters: templateParams,
        responses: { '204': { description: 'Deleted' }, ...invalid, ...errors },
      },
    },
    '/v1/pacing': {
      get: { summary: "The business's pacing (anti-ban) settings", responses: { '200': pacing, ...auth } },
      put: {
        summary: 'Replace the pacing overrides (omitted settings take the defaults)',
        requestBody: body(schemas.pacing),
        responses: { '200': pacing, ...invalid, ...auth },
      },
    },
  };
}
