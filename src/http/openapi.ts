import { zodToJsonSchema } from 'zod-to-json-schema';
import type { z } from 'zod';
import { schemas } from './schemas.js';

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
    },
  };
}
