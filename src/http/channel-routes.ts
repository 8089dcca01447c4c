import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { ApiEnv } from './auth.js';
import { toChannelView } from './channel-view-mapper.js';
import { auth, conflict, invalid, json, missing } from './contract-responses.js';
import { qrPageUrl, type GatewayContext } from './gateway-context.js';
import { jsonBody, validationError } from './http-errors.js';
import { ContractRouter, pathValue } from './route-contract.js';
import { schemas } from './schemas.js';
import { channelEventView, channelView, linkView, pairingCodeView } from './view-schemas.js';

/**
 * Several gateway nodes: a command the holder runs (reset, mode, pairing phone, delete) answers 409
 * `not_ready` when the holder did not confirm it in time, is stopping, or nobody holds the channel.
 */
const holderNotReady = conflict(
  'Several gateway nodes only: the node holding the channel has not confirmed it in time, is stopping, ' +
    'or the channel is changing hands after a node stopped (`not_ready`; `error.details.heldBy` names ' +
    'the holder, null while it changes hands). Try again in a few seconds.',
);

/**
 * A business's channels: under /v1/channels with its own key (`business`), or under
 * /v1/tenants/{tenantId}/channels with a support key (`support`; an unknown business is a 404).
 */
export function channelRouter(ctx: GatewayContext, scope: 'business' | 'support'): ContractRouter<ApiEnv> {
  const r = new ContractRouter<ApiEnv>();
  const channel = json('The channel', channelView);
  // Under /v1/tenants/{tenantId}, an unknown business is a 404 on every route.
  const baseErrors = scope === 'support' ? missing : auth;
  const view = async (tenantId: string, channelId: string) => {
    const found = await ctx.channels.get(tenantId, channelId);
    const link = await ctx.channels.qrPageToken(tenantId, channelId);
    return toChannelView(ctx.channels.snapshot(found), qrPageUrl(ctx, link.token));
  };
  const id = (c: Parameters<typeof pathValue>[0]) => pathValue(c, 'channelId');

  r.route(
    {
      method: 'get',
      path: '/',
      summary: 'List WhatsApp channels',
      responses: { 200: json('Channels (without their QR-page URL)', z.array(channelView)), ...baseErrors },
    },
    async (c) => {
      const channels = await ctx.channels.list(c.get('tenantId'));
      return c.json(channels.map((ch) => toChannelView(ctx.channels.snapshot(ch))));
    },
  );
  r.route(
    {
      method: 'post',
      path: '/',
      summary: 'Create a WhatsApp channel',
      request: { body: schemas.createChannel },
      responses: {
        201: channel,
        ...invalid,
        ...baseErrors,
        ...conflict(
          'The business already has the most channels allowed (MAX_CHANNELS_PER_BUSINESS, 20 by default; `error.details.limit`)',
        ),
      },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.createChannel);
      const created = await ctx.channels.create(c.get('tenantId'), body.name);
      return c.json(await view(created.tenantId, created.id), 201);
    },
  );
  r.route(
    {
      method: 'get',
      path: '/{channelId}',
      summary: 'A channel and its status',
      responses: { 200: channel, ...missing },
    },
    // A read is a read: the QR-page URL only while a link is live (the other routes issue one).
    async (c) => {
      const tenantId = c.get('tenantId');
      const found = await ctx.channels.get(tenantId, id(c));
      const link = await ctx.channels.liveQrPageToken(tenantId, found.id);
      return c.json(toChannelView(ctx.channels.snapshot(found), link && qrPageUrl(ctx, link.token)));
    },
  );
  r.route(
    {
      method: 'get',
      path: '/{channelId}/events',
      summary: 'Status history, newest first',
      responses: { 200: json('Events', z.array(channelEventView)), ...missing },
    },
    async (c) => {
      const events = await ctx.channels.events(c.get('tenantId'), id(c));
      return c.json(events.map((e) => ({ status: e.status, cause: e.cause, at: e.at.toISOString() })));
    },
  );
  r.route(
    {
      method: 'post',
      path: '/{channelId}/watch',
      summary: 'Start or extend linking (codes are generated only while someone looks)',
      description:
        'Each watch is a heartbeat of one viewer (the API client counts as one; each open panel window ' +
        'or QR page is another): call it every 20 s while you show the QR or code. Linking goes on ' +
        'while any viewer watched within the last 45 s, and stops LINK_GRACE_SECONDS (15 s) after the ' +
        'last one leaves (`unwatch`) or after LINK_WINDOW_SECONDS without any heartbeat. ' +
        'Each linking channel holds a WhatsApp socket: a business links at most MAX_LINKING_PER_BUSINESS ' +
        'channels at once (5 by default). Beyond that, this route, `qr` and `pairing-code` answer 429 ' +
        '`rate_limited` until one links or its window closes. While no QR or code has come, ' +
        '`link.stalled` says why after a while; `{"retry": true}` starts the attempt again at once.',
      request: { body: schemas.apiWatch, bodyOptional: true },
      responses: { 200: channel, ...missing },
    },
    async (c) => {
      // The body is optional: `{}` or none is a plain heartbeat.
      const text = await c.req.text();
      const body = text.trim()
        ? await jsonBody({ req: { text: () => Promise.resolve(text) } }, schemas.apiWatch)
        : {};
      await ctx.channels.watch(c.get('tenantId'), id(c), 'api', { retry: body.retry });
      return c.json(await view(c.get('tenantId'), id(c)));
    },
  );
  r.route(
    {
      method: 'post',
      path: '/{channelId}/unwatch',
      summary: 'Stop looking at the QR or code',
      description:
        'The API client closed its QR or code screen. Linking stops LINK_GRACE_SECONDS after the last ' +
        'viewer leaves (other viewers, such as an open panel window or QR page, keep it going).',
      responses: { 200: channel, ...missing },
    },
    async (c) => {
      await ctx.channels.unwatch(c.get('tenantId'), id(c));
      return c.json(await view(c.get('tenantId'), id(c)));
    },
  );
  r.route(
    {
      method: 'get',
      path: '/{channelId}/qr',
      summary: 'The current QR code (starts linking if needed)',
      request: { query: z.object({ format: schemas.qrFormat }) },
      responses: {
        200: {
          description: 'The QR as a PNG (default), an SVG, or with `format=raw` the text it encodes',
          media: {
            'image/png': { schema: { type: 'string', format: 'binary' } },
            'image/svg+xml': { schema: { type: 'string' } },
          },
          schema: z.object({ qr: z.string().describe('The text the QR encodes') }),
        },
        ...conflict(
          'Not ready yet (`not_ready`), already linked (`already_linked`), or the channel links by code (`conflict`)',
        ),
        ...invalid,
        ...missing,
      },
    },
    async (c) => {
      const format = schemas.qrFormat.safeParse(c.req.query('format') ?? undefined);
      if (!format.success) throw validationError(format.error, 'format');
      const qr = await ctx.channels.currentQr(c.get('tenantId'), id(c), format.data);
      c.header('cache-control', 'no-store');
      if (format.data === 'png')
        return c.body(new Uint8Array(qr as Buffer), 200, { 'content-type': 'image/png' });
      if (format.data === 'svg') return c.body(qr as string, 200, { 'content-type': 'image/svg+xml' });
      return c.json({ qr });
    },
  );
  r.route(
    {
      method: 'get',
      path: '/{channelId}/pairing-code',
      summary: 'The current pairing code (code mode)',
      responses: {
        200: json('The code to type on the phone', pairingCodeView),
        ...conflict(
          'The channel links by QR (`conflict`), or the code is not ready (`not_ready`; ' +
            '`details.field` is `phone` while the sending phone is unknown)',
        ),
        ...missing,
      },
    },
    async (c) => {
      const watched = await ctx.channels.watch(c.get('tenantId'), id(c));
      const current = toChannelView(ctx.channels.snapshot(watched));
      if (watched.linkMode !== 'code')
        throw new AppError('conflict', 'This channel links by QR code; support can switch it to code mode.');
      if (current.link?.needsPairingPhone) {
        throw new AppError('not_ready', 'Set the sending phone number first (PUT pairing-phone).', {
          details: { field: 'phone' },
        });
      }
      if (!current.link?.pairingCode)
        throw new AppError('not_ready', 'The code is being prepared; ask again in a moment.');
      return c.json(current.link.pairingCode);
    },
  );
  r.route(
    {
      method: 'put',
      path: '/{channelId}/pairing-phone',
      summary: 'The sending phone number for code mode',
      request: { body: schemas.pairingPhone },
      responses: { 200: channel, ...invalid, ...missing, ...holderNotReady },
    },
    async (c) => {
      const body = await jsonBody(c, schemas.pairingPhone);
      await ctx.channels.setPairingPhone(c.get('tenantId'), id(c), body.phone);
      return c.json(await view(c.get('tenantId'), id(c)));
    },
  );
  r.route(
    {
      method: 'post',
      path: '/{channelId}/reset',
      summary: 'Unlink, wipe credentials, revoke the QR-page link and issue a new one',
      responses: {
        200: json(
          'The channel and its new QR-page URL',
          z.object({ channel: channelView, qrPageUrl: z.string() }),
        ),
        ...missing,
        ...holderNotReady,
      },
    },
    async (c) => {
      const { qrPageToken } = await ctx.channels.reset(c.get('tenantId'), id(c));
      return c.json({
        channel: await view(c.get('tenantId'), id(c)),
        qrPageUrl: qrPageUrl(ctx, qrPageToken),
      });
    },
  );
  r.route(
    {
      method: 'put',
      path: '/{channelId}/link-mode',
      summary: 'Switch QR ⇄ code mode (support only)',
      ...(scope === 'business'
        ? { description: 'Always 403 with a business key: support uses /v1/tenants/{tenantId}/channels/….' }
        : {}),
      request: { body: schemas.linkMode },
      responses: scope === 'support' ? { 200: channel, ...invalid, ...missing, ...holderNotReady } : auth,
    },
    async (c) => {
      if (c.get('principal').kind !== 'operator')
        throw new AppError('forbidden', 'Only support can switch the link mode.');
      const body = await jsonBody(c, schemas.linkMode);
      await ctx.channels.setLinkMode(c.get('tenantId'), id(c), body.mode);
      return c.json(await view(c.get('tenantId'), id(c)));
    },
  );
  for (const action of ['pause', 'resume'] as const)
    r.route(
      {
        method: 'post',
        path: `/{channelId}/${action}`,
        ...(action === 'pause'
          ? {
              summary: 'Pause the channel’s queue',
              description:
                'Nothing is sent until resumed; waiting messages stay queued (or expire). Survives restarts.',
            }
          : {
              summary: 'Resume the channel’s queue',
              description:
                'Also after the device was removed on the phone (a new link resumes it by itself).',
            }),
        responses: { 200: channel, ...missing },
      },
      async (c) => {
        await ctx.channels[action](c.get('tenantId'), id(c));
        return c.json(await view(c.get('tenantId'), id(c)));
      },
    );
  r.route(
    {
      method: 'delete',
      path: '/{channelId}',
      summary: 'Delete a channel',
      description:
        'Logs the device out and wipes its credentials; waiting messages fail with `channel_removed`. ' +
        'Sent messages stay in the history.',
      responses: {
        200: json(
          'Deleted',
          z.object({
            deleted: z.literal(true),
            failedMessages: z.number().int().describe('Waiting messages failed as channel_removed'),
          }),
        ),
        ...missing,
        ...holderNotReady,
      },
    },
    async (c) => {
      const result = await ctx.channels.delete(c.get('tenantId'), id(c));
      return c.json({ deleted: true as const, ...result });
    },
  );
  r.route(
    {
      method: 'get',
      path: '/{channelId}/qr-page-link',
      summary: 'The standalone QR page link',
      responses: { 200: json('The link', linkView), ...missing },
    },
    async (c) => {
      const link = await ctx.channels.qrPageToken(c.get('tenantId'), id(c));
      return c.json({ url: qrPageUrl(ctx, link.token), expiresAt: link.expiresAt.toISOString() });
    },
  );
  return r;
}
