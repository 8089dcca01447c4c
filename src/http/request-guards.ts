import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../domain/errors.js';

/** How much a request body may hold, in bytes. */
export interface BodyLimits {
  /** Every route (1 MB by default): nothing we accept comes close. */
  readonly defaultBytes: number;
  /** The batch routes (100 messages of up to 4,096 characters plus metadata each). */
  readonly batchBytes: number;
}

/** Routes whose bodies legitimately carry many messages at once. */
const BATCH_PATHS = new Set(['/v1/messages/batch']);

/**
 * Refuses a body over the limit before any route (or authentication) reads it: a declared
 * Content-Length is refused at once, unread; a chunked body is counted as it streams and cut at the
 * limit. Either way at most the limit is ever held in memory.
 */
export function bodyLimits(limits: BodyLimits): MiddlewareHandler {
  const tooLarge = (c: Context, maxSize: number): never => {
    // The client may still be uploading: closing the connection stops it (and our reading).
    c.header('connection', 'close');
    throw new AppError('payload_too_large', `body: at most ${maxSize} bytes.`, {
      details: { field: 'body', maxBytes: maxSize },
    });
  };
  const counted = (maxSize: number): MiddlewareHandler =>
    bodyLimit({ maxSize, onError: (c) => tooLarge(c, maxSize) });
  const normal = counted(limits.defaultBytes);
  const batch = counted(limits.batchBytes);
  return (c, next) => {
    const batchPath = BATCH_PATHS.has(c.req.path);
    const declared = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (chunked || declared === undefined) {
      // A GET or HEAD that declares no body has none; anything else is counted as it streams.
      if (!chunked && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next();
      return (batchPath ? batch : normal)(c, next);
    }
    // A declared length is the body's size (Node's parser reads exactly that many bytes), so it is
    // checked from the header. Hono's guard would first ask for the body stream, and on
    // @hono/node-server that builds a whole fetch Request per request (a web stream over the
    // socket, an AbortSignal undici registers for finalization), which outlives the young
    // generation and is promoted: ~16 KB per POST (issue 9, bench/heap-sampling.ts).
    const maxSize = batchPath ? limits.batchBytes : limits.defaultBytes;
    if (Number.parseInt(declared, 10) > maxSize) tooLarge(c, maxSize);
    return next();
  };
}

/** Most levels of nesting a JSON body may have (`metadata` 5,000 deep once reached the database). */
export const MAX_JSON_DEPTH = 32;

const NUL = '\u0000';

/** A lone surrogate (half of a UTF-16 pair): no UTF-8 encoding, PostgreSQL's JSON refuses it. */
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/**
 * Refuses a NUL character in the path or in any query name or value: PostgreSQL cannot store
 * U+0000 in text, so it would otherwise fail deep in a query as a 500.
 */
export function urlGuard(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (/%00/i.test(url.pathname) || url.pathname.includes(NUL))
      throw new AppError('invalid_input', 'path: must not contain a NUL character (%00).', {
        details: { field: 'path' },
      });
    for (const [name, value] of url.searchParams) {
      const field = name.includes(NUL) ? 'query' : name;
      if (name.includes(NUL) || value.includes(NUL))
        throw new AppError('invalid_input', `${field}: must not contain a NUL character (%00).`, {
          details: { field },
        });
      if (!wellFormed(name) || !wellFormed(value))
        throw new AppError('invalid_input', `${field}: must be well-formed Unicode.`, { details: { field } });
    }
    await next();
  };
}

const fieldName = (path: readonly (string | number)[]): string =>
  path.length === 0 ? 'body' : path.map((p) => String(p)).join('.');

export interface JsonCheckOptions {
  readonly maxDepth?: number;
  /** Where `value` sits in the body (its fields are named from there, and its depth counted). */
  readonly at?: readonly (string | number)[];
  /** Parts left for the caller to check one by one (a batch's items: a bad one must not sink the rest). */
  readonly skip?: (path: readonly (string | number)[]) => boolean;
}

/**
 * Checks a parsed JSON value for what PostgreSQL (or the stack) cannot take: nesting deeper than
 * MAX_JSON_DEPTH, a NUL character or a lone surrogate in any string or key. Throws an AppError
 * naming the field. Iterative, so a hostile depth cannot overflow the stack here.
 */
export function checkJsonValue(value: unknown, options: JsonCheckOptions = {}): void {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [...(options.at ?? [])] }];
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (options.skip?.(path)) continue;
    if (typeof v === 'string') {
      checkText(v, path);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth)
      throw new AppError('invalid_input', `${fieldName(path)}: nested deeper than ${maxDepth} levels.`, {
        details: { field: fieldName(path) },
      });
    if (Array.isArray(v)) {
      v.forEach((item, index) => stack.push({ value: item, path: [...path, index] }));
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      if (key.includes(NUL) || !wellFormed(key)) {
        const field = fieldName(path);
        throw new AppError(
          'invalid_input',
          `${field}: a key contains a NUL character or is not well-formed Unicode.`,
          { details: { field } },
        );
      }
      stack.push({ value: item, path: [...path, key] });
    }
  }
}

function checkText(text: string, path: readonly (string | number)[]): void {
  const field = fieldName(path);
  if (text.includes(NUL))
    throw new AppError('invalid_input', `${field}: must not contain a NUL character (\\u0000).`, {
      details: { field },
    });
  if (!wellFormed(text))
    throw new AppError('invalid_input', `${field}: must be well-formed Unicode (a lone surrogate).`, {
      details: { field },
    });
}

/** Parses a JSON text and checks it (see checkJsonValue); a text that is not JSON is a 400 on `body`. */
export function parseJsonText(text: string, skip?: JsonCheckOptions['skip']): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_input', 'body: must be JSON.', { details: { field: 'body' } });
  }
  checkJsonValue(value, { skip });
  return value;
}
