import { escapeHtml as esc } from './assets/views.js';
import { t, type Lang, type MessageKey } from './i18n.js';
import { CHAT_MARK, htmlDocument, languageSwitch } from './layout.js';

/**
 * Support's sign-in page (/support/login), in the page's language: the key field with its label
 * above it and, after a refusal, the reason by the field. The form carries the language so the
 * answer to a wrong key is in the same one.
 */
export function renderSupportSignIn(input: { lang: Lang; error?: 'wrong_key' | undefined }): string {
  const { lang } = input;
  const s = (key: MessageKey) => esc(t(lang, key));
  const invalid = input.error === 'wrong_key';
  const body = `<main id="main" class="message-page"><div class="message-card card sign-in-card">
${CHAT_MARK}<h1>${s('supportLogin.heading')}</h1>
<p class="hint">${s('supportLogin.intro')}</p>
<form class="sign-in" method="post" action="/support/login" data-testid="support-sign-in">
<input type="hidden" name="lang" value="${esc(lang)}">
<div class="field"><label for="key">${s('supportLogin.key')}</label>
<input id="key" name="key" type="password" autocomplete="current-password" spellcheck="false" required${invalid ? ' aria-invalid="true" aria-describedby="key-error"' : ''}>
${invalid ? `<p class="field-error" id="key-error" role="alert" data-testid="key-error">${s('supportLogin.wrongKey')}</p>` : ''}</div>
<button type="submit" class="btn btn-primary" data-testid="sign-in">${s('supportLogin.submit')}</button>
</form></div>${languageSwitch(lang)}</main>`;
  return htmlDocument({ lang, title: t(lang, 'title.support'), bodyClass: 'message', body });
}
