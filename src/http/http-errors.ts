import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../domain/errors.js';
import { cameFromDatabase, isDatabaseUnavailable, isUnstorableText } from '../store/database.js';
import { parseJsonText, type JsonCheckOptions } from './request-guards.js';

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
  payload_too_large: 413,
  database_unavailable: 503,
  whatsapp_unavailable: 503,
  whatsapp_send_failed: 502,
  whatsapp_query_failed: 502,
  internal: 500,
};

export function statusForCode(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

/**
 * What kind of problem a zod issue is, in a few words a client can translate (the message itself is
 * English): `required`, `too_short`, `too_long` (with `minimum` / `maximum`) or `invalid`.
 */
function issueKind(issue: z.ZodIssue | undefined): Record<string, string | number> {
  if (!issue) return { issue: 'invalid' };
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return { issue: 'required' };
  if (issue.code === 'too_small' && issue.type === 'string')
    return Number(issue.minimum) <= 1
      ? { issue: 'required' }
      : { issue: 'too_short', minimum: Number(issue.minimum) };
  if (issue.code === 'too_big' && issue.type === 'string')
    return { issue: 'too_long', maximum: Number(issue.maximum) };
  return { issue: 'invalid' };
}

/** Turns a zod failure into an AppError naming the first bad field and the kind of problem. */
export function validationError(error: z.ZodError, wholeValueField = 'body'): AppError {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || wholeValueField;
  return new AppError('invalid_input', `${field}: ${issue?.message ?? 'invalid'}`, {
    details: { field, ...issueKind(issue) },
  });
}

/** What a client is told to wait before retrying while the database is unavailable. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The errors the edge recognises without a service having said so: the database unreachable (a 503
 * the client may retry, not a 500) and text PostgreSQL cannot store that slipped past validation.
 */
function asAppError(error: Error): Error {
  if (error instanceof AppError) return error;
  if (!cameFromDatabase(error)) return error;
  if (isDatabaseUnavailable(error))
    return new AppError('database_unavailable', 'The database is unavailable; try again shortly.', {
      cause: error,
      internalMessage: `database unavailable: ${error.message}`,
    });
  if (isUnstorableText(error))
    return new AppError('invalid_input', 'A text value contains a character that cannot be stored (NUL).', {
      cause: error,
    });
  return error;
}

/** The single error handler: AppErrors keep their public message; anything else is a 500 with an id. */
export function errorResponder(logger: Logger) {
  return (thrown: Error, c: Context): Response => {
    const error = asAppError(thrown);
    if (error instanceof AppError) {
      const status = statusForCode(error.code);
      if (status >= 500) logger.error({ err: error, path: c.req.path }, error.message);
      if (error.code === 'database_unavailable') c.header('retry-after', String(RETRY_AFTER_SECONDS));
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
    logger.error({ err: thrown, errorId, path: c.req.path }, 'unhandled error');
    return c.json(
      { error: { code: 'internal', message: 'Something went wrong on our side.', errorId } },
      500,
    );
  };
}

/**
 * Parses a JSON body against a schema, with the field named on failure. The body's size is bounded
 * by the body-limit middleware; its depth, NULs and lone surrogates by parseJsonText.
 */
export async function jsonBody<T>(
  c: { req: { text(): Promise<string> } },
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  skip?: JsonCheckOptions['skip'],
): Promise<T> {
  const raw = parseJsonText(await c.req.text(), skip);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
