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
  /** The business has an ALTEGIO install: the Notifications tab is shown. */
  notifications?: boolean;
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
  /** Configuration problems support must see (e.g. the ALTEGIO user token missing). */
  warnings?: readonly MessageKey[];
  /** The "Create business" form (support-businesses.ts), shown above the table. */
  newBusiness?: string;
  now?: number;
}

// Catalogue groups each page's script needs (the rest stays server-side).
const LIVE_GROUPS = ['common.', 'scan.', 'status.', 'note.', 'link.', 'wa.'];
const QR_PAGE_GROUPS = ['common.', 'scan.', 'status.', 'note.', 'link.', 'qr.', 'gone.'];

export type Text = (key: MessageKey, vars?: Record<string, string | number>) => string;
/** Catalogue strings in `lang`, escaped for HTML. */
export const texts =
  (lang: Lang): Text =>
  (key, vars) =>
    escapeHtml(t(lang, key, vars));

export function externalLink(href: string, label: string, attrs = ''): string {
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener"${attrs}>${label}</a>`;
}

export function statusLines(s: Text): string {
  return (
    `<p class="error" data-testid="error" role="alert" hidden></p>` +
    `<p class="live-lost" data-role="live-lost" role="status" hidden>${s('common.liveLost')}</p>`
  );
}

/** A sign-out button: a plain form POST (works without JavaScript), ending the session on the server. */
function signOut(action: string, label: string): string {
  return `<form class="sign-out" method="post" action="${action}"><button type="submit" class="link-btn" data-testid="sign-out">${label}</button></form>`;
}

type PanelTab = 'settings' | 'channels' | 'messages' | 'notifications';

/** The panel's top bar: the business, the tabs (Notifications only with ALTEGIO), help and language. */
export function panelHeader(input: PanelPageInput, active: PanelTab): string {
  const { lang } = input;
  const s = texts(lang);
  const tab = (name: PanelTab, href: string, label: string): string =>
    `<a class="tab" href="${href}?lang=${lang}"${name === active ? ' aria-current="page"' : ''}>${label}</a>`;
  return `<header class="topbar"><div class="topbar-inner">
<div class="brand">${CHAT_MARK}<span class="brand-name">${escapeHtml(input.businessName)}</span></div>
<nav class="tabs" aria-label="${s('nav.label')}">${tab('settings', '/panel', s('nav.settings'))}${tab('channels', '/panel/channels', s('nav.channels'))}${tab('messages', '/panel/messages', s('nav.messages'))}${input.notifications ? tab('notifications', '/panel/notifications', s('nav.notifications')) : ''}</nav>
<div class="top-links">${externalLink(input.helpUrl, s('common.howToScan'))}${externalLink(input.supportUrl, s('common.support'))}${languageSwitch(lang)}${signOut('/panel/logout', s('common.signOut'))}</div>
</div></header>`;
}

/** The panel's QR window; it names the business, so an owner of several knows which one links. */
function qrWindow(lang: Lang, helpUrl: string, businessName: string, supportUrl: string): string {
  const s = texts(lang);
  return `<dialog class="modal" id="qr-window" data-testid="qr-window" aria-labelledby="qr-window-title">
<div class="modal-head"><div><h2 class="modal-title" id="qr-window-title">${s('wa.title')}</h2><p class="hint" data-testid="qr-window-business">${s('qr.forBusiness', { business: businessName })}<span data-role="channel-name"></span></p></div>
<button type="button" class="icon-btn" data-action="close" aria-label="${s('common.close')}">×</button></div>
<div class="modal-body"><div data-role="error-slot"></div><div class="link-area" data-role="link-area"></div></div>
<div class="modal-actions"><button type="button" class="btn btn-danger-outline" data-action="reset" data-testid="reset">${s('common.reset')}</button>
<span>${externalLink(supportUrl, s('common.support'), ' class="btn btn-quiet" data-testid="support"')}
${externalLink(helpUrl, s('common.howToScan'), ' class="btn btn-quiet" data-testid="how-to-scan"')}</span></div>
</dialog>`;
}

