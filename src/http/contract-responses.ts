import type { z } from 'zod';
import type { ResponseContract } from './route-contract.js';
import { errorView } from './view-schemas.js';

/** The answers most /v1 routes share, declared once for every contract. */

export const json = (
  description: string,
  schema: z.ZodType<unknown, z.ZodTypeDef, unknown>,
): ResponseContract => ({
  description,
  schema,
});
const error = (description: string): ResponseContract => ({ description, schema: errorView });

/** A request with input (body, query or path values) that can be refused. */
export const invalid = {
  400: error(
    'Invalid input; `error.details.field` names the field and `error.details.issue` the kind of problem ' +
      '(`required`, `too_short` with `minimum`, `too_long` with `maximum`, or `invalid`) where validation found it',
  ),
};
/** Every /v1 route: no or a bad key, or a key of the wrong kind for the route. */
export const auth = {
  401: error('Missing or invalid API key'),
  403: error(
    'The wrong kind of key: a support key on a business route, or a business key on a support route',
  ),
};
/** A route addressing one thing by id: the key errors, and 404 when it is missing. */
export const missing = { ...auth, 404: error("Not found (or another business's)") };
export const conflict = (description: string) => ({ 409: error(description) });
export const noContent = (description: string): ResponseContract => ({ description });
