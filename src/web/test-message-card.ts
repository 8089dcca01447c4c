import { escapeHtml as esc } from './assets/views.js';
import { t, type Lang, type MessageKey } from './i18n.js';

/** What the last "Send a test message" did (no-JS round trip through the page's query string). */
export type TestMessageOutcome = 'sent' | 'invalid_phone' | 'failed';

/**
 * Panel → Messages: "Send a test message" to a number the owner types (their own phone), so they
 * see one go out right after linking; it then shows in the log below. A plain form (works without
 * JavaScript); the page's script sends it in place and refreshes the log.
 */
export function testMessageCard(input: {
  lang: Lang;
  channelId: string;
  outcome?: TestMessageOutcome | undefined;
  phone?: string | undefined;
}): string {
  const { lang } = input;
  const s = (key: MessageKey) => esc(t(lang, key));
  const invalid = input.outcome === 'invalid_phone';
  const result =
    input.outcome === 'sent'
      ? `<p class="note note-green" role="status" data-testid="test-sent">${s('messages.test.sent')}</p>`
      : input.outcome === 'failed'
        ? `<p class="error" role="alert" data-testid="test-failed">${s('messages.test.failed')}</p>`
        : '';
  return `<section class="card test-card" id="test-message" aria-labelledby="test-title">
<h2 class="card-title" id="test-title">${s('messages.test.title')}</h2>
<p class="hint" id="test-hint">${s('messages.test.hint')}</p>
<form class="test-form" method="post" action="/panel/channels/${encodeURIComponent(input.channelId)}/test-message" data-action="test-message" novalidate>
<input type="hidden" name="lang" value="${esc(lang)}">
<div class="field field-phone"><label for="test-phone">${s('messages.test.phone')}</label>
<input id="test-phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="40" required value="${esc(input.phone ?? '')}" placeholder="${s('messages.phonePlaceholder')}" data-testid="test-phone" aria-describedby="test-hint${invalid ? ' test-number-error' : ''}"${invalid ? ' aria-invalid="true"' : ''}>
<p class="field-error" id="test-number-error" role="alert" data-role="test-error" data-testid="test-number-error"${invalid ? '' : ' hidden'}>${invalid ? s('messages.test.phoneInvalid') : ''}</p></div>
<div class="field-actions"><button type="submit" class="btn btn-primary" data-testid="send-test">${s('messages.test.send')}</button></div>
</form>
<div data-role="test-result" aria-live="polite">${result}</div>
</section>`;
}