export function helpLine(input: PanelPageInput): string {
  const s = texts(input.lang);
  return `<p class="help-line">${s('panel.helpLine')} ${externalLink(input.helpUrl, s('common.howToScan'))} · ${externalLink(input.supportUrl, s('common.support'))}</p>`;
}

function panelBoot(input: PanelPageInput, page: 'settings' | 'channels'): unknown {
  return { page, lang: input.lang, channels: input.channels, strings: stringsFor(input.lang, LIVE_GROUPS) };
}

/**
 * A channel's name beside a card's title, unless it is the default "WhatsApp" (the title already
 * says it: "WhatsApp / WhatsApp" told nobody anything).
 */
export function channelNameHint(name: string, title: string): string {
  if (isDefaultChannelName(name, title)) return '';
  return `<span class="hint" data-testid="channel-name">${escapeHtml(name)}</span>`;
}

function isDefaultChannelName(name: string, title: string): boolean {
  const plain = (v: string) => v.trim().toLowerCase();
  return plain(name) === plain(title) || plain(name) === 'whatsapp';
}

/** The business's panel, Settings tab: one WhatsApp block per channel, and the QR window. */
export function renderPanelSettings(input: PanelPageInput): string {
  const { lang } = input;
  const s = texts(lang);
  const env = serverEnv(lang, input.now);
  const strings = stringsFor(lang, LIVE_GROUPS);
  const blocks = input.channels
    .map((ch) => {
      const id = escapeHtml(ch.id);
      return `<section class="card wa-block" data-role="channel" data-channel-id="${id}" aria-labelledby="wa-${id}">
<div class="card-head"><h2 class="card-title" id="wa-${id}">${CHAT_MARK}${s('wa.title')}</h2>${channelNameHint(ch.name, s('wa.title'))}</div>
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
${qrWindow(lang, input.helpUrl, input.businessName, input.supportUrl)}`;
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
  const env = serverEnv(lang, input.now);
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
${qrWindow(lang, input.helpUrl, input.businessName, input.supportUrl)}`;
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
  const env = serverEnv(lang, input.now);
  const strings = stringsFor(lang, QR_PAGE_GROUPS);
  // The script starts watching at once, so an unlinked channel without a link is "preparing".
  const area = linkView(channel, strings, env, {
    surface: 'page',
    starting: !hasLinkedDevice(channel.status),
  });
  const linked = hasLinkedDevice(channel.status);
  const publicChannel: ChannelView = { ...channel };
  delete publicChannel.qrPageUrl;
  // The QR's SVG is already in the markup; the script takes it from there (keeps the page small).
  if (publicChannel.link?.qr)
    publicChannel.link = { ...publicChannel.link, qr: { ...publicChannel.link.qr, svg: '' } };
  const body = `<main id="main" class="qr-page">
<header class="qr-head"><div class="qr-title">${CHAT_MARK}<div><h1>${s('qr.heading')}</h1>${isDefaultChannelName(channel.name, s('wa.title')) ? '' : `<p class="hint channel-name">${escapeHtml(channel.name)}</p>`}</div></div>
${languageSwitch(lang)}</header>
${statusLines(s)}
<div class="note note-amber on-phone" data-role="on-phone" data-testid="on-phone-hint" hidden><p>${s('qr.onPhone')}</p>
<button type="button" class="btn btn-primary" data-action="link-mode" data-mode="code" data-testid="on-phone-use-code">${s('qr.useCode')}</button></div>
<section class="stage" data-role="stage"><div class="link-area" data-role="link-area">${area}</div></section>
<div class="qr-mode" data-role="mode-switch"${linked ? ' hidden' : ''}>
<button type="button" class="btn" data-action="link-mode" data-mode="code" data-testid="use-code"${channel.linkMode === 'code' ? ' hidden' : ''}>${s('qr.useCode')}</button>
<button type="button" class="btn" data-action="link-mode" data-mode="qr" data-testid="use-qr"${channel.linkMode === 'qr' ? ' hidden' : ''}>${s('qr.useQr')}</button>
</div>
<div class="qr-actions">
${externalLink(input.supportUrl, s('common.support'), ' class="btn" data-testid="support"')}
${externalLink(input.helpUrl, s('common.howToScan'), ' class="btn" data-testid="how-to-scan"')}
<button type="button" class="btn" data-action="fullscreen" data-testid="full-screen" hidden>${s('qr.fullScreen')}</button>
<button type="button" class="btn btn-quiet-danger" data-action="reset" data-testid="reset"${linked ? ' hidden' : ''}>${s('common.reset')}</button>
</div>
<div class="note note-red reset-confirm" role="alertdialog" aria-labelledby="reset-title" aria-describedby="reset-body" data-role="reset-confirm" data-testid="reset-confirm" hidden>
<p class="reset-title" id="reset-title"><strong>${s('qr.resetTitle')}</strong></p><p id="reset-body">${s('qr.resetConfirm')}</p>
<div class="actions"><button type="button" class="btn btn-danger" data-action="reset-yes" data-testid="reset-yes">${s('qr.resetYes')}</button>
<button type="button" class="btn" data-action="reset-no" data-testid="reset-no">${s('qr.resetNo')}</button></div>
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

/** The registration URL from ALTEGIO could not be verified (bad signature, no salon id…). */
export function renderInstallRefused({ lang, supportUrl }: { lang: Lang; supportUrl?: string }): string {
  const support = supportUrl
    ? externalLink(supportUrl, texts(lang)('common.support'), ' class="btn" data-testid="support"')
    : '';
  return messagePage(lang, 'title.install', 'install.title', 'install.body', support);
}

/**
 * A Connect click for a salon we already serve, without proof that this browser is its owner: no
 * session; the way in is the owner's login link (or a panel session the browser already has).
 */
export function renderInstallLogin({ lang, supportUrl }: { lang: Lang; supportUrl?: string }): string {
  const s = texts(lang);
  const panel = `<a class="btn btn-primary" href="/panel?lang=${encodeURIComponent(lang)}" data-testid="open-panel">${s('install.openPanel')}</a>`;
  const support = supportUrl
    ? externalLink(supportUrl, s('common.support'), ' class="btn" data-testid="support"')
    : '';
  return messagePage(
    lang,
    'title.install',
    'install.knownTitle',
    'install.knownBody',
    `<div class="actions">${panel}${support}</div>`,
  );
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

/**
 * A panel login link that no longer signs in: "already used" (the usual case: opened once, then
 * again from the same message) or "expired" — never "reset" — with a way to ask for a new one.
 */
export function renderLoginLinkGone({
  lang,
  fate,
  supportUrl,
}: {
  lang: Lang;
  fate: 'used' | 'expired' | 'unknown';
  supportUrl?: string;
}): string {
  const ask = supportUrl
    ? `<div class="actions">${externalLink(supportUrl, texts(lang)('login.askNew'), ' class="btn btn-primary" data-testid="ask-new-link"')}</div>`
    : '';
  if (fate === 'used') return messagePage(lang, 'title.login', 'login.usedTitle', 'login.usedBody', ask);
  if (fate === 'expired')
    return messagePage(lang, 'title.login', 'login.expiredTitle', 'login.expiredBody', ask);
  return messagePage(lang, 'title.login', 'gone.title', 'login.body', ask);
}

/** Support's console: every business and channel, live. */
export function renderSupportConsole(input: SupportConsoleInput): string {
  const { lang, rows } = input;
  const s = texts(lang);
  const env = serverEnv(lang, input.now);
  const strings = stringsFor(lang, [
    'common.',
    'scan.',
    'status.',
    'state.',
    'cause.',
    'support.',
    'wa.',
    // A link attempt waiting on WhatsApp: "Still connecting…" and its cause.
    'link.s',
  ]);
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
<div class="top-links">${languageSwitch(lang)}${signOut('/support/logout', s('common.signOut'))}</div>
</div></header>
<main id="main" class="container container-wide">
<div class="toolbar"><h1 class="page-title">${s('support.heading')}</h1>
<label class="filter"><span>${s('support.filter')}</span><input type="search" data-role="filter" data-testid="support-filter" placeholder="${s('support.filterPlaceholder')}"></label>
<span class="hint" data-role="count">${s('support.count', { count: rows.length })}</span></div>
${(input.warnings ?? []).map((w) => `<p class="error" role="alert" data-testid="support-warning">${s(w)}</p>`).join('\n')}
${input.newBusiness ?? ''}
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
