import { Hono, type Env, type Handler, type MiddlewareHandler } from 'hono';
import type { z } from 'zod';

/**
 * A route declared with its contract: the method and path, what it takes (body, query, headers) and
 * every answer it gives (status → description and zod shape). The handler is registered on a Hono
 * app and the contract kept beside it; openapi.ts assembles the document from the contracts, so no
 * path, request or response shape is written a second time.
 *
 * Handlers still parse their input with `jsonBody` / `validationError` (http-errors.ts) against the
 * same zod schemas the contract names: the 400 they give (field and kind of problem) is the API's.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Schema = z.ZodType<unknown, z.ZodTypeDef, unknown>;

export interface ResponseContract {
  readonly description: string;
  /** The JSON body; absent for an answer without a body (204) or with other media (`media`). */
  readonly schema?: Schema;
  /** Non-JSON answers, as OpenAPI media objects by content type (e.g. `image/png`). */
  readonly media?: Readonly<Record<string, object>>;
}

export interface RouteContract {
  readonly method: Method;
  /** The path below where the router is mounted, OpenAPI style: `/channels/{channelId}`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly request?: {
    readonly body?: Schema;
    /** The body may be left out altogether (an empty body is the same as `{}`). */
    readonly bodyOptional?: boolean;
    /** Query parameters: each property of this object is one. */
    readonly query?: z.AnyZodObject;
    /** Header parameters, as OpenAPI parameter objects. */
    readonly headers?: readonly object[];
  };
  /** Descriptions of path parameters (every `{name}` in the path is a required string anyway). */
  readonly params?: Readonly<Record<string, string>>;
  readonly responses: Readonly<Record<number, ResponseContract>>;
  /** No API key (health, metrics, this document). */
  readonly public?: boolean;
}

/** A contract at its full path (the mount prefixes applied). */
export interface Operation {
  readonly path: string;
  readonly contract: RouteContract;
}

/**
 * Routes that bring their own OpenAPI path items instead of contracts (an integration not yet
 * declared with contracts): `paths(base)` gives the items for the routes mounted at `base`.
 */
export interface DocumentedPaths {
  readonly base: string;
  readonly paths: (base: string) => Record<string, unknown>;
}

/** `{channelId}` → `:channelId`. */
const honoPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/**
 * A Hono app whose routes each carry their contract. `mount` nests another router under a prefix
 * (like `app.route`), its contracts moving with it; `operations` is what the document is built from.
 */
export class ContractRouter<E extends Env = Env> {
  readonly app: Hono<E>;
  private readonly own: Operation[] = [];
  private readonly mounted: Array<{ prefix: string; router: ContractRouter<E> }> = [];
  private readonly documented: DocumentedPaths[] = [];

  constructor(app: Hono<E> = new Hono<E>()) {
    this.app = app;
  }

  /** Registers `handlers` (middleware first, the handler last) for the contract's method and path. */
  route(contract: RouteContract, ...handlers: [...MiddlewareHandler<E>[], Handler<E>]): this {
    this.app.on(contract.method.toUpperCase(), honoPath(contract.path), ...(handlers as [Handler<E>]));
    this.own.push({ path: contract.path, contract });
    return this;
  }

  /** Nests `router` under `prefix` (OpenAPI style, e.g. `/tenants/{tenantId}/channels`). */
  mount(prefix: string, router: ContractRouter<E>): this {
    this.app.route(honoPath(prefix), router.app);
    this.mounted.push({ prefix, router });
    return this;
  }

  /** Nests a plain Hono app whose OpenAPI path items come from `paths(base)` (see DocumentedPaths). */
  mountDocumented(prefix: string, app: Hono<E>, paths: DocumentedPaths['paths']): this {
    this.app.route(honoPath(prefix), app);
    this.documented.push({ base: prefix, paths });
    return this;
  }

  /** The path items of the plain apps mounted here and below, at their full base. */
  get documentedPaths(): DocumentedPaths[] {
    return [
      ...this.documented,
      ...this.mounted.flatMap(({ prefix, router }) =>
        router.documentedPaths.map((d) => ({ ...d, base: `${prefix}${d.base}` })),
      ),
    ];
  }

  /** Every contract of this router and the ones mounted in it, at its full path. */
  get operations(): Operation[] {
    return [
      ...this.own,
      ...this.mounted.flatMap(({ prefix, router }) =>
        router.operations.map((op) => ({ ...op, path: `${prefix}${op.path === '/' ? '' : op.path}` })),
      ),
    ];
  }
}

/** Path values in a handler: `{channelId}` in the contract is `c.req.param('channelId')`. */
export const pathValue = (c: { req: { param(name: string): string | undefined } }, name: string): string =>
  c.req.param(name) ?? '';
