import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../domain/errors.js';

/** The one table from error code to HTTP status. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_input: 400,
  invalid_phone: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  link_gone: 410,
  conflict: 409,
  already_linked: 409,
  not_ready: 409,
  session_not_open: 409,
  session_stopped: 409,
  pairing_code_unavailable: 409,
  rate_limited: 429,
  whatsapp_unavailable: 503,
  whatsapp_send_failed: 502,
  whatsapp_query_failed: 502,
  internal: 500,
};

export function statusForCode(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

/** Turns a zod failure into an AppError naming the first bad field. */
export function validationError(error: z.ZodError, wholeValueField = 'body'): AppError {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || wholeValueField;
  return new AppError('invalid_input', `${field}: ${issue?.message ?? 'invalid'}`, { details: { field } });
}

/** The single error handler: AppErrors keep their public message; anything else is a 500 with an id. */
export function errorResponder(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof AppError) {
      const status = statusForCode(error.code);
      if (status >= 500) logger.error({ err: error, path: c.req.path }, error.message);
      return c.json(
        {
          error: {
            code: error.code,
            message: error.publicMessage,
            ...(error.details ? { details: error.details } : {}),
          },
        },
        status,
      );
    }
    const errorId = randomBytes(6).toString('hex');
    logger.error({ err: error, errorId, path: c.req.path }, 'unhandled error');
    return c.json(
      { error: { code: 'internal', message: 'Something went wrong on our side.', errorId } },
      500,
    );
  };
}

/** Parses a JSON body against a schema, with the field named on failure. */
export async function jsonBody<T>(
  c: { req: { json(): Promise<unknown> } },
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
): Promise<T> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new AppError('invalid_input', 'The body must be JSON.', { details: { field: 'body' } });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
