import type { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { MessageService, AcceptInput } from '../messages/message-service.js';
import type { MessageWaitingService } from '../messages/message-waiting-service.js';
import type { PacingService } from '../messages/pacing-service.js';
import type { TemplateService } from '../messages/template-service.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { businessKeyAuth, type ApiEnv } from './auth.js';
import { auth, conflict, invalid, json, missing, noContent } from './contract-responses.js';
import { jsonBody, statusForCode, validationError } from './http-errors.js';
import { checkJsonValue } from './request-guards.js';
import { toMessageEventView, toMessageView, toPacingView, toTemplateView } from './message-view-mapper.js';
import { ContractRouter, pathValue } from './route-contract.js';
import { schemas } from './schemas.js';
import { batchResultView, messageEventView, messageView, pacingView, templateView } from './view-schemas.js';

/** What the message routes call: add these services to GatewayContext. */
export interface MessageRoutesContext {
  readonly tenants: TenantService;
  readonly messages: MessageService;
  readonly templates: TemplateService;
  readonly pacing: PacingService;
  /** Why queued messages wait (reads show it); absent: reads leave `waiting` out. */
  readonly waiting?: MessageWaitingService | undefined;
}

/** The body's key and the Idempotency-Key header must agree when both are given. */
function idempotencyKey(headerValue: string | undefined, bodyValue: string | undefined): string | undefined {
  const header = headerValue?.trim() || undefined;
  if (header && header.length > 200)
    throw new AppError('invalid_input', 'Idempotency-Key: at most 200 characters.', {
      details: { field: 'Idempotency-Key' },
    });
  if (header && bodyValue && header !== bodyValue)
    throw new AppError('invalid_input', 'idempotencyKey: differs from the Idempotency-Key header.', {
      details: { field: 'idempotencyKey' },
    });
  return header ?? bodyValue;
}

const toAcceptInput = (
  body: ReturnType<typeof schemas.sendMessage.parse>,
  key: string | undefined,
): AcceptInput => ({
  ...body,
  idempotencyKey: key,
  // The API's rule: a key reused for a different message is a 409, not the first message.
  keyReuse: 'conflict',
});

const errorView = (error: AppError) => ({
  code: error.code,
  message: error.publicMessage,
  ...(error.details ? { details: error.details } : {}),
});

const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', maxLength: 200 },
  description:
    'A repeat of the same message with the same key returns the first message (200) instead of a new ' +
    'one; the key reused for a different message is refused (409)',
};

/**
 * Notifications, templates and pacing under /v1, for a business's own API key. Mount next to (or
 * inside) the /v1 API: it authenticates by itself when nothing before it has.
 */
