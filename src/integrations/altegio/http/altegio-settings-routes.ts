import { Hono } from 'hono';
import type { Clock } from '../../../clock.js';
import type {
  AltegioScheduler,
  EffectiveAltegioSettings,
  StoredAltegioSettings,
} from '../altegio-scheduler.js';
import type { AltegioInstallView, AltegioService } from '../altegio-service.js';
import {
  ALTEGIO_VARIABLES,
  defaultTemplate,
  previewTemplate,
  templateLanguage,
  TEMPLATE_LANGUAGES,
  type TemplateKind,
  type TemplateLanguage,
} from '../domain/templates.js';
import { AppError } from '../../../domain/errors.js';
import type { TenantService } from '../../../tenants/tenant-service.js';
import { jsonBody, validationError } from '../../../http/http-errors.js';
import type { IntegrationApiEnv } from '../../integration.js';
import { ALTEGIO_TEMPLATE_KINDS, altegioSchemas } from './altegio-schemas.js';

/** What the settings routes and the panel's Notifications tab use (built by the slice's index.ts). */
export interface AltegioLookup {
  readonly altegio?: AltegioService | undefined;
  readonly altegioScheduler?: AltegioScheduler | undefined;
  readonly tenants: Pick<TenantService, 'get'>;
  /** The gateway's clock (a preview's sample visit is 24 h from now). */
  readonly clock: Clock;
}

/** The ALTEGIO objects for a business that has an install, else `not_found` saying why. */
export interface AltegioFor {
  readonly service: AltegioService;
  readonly scheduler: AltegioScheduler;
  readonly installs: AltegioInstallView[];
}

export async function altegioFor(ctx: AltegioLookup, tenantId: string): Promise<AltegioFor> {
  const service = ctx.altegio;
  const scheduler = ctx.altegioScheduler;
  if (!service || !scheduler)
    throw new AppError('not_found', 'ALTEGIO is not configured on this gateway (ALTEGIO_PARTNER_TOKEN).');
  const installs = await service.view(tenantId);
  if (installs.length === 0)
    throw new AppError('not_found', 'This business has not connected the app in ALTEGIO.');
  return { service, scheduler, installs };
}

/** Effective settings as the API shows them (and the PUT body takes, minus the time zone). */
export function altegioSettingsJson(s: EffectiveAltegioSettings) {
  const { timeZone, reminderOffsetsHours, enabled, ...rest } = s.schedule;
  return {
    schedule: { timeZone, reminderOffsetsHours: [...reminderOffsetsHours], enabled: { ...enabled }, ...rest },
    replies: {
      confirm: [...s.replyWords.confirm],
      cancel: [...s.replyWords.cancel],
      cancelAction: s.cancelAction,
    },
    testPhone: s.testPhone ? `+${s.testPhone}` : null,
  };
}

const SCHEDULE_FIELDS = new Set([
  'reminderOffsetsHours',
  'enabled',
  'reviewDelayMinutes',
  'reviewOnlyWhenArrived',
  'reviewExpiryHours',
  'eventDelaySeconds',
]);

/**
 * Stores the settings; the scheduler names fields inside their group (`confirm`), the API and the
 * panel by their path in the body (`replies.confirm`).
 */
export async function putAltegioSettings(
  scheduler: AltegioScheduler,
  tenantId: string,
  input: StoredAltegioSettings,
): Promise<EffectiveAltegioSettings> {
  try {
    return await scheduler.putSettings(tenantId, input);
  } catch (err) {
    const field = err instanceof AppError ? err.details?.field : undefined;
    if (!(err instanceof AppError) || typeof field !== 'string') throw err;
    const path = SCHEDULE_FIELDS.has(field)
      ? `schedule.${field}`
      : field === 'confirm' || field === 'cancel'
        ? `replies.${field}`
        : field;
    if (path === field) throw err;
    throw new AppError(err.code, err.publicMessage.replace(field, path), {
      details: { ...err.details, field: path },
      cause: err,
    });
  }
}

