import { Hono } from 'hono';
import { AppError } from '../domain/errors.js';
import type { Language } from '../store/tenants-repository.js';
import { altegioSettingsRoutes } from '../integrations/altegio/http/altegio-settings-routes.js';
import { apiKeyAuth, requireBusinessKey, requireOperatorKey, type ApiEnv } from './auth.js';
import { toChannelView } from './channel-view-mapper.js';
import { panelLoginUrl, qrPageUrl, type GatewayContext } from './gateway-context.js';
import { jsonBody, validationError } from './http-errors.js';
import { schemas } from './schemas.js';

const serialiseTenant = (t: {
  id: string;
  name: string;
  timeZone: string;
  language: string;
  createdAt: Date;
}) => ({
  id: t.id,
  name: t.name,
  timeZone: t.timeZone,
  language: t.language,
  createdAt: t.createdAt.toISOString(),
});

/** Channel routes; the tenant comes from the API key, or from the path for support operators. */
function channelRoutes(ctx: GatewayContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const view = async (tenantId: string, channelId: string) => {
    const channel = await ctx.channels.get(tenantId, channelId);
    const link = await ctx.channels.qrPageToken(tenantId, channelId);
    return toChannelView(ctx.channels.snapshot(channel), qrPageUrl(ctx, link.token));
  };

  app.get('/', async (c) => {
    const tenantId = c.get('tenantId');
    const channels = await ctx.channels.list(tenantId);
    return c.json(channels.map((channel) => toChannelView(ctx.channels.snapshot(channel))));
  });
  app.post('/', async (c) => {
    const body = await jsonBody(c, schemas.createChannel);
    const channel = await ctx.channels.create(c.get('tenantId'), body.name);
    return c.json(await view(channel.tenantId, channel.id), 201);
  });
  app.get('/:id', async (c) => c.json(await view(c.get('tenantId'), c.req.param('id'))));
  app.get('/:id/events', async (c) => {
    const events = await ctx.channels.events(c.get('tenantId'), c.req.param('id'));
    return c.json(events.map((e) => ({ status: e.status, cause: e.cause, at: e.at.toISOString() })));
  });
  app.post('/:id/watch', async (c) => {
    // The body is optional: `{}` or none is a plain heartbeat.
    const text = await c.req.text();
    const body = text.trim()
      ? await jsonBody({ req: { text: () => Promise.resolve(text) } }, schemas.apiWatch)
      : {};
    await ctx.channels.watch(c.get('tenantId'), c.req.param('id'), 'api', { retry: body.retry });
    return c.json(await view(c.get('tenantId'), c.req.param('id')));
  });
  // The API client stops looking (its own QR screen closed): linking stops once nobody else looks.
  app.post('/:id/unwatch', async (c) => {
    await ctx.channels.unwatch(c.get('tenantId'), c.req.param('id'));
    return c.json(await view(c.get('tenantId'), c.req.param('id')));
  });
  app.get('/:id/qr', async (c) => {
    const format = schemas.qrFormat.safeParse(c.req.query('format') ?? undefined);
    if (!format.success) throw validationError(format.error, 'format');
    const qr = await ctx.channels.currentQr(c.get('tenantId'), c.req.param('id'), format.data);
    c.header('cache-control', 'no-store');
    if (format.data === 'png')
      return c.body(new Uint8Array(qr as Buffer), 200, { 'content-type': 'image/png' });
    if (format.data === 'svg') return c.body(qr as string, 200, { 'content-type': 'image/svg+xml' });
    return c.json({ qr });
  });
  app.get('/:id/pairing-code', async (c) => {
    const channel = await ctx.channels.watch(c.get('tenantId'), c.req.param('id'));
    const current = toChannelView(ctx.channels.snapshot(channel));
    if (channel.linkMode !== 'code')
      throw new AppError('conflict', 'This channel links by QR code; support can switch it to code mode.');
    if (current.link?.needsPairingPhone) {
      throw new AppError('not_ready', 'Set the sending phone number first (PUT pairing-phone).', {
        details: { field: 'phone' },
      });
    }
    if (!current.link?.pairingCode)
      throw new AppError('not_ready', 'The code is being prepared; ask again in a moment.');
    return c.json(current.link.pairingCode);
  });
  app.put('/:id/pairing-phone', async (c) => {
    const body = await jsonBody(c, schemas.pairingPhone);
    await ctx.channels.setPairingPhone(c.get('tenantId'), c.req.param('id'), body.phone);
    return c.json(await view(c.get('tenantId'), c.req.param('id')));
  });
  app.post('/:id/reset', async (c) => {
    const { qrPageToken } = await ctx.channels.reset(c.get('tenantId'), c.req.param('id'));
    return c.json({
      channel: await view(c.get('tenantId'), c.req.param('id')),
      qrPageUrl: qrPageUrl(ctx, qrPageToken),
    });
  });
  app.put('/:id/link-mode', async (c) => {
    if (c.get('principal').kind !== 'operator')
      throw new AppError('forbidden', 'Only support can switch the link mode.');
    const body = await jsonBody(c, schemas.linkMode);
    await ctx.channels.setLinkMode(c.get('tenantId'), c.req.param('id'), body.mode);
    return c.json(await view(c.get('tenantId'), c.req.param('id')));
  });
  app.post('/:id/pause', async (c) => {
    await ctx.channels.pause(c.get('tenantId'), c.req.param('id'));
    return c.json(await view(c.get('tenantId'), c.req.param('id')));
  });
  app.post('/:id/resume', async (c) => {
    await ctx.channels.resume(c.get('tenantId'), c.req.param('id'));
    return c.json(await view(c.get('tenantId'), c.req.param('id')));
  });
  app.delete('/:id', async (c) => {
    const result = await ctx.channels.delete(c.get('tenantId'), c.req.param('id'));
    return c.json({ deleted: true, ...result });
  });
  app.get('/:id/qr-page-link', async (c) => {
    const link = await ctx.channels.qrPageToken(c.get('tenantId'), c.req.param('id'));
    return c.json({ url: qrPageUrl(ctx, link.token), expiresAt: link.expiresAt.toISOString() });
  });
  return app;
}