export function messageRouter(ctx: MessageRoutesContext): ContractRouter<ApiEnv> {
  const r = new ContractRouter<ApiEnv>();
  // '/messages/*' matches '/messages' itself too: listing both ran the key check twice per request.
  const businessKey = businessKeyAuth(ctx.tenants, 'This route takes a business API key.');
  for (const path of ['/messages/*', '/templates/*', '/pacing']) r.app.use(path, businessKey);
  const message = json('The message', messageView);
  const template = json('The template', templateView);
  const pacing = json(
    'Effective settings, the overrides, and the time zone the window is read in',
    pacingView,
  );

  r.route(
    {
      method: 'post',
      path: '/messages',
      summary: 'Accept a notification: a text, or a template with variables',
      description:
        'Stored durably before the answer; sent later by the channel, paced. The recipient may be ' +
        'written in any common format. A missing template variable is a 400 naming `variables.<name>`.',
      request: { body: schemas.sendMessage, headers: [idempotencyHeader] },
      responses: {
        202: json('Accepted (queued)', messageView),
        200: message,
        ...invalid,
        ...conflict(
          'The idempotency key was already used for a different message (`error.details.messageId` names it)',
        ),
        ...auth,
      },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.sendMessage);
      const key = idempotencyKey(c.req.header('idempotency-key'), body.idempotencyKey);
      const { message, created } = await ctx.messages.accept(c.get('tenantId'), toAcceptInput(body, key));
      return c.json(toMessageView(message), created ? 202 : 200);
    },
  );

  r.route(
    {
      method: 'post',
      path: '/messages/batch',
      summary: 'Accept up to 100 notifications; each item is valid or invalid on its own',
      description:
        'The valid items are stored together; invalid ones come back with their error. With an ' +
        'Idempotency-Key (header or body), an item without its own key gets `<key>:<index>`.',
      request: {
        body: schemas.sendMessageBatch.extend({
          idempotencyKey: schemas.sendMessageBatchEnvelope.shape.idempotencyKey,
        }),
        headers: [idempotencyHeader],
      },
      responses: { 200: json('Per-item results, in order', batchResultView), ...invalid, ...auth },
    },
    async (c) => {
      // Items are checked one by one below (NULs, depth too): a bad item does not sink the others.
      const body = await jsonBody(
        c,
        schemas.sendMessageBatchEnvelope,
        (path) => path.length === 2 && path[0] === 'messages',
      );
      const batchKey = idempotencyKey(c.req.header('idempotency-key'), body.idempotencyKey);
      // Each item is validated on its own: a bad item does not sink the others.
      const parsed = body.messages.map((raw, index) => {
        try {
          checkJsonValue(raw, { at: ['messages', index] });
        } catch (error) {
          if (error instanceof AppError) return error;
          throw error;
        }
        const item = schemas.sendMessage.safeParse(raw);
        if (!item.success) return validationError(item.error);
        const key = item.data.idempotencyKey ?? (batchKey ? `${batchKey}:${index}` : undefined);
        return toAcceptInput(item.data, key);
      });
      const valid = parsed.filter((p): p is AcceptInput => !(p instanceof AppError));
      const accepted = valid.length > 0 ? await ctx.messages.acceptBatch(c.get('tenantId'), valid) : [];
      let next = 0;
      const results = parsed.map((p, index) => {
        const result = p instanceof AppError ? { outcome: 'invalid' as const, error: p } : accepted[next++]!;
        if (result.outcome === 'invalid')
          return { index, status: statusForCode(result.error.code), error: errorView(result.error) };
        return {
          index,
          status: result.outcome === 'accepted' ? 202 : 200,
          message: toMessageView(result.message),
        };
      });
      return c.json({
        accepted: results.filter((r) => r.status === 202).length,
        duplicates: results.filter((r) => r.status === 200).length,
        invalid: results.filter((r) => r.status >= 400).length,
        results,
      });
    },
  );

  r.route(
    {
      method: 'get',
      path: '/messages',
      summary: 'Messages, newest first, filtered and paginated',
      request: { query: schemas.listMessages },
      responses: {
        200: json(
          'A page',
          z.object({
            data: z.array(messageView),
            nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page'),
          }),
        ),
        ...invalid,
        ...auth,
      },
    },
    async (c) => {
      const query = schemas.listMessages.safeParse(c.req.query());
      if (!query.success) throw validationError(query.error);
      const tenantId = c.get('tenantId');
      const page = await ctx.messages.list(tenantId, query.data);
      const waiting = await ctx.waiting?.of(tenantId, page.messages);
      return c.json({
        data: page.messages.map((m) => toMessageView(m, waiting && (waiting.get(m.id) ?? null))),
        nextCursor: page.nextCursor,
      });
    },
  );
  r.route(
    {
      method: 'get',
      path: '/messages/{messageId}',
      summary: 'A message',
      responses: { 200: message, ...missing },
    },
    async (c) => {
      const tenantId = c.get('tenantId');
      const found = await ctx.messages.get(tenantId, pathValue(c, 'messageId'));
      const waiting = await ctx.waiting?.of(tenantId, [found]);
      return c.json(toMessageView(found, waiting && (waiting.get(found.id) ?? null)));
    },
  );
  r.route(
    {
      method: 'get',
      path: '/messages/{messageId}/events',
      summary: "A message's status history, oldest first",
      responses: { 200: json('Events', z.array(messageEventView)), ...missing },
    },
    async (c) =>
      c.json(
        (await ctx.messages.events(c.get('tenantId'), pathValue(c, 'messageId'))).map(toMessageEventView),
      ),
  );
  r.route(
    {
      method: 'post',
      path: '/messages/{messageId}/cancel',
      summary: 'Cancel a message still queued (failed, reason cancelled)',
      responses: {
        200: message,
        ...conflict('Already picked up for sending or finished; `details.status` says which'),
        ...missing,
      },
    },
    async (c) =>
      c.json(toMessageView(await ctx.messages.cancel(c.get('tenantId'), pathValue(c, 'messageId')))),
  );

  r.route(
    {
      method: 'get',
      path: '/templates',
      summary: "The business's templates",
      responses: { 200: json('Templates', z.array(templateView)), ...auth },
    },
    async (c) => c.json((await ctx.templates.list(c.get('tenantId'))).map(toTemplateView)),
  );
  const templateKey = (c: Parameters<typeof pathValue>[0]) =>
    [pathValue(c, 'name'), pathValue(c, 'language')] as const;
  r.route(
    {
      method: 'get',
      path: '/templates/{name}/{language}',
      summary: 'A template',
      responses: { 200: template, ...invalid, ...missing },
    },
    async (c) => c.json(toTemplateView(await ctx.templates.get(c.get('tenantId'), ...templateKey(c)))),
  );
  r.route(
    {
      method: 'put',
      path: '/templates/{name}/{language}',
      summary: 'Create or replace a template ({{variable}} or %VARIABLE% placeholders)',
      request: { body: schemas.putTemplate },
      responses: { 201: json('Created', templateView), 200: template, ...invalid, ...auth },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.putTemplate);
      const saved = await ctx.templates.put(c.get('tenantId'), ...templateKey(c), body.body);
      return c.json(toTemplateView(saved), saved.created ? 201 : 200);
    },
  );
  r.route(
    {
      method: 'delete',
      path: '/templates/{name}/{language}',
      summary: 'Delete a template',
      responses: { 204: noContent('Deleted'), ...invalid, ...missing },
    },
    async (c) => {
      await ctx.templates.delete(c.get('tenantId'), ...templateKey(c));
      return c.body(null, 204);
    },
  );

  r.route(
    {
      method: 'get',
      path: '/pacing',
      summary: "The business's pacing (anti-ban) settings",
      responses: { 200: pacing, ...auth },
    },
    async (c) => c.json(toPacingView(await ctx.pacing.get(c.get('tenantId')))),
  );
  r.route(
    {
      method: 'put',
      path: '/pacing',
      summary: 'Replace the pacing overrides (omitted settings take the defaults)',
      request: { body: schemas.pacing },
      responses: { 200: pacing, ...invalid, ...auth },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.pacing);
      return c.json(toPacingView(await ctx.pacing.set(c.get('tenantId'), body)));
    },
  );
  return r;
}

/** The message routes as a Hono app (app.ts mounts it under /v1). */
export const messageRoutes = (ctx: MessageRoutesContext): Hono<ApiEnv> => messageRouter(ctx).app;
