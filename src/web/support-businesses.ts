import { randomBytes } from 'node:crypto';
import { escapeHtml } from './assets/views.js';
import { LANGUAGE_NAMES, LANGS, t, type Lang } from './i18n.js';
import { CHAT_MARK, htmlDocument } from './layout.js';

/** What was typed into "Create business", kept when the server refuses it. */
export interface NewBusinessForm {
  name: string;
  timeZone: string;
  language: string;
  /** This form's one-time id: the same form sent again (a reload of the answer) creates nothing. */
  once?: string;
}

/** The refusal of a "Create business" form: the field it names and words for people. */
export interface NewBusinessError {
  field: 'name' | 'timeZone' | 'language' | 'form';
  message: string;
}

const esc = escapeHtml;

// Time zones offered as suggestions (any IANA name is accepted): the runtime's own list.
const TIME_ZONES: readonly string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

/**
 * Support console → "Create business": name, time zone and language. A plain form (post, then a
 * result page) so the API key can be shown once without ever being put in an address.
 */
export function newBusinessForm(
  lang: Lang,
  refused?: { form: NewBusinessForm; error: NewBusinessError },
): string {
  const s = (key: Parameters<typeof t>[1]) => esc(t(lang, key));
  const values = refused?.form ?? { name: '', timeZone: '', language: lang };
  const error = refused?.error;
  const invalid = (field: NewBusinessError['field']) =>
    error?.field === field ? ' aria-invalid="true" aria-describedby="new-business-error"' : '';
  // The refusal is said beside the field it names (the form's foot when it names none).
  const refusal = (field: NewBusinessError['field']) =>
    error?.field === field
      ? `<p class="${field === 'form' ? 'error' : 'field-error'}" role="alert" id="new-business-error" data-testid="new-business-error">${esc(error.message)}</p>`
      : '';
  const languages = LANGS.map(
    (l) =>
      `<option value="${l}"${values.language === l ? ' selected' : ''}>${esc(LANGUAGE_NAMES[l])}</option>`,
  ).join('');
  return `<details class="card new-business" data-testid="create-business"${refused ? ' open' : ''}>
<summary class="btn btn-primary" data-testid="create-business-open">${s('support.newBusiness')}</summary>
<form method="post" action="/support/businesses" class="new-business-form" data-testid="create-business-form">
<input type="hidden" name="lang" value="${esc(lang)}">
<input type="hidden" name="once" value="${esc(refused?.form.once || randomBytes(16).toString('hex'))}">
<div class="field"><label for="nb-name">${s('support.newBusiness.name')}</label>
<input id="nb-name" name="name" type="text" required maxlength="200" autocomplete="off" value="${esc(values.name)}" data-testid="new-business-name"${invalid('name')}>${refusal('name')}</div>
<div class="field"><label for="nb-tz">${s('support.newBusiness.timeZone')}</label>
<input id="nb-tz" name="timeZone" type="text" required maxlength="64" list="nb-tz-list" autocomplete="off" placeholder="America/Sao_Paulo" value="${esc(values.timeZone)}" data-testid="new-business-time-zone" data-fill="browser-time-zone"${invalid('timeZone')}>
<datalist id="nb-tz-list">${TIME_ZONES.map((z) => `<option value="${esc(z)}">`).join('')}</datalist>${refusal('timeZone')}</div>
<div class="field"><label for="nb-lang">${s('support.newBusiness.language')}</label>
<select id="nb-lang" name="language" data-testid="new-business-language"${invalid('language')}>${languages}</select>${refusal('language')}</div>
${refusal('form')}
<div class="actions"><button type="submit" class="btn btn-primary" data-testid="create-business-submit">${s('support.newBusiness.create')}</button></div>
</form></details>`;
}

/** The business was created: its API key (shown this once), its panel login link and QR-page link. */
export function renderBusinessCreated(input: {
  lang: Lang;
  name: string;
  apiKey: string;
  panelLoginUrl: string;
  qrPageUrl: string;
}): string {
  const { lang } = input;
  const s = (key: Parameters<typeof t>[1], vars?: Record<string, string>) => esc(t(lang, key, vars));
  const row = (label: string, value: string, testid: string, link: boolean) =>
    // One click selects the whole value (user-select: all): no script needed to copy it.
    `<div class="created-item"><p class="field-label">${label}</p><div class="copy-row">` +
    (link
      ? `<a class="qr-page-link mono select-all" href="${esc(value)}" target="_blank" rel="noopener" data-testid="${testid}">${esc(value)}</a>`
      : `<code class="qr-page-link mono select-all" data-testid="${testid}">${esc(value)}</code>`) +
    `</div></div>`;
  const body = `<header class="topbar"><div class="topbar-inner">
<div class="brand">${CHAT_MARK}<span class="brand-name">${s('support.heading')}</span></div>
</div></header>
<main id="main" class="container"><section class="card created" data-testid="business-created">
<h1 class="page-title">${s('support.created.title', { name: input.name })}</h1>
${row(s('support.created.apiKey'), input.apiKey, 'new-api-key', false)}
<p class="note note-amber">${s('support.created.apiKeyOnce')}</p>
${row(s('support.created.panelLink'), input.panelLoginUrl, 'new-panel-link', true)}
<p class="hint">${s('support.created.panelLinkHelp')}</p>
${row(s('support.created.qrLink'), input.qrPageUrl, 'new-qr-link', true)}
<p class="hint">${s('support.created.qrLinkHelp')}</p>
<p class="hint">${s('support.created.apiHelp')} <a href="/docs" target="_blank" rel="noopener">/docs</a></p>
<div class="actions"><a class="btn" href="/support?lang=${esc(lang)}" data-testid="back-to-console">${s('support.created.back')}</a></div>
</section></main>`;
  return htmlDocument({ lang, title: t(lang, 'title.support'), bodyClass: 'support', body });
}