/** One template as the API and the panel show it. */
export async function altegioTemplate(
  scheduler: AltegioScheduler,
  tenantId: string,
  kind: TemplateKind,
  language: TemplateLanguage,
) {
  const body = await scheduler.templateBody(tenantId, kind, language);
  return { kind, language, body, custom: body !== defaultTemplate(kind, language) };
}

export async function altegioTemplates(scheduler: AltegioScheduler, tenantId: string) {
  const templates = [];
  for (const kind of ALTEGIO_TEMPLATE_KINDS)
    for (const language of TEMPLATE_LANGUAGES)
      templates.push(await altegioTemplate(scheduler, tenantId, kind, language));
  return { variables: [...ALTEGIO_VARIABLES], languages: [...TEMPLATE_LANGUAGES], templates };
}

/** The preview of a text as a client would read it, in the business's time zone and name. */
export async function altegioPreview(
  ctx: AltegioLookup,
  tenantId: string,
  body: string,
  language: TemplateLanguage,
) {
  const tenant = await ctx.tenants.get(tenantId);
  return previewTemplate(
    body,
    { language: templateLanguage(language), timeZone: tenant.timeZone, companyName: tenant.name },
    ctx.clock.now(),
  );
}

function templatePath(kind: string | undefined, language: string | undefined) {
  const k = altegioSchemas.templateKind.safeParse(kind);
  if (!k.success) throw validationError(k.error, 'kind');
  const l = altegioSchemas.templateLanguage.safeParse(language);
  if (!l.success) throw validationError(l.error, 'language');
  return { kind: k.data, language: l.data };
}

/**
 * ALTEGIO's scheduling-mode settings and texts, and the install's state (activation attempts and
 * errors, recent partner calls) for support. The tenant comes from the key or, for support, the path.
 */
export function altegioSettingsRoutes(ctx: AltegioLookup): Hono<IntegrationApiEnv> {
  const app = new Hono<IntegrationApiEnv>();
  app.get('/', async (c) => {
    const tenantId = c.get('tenantId');
    const { scheduler, installs } = await altegioFor(ctx, tenantId);
    return c.json({ installs, settings: altegioSettingsJson(await scheduler.settings(tenantId)) });
  });
  app.put('/settings', async (c) => {
    const tenantId = c.get('tenantId');
    const { scheduler } = await altegioFor(ctx, tenantId);
    const body = await jsonBody(c, altegioSchemas.putSettings);
    return c.json(altegioSettingsJson(await putAltegioSettings(scheduler, tenantId, body)));
  });
  app.get('/templates', async (c) => {
    const tenantId = c.get('tenantId');
    const { scheduler } = await altegioFor(ctx, tenantId);
    return c.json(await altegioTemplates(scheduler, tenantId));
  });
  app.post('/templates/preview', async (c) => {
    const tenantId = c.get('tenantId');
    await altegioFor(ctx, tenantId);
    const body = await jsonBody(c, altegioSchemas.preview);
    return c.json(await altegioPreview(ctx, tenantId, body.body, body.language));
  });
  app.put('/templates/:kind/:language', async (c) => {
    const tenantId = c.get('tenantId');
    const { scheduler } = await altegioFor(ctx, tenantId);
    const { kind, language } = templatePath(c.req.param('kind'), c.req.param('language'));
    const body = await jsonBody(c, altegioSchemas.putTemplate);
    await scheduler.putTemplate(tenantId, kind, language, body.body);
    return c.json(await altegioTemplate(scheduler, tenantId, kind, language));
  });
  app.delete('/templates/:kind/:language', async (c) => {
    const tenantId = c.get('tenantId');
    const { scheduler } = await altegioFor(ctx, tenantId);
    const { kind, language } = templatePath(c.req.param('kind'), c.req.param('language'));
    await scheduler.putTemplate(tenantId, kind, language, null);
    return c.json(await altegioTemplate(scheduler, tenantId, kind, language));
  });
  return app;
}
