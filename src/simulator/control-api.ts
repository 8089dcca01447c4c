import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { SimulatorError, type SimulatorErrorCode } from './errors.js';
import { phoneUiRoutes } from './phone-ui/index.js';
import { qrFromImageRequest } from './qr-image.js';
import type { SimulatorControl } from './control-surface.js';

const statusOf: Record<SimulatorErrorCode, 400 | 404 | 409 | 422> = {
  invalid_request: 400,
  unknown_phone: 404,
  unknown_device: 404,
  phone_exists: 409,
  qr_expired: 409,
  no_pending_code: 409,
  no_whatsapp: 409,
  not_linked: 409,
  qr_invalid: 422,
  qr_unreadable: 422,
  code_wrong: 422,
  link_failed: 409,
  passkey_required: 409,
};

const phoneBody = z.object({
  phone: z.string().min(1),
  name: z.string().min(1).max(100).optional(),
  business: z.boolean().optional(),
  hasWhatsApp: z.boolean().optional(),
  os: z.enum(['android', 'ios']).optional(),
  lidAddressed: z.boolean().optional(),
  chats: z
    .array(
      z.object({
        phone: z.string().regex(/^\+?\d{6,15}$/),
        lid: z
          .string()
          .regex(/^\d{1,20}$/)
          .optional(),
        tcToken: z.string().base64().min(4).max(256).optional(),
        text: z.string().max(4096).optional(),
      }),
    )
    .max(1000)
    .optional(),
  historySync: z.boolean().optional(),
});
const strictBody = z.object({ strict: z.boolean() });
const onlineBody = z.object({ online: z.boolean() });
const capBody = z.object({
  quota: z.number().int().min(0).max(1_000_000).nullable(),
  cycleDays: z.number().int().min(1).max(31).optional(),
});
const versionText = z.string().regex(/^\d{1,4}\.\d{1,6}\.\d{1,12}$/, 'must look like 2.3000.1043857760');
const clientVersionBody = z.object({
  current: versionText.optional(),
  minimum: versionText.nullable().optional(),
});
const toVersion = (text: string): [number, number, number] => {
  const [a, b, c] = text.split('.').map(Number);
  return [a!, b!, c!];
};
const addressingBody = z.object({ lidAddressed: z.boolean() });
const timelockBody = z.object({
  active: z.boolean(),
  minutes: z.number().int().positive().max(525_600).optional(),
});
const scanBody = z.object({ qr: z.string().min(1) });
const codeBody = z.object({ code: z.string().min(1) });
const messageBody = z.object({ to: z.string().min(1), text: z.string().min(1).max(65_536) });
const faultBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('drop'), phone: z.string().optional() }),
  z.object({ kind: z.literal('silence'), phone: z.string() }),
  z.object({ kind: z.literal('replace'), phone: z.string() }),
  z.object({
    kind: z.literal('error-ack'),
    phone: z.string(),
    code: z.union([z.literal(463), z.literal(479)]),
    count: z.number().int().positive().optional(),
    timelock: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('refuse-logins'),
    phone: z.string(),
    enabled: z.boolean(),
    reason: z.number().int().optional(),
  }),
]);

const epochMs = z.coerce.number().int().nonnegative();
const paceQuery = z
  .object({ from: epochMs, to: epochMs })
  .refine(({ from, to }) => from <= to, { message: 'from must not be after to', path: ['from'] });

function parseQuery<T>(c: Context, schema: z.ZodType<T>): T {
  return validated(schema, c.req.query(), 'query');
}

async function parseBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new SimulatorError('invalid_request', 'the body must be JSON');
  }
  return validated(schema, raw, 'body');
}

