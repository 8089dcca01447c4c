import { zodToJsonSchema } from 'zod-to-json-schema';
import type { z } from 'zod';
import { ALTEGIO_VARIABLES } from '../domain/templates.js';
import { altegioSchemas } from './altegio-schemas.js';

const schemaOf = (schema: z.ZodType<unknown, z.ZodTypeDef, unknown>) =>
  zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none', effectStrategy: 'input' });
const json = (schema: z.ZodType<unknown, z.ZodTypeDef, unknown>, description: string) => ({
  description,
  content: { 'application/json': { schema: schemaOf(schema) } },
});
const body = (schema: z.ZodType<unknown, z.ZodTypeDef, unknown>) => ({
  required: true,
  content: { 'application/json': { schema: schemaOf(schema) } },
});
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
});

/**
 * ALTEGIO's scheduling mode at `base` (`/v1/altegio` with a business key, or
 * `/v1/tenants/{tenantId}/altegio` for support): the install's state, settings, and texts.
 */
export function altegioPaths(base: string): Record<string, unknown> {
  const scoped = base.includes('{tenantId}');
  const tenantParams = scoped ? [pathParam('tenantId', 'The business')] : [];
  const errors = {
    '401': error('Missing or invalid API key'),
    '403': error(
      scoped
        ? 'A business key: support routes take a support key'
        : 'A support key: use /v1/tenants/{tenantId}/altegio',
    ),
    '404': error(
      'ALTEGIO is not configured on this gateway, or the business has never connected the app in ALTEGIO' +
        (scoped ? ' (or no such business)' : ''),
    ),
  };
  const invalid = { '400': error('Invalid input; `error.details.field` names the field') };
  const template = json(altegioSchemas.template, 'The text now in effect for this kind and language');
  const templateParams = [
    ...tenantParams,
    pathParam(
      'kind',
      'reminder, booking_created, booking_changed, booking_cancelled, review_request, reply_confirmed or reply_cancelled',
    ),
    pathParam('language', 'en, pt-BR or es'),
  ];
  const settings = json(altegioSchemas.settings, 'The settings in effect (defaults filled in)');
  const withParams = scoped ? { parameters: tenantParams } : {};
  return {
    [base]: {
      ...withParams,
      get: {
        summary: scoped
          ? "A business's ALTEGIO installs (activation attempts and errors, recent calls) and settings (support)"
          : 'ALTEGIO: the install (activation, recent calls to ALTEGIO) and the scheduling settings',
        responses: {
          '200': {
            description: 'Installs (one per salon) and the settings in effect',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['installs', 'settings'],
                  properties: {
                    installs: { type: 'array', items: schemaOf(altegioSchemas.install) },
                    settings: schemaOf(altegioSchemas.settings),
                  },
                  additionalProperties: false,
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    [`${base}/settings`]: {
      ...withParams,
      put: {
        summary: 'Replace the scheduling settings: reminders, notices, confirmation replies, test mode',
        description:
          'Omitted values take the defaults. Test mode (`testPhone`): every message of the business — ' +
          "Zapgate's own reminders and the texts ALTEGIO asks us to deliver — goes to this number " +
          'instead, with `metadata.testModeFor` holding the client it was meant for.',
        requestBody: body(altegioSchemas.putSettings),
        responses: { '200': settings, ...invalid, ...errors },
      },
    },
    [`${base}/templates`]: {
      ...withParams,
      get: {
        summary: 'Every text (kind × language), whether it was changed, and the variables',
        description: `Variables: ${ALTEGIO_VARIABLES.map((v) => `%${v}%`).join(', ')}.`,
        responses: { '200': json(altegioSchemas.templates, 'The texts'), ...errors },
      },
    },
    [`${base}/templates/preview`]: {
      ...withParams,
      post: {
        summary: 'A text written for a sample visit 24 h from now, with unknown variables reported',
        requestBody: body(altegioSchemas.preview),
        responses: { '200': json(altegioSchemas.previewResult, 'The preview'), ...invalid, ...errors },
      },
    },
    [`${base}/templates/{kind}/{language}`]: {
      parameters: templateParams,
      put: {
        summary: 'Change a text (ALTEGIO-style %VARIABLE% placeholders)',
        description: 'An unknown variable is a 400 naming `body`, with `details.unknown` listing the names.',
        requestBody: body(altegioSchemas.putTemplate),
        responses: { '200': template, ...invalid, ...errors },
      },
      delete: {
        summary: 'Back to the default text',
        responses: { '200': template, ...invalid, ...errors },
      },
    },
  };
}
