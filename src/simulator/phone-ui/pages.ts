/**
 * The virtual phone's HTML: one page per simulated phone (chats, linked devices, the "camera"), and
 * an index of the simulator's phones. Server-rendered skeletons; `static/phone.js` fills them in.
 */
import { phoneStrings as t } from './strings.js';

export interface PhoneIdentity {
  readonly phone: string;
  readonly name: string;
  readonly business: boolean;
  readonly hasWhatsApp: boolean;
  readonly platform: string;
  readonly linkedDevices: readonly unknown[];
}

/** Content-Security-Policy of every page: own scripts and styles only, nothing inline runs. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const fill = (template: string, values: Record<string, string | number>): string =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));

/** JSON for a `<script type="application/json">` block: nothing in it can close the element. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

const icon = {
  more: '<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="5" r="2"/><circle cx="12" cy="12" r="2"/><circle cx="12" cy="19" r="2"/></svg>',
  gear: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.6 7.6 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.6 7.6 0 0 0 1.7 1L11 21h4l.4-2.9a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z"/></svg>',
  back: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20 11H7.8l5.6-5.6L12 4l-8 8 8 8 1.4-1.4L7.8 13H20z"/></svg>',
  send: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M2 21l21-9L2 3v7l15 2-15 2z"/></svg>',
  chat: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3C6.5 3 2 6.9 2 11.7c0 2.5 1.2 4.7 3.2 6.3L4 22l4.6-2.3c1.1.3 2.2.5 3.4.5 5.5 0 10-3.9 10-8.6S17.5 3 12 3zm1 11H7v-2h6zm4-4H7V8h10z"/></svg>',
  image:
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21 19V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2zM8.5 13.5l2.5 3 3.5-4.5 4.5 6H5z"/></svg>',
  laptop: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5h16v10H4zM2 17h20v2H2z"/></svg>',
  devices:
    '<svg viewBox="0 0 120 72" aria-hidden="true"><rect x="8" y="6" width="76" height="48" rx="4" class="ill-screen"/><rect x="14" y="12" width="64" height="36" rx="1" class="ill-glass"/><path d="M0 58h92l-6 6H6z" class="ill-base"/><rect x="90" y="18" width="26" height="48" rx="4" class="ill-screen"/><rect x="93" y="24" width="20" height="34" rx="1" class="ill-glass"/></svg>',
};

function shell(
  title: string,
  page: 'phone' | 'index' | 'missing',
  body: string,
  extraBodyAttrs = '',
): string {
  return `<!doctype html>
<html lang="${esc(t.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#075E54">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/phone-assets/phone.css">
<script type="module" src="/phone-assets/phone.js"></script>
</head>
<body data-page="${page}"${extraBodyAttrs}>
${body}
<script type="application/json" id="phone-strings">${scriptJson(t)}</script>
</body>
</html>
`;
}

const backButton = `<button type="button" class="icon-btn" data-back aria-label="${esc(t.back)}">${icon.back}</button>`;

/** The virtual phone of `p`: every screen is in the page, the script shows one at a time. */
export function phonePage(p: PhoneIdentity): string {
  const ios = p.platform === 'iphone' || p.platform === 'smbi';
  const appName = p.business ? t.appNameBusiness : t.appName;
  const body = `<div class="device">
<div class="statusbar"><span id="phone-platform">${esc(t.platforms[p.platform] ?? p.platform)}</span><span id="statusbar-note">${esc(t.simulatorNote)}</span><span id="clock"></span></div>
<main class="app">

<section class="screen" data-screen="chats" id="screen-chats">
  <header class="bar bar-home">
    <div class="bar-main">
      <h1 class="bar-title"><span id="app-name">${esc(appName)}</span> <span class="badge" id="business-badge" data-testid="business-badge"${p.business ? '' : ' hidden'}>${esc(t.businessBadge)}</span></h1>
      <p class="bar-sub" data-testid="phone-identity"><span id="phone-number">+${esc(p.phone)}</span> · <span id="phone-name">${esc(p.name)}</span></p>
    </div>
    <button type="button" class="icon-btn" id="menu-button" data-testid="menu" aria-haspopup="menu" aria-expanded="false" aria-label="${esc(ios ? t.settings : t.moreOptions)}">${ios ? icon.gear : icon.more}</button>
    <div class="menu" id="menu" role="menu" hidden>
      <button type="button" role="menuitem" data-go="linked-devices" data-testid="linked-devices">${esc(t.menuLinkedDevices)}</button>
      <a role="menuitem" href="/phone">${esc(t.menuAllPhones)}</a>
    </div>
  </header>
  <nav class="tabs"><span class="tab is-active">${esc(t.tabChats)}</span></nav>
  <p class="banner" id="no-whatsapp"${p.hasWhatsApp ? ' hidden' : ''}>${esc(t.noWhatsApp)}</p>
  <div class="screen-body">
    <ul class="chat-list" id="chat-list" data-testid="chat-list"></ul>
    <p class="empty" id="chats-empty" hidden>${esc(t.chatsEmpty)}</p>
  </div>
  <button type="button" class="fab" data-go="new-chat" data-testid="new-chat" aria-label="${esc(t.newChat)}">${icon.chat}</button>
</section>

<section class="screen" data-screen="chat" id="screen-chat" hidden>
  <header class="bar">
    ${backButton}
    <span class="avatar avatar-small" id="chat-avatar"></span>
    <div class="bar-main"><h2 class="bar-title" id="chat-title"></h2><p class="bar-sub" id="chat-sub"></p></div>
  </header>
  <div class="screen-body chat-body" id="chat-messages" data-testid="chat-messages"></div>
  <form class="composer" id="composer" autocomplete="off">
    <input id="composer-input" data-testid="message-input" placeholder="${esc(t.messagePlaceholder)}" aria-label="${esc(t.messagePlaceholder)}" maxlength="4096">
    <button type="submit" class="send-btn" data-testid="message-send" aria-label="${esc(t.send)}">${icon.send}</button>
  </form>
</section>

<section class="screen" data-screen="new-chat" id="screen-new-chat" hidden>
  <header class="bar">${backButton}<div class="bar-main"><h2 class="bar-title">${esc(t.newChat)}</h2></div></header>
  <div class="screen-body light">
    <form class="stack-form" id="new-chat-form" autocomplete="off">
      <label for="new-chat-number">${esc(t.newChatNumber)}</label>
      <input id="new-chat-number" data-testid="new-chat-number" inputmode="tel" placeholder="15551234567" required>
      <button type="submit" class="btn-primary">${esc(t.newChatStart)}</button>
    </form>
  </div>
</section>

<section class="screen" data-screen="linked-devices" id="screen-linked-devices" hidden>
  <header class="bar">${backButton}<div class="bar-main"><h2 class="bar-title">${esc(t.linkedDevicesTitle)}</h2></div></header>
  <div class="screen-body light">
    <div class="ld-hero">
      <div class="ld-illustration">${icon.devices}</div>
      <p>${esc(t.linkedDevicesIntro)}</p>
      <button type="button" class="btn-primary" data-go="link" data-testid="link-device">${esc(t.linkDevice)}</button>
    </div>
    <div class="card">
      <h3 class="card-title">${esc(t.deviceStatus)}</h3>
      <p class="card-hint">${esc(t.deviceStatusHint)}</p>
      <ul class="device-list" id="device-list" data-testid="device-list"></ul>
      <p class="empty" id="devices-empty" hidden>${esc(t.noDevices)}</p>
    </div>
  </div>
</section>

<section class="screen camera" data-screen="link" id="screen-link" hidden>
  <header class="bar bar-camera">${backButton}<div class="bar-main"><h2 class="bar-title">${esc(t.scanTitle)}</h2></div></header>
  <div class="screen-body camera-body" id="camera-body">
    <div class="viewfinder" id="viewfinder" data-testid="viewfinder">
      <img id="qr-preview" alt="" hidden>
      <video id="capture-video" muted playsinline hidden></video>
      <span class="corner tl"></span><span class="corner tr"></span><span class="corner bl"></span><span class="corner br"></span>
    </div>
    <p class="camera-hint">${esc(t.scanHint)}</p>
    <div class="camera-actions">
      <label class="btn-camera" id="qr-file-label">${icon.image}<span>${esc(t.chooseImage)}</span><input type="file" accept="image/*" id="qr-file-input" data-testid="qr-file-input" class="visually-hidden"></label>
      <button type="button" class="btn-camera" id="capture-button" data-testid="capture-screen">${icon.laptop}<span id="capture-label">${esc(t.captureScreen)}</span></button>
    </div>
    <p class="camera-hint small">${esc(t.pasteHint)}</p>
    <p class="camera-status" id="camera-status" role="status" aria-live="polite"></p>
    <button type="button" class="link-btn" data-go="link-code" data-testid="link-with-phone-number">${esc(t.linkWithPhoneNumber)}</button>
  </div>
</section>

<section class="screen" data-screen="link-code" id="screen-link-code" hidden>
  <header class="bar">${backButton}<div class="bar-main"><h2 class="bar-title">${esc(t.codeTitle)}</h2></div></header>
  <div class="screen-body light">
    <form class="stack-form code-form" id="code-form" autocomplete="off">
      <p>${esc(t.codeHint)}</p>
      <input id="pairing-code-input" data-testid="pairing-code-input" class="code-input" placeholder="${esc(t.codePlaceholder)}" aria-label="${esc(t.codeHint)}" maxlength="9" autocapitalize="characters" spellcheck="false">
      <button type="submit" class="btn-primary" data-testid="pairing-code-submit">${esc(t.codeSubmit)}</button>
      <button type="button" class="link-btn" data-go="link">${esc(t.linkWithQr)}</button>
    </form>
  </div>
</section>

</main>
<div class="overlay" id="busy" hidden><div class="busy-box"><span class="spinner"></span><span id="busy-text"></span></div></div>
<div class="overlay" id="error-overlay" hidden>
  <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="error-title" data-testid="phone-error">
    <h2 id="error-title"></h2>
    <p class="dialog-message" id="error-message"></p>
    <p class="dialog-remedy" id="error-remedy"></p>
    <div class="dialog-actions"><button type="button" id="error-ok">${esc(t.ok)}</button></div>
  </div>
</div>
<div class="toast" id="toast" role="status" data-testid="phone-success" hidden></div>
</div>`;
  return shell(`${appName} · +${p.phone}`, 'phone', body, ` data-phone="${esc(p.phone)}"`);
}