/** `raw` checked against `schema`; a 400 naming the first wrong field (or `where`) otherwise. */
function validated<T>(schema: z.ZodType<T>, raw: unknown, where: 'body' | 'query'): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SimulatorError(
      'invalid_request',
      `${issue?.path.join('.') || where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** The simulator's public control API: JSON over HTTP, errors as `{error: {code, message}}`. */
export function controlApi(sim: SimulatorControl): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof SimulatorError) {
      return c.json({ error: { code: error.code, message: error.message } }, statusOf[error.code]);
    }
    return c.json(
      { error: { code: 'internal', message: 'The simulator failed to handle this request.' } },
      500,
    );
  });
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `No route ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.get('/', (c) =>
    c.json({
      protocolUrl: sim.protocolUrl,
      controlUrl: sim.controlUrl,
      rootPublicKey: Buffer.from(sim.rootPublicKey).toString('base64'),
    }),
  );
  // What clients read to learn the current WhatsApp Web version (as web.whatsapp.com/sw.js).
  app.get('/sw.js', (c) =>
    c.body(sim.network.serviceWorkerText(), 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  const versionsJson = () => {
    const { current, minimum } = sim.network.clientVersions;
    return { current: current.join('.'), minimum: minimum ? minimum.join('.') : null };
  };
  app.get('/client-version', (c) => c.json(versionsJson()));
  app.put('/client-version', async (c) => {
    const { current, minimum } = await parseBody(c, clientVersionBody);
    sim.network.setClientVersions({
      ...(current ? { current: toVersion(current) } : {}),
      ...(minimum === null ? { minimum: null } : minimum ? { minimum: toVersion(minimum) } : {}),
    });
    return c.json(versionsJson());
  });
  app.get('/settings', (c) => c.json({ strict: sim.network.strict }));
  app.put('/settings', async (c) => {
    const { strict } = await parseBody(c, strictBody);
    sim.network.setStrict(strict);
    return c.json({ strict: sim.network.strict });
  });
  app.put('/phones/:phone/online', async (c) => {
    const phone = sim.phone(c.req.param('phone'));
    await phone.setOnline((await parseBody(c, onlineBody)).online);
    return c.json(phone.describe());
  });
  app.put('/phones/:phone/new-chat-cap', async (c) => {
    const phone = sim.phone(c.req.param('phone'));
    const { quota, cycleDays } = await parseBody(c, capBody);
    phone.setNewChatCap(
      quota === null
        ? undefined
        : { total: quota, cycleEnd: sim.network.now() + (cycleDays ?? 30) * 86_400_000 },
    );
    return c.json(phone.describe());
  });
  app.put('/phones/:phone/passkey', async (c) => {
    const phone = sim.phone(c.req.param('phone'));
    phone.setPasskeyRequired((await parseBody(c, z.object({ required: z.boolean() }))).required);
    return c.json(phone.describe());
  });
  app.put('/phones/:phone/companion-reg-refresh', async (c) => {
    const phone = sim.phone(c.req.param('phone'));
    phone.setCompanionRegRefresh((await parseBody(c, z.object({ enabled: z.boolean() }))).enabled);
    return c.json(phone.describe());
  });
  app.post('/phones/:phone/web-devices', (c) => {
    const phone = sim.phone(c.req.param('phone'));
    return c.json({ device: phone.linkWebDevice() }, 201);
  });
  app.get('/phones/:phone/web-devices/:device/inbox', (c) => {
    const device = Number(c.req.param('device'));
    if (!Number.isInteger(device)) throw new SimulatorError('invalid_request', 'device must be a number');
    return c.json(sim.phone(c.req.param('phone')).webInbox(device));
  });
  app.delete('/phones/:phone/web-devices/:device', (c) => {
    const device = Number(c.req.param('device'));
    if (!Number.isInteger(device)) throw new SimulatorError('invalid_request', 'device must be a number');
    sim.phone(c.req.param('phone')).unlinkWebDevice(device);
    return c.body(null, 204);
  });
  app.post('/phones/:phone/reinstall', (c) => {
    const phone = sim.phone(c.req.param('phone'));
    phone.reinstall();
    return c.json(phone.describe());
  });
  app.put('/phones/:phone/addressing', async (c) => {
    const phone = sim.phone(c.req.param('phone'));
    phone.setLidAddressed((await parseBody(c, addressingBody)).lidAddressed);
    return c.json(phone.describe());
  });
  app.put('/phones/:phone/reachout-timelock', async (c) => {
    const phone = sim.phone(c.req.param('phone'));
    const { active, minutes } = await parseBody(c, timelockBody);
    phone.setReachoutTimelock(active ? sim.network.now() + (minutes ?? 1_440) * 60_000 : undefined);
    return c.json(phone.describe());
  });
  app.get('/phones', (c) => c.json(sim.phones().map((p) => p.describe())));
  app.post('/phones', async (c) => c.json(sim.createPhone(await parseBody(c, phoneBody)).describe(), 201));
  app.get('/phones/:phone', (c) => c.json(sim.phone(c.req.param('phone')).describe()));
  app.post('/phones/:phone/scan', async (c) => {
    const { qr } = await parseBody(c, scanBody);
    return c.json(await sim.phone(c.req.param('phone')).scan(qr));
  });
  app.post('/phones/:phone/scan-image', async (c) =>
    c.json(await sim.phone(c.req.param('phone')).scan(await qrFromImageRequest(c))),
  );
  app.post('/phones/:phone/pairing-code', async (c) => {
    const { code } = await parseBody(c, codeBody);
    return c.json(await sim.phone(c.req.param('phone')).enterPairingCode(code));
  });
  app.get('/phones/:phone/linked-devices', (c) => c.json(sim.phone(c.req.param('phone')).linkedDevices()));
  app.delete('/phones/:phone/linked-devices/:device', (c) => {
    const device = Number(c.req.param('device'));
    if (!Number.isInteger(device)) throw new SimulatorError('invalid_request', 'device must be a number');
    sim.phone(c.req.param('phone')).removeDevice(device);
    return c.body(null, 204);
  });
  app.get('/phones/:phone/inbox', (c) => {
    const phone = sim.phone(c.req.param('phone'));
    return c.json(phone.inbox().map((m) => ({ ...m, rawArrivals: phone.rawArrivals(m.id) })));
  });
  app.post('/phones/:phone/messages', async (c) => {
    const { to, text } = await parseBody(c, messageBody);
    return c.json(await sim.phone(c.req.param('phone')).sendMessage(to, text), 201);
  });
  // Keep-alive pings per second and the simulator's loop delay, for benchmarks (GET ?from=&to=, ms;
  // at most the last ten minutes are answered).
  app.get('/stats/keep-alive', (c) => {
    const { from, to } = parseQuery(c, paceQuery);
    return c.json({ seconds: sim.keepAlivePace.seconds(from, to) });
  });
  // The registry's state file (started with one): what it held at start, and a save on demand.
  app.get('/state', (c) => c.json({ atStart: sim.stateAtStart ?? null }));
  app.post('/state/save', async (c) => c.json(await sim.saveState()));
  app.post('/faults', async (c) => {
    sim.injectFault(await parseBody(c, faultBody));
    return c.json({ applied: true });
  });
  app.route('/', phoneUiRoutes(sim));
  return app;
}
