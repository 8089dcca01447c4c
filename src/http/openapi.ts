import { zodToJsonSchema } from 'zod-to-json-schema';
import { z } from 'zod';
import { FAILURE_REASONS, MESSAGE_STATUSES, PRIORITIES } from '../domain/message-status.js';
import { schemas, webhookSchemas } from './schemas.js';

const body = (schema: z.ZodType<unknown, z.ZodTypeDef, unknown>) => ({
  required: true,
  content: {
    'application/json': { schema: zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none' }) },
  },
});
const ok = (description: string) => ({ description });
const errors = {
  '400': {
    description: 'Invalid input; `error.details.field` names the field',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  '401': {
    description: 'Missing or invalid API key',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  '404': {
    description: "Not found (or another business's)",
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
};
const channelPath = (base: string) => ({
  [`${base}`]: {
    get: { summary: 'List WhatsApp channels', responses: { '200': ok('Channels'), ...errors } },
    post: {
      summary: 'Create a WhatsApp channel',
      requestBody: body(schemas.createChannel),
      responses: { '201': ok('The channel'), ...errors },
    },
  },
  [`${base}/{channelId}`]: {
    get: { summary: 'A channel and its status', responses: { '200': ok('The channel'), ...errors } },
  },
  [`${base}/{channelId}/events`]: {
    get: { summary: 'Status history, newest first', responses: { '200': ok('Events'), ...errors } },
  },
  [`${base}/{channelId}/watch`]: {
    post: {
      summary: 'Start or extend linking (codes are generated only while someone looks)',
      responses: { '200': ok('The channel'), ...errors },
    },
  },
  [`${base}/{channelId}/qr`]: {
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
        '200': ok('image/png, image/svg+xml, or {qr}'),
        '409': ok('Not ready yet, or already linked'),
        ...errors,
      },
    },
  },
  [`${base}/{channelId}/pairing-code`]: {
    get: {
      summary: 'The current pairing code (code mode)',
      responses: { '200': ok('{code, expiresAt}'), '409': ok('Not ready'), ...errors },
    },
  },
  [`${base}/{channelId}/pairing-phone`]: {
    put: {
      summary: 'The sending phone number for code mode',
      requestBody: body(schemas.pairingPhone),
      responses: { '200': ok('The channel'), ...errors },
    },
  },
  [`${base}/{channelId}/reset`]: {
    post: {
      summary: 'Unlink, wipe credentials, revoke the QR-page link and issue a new one',
      responses: { '200': ok('{channel, qrPageUrl}'), ...errors },
    },
  },
  [`${base}/{channelId}/link-mode`]: {
    put: {
      summary: 'Switch QR ⇄ code mode (support only)',
      requestBody: body(schemas.linkMode),
      responses: { '200': ok('The channel'), '403': ok('Not support'), ...errors },
    },
  },
  [`${base}/{channelId}/qr-page-link`]: {
    get: { summary: 'The standalone QR page link', responses: { '200': ok('{url, expiresAt}'), ...errors } },
  },
});

/** The OpenAPI document of /v1, built from the same zod schemas the routes validate with. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Zapgate API',
      version: '0.1.0',
      description: 'WhatsApp notification gateway: businesses, channels, linking.',
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
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'object' },
              },
            },
          },
        },
      },
    },
    paths: {
      '/v1/tenant': {
        get: { summary: 'The business of this API key', responses: { '200': ok('The business'), ...errors } },
        patch: {
          summary: 'Update name, time zone, language',
          requestBody: body(schemas.updateTenant),
          responses: { '200': ok('The business'), ...errors },
        },
      },
      '/v1/tenant/panel-login-links': {
        post: {
          summary: 'A one-time link into the panel',
          responses: { '201': ok('{url, expiresAt}'), ...errors },
        },
      },
      '/v1/tenant/api-keys': {
        post: {
          summary: 'Issue another API key (shown once)',
          requestBody: body(schemas.apiKey),
          responses: { '201': ok('{id, key}'), ...errors },
        },
      },
      ...channelPath('/v1/channels'),
      '/v1/tenants': {
        get: { summary: 'Every business (support)', responses: { '200': ok('Businesses'), ...errors } },
        post: {
          summary: 'Create a business with its first channel (support)',
          requestBody: body(schemas.createTenant),
          responses: { '201': ok('{tenant, channelId, apiKey, panelLoginUrl, qrPageUrl}'), ...errors },
        },
      },
      '/v1/tenants/{tenantId}': {
        get: { summary: 'A business (support)', responses: { '200': ok('The business'), ...errors } },
      },
      '/v1/tenants/{tenantId}/panel-login-links': {
        post: {
          summary: 'A panel login link for a business (support)',
          responses: { '201': ok('{url, expiresAt}'), ...errors },
        },
      },
      ...channelPath('/v1/tenants/{tenantId}/channels'),
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
        responses: { '200': json(z.array(webhookSchemas.endpoint), 'Endpoints'), ...errors },
      },
      post: {
        summary: 'Add a webhook endpoint; its signing secret is shown once',
        description:
          'Deliveries are POSTed as JSON `{type, timestamp, data}` with the Standard Webhooks headers ' +
          '`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of ' +
          '`id.timestamp.body` keyed with the bytes after `whsec_`). A 2xx answer within 10 s is a ' +
          'delivery; anything else is retried with backoff for 24 h, then the delivery is dead (replayable).',
        requestBody: body(webhookSchemas.createWebhook),
        responses: {
          '201': json(webhookSchemas.endpointWithSecret, 'The endpoint and its secret'),
          ...errors,
        },
      },
    },
    '/v1/webhooks/{webhookId}': {
      parameters: [webhookIdParam],
      get: { summary: 'A webhook endpoint', responses: { '200': endpoint, ...errors } },
      patch: {
        summary: 'Change the URL, the event filter, or enable/disable',
        requestBody: body(webhookSchemas.updateWebhook),
        responses: { '200': endpoint, ...errors },
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
        responses: { '200': json(z.array(webhookSchemas.delivery), 'Deliveries'), ...errors },
      },
    },
    '/v1/webhooks/{webhookId}/test': {
      parameters: [webhookIdParam],
      post: {
        summary: 'Queue a webhook.test event for this endpoint',
        responses: {
          '202': json(webhookSchemas.testQueued, 'Queued'),
          '409': ok('The endpoint is disabled'),
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
          '409': ok('Still pending'),
          ...errors,
        },
      },
    },
  };
}

const MESSAGE_SCHEMA = {
  type: 'object',
  required: ['id', 'channelId', 'to', 'status', 'text', 'priority', 'urgent', 'sendAfter', 'createdAt'],
  properties: {
    id: { type: 'string', example: 'msg_x1y2z3' },
    channelId: { type: 'string' },
    to: { type: 'string', description: 'E.164 with +', example: '+5511987654321' },
    status: { type: 'string', enum: [...MESSAGE_STATUSES] },
    failureReason: {
      type: 'string',
      nullable: true,
      enum: [...FAILURE_REASONS],
    },
    errorCode: { type: 'integer', nullable: true, description: "WhatsApp's error code (463: restricted)" },
    text: { type: 'string', description: 'The final text (templates rendered at accept time)' },
    template: {
      type: 'object',
      nullable: true,
      properties: { name: { type: 'string' }, language: { type: 'string' } },
    },
    priority: { type: 'string', enum: [...PRIORITIES] },
    urgent: { type: 'boolean' },
    sendAfter: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time', nullable: true },
    attempts: { type: 'integer' },
    idempotencyKey: { type: 'string', nullable: true },
    metadata: { type: 'object' },
    waMessageId: { type: 'string', description: 'Fixed at accept time; a resend after a crash reuses it' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    sentAt: { type: 'string', format: 'date-time', nullable: true },
    deliveredAt: { type: 'string', format: 'date-time', nullable: true },
    readAt: { type: 'string', format: 'date-time', nullable: true },
    failedAt: { type: 'string', format: 'date-time', nullable: true },
  },
};
const TEMPLATE_SCHEMA = {
  type: 'object',
  required: ['name', 'language', 'body', 'variables'],
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
    description: 'A repeat with the same key returns the first message (200) instead of a new one',
  };
  const template = jsonSchema('The template', TEMPLATE_SCHEMA);
  const templateParams = [pathParam('name'), pathParam('language')];
  const pacing = jsonSchema('Effective settings, the overrides, and the time zone the window is read in', {
    type: 'object',
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
        responses: { '202': jsonSchema('Accepted (queued)', MESSAGE_SCHEMA), '200': message, ...errors },
      },
      get: {
        summary: 'Messages, newest first, filtered and paginated',
        parameters: listQuery,
        responses: {
          '200': jsonSchema('A page', {
            type: 'object',
            properties: {
              data: { type: 'array', items: MESSAGE_SCHEMA },
              nextCursor: {
                type: 'string',
                nullable: true,
                description: 'Pass as `cursor` for the next page',
              },
            },
          }),
          ...errors,
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
        requestBody: body(schemas.sendMessageBatch),
        responses: {
          '200': jsonSchema('Per-item results, in order', {
            type: 'object',
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
                      properties: {
                        code: { type: 'string' },
                        message: { type: 'string' },
                        details: { type: 'object' },
                      },
                    },
                  },
                },
              },
            },
          }),
          ...errors,
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
              properties: {
                status: { type: 'string' },
                reason: { type: 'string', nullable: true },
                errorCode: { type: 'integer', nullable: true },
                details: { type: 'object', nullable: true },
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
          '409': jsonSchema('Already picked up for sending or finished; `details.status` says which', {
            $ref: '#/components/schemas/Error',
          }),
          ...errors,
        },
      },
    },
    '/v1/templates': {
      get: {
        summary: "The business's templates",
        responses: { '200': jsonSchema('Templates', { type: 'array', items: TEMPLATE_SCHEMA }), ...errors },
      },
    },
    '/v1/templates/{name}/{language}': {
      get: { summary: 'A template', parameters: templateParams, responses: { '200': template, ...errors } },
      put: {
        summary: 'Create or replace a template ({{variable}} or %VARIABLE% placeholders)',
        parameters: templateParams,
        requestBody: body(schemas.putTemplate),
        responses: { '201': jsonSchema('Created', TEMPLATE_SCHEMA), '200': template, ...errors },
      },
      delete: {
        summary: 'Delete a template',
        parameters: templateParams,
        responses: { '204': { description: 'Deleted' }, ...errors },
      },
    },
    '/v1/pacing': {
      get: { summary: "The business's pacing (anti-ban) settings", responses: { '200': pacing, ...errors } },
      put: {
        summary: 'Replace the pacing overrides (omitted settings take the defaults)',
        requestBody: body(schemas.pacing),
        responses: { '200': pacing, ...errors },
      },
    },
  };
}
