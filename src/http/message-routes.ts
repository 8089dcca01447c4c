import { Hono } from 'hono';
import { AppError } from '../domain/errors.js';
import type { MessageService, AcceptInput } from '../messages/message-service.js';
import type { MessageWaitingService } from '../messages/message-waiting-service.js';
import type { PacingService } from '../messages/pacing-service.js';
import type { TemplateService } from '../messages/template-service.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { apiKeyAuth, requireBusinessKey, type ApiEnv } from './auth.js';
import { jsonBody, statusForCode, validationError } from './http-errors.js';
import { checkJsonValue } from './request-guards.js';
import { toMessageEventView, toMessageView, toPacingView, toTemplateView } from './message-view-mapper.js';
import { schemas } from './schemas.js';

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

/**
 * Notifications, templates and pacing under /v1, for a business's own API key. Mount next to (or
 * inside) the /v1 API: it authenticates by itself when nothing before it has.
 */
export function messageRoutes(ctx: MessageRoutesContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  for (const path of ['/messages', '/messages/*', '/templates', '/templates/*', '/pacing'])
    app.use(path, apiKeyAuth(ctx.tenants), requireBusinessKey('This route takes a business API key.'));

  app.post('/messages', async (c) => {
    const body = await jsonBody(c, schemas.sendMessage);
    const key = idempotencyKey(c.req.header('idempotency-key'), body.idempotencyKey);
    const { message, created } = await ctx.messages.accept(c.get('tenantId'), toAcceptInput(body, key));
    return c.json(toMessageView(message), created ? 202 : 200);
  });

  app.post('/messages/batch', async (c) => {
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
  });

  app.get('/messages', async (c) => {
    const query = schemas.listMessages.safeParse(c.req.query());
    if (!query.success) throw validationError(query.error);
    const tenantId = c.get('tenantId');
    const page = await ctx.messages.list(tenantId, query.data);
    const waiting = await ctx.waiting?.of(tenantId, page.messages);
    return c.json({
      data: page.messages.map((m) => toMessageView(m, waiting && (waiting.get(m.id) ?? null))),
      nextCursor: page.nextCursor,
    });
  });
  app.get('/messages/:id', async (c) => {
    const tenantId = c.get('tenantId');
    const message = await ctx.messages.get(tenantId, c.req.param('id'));
    const waiting = await ctx.waiting?.of(tenantId, [message]);
    return c.json(toMessageView(message, waiting && (waiting.get(message.id) ?? null)));
  });
  app.get('/messages/:id/events', async (c) =>
    c.json((await ctx.messages.events(c.get('tenantId'), c.req.param('id'))).map(toMessageEventView)),
  );
  app.post('/messages/:id/cancel', async (c) =>
    c.json(toMessageView(await ctx.messages.cancel(c.get('tenantId'), c.req.param('id')))),
  );

  app.get('/templates', async (c) =>
    c.json((await ctx.templates.list(c.get('tenantId'))).map(toTemplateView)),
  );
  app.get('/templates/:name/:language', async (c) =>
    c.json(
      toTemplateView(
        await ctx.templates.get(c.get('tenantId'), c.req.param('name'), c.req.param('language')),
      ),
    ),
  );
  app.put('/templates/:name/:language', async (c) => {
    const body = await jsonBody(c, schemas.putTemplate);
    const saved = await ctx.templates.put(
      c.get('tenantId'),
      c.req.param('name'),
      c.req.param('language'),
      body.body,
    );
    return c.json(toTemplateView(saved), saved.created ? 201 : 200);
  });
  app.delete('/templates/:name/:language', async (c) => {
    await ctx.templates.delete(c.get('tenantId'), c.req.param('name'), c.req.param('language'));
    return c.body(null, 204);
  });

  app.get('/pacing', async (c) => c.json(toPacingView(await ctx.pacing.get(c.get('tenantId')))));
  app.put('/pacing', async (c) => {
    const body = await jsonBody(c, schemas.pacing);
    return c.json(toPacingView(await ctx.pacing.set(c.get('tenantId'), body)));
  });
  return app;
}
