import { Hono, type Context } from 'hono';
import { AppError } from '../../../domain/errors.js';
import type { StoredAltegioSettings } from '../altegio-scheduler.js';
import { NOTIFICATION_KINDS } from '../domain/reminder-plan.js';
import { ALTEGIO_VARIABLES, templateLanguage, type TemplateLanguage } from '../domain/templates.js';
import {
  altegioFor,
  altegioPreview,
  altegioSettingsJson,
  altegioTemplate,
  putAltegioSettings,
  type AltegioFor,
} from './altegio-settings-routes.js';
import {
  renderPanelNotifications,
  settingsFormOf,
  type NotificationFormError,
  type NotificationSettingsForm,
} from '../web/notifications-page.js';
import { sendTestMessage } from '../../../messages/test-message.js';
import { pickLanguage, type Lang } from '../../../web/i18n.js';
import type { TestMessageOutcome } from '../../../web/test-message-card.js';
import { html } from '../../../http/browser-pages.js';
import { helpUrl } from '../../../http/gateway-context.js';
import { jsonBody, validationError } from '../../../http/http-errors.js';
import type { IntegrationPanelTab } from '../../integration.js';
import type { AltegioParts } from '../index.js';
import { ALTEGIO_TEMPLATE_KINDS, altegioSchemas } from './altegio-schemas.js';

type PanelEnv = { Variables: { tenantId: string } };

/** The business's ALTEGIO integration while an install is live (the Notifications tab), else undefined. */
async function liveAltegio(ctx: AltegioParts, tenantId: string): Promise<AltegioFor | undefined> {
  const found = await altegioFor(ctx, tenantId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not_found') return undefined;
    throw error;
  });
  return found?.installs.some((i) => i.state !== 'uninstalled') ? found : undefined;
}

/**
 * The panel's Notifications tab (ALTEGIO businesses): settings and texts, as plain forms
 * (post/redirect/get), and the live preview. Shown only while the business has a live install.
 * The integration's panel tab (index.ts), mounted by the panel beside its own tabs.
 */
