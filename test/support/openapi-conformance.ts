/**
 * Checks real HTTP answers against the gateway's OpenAPI 3.0 document: the status must be documented
 * for the operation, a JSON body must match the documented schema (with every object closed, so an
 * undocumented field fails), and other bodies must have a documented content type. It records which
 * operations and statuses were seen, for the coverage checks.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
type SchemaObject = Record<string, unknown>;

// ajv-formats is CommonJS with a `default` property; under NodeNext the import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** One operation of the document: `GET /v1/channels/{channelId}`. */
export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly id: string;
  readonly spec: Json;
  /** Path parameters declared at path or operation level. */
  readonly pathParams: readonly string[];
  readonly matcher: RegExp;
  readonly literalSegments: number;
}

/** An answer as the test saw it; `body` is parsed JSON for JSON answers, else text. */
export interface ObservedResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

/** 3.0: schemas are an OpenAPI dialect of draft-04/07 (`nullable`); 3.1: plain JSON Schema 2020-12. */
export type OpenApiDialect = '3.0' | '3.1';

/**
 * An OpenAPI schema → a JSON Schema for ajv, with every object that does not declare
 * `additionalProperties` closed (`false`): the document must declare a free-form object as such.
 * `$ref`s are inlined and `example`/`format: binary` dropped; for 3.0, `nullable` becomes a `null`
 * type (and a `null` enum member) and boolean `exclusiveMinimum/Maximum` become numbers.
 */
export function toStrictJsonSchema(
  schema: unknown,
  components: Json,
  dialect: OpenApiDialect = '3.0',
): SchemaObject {
  if (typeof schema !== 'object' || schema === null) return schema as SchemaObject;
  const source = schema as SchemaObject;
  if (typeof source.$ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(source.$ref)?.[1];
    const target = name === undefined ? undefined : components[name];
    if (target === undefined) throw new Error(`unresolvable $ref ${source.$ref}`);
    return toStrictJsonSchema(target, components, dialect);
  }
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'example' || key === 'xml' || key === 'externalDocs') continue;
    if (key === 'nullable' && dialect === '3.0') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([name, sub]) => [
          name,
          toStrictJsonSchema(sub, components, dialect),
        ]),
      );
    } else if (key === 'items' || key === 'not') {
      out[key] = toStrictJsonSchema(value, components, dialect);
    } else if (key === 'additionalProperties') {
      out[key] = typeof value === 'object' ? toStrictJsonSchema(value, components, dialect) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      // Members of a combination are validated on their own: closing them would reject each other's fields.
      out[key] = (value as unknown[]).map((sub) => ({
        ...toStrictJsonSchema(sub, components, dialect),
        additionalProperties: true,
      }));
    } else {
      out[key] = value;
    }
  }
  if (out.format === 'binary') delete out.format;
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (dialect !== '3.0' || typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive]) out[exclusive] = out[bound];
    else delete out[exclusive];
    if (out[exclusive] !== undefined) delete out[bound];
  }
  const isObject = out.type === 'object' || (out.type === undefined && out.properties !== undefined);
  if (isObject && out.additionalProperties === undefined) out.additionalProperties = false;
  if (dialect === '3.0' && source.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

const templateToRegex = (path: string): RegExp =>
  new RegExp(
    '^' +
      path
        .split('/')
        .map((segment) =>
          /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/') +
      '$',
  );

/** A path with its parameters anonymised, so `/x/:id` and `/x/{channelId}` compare equal. */
export const pathShape = (path: string): string =>
  path
    .replace(/\/+$/, '')
    .replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, '{}')
    .replace(/\{[^}]*\}/g, '{}') || '/';

/** Reads an OpenAPI 3.0 document and checks answers against it, recording what it saw. */
export class OpenApiConformance {
  readonly operations: readonly Operation[];
  /** Operation id → statuses seen. */
  readonly seen = new Map<string, Set<number>>();
  /** Every mismatch, with the call that showed it. */
  readonly mismatches: string[] = [];
  private readonly ajv: Ajv | Ajv2020;
  private readonly dialect: OpenApiDialect;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly reported = new Set<string>();
  private readonly components: Json;

