import {
  channelCardBody,
  escapeHtml,
  hasLinkedDevice,
  linkView,
  supportRow,
  waBlockBody,
} from './assets/views.js';
import type { ChannelView, SupportRow } from './channel-view.js';
import { stringsFor, t, type Lang, type MessageKey } from './i18n.js';
import { CHAT_MARK, htmlDocument, languageSwitch, serverEnv } from './layout.js';

export { escapeHtml } from './assets/views.js';
export { renderHelpPage } from './help-page.js';

/** Input of both panel pages. `now` (ms) only matters for countdowns; defaults to the clock. */
export interface PanelPageInput {
  lang: Lang;
  businessName: string;
  channels: readonly ChannelView[];
  supportUrl: string;
  helpUrl: string;
  now?: number;
}

export interface QrPageInput {
  lang: Lang;
  /** The secret token of the QR-page link (it is in the path of the page's API). */
  token: string;
  channel: ChannelView;
  supportUrl: string;
  helpUrl: string;
  now?: number;
}

export interface SupportConsoleInput {
  lang: Lang;
  rows: readonly SupportRow[];
  now?: number;
}

// Catalogue groups each page's script needs (the rest stays server-side).
const LIVE_GROUPS = ['common.', 'scan.', 'status.', 'note.', 'link.', 'wa.'];
const QR_PAGE_GROUPS = ['common.', 'scan.', 'status.', 'note.', 'link.', 'qr.', 'gone.'];

type Text = (key: MessageKey, vars?: Record<string, string | number>) => string;
const texts =
  (lang: Lang): Text =>
  (key, vars) =>
    escapeHtml(t(lang, key, vars));

function externalLink(href: string, label: string, attrs = ''): string {
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener"${attrs}>${label}</a>`;
}

function statusLines(s: Text): string {
  return (
    `<p class="error" data-testid="error" role="alert" hidden></p>` +
    `<p class="live-lost" data-role="live-lost" role="status" hidden>${s('common.liveLost')}</p>`
  );
}

function panelHeader(input: PanelPageInput, active: 'settings' | 'channels'): string {
  const { lang } = input;
  const s = texts(lang);
  const tab = (name: 'settings' | 'channels', href: string, label: string): string =>
    `<a class="tab" href="${href}?lang=${lang}"${name === active ? ' aria-current="page"' : ''}>${label}</a>`;
  return `<header class="topbar"><div class="topbar-inner">
<div class="brand">${CHAT_MARK}<span class="brand-name">${escapeHtml(input.businessName)}</span></div>
<nav class="tabs" aria-label="${s('nav.label')}">${tab('settings', '/panel', s('nav.settings'))}${tab('channels', '/panel/channels', s('nav.channels'))}</nav>
<div class="top-links">${externalLink(input.helpUrl, s('common.howToScan'))}${externalLink(input.supportUrl, s('common.support'))}${languageSwitch(lang)}</div>
</div></header>`;
}

function qrWindow(lang: Lang, helpUrl: string): string {
  const s = texts(lang);
  return `<dialog class="modal" id="qr-window" data-testid="qr-window" aria-labelledby="qr-window-title">
<div class="modal-head"><div><h2 class="modal-title" id="qr-window-title">${s('wa.title')}</h2><p class="hint" data-role="channel-name"></p></div>
<button type="button" class="icon-btn" data-action="close" aria-label="${s('common.close')}">×</button></div>
<div class="modal-body"><div data-role="error-slot"></div><div class="link-area" data-role="link-area"></div></div>
<div class="modal-actions"><button type="button" class="btn btn-danger-outline" data-action="reset" data-testid="reset">${s('common.reset')}</button>
${externalLink(helpUrl, s('common.howToScan'), ' class="btn btn-quiet" data-testid="how-to-scan"')}</div>
</dialog>`;
}

function helpLine(input: PanelPageInput): string {
  const s = texts(input.lang);
  return `<p class="help-line">${s('panel.helpLine')} ${externalLink(input.helpUrl, s('common.howToScan'))} · ${externalLink(input.supportUrl, s('common.support'))}</p>`;
}

