import { escapeHtml, type ViewEnv } from './assets/views.js';
import { PRELOADED_MODULES } from './assets.js';
import { LANGS, LANGUAGE_NAMES, t, type Lang } from './i18n.js';

/** Serialises data for `<script type="application/json">`: no `</script>` can break out. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The server's rendering environment: times in UTC (the browser redraws them in its own zone on
 * load) and countdowns from `now` (ms). By default the wall clock, not the gateway's Clock: the
 * page goes on counting down on the browser's clock, so its first figure reads the same kind of
 * clock (and a countdown never shows more than its ttl).
 */
export function serverEnv(lang: Lang, now: number = Date.now()): ViewEnv {
  const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  return {
    lang,
    now,
    fmtDate(iso: string): string {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? '' : `${fmt.format(d)} UTC`;
    },
  };
}

export interface DocumentParts {
  lang: Lang;
  title: string;
  bodyClass: string;
  body: string;
  /** Data for the page's script, as `#boot` JSON. */
  boot?: unknown;
  /** The page's module under /assets/ (its imports are preloaded: PRELOADED_MODULES). */
  script?: 'panel.js' | 'qr-page.js' | 'support.js' | 'messages.js' | 'notifications.js';
}

/** A complete HTML document around `body`. */
export function htmlDocument(parts: DocumentParts): string {
  const { lang, title, bodyClass, body, boot, script } = parts;
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/styles.css">
${script ? PRELOADED_MODULES.map((href) => `<link rel="modulepreload" href="${href}">\n`).join('') : ''}</head>
<body class="${escapeHtml(bodyClass)}">
<a class="skip-link" href="#main">${escapeHtml(t(lang, 'common.skip'))}</a>
${body}
${boot === undefined ? '' : `<script type="application/json" id="boot">${jsonForScript(boot)}</script>\n`}${
    script ? `<script type="module" src="/assets/${script}"></script>\n` : ''
  }${script ? `<noscript><p class="noscript">${escapeHtml(t(lang, 'common.noscript'))}</p></noscript>\n` : ''}</body>
</html>
`;
}

/** A language's short code as the top bar shows it ("PT"): the full name stays for screen readers. */
const shortName = (l: Lang): string => l.slice(0, 2).toUpperCase();

/**
 * Links to this page in the other languages (`?lang=`). Each carries its name ("Português") and a
 * short code ("PT"): a top bar shows the code (with the name as its tooltip) so the bar fits one line.
 */
export function languageSwitch(lang: Lang): string {
  const links = LANGS.map((l) => {
    const name = escapeHtml(LANGUAGE_NAMES[l]);
    const label = `<span class="lang-name">${name}</span><span class="lang-code" aria-hidden="true">${shortName(l)}</span>`;
    return `<a href="?lang=${l}" lang="${l}" hreflang="${l}" title="${name}"${l === lang ? ' aria-current="true"' : ''}>${label}</a>`;
  }).join('');
  return `<nav class="langs" aria-label="${escapeHtml(t(lang, 'lang.label'))}">${links}</nav>`;
}

/** A speech-bubble mark (deliberately not WhatsApp's trademark logo). */
export const CHAT_MARK =
  '<svg class="mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M5 3h14a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8l-5 4v-4H5a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3Z"/><circle cx="8" cy="10.5" r="1.4" fill="#fff"/><circle cx="12" cy="10.5" r="1.4" fill="#fff"/><circle cx="16" cy="10.5" r="1.4" fill="#fff"/></svg>';
