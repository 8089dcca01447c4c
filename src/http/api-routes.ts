import type { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { Language } from '../store/tenants-repository.js';
import { apiKeyAuth, requireBusinessKey, requireOperatorKey, type ApiEnv } from './auth.js';
import { channelRouter } from './channel-routes.js';
import { auth, invalid, json, missing } from './contract-responses.js';
import { panelLoginUrl, qrPageUrl, type GatewayContext } from './gateway-context.js';
import { jsonBody } from './http-errors.js';
import { ContractRouter, pathValue } from './route-contract.js';
import { schemas } from './schemas.js';
import { apiKeyView, issuedApiKeyView, linkView, tenantView, type TenantView } from './view-schemas.js';

const serialiseTenant = (t: {
  id: string;
  name: string;
  timeZone: string;
  language: string;
  createdAt: Date;
}): TenantView => ({
  id: t.id,
  name: t.name,
  timeZone: t.timeZone,
  language: t.language,
  createdAt: t.createdAt.toISOString(),
});

/**
 * The REST API under /v1 with its contracts: Bearer API keys, one business per key; support keys
 * reach every business under /v1/tenants/{tenantId}.
 */
export function apiRouter(ctx: GatewayContext): ContractRouter<ApiEnv> {
  const r = new ContractRouter<ApiEnv>();
  const app = r.app;
  app.use('*', apiKeyAuth(ctx.tenants));
  const requireTenant = requireBusinessKey(
    'This route takes a business API key; support uses /v1/tenants/{tenantId}/….',
  );
  const tenant = json('The business', tenantView);
  const loginLink = json('The login link', linkView);

  // A business's own key.
  const withApi = (ctx.integrations?.all() ?? []).flatMap((i) =>
    i.apiRoutes
      ? [
          {
            name: i.name,
            routes: () => i.apiRoutes!(),
            paths: (base: string) => (i.openApiPaths ? i.openApiPaths(base) : {}),
          },
        ]
      : [],
  );
  for (const path of ['/channels', '/tenant', '/api-keys', ...withApi.map((i) => `/${i.name}`)])
    app.use(path, requireTenant).use(`${path}/*`, requireTenant);
  r.mount('/channels', channelRouter(ctx, 'business'));
  // Each integration's settings API at /v1/<name>, with its documented paths.
  for (const i of withApi) r.mountDocumented(`/${i.name}`, i.routes(), i.paths);
  r.route(
    {
      method: 'get',
      path: '/tenant',
      summary: 'The business of this API key',
      responses: { 200: tenant, ...auth },
    },
    async (c) => c.json(serialiseTenant(await ctx.tenants.get(c.get('tenantId')))),
  );
  r.route(
    {
      method: 'patch',
      path: '/tenant',
      summary: 'Update name, time zone, language',
      request: { body: schemas.updateTenant },
      responses: { 200: tenant, ...invalid, ...auth },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.updateTenant);
      const updated = await ctx.tenants.update(c.get('tenantId'), {
        ...body,
        language: body.language as Language | undefined,
      });
      return c.json(serialiseTenant(updated));
    },
  );
  r.route(
    {
      method: 'post',
      path: '/tenant/panel-login-links',
      summary: 'A one-time link into the panel',
      responses: { 201: loginLink, ...auth },
    },
    async (c) => {
      const link = await ctx.tenants.issuePanelLogin(c.get('tenantId'));
      return c.json({ url: panelLoginUrl(ctx, link.token), expiresAt: link.expiresAt.toISOString() }, 201);
    },
  );
  r.route(
    {
      method: 'post',
      path: '/tenant/api-keys',
      summary: 'Issue another API key (shown once)',
      request: { body: schemas.apiKey },
      responses: {
        201: json('The key, shown only now', z.object({ id: z.string(), key: z.string() })),
        ...invalid,
        ...auth,
      },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.apiKey);
      const { id, key } = await ctx.tenants.issueApiKey(c.get('tenantId'), body.label);
      return c.json({ id, key }, 201);
    },
  );
  // The business's own keys: listed without the keys, issued, revoked (rotation without support).
  r.route(
    {
      method: 'get',
      path: '/api-keys',
      summary: "This business's live API keys (never the keys themselves)",
      responses: {
        200: json('Keys, oldest first; `current` marks the key making this request', z.array(apiKeyView)),
        ...auth,
      },
    },
    async (c) => {
      const principal = c.get('principal');
      const current = principal.kind === 'tenant' ? principal.keyId : undefined;
      const keys = await ctx.tenants.listApiKeys(c.get('tenantId'));
      return c.json(
        keys.map((k) => ({
          id: k.id,
          label: k.label,
          hint: k.hint,
          createdAt: k.createdAt.toISOString(),
          current: k.id === current,
        })),
      );
    },
  );
  r.route(
    {
      method: 'post',
      path: '/api-keys',
      summary: 'Issue an API key (the key is shown once)',
      request: { body: schemas.apiKey },
      responses: {
        201: json('The key, shown only now, and how the list will show it', issuedApiKeyView),
        ...invalid,
        ...auth,
      },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.apiKey);
      const tenantId = c.get('tenantId');
      const issued = await ctx.tenants.issueApiKey(tenantId, body.label);
      return c.json(
        {
          id: issued.id,
          key: issued.key,
          label: body.label,
          hint: issued.hint,
          createdAt: issued.createdAt.toISOString(),
        },
        201,
      );
    },
  );
  r.route(
    {
      method: 'delete',
      path: '/api-keys/{keyId}',
      summary: 'Revoke one of this business’s API keys (at once on this node, within 5 s on others)',
      responses: { 200: json('Revoked', z.object({ id: z.string(), revoked: z.literal(true) })), ...missing },
    },
    async (c) => {
      const keyId = pathValue(c, 'keyId');
      if (!(await ctx.tenants.revokeApiKey(c.get('tenantId'), keyId)))
        throw new AppError('not_found', 'No such API key (or it is already revoked).', {
          details: { keyId },
        });
      return c.json({ id: keyId, revoked: true });
    },
  );

  // Support operators.
  app.use('/tenants/*', requireOperatorKey);
  app.use('/tenants', requireOperatorKey);
  r.route(
    {
      method: 'post',
      path: '/tenants',
      summary: 'Create a business with its first channel (support)',
      request: { body: schemas.createTenant },
      responses: {
        201: json(
          'The business, its first channel, its first API key (shown only now) and links',
          z.object({
            tenant: tenantView,
            channelId: z.string(),
            apiKey: z.string(),
            panelLoginUrl: z.string(),
            qrPageUrl: z.string(),
          }),
        ),
        ...invalid,
        ...auth,
      },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.createTenant);
      const created = await ctx.tenants.create({ ...body, language: body.language as Language });
      const login = await ctx.tenants.issuePanelLogin(created.tenant.id);
      const link = await ctx.channels.qrPageToken(created.tenant.id, created.channelId);
      return c.json(
        {
          tenant: serialiseTenant(created.tenant),
          channelId: created.channelId,
          apiKey: created.apiKey,
          panelLoginUrl: panelLoginUrl(ctx, login.token),
          qrPageUrl: qrPageUrl(ctx, link.token),
        },
        201,
      );
    },
  );
  r.route(
    {
      method: 'get',
      path: '/tenants',
      summary: 'Every business (support)',
      responses: { 200: json('Businesses', z.array(tenantView)), ...auth },
    },
    async (c) => c.json((await ctx.tenants.listForSupport()).map(serialiseTenant)),
  );
  app.use('/tenants/:tenantId/*', async (c, next) => {
    const found = await ctx.tenants.get(c.req.param('tenantId') ?? '');
    c.set('tenantId', found.id);
    await next();
  });
  r.route(
    {
      method: 'get',
      path: '/tenants/{tenantId}',
      summary: 'A business (support)',
      responses: { 200: tenant, ...missing },
    },
    async (c) => c.json(serialiseTenant(await ctx.tenants.get(pathValue(c, 'tenantId')))),
  );
  r.route(
    {
      method: 'post',
      path: '/tenants/{tenantId}/panel-login-links',
      summary: 'A panel login link for a business (support)',
      responses: { 201: loginLink, ...missing },
    },
    async (c) => {
      const link = await ctx.tenants.issuePanelLogin(c.get('tenantId'));
      return c.json({ url: panelLoginUrl(ctx, link.token), expiresAt: link.expiresAt.toISOString() }, 201);
    },
  );
  r.mount('/tenants/{tenantId}/channels', channelRouter(ctx, 'support'));
  for (const i of withApi) r.mountDocumented(`/tenants/{tenantId}/${i.name}`, i.routes(), i.paths);
  return r;
}

/** The /v1 API as a Hono app (app.ts mounts it under /v1). */
export const apiRoutes = (ctx: GatewayContext): Hono<ApiEnv> => apiRouter(ctx).app;