  constructor(readonly doc: Json) {
    const version = String(doc.openapi);
    if (!/^3\.[01]\./.test(version)) throw new Error(`OpenAPI ${version}: this checker reads 3.0 and 3.1`);
    this.dialect = version.startsWith('3.0.') ? '3.0' : '3.1';
    const options = { strict: true, allErrors: true, allowUnionTypes: true };
    this.ajv = this.dialect === '3.0' ? new Ajv(options) : new Ajv2020(options);
    addFormats(this.ajv);
    this.components = ((doc.components as Json | undefined)?.schemas ?? {}) as Json;
    const operations: Operation[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const shared = (item.parameters ?? []) as Json[];
      for (const method of METHODS) {
        const spec = item[method] as Json | undefined;
        if (!spec) continue;
        const params = [...shared, ...((spec.parameters ?? []) as Json[])];
        operations.push({
          method: method.toUpperCase(),
          path,
          id: `${method.toUpperCase()} ${path}`,
          spec,
          pathParams: params.filter((p) => p.in === 'path').map((p) => String(p.name)),
          matcher: templateToRegex(path),
          literalSegments: path.split('/').filter((s) => s && !s.startsWith('{')).length,
        });
      }
    }
    this.operations = operations;
  }

  /** The documented operation a concrete request hits (literal segments win over parameters). */
  find(method: string, url: string): Operation | undefined {
    const path = new URL(url, 'http://x').pathname;
    return this.operations
      .filter((op) => op.method === method.toUpperCase() && op.matcher.test(path))
      .sort((a, b) => b.literalSegments - a.literalSegments)[0];
  }

  /** Checks one answer; a mismatch is recorded (see `mismatches`) rather than thrown. */
  check(method: string, url: string, response: ObservedResponse): void {
    const call = `${method} ${url} → ${response.status}`;
    const op = this.find(method, url);
    if (!op) {
      this.mismatches.push(`${call}: no documented operation`);
      return;
    }
    const statuses = this.seen.get(op.id) ?? new Set<number>();
    statuses.add(response.status);
    this.seen.set(op.id, statuses);
    const responses = op.spec.responses as Record<string, Json>;
    const documented = responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`];
    if (!documented) {
      this.mismatches.push(
        `${call}: status not documented for ${op.id} (${Object.keys(responses).join(', ')})`,
      );
      return;
    }
    const content = documented.content as Record<string, Json> | undefined;
    const mediaType = response.contentType.split(';')[0]!.trim().toLowerCase();
    if (!content || Object.keys(content).length === 0) {
      if (mediaType && response.body !== '')
        this.mismatches.push(`${call}: a ${mediaType} body, but ${op.id} documents no content for it`);
      return;
    }
    const media = content[mediaType];
    if (!media) {
      this.mismatches.push(
        `${call}: content type "${mediaType}" not documented (${Object.keys(content).join(', ')})`,
      );
      return;
    }
    if (mediaType !== 'application/json') return;
    if (!media.schema) {
      this.mismatches.push(`${call}: a JSON body, but ${op.id} documents no schema for it`);
      return;
    }
    const validate = this.validator(`${op.id} ${response.status}`, media.schema);
    if (!validate(response.body)) {
      const problems = (validate.errors ?? [])
        .map(
          (e) =>
            `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params ? ' ' + JSON.stringify(e.params) : ''}`,
        )
        .join('; ');
      // Once per operation, status and problem: a drift shows once, not on every call.
      const key = `${op.id} ${response.status} ${problems}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
      this.mismatches.push(`${call}: body does not match the schema: ${problems}`);
    }
  }

  /** Documented (operation, status) pairs never seen. */
  unseenResponses(): string[] {
    return this.operations.flatMap((op) =>
      Object.keys(op.spec.responses as Json)
        .filter((status) => !this.seen.get(op.id)?.has(Number(status)))
        .map((status) => `${op.id} ${status}`),
    );
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toStrictJsonSchema(schema, this.components, this.dialect));
      this.validators.set(key, validate);
    }
    return validate;
  }
}