function panelBoot(input: PanelPageInput, page: 'settings' | 'channels'): unknown {
  return { page, lang: input.lang, channels: input.channels, strings: stringsFor(input.lang, LIVE_GROUPS) };
}

/** The business's panel, Settings tab: one WhatsApp block per channel, and the QR window. */
export function renderPanelSettings(input: PanelPageInput): string {
  const { lang } = input;
  const s = texts(lang);
  const env = serverEnv(lang, input.now ?? Date.now());
  const strings = stringsFor(lang, LIVE_GROUPS);
  const blocks = input.channels
    .map((ch) => {
      const id = escapeHtml(ch.id);
      return `<section class="card wa-block" data-role="channel" data-channel-id="${id}" aria-labelledby="wa-${id}">
<div class="card-head"><h2 class="card-title" id="wa-${id}">${CHAT_MARK}${s('wa.title')}</h2><span class="hint">${escapeHtml(ch.name)}</span></div>
<div class="wa-status" data-role="status">${waBlockBody(ch, strings, env)}</div>
</section>`;
    })
    .join('\n');
  const body = `${panelHeader(input, 'settings')}
<main id="main" class="container">
<h1 class="page-title">${s('title.settings')}</h1>
<p class="lead">${s('panel.settingsIntro')}</p>
${statusLines(s)}
${blocks || `<p class="empty card">${s('panel.noChannels')}</p>`}
${helpLine(input)}
</main>
${qrWindow(lang, input.helpUrl)}`;
  return htmlDocument({
    lang,
    title: `${t(lang, 'title.settings')} — ${input.businessName}`,
    bodyClass: 'panel',
    body,
    boot: panelBoot(input, 'settings'),
    script: 'panel.js',
  });
}

/** The business's panel, Channels → WhatsApp: status, number, mode, live code, QR-page link. */
export function renderPanelChannels(input: PanelPageInput): string {
  const { lang } = input;
  const s = texts(lang);
  const env = serverEnv(lang, input.now ?? Date.now());
  const strings = stringsFor(lang, LIVE_GROUPS);
  const cards = input.channels
    .map(
      (ch) =>
        `<article class="card channel-card" data-role="channel" data-channel-id="${escapeHtml(ch.id)}"><div data-role="status">${channelCardBody(ch, strings, env)}</div></article>`,
    )
    .join('\n');
  const body = `${panelHeader(input, 'channels')}
<main id="main" class="container">
<p class="crumb">${s('nav.channels')} <span aria-hidden="true">→</span></p>
<h1 class="page-title">${s('wa.title')}</h1>
<p class="lead">${s('panel.channelsIntro')}</p>
${statusLines(s)}
${cards ? `<div class="cards">${cards}</div>` : `<p class="empty card">${s('panel.noChannels')}</p>`}
${helpLine(input)}
</main>
${qrWindow(lang, input.helpUrl)}`;
  return htmlDocument({
    lang,
    title: `${t(lang, 'title.channels')} — ${input.businessName}`,
    bodyClass: 'panel',
    body,
    boot: panelBoot(input, 'channels'),
    script: 'panel.js',
  });
}

/**
 * The standalone QR page (no login; the token is in the URL). It shows only this channel's
 * linking: no business name, no other data.
 */
