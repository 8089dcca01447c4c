import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import pino from 'pino';
import { DEFAULT_TEMPLATES, previewTemplate } from '../../src/integrations/altegio/domain/templates.js';
import { apiRoutes } from '../../src/http/api-routes.js';
import type { GatewayContext } from '../../src/http/gateway-context.js';
import { errorResponder } from '../../src/http/http-errors.js';
import { altegioIntegration, type AltegioDeps } from '../../src/integrations/altegio/index.js';
import { ALTEGIO_TEMPLATE_KINDS } from '../../src/integrations/altegio/http/altegio-schemas.js';
import { Integrations } from '../../src/integrations/integration.js';
import { webAsset } from '../../src/web/assets.js';
import { templatePreview } from '../../src/web/assets/views.js';
import { CATALOGUES, LANGS, stringsFor, type Lang } from '../../src/web/i18n.js';
import {
  renderPanelNotifications,
  settingsFormOf,
  type NotificationsPageInput,
} from '../../src/integrations/altegio/web/notifications-page.js';
import { renderPanelSettings } from '../../src/web/pages.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const S = stringsFor('en', ['notify.']);
const SETTINGS = {
  schedule: {
    reminderOffsetsHours: [24, 2],
    enabled: {
      reminder: true,
      booking_created: true,
      booking_changed: true,
      booking_cancelled: true,
      review_request: false,
    },
    reviewDelayMinutes: 120,
  },
  replies: { confirm: ['+', '1'], cancel: ['-', '3'], cancelAction: 'no_show' },
  testPhone: null,
};

function page(overrides: Partial<NotificationsPageInput> = {}): NotificationsPageInput {
  const lang = overrides.lang ?? 'en';
  return {
    lang,
    businessName: 'Studio <Bela>',
    channels: [],
    supportUrl: 'https://support.example.com',
    helpUrl: '/help/how-to-scan?lang=en',
    notifications: true,
    testPhone: null,
    settingsForm: settingsFormOf(SETTINGS),
    templateLanguage: 'en',
    templates: ALTEGIO_TEMPLATE_KINDS.map((kind) => {
      const body = DEFAULT_TEMPLATES[kind].en;
      return {
        kind,
        body,
        custom: false,
        preview: previewTemplate(body, { language: 'en', timeZone: 'UTC', companyName: 'Studio' }, NOW),
      };
    }),
    variables: ['CLIENT_NAME', 'DATETIME'],
    ...overrides,
  };
}