/** The REST API under /v1: Bearer API keys, one business per key; support keys reach every business. */
export function apiRoutes(ctx: GatewayContext): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('*', apiKeyAuth(ctx.tenants));
  const requireTenant = requireBusinessKey(
    'This route takes a business API key; support uses /v1/tenants/{tenantId}/….',
  );
  const requireOperator = requireOperatorKey;

  // A business's own key.
  app.use('/channels/*', requireTenant);
  app.use('/channels', requireTenant);
  app.route('/channels', channelRoutes(ctx));
  app.use('/altegio/*', requireTenant);
  app.use('/altegio', requireTenant);
  app.route('/altegio', altegioSettingsRoutes(ctx));
  app.use('/tenant/*', requireTenant);
  app.use('/tenant', requireTenant);
  app.get('/tenant', async (c) => c.json(serialiseTenant(await ctx.tenants.get(c.get('tenantId')))));
  app.patch('/tenant', async (c) => {
    const body = await jsonBody(c, schemas.updateTenant);
    return c.json(
      serialiseTenant(
        await ctx.tenants.update(c.get('tenantId'), {
          ...body,
          language: body.language as Language | undefined,
        }),
      ),
    );
  });
  app.post('/tenant/panel-login-links', async (c) => {
    const link = await ctx.tenants.issuePanelLogin(c.get('tenantId'));
    return c.json({ url: panelLoginUrl(ctx, link.token), expiresAt: link.expiresAt.toISOString() }, 201);
  });
  app.post('/tenant/api-keys', async (c) => {
    const body = await jsonBody(c, schemas.apiKey);
    return c.json(await ctx.tenants.issueApiKey(c.get('tenantId'), body.label), 201);
  });
  // The business's own keys: listed without the keys, issued, revoked (rotation without support).
  app.use('/api-keys/*', requireTenant);
  app.use('/api-keys', requireTenant);
  app.get('/api-keys', async (c) => {
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
  });
  app.post('/api-keys', async (c) => {
    const body = await jsonBody(c, schemas.apiKey);
    const tenantId = c.get('tenantId');
    const issued = await ctx.tenants.issueApiKey(tenantId, body.label);
    const summary = (await ctx.tenants.listApiKeys(tenantId)).find((k) => k.id === issued.id);
    return c.json(
      {
        id: issued.id,
        key: issued.key,
        label: body.label,
        hint: summary?.hint ?? null,
        createdAt: (summary?.createdAt ?? new Date()).toISOString(),
      },
      201,
    );
  });
  app.delete('/api-keys/:keyId', async (c) => {
    const keyId = c.req.param('keyId');
    if (!(await ctx.tenants.revokeApiKey(c.get('tenantId'), keyId)))
      throw new AppError('not_found', 'No such API key (or it is already revoked).', { details: { keyId } });
    return c.json({ id: keyId, revoked: true });
  });

  // Support operators.
  app.use('/tenants/*', requireOperator);
  app.use('/tenants', requireOperator);
  app.post('/tenants', async (c) => {
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
  });
  app.get('/tenants', async (c) => c.json((await ctx.tenants.listForSupport()).map(serialiseTenant)));
  app.use('/tenants/:tenantId/*', async (c, next) => {
    const tenant = await ctx.tenants.get(c.req.param('tenantId') ?? '');
    c.set('tenantId', tenant.id);
    await next();
  });
  app.get('/tenants/:tenantId', async (c) =>
    c.json(serialiseTenant(await ctx.tenants.get(c.req.param('tenantId')))),
  );
  app.post('/tenants/:tenantId/panel-login-links', async (c) => {
    const link = await ctx.tenants.issuePanelLogin(c.get('tenantId'));
    return c.json({ url: panelLoginUrl(ctx, link.token), expiresAt: link.expiresAt.toISOString() }, 201);
  });
  app.route('/tenants/:tenantId/channels', channelRoutes(ctx));
  app.route('/tenants/:tenantId/altegio', altegioSettingsRoutes(ctx));
  return app;
}
