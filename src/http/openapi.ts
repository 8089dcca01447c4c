import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { apiRouter } from './api-routes.js';
import type { ApiEnv } from './auth.js';
import type { GatewayContext } from './gateway-context.js';
import { messageRouter, type MessageRoutesContext } from './message-routes.js';
import type { ContractRouter, DocumentedPaths, Operation, RouteContract } from './route-contract.js';
import { NAMED_VIEWS } from './view-schemas.js';
import { webhookRouter } from './webhook-routes.js';
import { operationalContracts } from './operational-contracts.js';

/**
 * The OpenAPI document, assembled from the route contracts (route-contract.ts): paths, parameters,
 * request bodies and every answer come from the zod shapes the routes declare. What is written
 * here is only what belongs to no route: the title, the security scheme, the named components.
 */

type Schema = z.ZodType<unknown, z.ZodTypeDef, unknown>;
type Json = Record<string, unknown>;

const plain = (schema: Schema): Json =>
  // Requests are documented as the client writes them (before any transform).
  zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none', effectStrategy: 'input' });
const NAMED = Object.entries(NAMED_VIEWS).map(([name, view]) => [name, JSON.stringify(plain(view))] as const);
/** Replaces every subtree that is a named view (below the root when `keepRoot`) by a `$ref` to it. */
const referenced = (node: unknown, keepRoot = false): unknown => {
  if (typeof node !== 'object' || node === null) return node;
  if (!keepRoot) {
    const text = JSON.stringify(node);
    const named = NAMED.find(([, json]) => json === text);
    if (named) return { $ref: `#/components/schemas/${named[0]}` };
  }
  if (Array.isArray(node)) return node.map((item) => referenced(item));
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, referenced(value)]));
};
/** A shape as JSON Schema; a named view (or one inside it) is a `$ref` to its component. */
const jsonSchema = (schema: Schema): Json => referenced(plain(schema)) as Json;
const components = (): Json =>
  Object.fromEntries(
    Object.entries(NAMED_VIEWS).map(([name, view]) => [name, referenced(plain(view), true)]),
  );

function operationOf(path: string, contract: RouteContract): Json {
  const { request, responses } = contract;
  const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(contract.params?.[name!] ? { description: contract.params[name!] } : {}),
  }));
  const query = request?.query
    ? Object.entries(request.query.shape as Record<string, Schema>).map(([name, schema]) => {
        const { description, ...rest } = jsonSchema(schema);
        return {
          name,
          in: 'query',
          required: !schema.isOptional(),
          schema: rest,
          ...(description ? { description } : {}),
        };
      })
    : [];
  const parameters = [...pathParams, ...query, ...(request?.headers ?? [])];
  return {
    summary: contract.summary,
    ...(contract.description ? { description: contract.description } : {}),
    ...(contract.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(request?.body
      ? {
          requestBody: {
            required: !request.bodyOptional,
            content: { 'application/json': { schema: jsonSchema(request.body) } },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(responses).map(([status, answer]) => {
        const content = {
          ...answer.media,
          ...(answer.schema ? { 'application/json': { schema: jsonSchema(answer.schema) } } : {}),
        };
        return [
          status,
          { description: answer.description, ...(Object.keys(content).length ? { content } : {}) },
        ];
      }),
    ),
  };
}

/** The paths object of a set of operations and integrations' own path items. */
export function pathsOf(operations: readonly Operation[], documented: readonly DocumentedPaths[] = []): Json {
  const paths: Record<string, Json> = {};
  for (const { path, contract } of operations) {
    const full = path.replace(/\/$/, '') || '/';
    paths[full] = { ...paths[full], [contract.method]: operationOf(full, contract) };
  }
  for (const { base, paths: itemsAt } of documented)
    for (const [path, item] of Object.entries(itemsAt(base)))
      paths[path] = { ...paths[path], ...(item as Json) };
  return paths;
}

/** Prefixes every operation and documented base of a router mounted at `prefix`. */
const at = (prefix: string, router: ContractRouter<ApiEnv>) => ({
  operations: router.operations.map((op) => ({ ...op, path: `${prefix}${op.path}` })),
  documented: router.documentedPaths.map((d) => ({ ...d, base: `${prefix}${d.base}` })),
});

let v1: { operations: Operation[]; documented: DocumentedPaths[] } | undefined;
/**
 * The /v1 contracts, as app.ts mounts the route files. Building a router only registers handlers:
 * no service of the (absent) context is touched, so the document needs no running gateway.
 */
function v1Contracts() {
  if (!v1) {
    const unused = {} as GatewayContext & MessageRoutesContext;
    const parts = [
      at('/v1', apiRouter(unused)),
      at('/v1', messageRouter(unused)),
      at('/v1', webhookRouter({ webhooks: unused as never })),
    ];
    v1 = {
      operations: parts.flatMap((p) => p.operations),
      documented: parts.flatMap((p) => p.documented),
    };
  }
  return v1;
}

/** The OpenAPI document of the gateway's API, for `/openapi.json` and `/docs`. */
export function openApiDocument(serverUrl: string): Json {
  const { operations, documented } = v1Contracts();
  return {
    openapi: '3.0.3',
    info: {
      title: 'Zapgate API',
      version: '0.1.0',
      description:
        'WhatsApp notification gateway: businesses, channels, linking, notifications, templates, pacing, ' +
        'webhooks, and the settings of the booking-system integrations this gateway serves. The browser pages (/panel, /link, /support, /help, /assets) and the JSON they ' +
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
      schemas: components(),
    },
    paths: pathsOf([...operationalContracts, ...operations], documented),
  };
}