describe('Panel → Notifications', () => {
  test('every key of the page exists in every language', () => {
    const keys = Object.keys(CATALOGUES.en).filter((k) => k.startsWith('notify.'));
    assert.ok(keys.length > 40);
    for (const lang of LANGS)
      for (const key of keys) assert.ok(CATALOGUES[lang][key as 'notify.intro'], `${lang} ${key}`);
  });

  test('the preview escapes the text and names unknown variables', () => {
    const html = templatePreview(
      {
        text: 'Hi <script>alert(1)</script> & "you"',
        issues: [{ variable: 'FOO<b>', problem: 'unknown_variable' }],
      },
      S,
    );
    assert.doesNotMatch(html, /<script>|<b>/);
    assert.match(html, /Hi &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;you&quot;/);
    assert.match(html, /class="field-error">%FOO&lt;b&gt;% is not a known variable/);
    assert.match(templatePreview({ text: '', issues: [] }, S), /\(empty\)/);
  });

  test('settings, texts with previews and chips, no banner while test mode is off', () => {
    const html = renderPanelNotifications(page());
    assert.match(
      html,
      /<a class="tab" href="\/panel\/notifications\?lang=en" aria-current="page">Notifications<\/a>/,
    );
    assert.match(html, /Studio &lt;Bela&gt;/);
    for (const h of [1, 2, 3, 4, 5, 6, 9, 12, 15, 18, 21, 24])
      assert.match(html, new RegExp(`name="offset" value="${h}"${h === 24 || h === 2 ? ' checked' : '>'}`));
    assert.match(html, /name="enabled" value="review_request">/);
    assert.match(html, /name="enabled" value="reminder" checked>/);
    assert.match(html, /id="f-confirm" name="confirm" value="\+, 1"/);
    assert.equal((html.match(/data-role="template"/g) ?? []).length, 7);
    assert.match(html, /data-variable="CLIENT_NAME" aria-controls="tpl-reminder">%CLIENT_NAME%<\/button>/);
    assert.match(html, /data-testid="template-preview">.*Hi Anna!/);
    assert.doesNotMatch(html, /test-mode-banner/);
    assert.doesNotMatch(html, /template-default/, 'no "Back to default" for a default text');
    assert.match(html, /<script type="module" src="\/assets\/notifications.js"><\/script>/);
    assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
    assert.ok(webAsset('notifications.js'));
  });

  test('business text is escaped; test mode shows the banner; errors sit next to their field', () => {
    const html = renderPanelNotifications(
      page({
        testPhone: '+5511987654321',
        settingsForm: { ...settingsFormOf(SETTINGS), testPhone: '<img src=x>', confirm: '"+"' },
        settingsError: { field: 'testPhone', message: 'testPhone: not a phone' },
        templates: [
          {
            kind: 'reminder',
            body: '</textarea><script>alert(1)</script> %FOO%',
            custom: true,
            preview: {
              text: '</textarea><script>alert(1)</script> %FOO%',
              issues: [{ variable: 'FOO', problem: 'unknown_variable' }],
            },
          },
        ],
        templateError: {
          kind: 'reminder',
          field: 'body',
          message: 'body: unknown variable %FOO%',
          unknown: ['FOO'],
        },
      }),
    );
    assert.doesNotMatch(html, /<script>alert|<img src=x>|<\/textarea><script>/);
    assert.match(
      html,
      /data-testid="test-mode-banner"><strong>Test mode is on: every message goes to \+5511987654321/,
    );
    assert.match(
      html,
      /id="f-test-phone"[^>]*aria-invalid="true" aria-describedby="f-test-phone-hint f-test-phone-error"/,
    );
    assert.match(html, /id="f-test-phone-error" role="alert"[^>]*>This is not a phone number/);
    assert.match(html, /value="&quot;\+&quot;"/);
    assert.match(
      html,
      /id="tpl-reminder"[^>]*aria-invalid="true" aria-describedby="tpl-vars tpl-reminder-error"/,
    );
    assert.match(html, /id="tpl-reminder-error" role="alert"[^>]*>Unknown variable %FOO%/);
    assert.match(html, /data-testid="template-default">Back to default/);
  });

  test('in every language, and the tab only for ALTEGIO businesses', () => {
    for (const lang of LANGS as Lang[]) {
      const html = renderPanelNotifications(page({ lang, templateLanguage: 'es' }));
      assert.match(html, new RegExp(`<html lang="${lang}">`));
      assert.match(
        html,
        /data-testid="template-language-es"[^>]*aria-current="true"|aria-current="true" data-testid="template-language-es"/,
      );
    }
    const base = { lang: 'en' as const, businessName: 'X', channels: [], supportUrl: '', helpUrl: '' };
    assert.doesNotMatch(renderPanelSettings(base), /\/panel\/notifications/);
    assert.match(renderPanelSettings({ ...base, notifications: true }), /\/panel\/notifications/);
  });

  test('the API answers 404 when ALTEGIO is not configured', async () => {
    const app = new Hono();
    app.onError(errorResponder(pino({ level: 'silent' })));
    // Without ALTEGIO_PARTNER_TOKEN the integration is only its settings API, answering 404.
    const ctx = {
      tenants: { principalForApiKey: async () => ({ kind: 'tenant', tenantId: 't_1' }) },
      integrations: new Integrations().add(altegioIntegration({ altegio: undefined }, {} as AltegioDeps)),
    } as unknown as GatewayContext;
    app.route('/v1', apiRoutes(ctx));
    for (const [method, path] of [
      ['GET', '/v1/altegio'],
      ['PUT', '/v1/altegio/settings'],
      ['GET', '/v1/altegio/templates'],
      ['POST', '/v1/altegio/templates/preview'],
      ['PUT', '/v1/altegio/templates/reminder/en'],
      ['DELETE', '/v1/altegio/templates/reminder/en'],
    ] as const) {
      const r = await app.request(path, { method, headers: { authorization: 'Bearer k' } });
      assert.equal(r.status, 404, `${method} ${path}`);
      const body = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'not_found');
      assert.match(body.error.message, /ALTEGIO is not configured/);
    }
  });
});