/** `GET /phone`: the simulator's phones, and a form to create one. */
export function indexPage(phones: readonly PhoneIdentity[]): string {
  const rows = phones
    .map(
      (p) => `<li><a class="phone-row" data-testid="phone-row" href="/phone/${esc(p.phone)}">
  <span class="avatar avatar-c${Number(p.phone.slice(-1)) % 6}">${esc(initials(p.name))}</span>
  <span class="phone-row-main"><span class="chat-name">${esc(p.name)}${p.business ? ` <span class="badge">${esc(t.businessBadge)}</span>` : ''}</span>
  <span class="chat-preview">+${esc(p.phone)} · ${esc(t.phoneOs[p.platform] ?? p.platform)}</span></span>
  <span class="chat-time">${esc(fill(t.index.linkedCount, { count: p.linkedDevices.length }))}</span>
</a></li>`,
    )
    .join('\n');
  const body = `<div class="device">
<main class="app">
<section class="screen">
  <header class="bar bar-home"><div class="bar-main"><h1 class="bar-title">${esc(t.index.title)}</h1><p class="bar-sub">${esc(t.index.subtitle)}</p></div></header>
  <div class="screen-body light">
    <p class="index-intro">${esc(t.index.intro)}</p>
    ${phones.length ? `<ul class="chat-list index-list" data-testid="phone-list">${rows}</ul>` : `<p class="empty">${esc(t.index.none)}</p>`}
    <form class="stack-form card" id="create-phone-form" autocomplete="off">
      <h2 class="card-title">${esc(t.index.createTitle)}</h2>
      <label for="new-phone-number">${esc(t.index.number)}</label>
      <input id="new-phone-number" name="phone" data-testid="new-phone-number" inputmode="tel" placeholder="15551234567" required>
      <label for="new-phone-name">${esc(t.index.name)}</label>
      <input id="new-phone-name" name="name" data-testid="new-phone-name" maxlength="100">
      <label for="new-phone-os">${esc(t.index.os)}</label>
      <select id="new-phone-os" name="os"><option value="android">${esc(t.index.android)}</option><option value="ios">${esc(t.index.ios)}</option></select>
      <label class="check"><input type="checkbox" name="business" id="new-phone-business" data-testid="new-phone-business"> ${esc(t.index.business)}</label>
      <p class="form-error" id="index-error" data-testid="phone-error" role="alert" hidden></p>
      <button type="submit" class="btn-primary" data-testid="create-phone">${esc(t.index.create)}</button>
    </form>
  </div>
</section>
</main>
</div>`;
  return shell(t.index.title, 'index', body);
}

/** `GET /phone/:phone` for a number the simulator does not have. */
export function missingPhonePage(number: string): string {
  const body = `<div class="device"><main class="app"><section class="screen">
  <header class="bar bar-home"><div class="bar-main"><h1 class="bar-title">${esc(t.notFound.title)}</h1></div></header>
  <div class="screen-body light"><div class="card"><p data-testid="phone-error">${esc(fill(t.notFound.body, { phone: number }))}</p><p><a href="/phone">${esc(t.notFound.back)}</a></p></div></div>
</section></main></div>`;
  return shell(t.notFound.title, 'missing', body);
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters =
    words.length > 1 ? [words[0]![0], words[words.length - 1]![0]] : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}