export function panelNotificationsTab(ctx: AltegioParts): IntegrationPanelTab {
  const app = new Hono<PanelEnv>();
  const panelAltegio = (tenantId: string) => liveAltegio(ctx, tenantId);
  const notificationsPage = async (
    c: Context<PanelEnv>,
    found: AltegioFor,
    lang: Lang,
    tl: TemplateLanguage,
    refused: {
      settings?: { form: NotificationSettingsForm; error: NotificationFormError };
      template?: { kind: string; body: string; error: NotificationFormError };
      testSend?: { kind: string; body: string; outcome: TestMessageOutcome; phone: string };
    } = {},
  ) => {
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    const settings = altegioSettingsJson(await found.scheduler.settings(tenant.id));
    const templates = [];
    for (const kind of ALTEGIO_TEMPLATE_KINDS) {
      const saved = await altegioTemplate(found.scheduler, tenant.id, kind, tl);
      const kept = refused.template ?? refused.testSend;
      const body = kept?.kind === kind ? kept.body : saved.body;
      templates.push({ ...saved, body, preview: await altegioPreview(ctx, tenant.id, body, tl) });
    }
    const savedWhat = c.req.query('saved');
    const kind = c.req.query('kind');
    return html(
      c,
      renderPanelNotifications({
        lang,
        businessName: tenant.name,
        channels: [],
        supportUrl: ctx.supportUrl,
        helpUrl: helpUrl(lang),
        notifications: true,
        testPhone: settings.testPhone,
        settingsForm: refused.settings?.form ?? settingsFormOf(settings),
        settingsError: refused.settings?.error,
        templateLanguage: tl,
        templates,
        templateError: refused.template
          ? { ...refused.template.error, kind: refused.template.kind }
          : undefined,
        variables: ALTEGIO_VARIABLES,
        testSend: refused.testSend,
        saved:
          savedWhat === 'settings' || savedWhat === 'template' || savedWhat === 'default'
            ? { what: savedWhat, ...(kind ? { kind } : {}) }
            : undefined,
      }),
      refused.settings || refused.template ? 400 : 200,
    );
  };
  const notificationsHref = (lang: string, tl: string, extra = '') =>
    `/panel/notifications?lang=${encodeURIComponent(lang)}&tl=${encodeURIComponent(tl)}${extra}`;
  const formText = (value: unknown): string =>
    typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
  const formList = (value: unknown): string[] =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
      (v): v is string => typeof v === 'string',
    );
  const formError = (error: unknown): NotificationFormError | undefined => {
    if (!(error instanceof AppError) || (error.code !== 'invalid_input' && error.code !== 'invalid_phone'))
      return undefined;
    const unknown = error.details?.unknown;
    return {
      field: typeof error.details?.field === 'string' ? error.details.field : 'body',
      message: error.publicMessage,
      ...(Array.isArray(unknown) ? { unknown: unknown.map(String) } : {}),
    };
  };
  const pageLanguages = async (c: Context<PanelEnv>, form?: Record<string, unknown>) => {
    const tenant = await ctx.tenants.get(c.get('tenantId'));
    const lang = pickLanguage(
      formText(form?.lang) || c.req.query('lang'),
      tenant.language,
      c.req.header('accept-language'),
    );
    const tlRaw = formText(form?.tl) || c.req.query('tl');
    const tl = altegioSchemas.templateLanguage.safeParse(tlRaw).success
      ? (tlRaw as TemplateLanguage)
      : templateLanguage(tenant.language);
    return { lang, tl };
  };
  app.get('/notifications', async (c) => {
    const found = await panelAltegio(c.get('tenantId'));
    const { lang, tl } = await pageLanguages(c);
    if (!found) return c.redirect(`/panel?lang=${lang}`, 303);
    return notificationsPage(c, found, lang, tl);
  });
  app.post('/notifications/settings', async (c) => {
    const tenantId = c.get('tenantId');
    const form = await c.req.parseBody({ all: true });
    const { lang, tl } = await pageLanguages(c, form);
    const found = await panelAltegio(tenantId);
    if (!found) return c.redirect(`/panel?lang=${lang}`, 303);
    const submitted: NotificationSettingsForm = {
      offsets: formList(form.offset)
        .map(Number)
        .filter((h) => Number.isFinite(h)),
      enabled: formList(form.enabled),
      confirm: formText(form.confirm),
      cancel: formText(form.cancel),
      cancelAction: formText(form.cancelAction) === 'none' ? 'none' : 'no_show',
      testPhone: formText(form.testPhone).trim(),
      reviewDelay: formText(form.reviewDelayMinutes).trim(),
    };
    const words = (text: string) =>
      text
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean);
    // The form holds only some settings; the others keep their values.
    const current = (await found.scheduler.settings(tenantId)).schedule;
    const input: StoredAltegioSettings = {
      schedule: {
        reminderOffsetsHours: submitted.offsets,
        enabled: Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, submitted.enabled.includes(k)])),
        // An empty field keeps the current value; anything else must be a whole number of minutes.
        reviewDelayMinutes:
          submitted.reviewDelay === '' ? current.reviewDelayMinutes : Number(submitted.reviewDelay),
        reviewOnlyWhenArrived: current.reviewOnlyWhenArrived,
        reviewExpiryHours: current.reviewExpiryHours,
        eventDelaySeconds: current.eventDelaySeconds,
      },
      replies: {
        confirm: words(submitted.confirm),
        cancel: words(submitted.cancel),
        cancelAction: submitted.cancelAction as 'no_show' | 'none',
      },
      testPhone: submitted.testPhone || null,
    };
    try {
      const parsed = altegioSchemas.putSettings.safeParse(input);
      if (!parsed.success) throw validationError(parsed.error);
      await putAltegioSettings(found.scheduler, tenantId, parsed.data);
    } catch (error) {
      const refused = formError(error);
      if (!refused) throw error;
      return notificationsPage(c, found, lang, tl, { settings: { form: submitted, error: refused } });
    }
    return c.redirect(`${notificationsHref(lang, tl, '&saved=settings')}#settings`, 303);
  });
  app.post('/notifications/templates/:kind/:language', async (c) => {
    const tenantId = c.get('tenantId');
    const form = await c.req.parseBody();
    const { lang } = await pageLanguages(c, form);
    const found = await panelAltegio(tenantId);
    if (!found) return c.redirect(`/panel?lang=${lang}`, 303);
    const kind = altegioSchemas.templateKind.safeParse(c.req.param('kind'));
    if (!kind.success) throw validationError(kind.error, 'kind');
    const language = altegioSchemas.templateLanguage.safeParse(c.req.param('language'));
    if (!language.success) throw validationError(language.error, 'language');
    const tl = language.data;
    const toDefault = formText(form.action) === 'default';
    // Browsers send a textarea's line breaks as CRLF.
    const body = formText(form.body).replace(/\r\n?/g, '\n');
    if (formText(form.action) === 'test') {
      // "Send a test to my phone": the text as typed, for the sample booking, not saved; the page
      // comes back with the text kept (no redirect: the typed text lives only in this answer).
      const phone = formText(form.testTo).trim().slice(0, 40);
      const preview = await altegioPreview(ctx, tenantId, body, tl);
      const [channel] = await ctx.channels.list(tenantId);
      let outcome: TestMessageOutcome = 'sent';
      try {
        if (!channel) throw new AppError('invalid_input', 'This business has no WhatsApp number linked.');
        await sendTestMessage(ctx, tenantId, { channelId: channel.id, phone, text: () => preview.text });
      } catch (error) {
        if (!(error instanceof AppError) || error.code === 'not_found') throw error;
        outcome =
          error.code === 'invalid_phone' || (error.code === 'invalid_input' && channel)
            ? 'invalid_phone'
            : 'failed';
      }
      return notificationsPage(c, found, lang, tl, { testSend: { kind: kind.data, body, outcome, phone } });
    }
    try {
      await found.scheduler.putTemplate(tenantId, kind.data, tl, toDefault ? null : body);
    } catch (error) {
      const refused = formError(error);
      if (!refused) throw error;
      return notificationsPage(c, found, lang, tl, { template: { kind: kind.data, body, error: refused } });
    }
    const saved = toDefault ? 'default' : 'template';
    return c.redirect(
      `${notificationsHref(lang, tl, `&saved=${saved}&kind=${kind.data}`)}#tpl-card-${kind.data}`,
      303,
    );
  });
  app.post('/api/notifications/preview', async (c) => {
    const tenantId = c.get('tenantId');
    const body = await jsonBody(c, altegioSchemas.preview);
    if (!(await panelAltegio(tenantId)))
      throw new AppError('not_found', 'This business has no ALTEGIO install.');
    return c.json(await altegioPreview(ctx, tenantId, body.body, body.language));
  });
  return { shown: async (tenantId) => Boolean(await panelAltegio(tenantId)), routes: app };
}
