import { z } from 'zod';
import { LANGUAGES } from '../store/tenants-repository.js';

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
  pairingPhone: z
    .object({ phone: z.string().min(3).max(32).describe('The sending phone, with country code') })
    .strict(),
  apiKey: z.object({ label: z.string().max(100).default('') }).strict(),
  qrFormat: z.enum(['png', 'svg', 'raw']).default('png'),
} as const;