export function renderQrPage(input: QrPageInput): string {
  const { lang, channel } = input;
  const s = texts(lang);
  const env = serverEnv(lang, input.now ?? Date.now());
  const strings = stringsFor(lang, QR_PAGE_GROUPS);
  // The script starts watching at once, so an unlinked channel without a link is "preparing".
  const area = linkView(channel, strings, env, {
    surface: 'page',
    starting: !hasLinkedDevice(channel.status),
  });
  const publicChannel: ChannelView = { ...channel };
  delete publicChannel.qrPageUrl;
  // The QR's SVG is already in the markup; the script takes it from there (keeps the page small).
  if (publicChannel.link?.qr)
    publicChannel.link = { ...publicChannel.link, qr: { ...publicChannel.link.qr, svg: '' } };
  const body = `<main id="main" class="qr-page">
<header class="qr-head"><div class="qr-title">${CHAT_MARK}<div><h1>${s('qr.heading')}</h1><p class="hint channel-name">${escapeHtml(channel.name)}</p></div></div>
${languageSwitch(lang)}</header>
${statusLines(s)}
<section class="stage" data-role="stage"><div class="link-area" data-role="link-area">${area}</div></section>
<div class="qr-actions">
<button type="button" class="btn" data-action="fullscreen" data-testid="full-screen" hidden>${s('qr.fullScreen')}</button>
<button type="button" class="btn btn-danger-outline" data-action="reset" data-testid="reset">${s('common.reset')}</button>
${externalLink(input.supportUrl, s('common.support'), ' class="btn" data-testid="support"')}
${externalLink(input.helpUrl, s('common.howToScan'), ' class="btn" data-testid="how-to-scan"')}
</div>
</main>`;
  return htmlDocument({
    lang,
    title: t(lang, 'title.qrPage'),
    bodyClass: 'qr-body',
    body,
    boot: {
      page: 'qr',
      lang,
      apiBase: `/link/${encodeURIComponent(input.token)}/api`,
      supportUrl: input.supportUrl,
      channel: publicChannel,
      strings,
    },
    script: 'qr-page.js',
  });
}

function messagePage(
  lang: Lang,
  title: MessageKey,
  heading: MessageKey,
  text: MessageKey,
  extra = '',
): string {
  const s = texts(lang);
  const body = `<main id="main" class="message-page"><div class="message-card card">
${CHAT_MARK}<h1>${s(heading)}</h1><p>${s(text)}</p>${extra}
</div>${languageSwitch(lang)}</main>`;
  return htmlDocument({ lang, title: t(lang, title), bodyClass: 'message', body });
}

/** 404 page of a revoked, expired or unknown QR-page link. */
export function renderLinkGone({ lang, supportUrl }: { lang: Lang; supportUrl?: string }): string {
  const support = supportUrl
    ? externalLink(supportUrl, texts(lang)('common.support'), ' class="btn" data-testid="support"')
    : '';
  return messagePage(lang, 'title.gone', 'gone.title', 'gone.body', support);
}

/** /panel without a session. */
export function renderLoginNeeded({ lang }: { lang: Lang }): string {
  return messagePage(lang, 'title.login', 'login.title', 'login.body');
}

/** Support's console: every business and channel, live. */
export function renderSupportConsole(input: SupportConsoleInput): string {
  const { lang, rows } = input;
  const s = texts(lang);
  const env = serverEnv(lang, input.now ?? Date.now());
  const strings = stringsFor(lang, ['common.', 'scan.', 'status.', 'state.', 'cause.', 'support.', 'wa.']);
  const cols: MessageKey[] = [
    'support.colBusiness',
    'support.colChannel',
    'support.colStatus',
    'support.colNumber',
    'support.colLastEvent',
    'support.colMode',
    'support.colActions',
  ];
  const body = `<header class="topbar"><div class="topbar-inner">
<div class="brand">${CHAT_MARK}<span class="brand-name">${s('support.heading')}</span></div>
${languageSwitch(lang)}
</div></header>
<main id="main" class="container container-wide">
<div class="toolbar"><h1 class="page-title">${s('support.heading')}</h1>
<label class="filter"><span>${s('support.filter')}</span><input type="search" data-role="filter" data-testid="support-filter" placeholder="${s('support.filterPlaceholder')}"></label>
<span class="hint" data-role="count">${s('support.count', { count: rows.length })}</span></div>
${statusLines(s)}
<div class="table-wrap"><table class="support-table">
<thead><tr>${cols.map((c) => `<th scope="col">${s(c)}</th>`).join('')}</tr></thead>
<tbody data-role="rows">${rows.map((r) => supportRow(r, strings, env)).join('\n')}</tbody>
</table></div>
<p class="empty" data-role="empty"${rows.length ? ' hidden' : ''}>${rows.length ? '' : s('support.empty')}</p>
</main>`;
  return htmlDocument({
    lang,
    title: t(lang, 'title.support'),
    bodyClass: 'support',
    body,
    boot: { page: 'support', lang, rows, strings },
    script: 'support.js',
  });
}
