// @ts-check
/* global document, window, location, history, HTMLElement */
// The virtual phone page's script: no framework, no build step. Served as /phone-assets/phone.js;
// the phone page's parts are phone-chats.js and phone-linking.js, what both pages use phone-common.js.
// This file: the phone page's screens (navigation, menu, the state poll, the header) and the index
// of phones.
import { $, api, errorOf, errorWords, strings, timeFormat, hideError } from './phone-common.js';
import { setUpChats } from './phone-chats.js';
import { setUpLinking } from './phone-linking.js';

/**
 * @import { PhonePage } from './phone-common.js'
 */

// ---------- the phone page ----------

function phonePage() {
  const number = document.body.dataset.phone ?? '';
  /** @type {PhonePage} */
  const page = {
    number,
    paths: { state: `/phone/${number}/state`, phone: `/phones/${number}` },
    state: undefined,
    screen: '',
    openPeer: undefined,
    go,
    refresh,
  };
  const { renderChatList, renderChat } = setUpChats(page);
  const { renderDevices, enterCamera, stopCapture } = setUpLinking(page);

  // Navigation: #/ chats, #/chat/<number>, #/new-chat, #/linked-devices, #/link, #/link-code.
  const screens = new Set(['chats', 'chat', 'new-chat', 'linked-devices', 'link', 'link-code']);
  /** @type {Readonly<Record<string, string>>} */
  const parents = {
    chat: 'chats',
    'new-chat': 'chats',
    'linked-devices': 'chats',
    link: 'linked-devices',
    'link-code': 'link',
  };

  /** @returns {{ name: string, arg?: string }} */
  function currentRoute() {
    const [name = '', arg] = location.hash.replace(/^#\/?/, '').split('/');
    return screens.has(name) ? { name, arg: arg ? decodeURIComponent(arg) : undefined } : { name: 'chats' };
  }

  /**
   * @param {string} target
   * @param {{ replace?: boolean }} [options]
   */
  function go(target, { replace = false } = {}) {
    const hash = target === 'chats' ? '#/' : `#/${target}`;
    if (replace) {
      history.replaceState(null, '', hash);
      showScreen();
    } else if (location.hash === hash) {
      showScreen();
    } else {
      location.hash = hash;
    }
  }

  function showScreen() {
    const route = currentRoute();
    closeMenu();
    if (page.screen === 'link' && route.name !== 'link') stopCapture();
    page.screen = route.name;
    page.openPeer = route.name === 'chat' ? route.arg : undefined;
    for (const section of document.querySelectorAll('[data-screen]')) {
      if (section instanceof HTMLElement) section.hidden = section.dataset.screen !== page.screen;
    }
    if (page.screen === 'chat') renderChat(true);
    if (page.screen === 'link') enterCamera();
    if (page.screen === 'link-code') window.setTimeout(() => $('pairing-code-input').focus(), 0);
    if (page.screen === 'new-chat') $('new-chat-number').focus();
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof window.Element ? event.target : null;
    const goTo = target?.closest('[data-go]');
    if (goTo instanceof HTMLElement) {
      event.preventDefault();
      go(goTo.dataset.go ?? 'chats');
      return;
    }
    if (target?.closest('[data-back]')) {
      event.preventDefault();
      go(parents[page.screen] ?? 'chats');
      return;
    }
    if (!target?.closest('#menu, #menu-button')) closeMenu();
  });
  window.addEventListener('hashchange', showScreen);

  // The ⋮ (Android) or ⚙ (iPhone) menu.
  function closeMenu() {
    $('menu').hidden = true;
    $('menu-button').setAttribute('aria-expanded', 'false');
  }
  $('menu-button').addEventListener('click', () => {
    const open = $('menu').hidden;
    $('menu').hidden = !open;
    $('menu-button').setAttribute('aria-expanded', String(open));
    const first = $('menu').querySelector('[role=menuitem]');
    if (open && first instanceof HTMLElement) first.focus();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    if (!$('error-overlay').hidden) hideError();
    else closeMenu();
  });
  $('error-ok').addEventListener('click', hideError);

  // ---- live state: one poll a second, answered "unchanged" when nothing moved ----
  let polling = false;
  /** @type {number | undefined} */
  let pollTimer;
  async function poll() {
    if (polling) return;
    polling = true;
    window.clearTimeout(pollTimer);
    try {
      const paths = page.paths;
      const next = await api(
        'GET',
        page.state ? `${paths.state}?v=${encodeURIComponent(page.state.version)}` : paths.state,
      );
      document.querySelector('.statusbar')?.classList.remove('is-offline');
      $('statusbar-note').textContent = strings.simulatorNote;
      if (next && !next.unchanged) {
        page.state = next;
        render();
      }
    } catch (error) {
      document.querySelector('.statusbar')?.classList.add('is-offline');
      $('statusbar-note').textContent = errorWords(errorOf(error).code).title;
    } finally {
      polling = false;
      $('clock').textContent = timeFormat.format(Date.now());
      pollTimer = window.setTimeout(poll, document.hidden ? 5000 : 1000);
    }
  }
  function refresh() {
    if (!polling) void poll();
  }
  document.addEventListener('visibilitychange', () => !document.hidden && refresh());

  function render() {
    renderHeader();
    renderChatList();
    renderDevices();
    if (page.screen === 'chat') renderChat(false);
  }

  function renderHeader() {
    if (!page.state) return;
    const p = page.state.phone;
    $('app-name').textContent = p.business ? strings.appNameBusiness : strings.appName;
    $('business-badge').hidden = !p.business;
    $('phone-number').textContent = `+${p.phone}`;
    $('phone-name').textContent = p.name;
    const platforms = /** @type {Readonly<Record<string, string>>} */ (strings.platforms);
    $('phone-platform').textContent = platforms[p.platform] ?? p.platform;
    $('no-whatsapp').hidden = p.hasWhatsApp;
  }

  showScreen();
  void poll();
}

// ---------- the index of phones ----------

function indexPage() {
  /** @type {HTMLFormElement} */
  const form = $('create-phone-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('index-error');
    error.hidden = true;
    const data = new window.FormData(form);
    /** @type {{ phone: string, business: boolean, os: string, name?: string }} */
    const body = {
      phone: String(data.get('phone') ?? '').trim(),
      business: data.get('business') === 'on',
      os: String(data.get('os') ?? 'android'),
    };
    const name = String(data.get('name') ?? '').trim();
    if (name) body.name = name;
    /** @type {HTMLButtonElement | null} */
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    try {
      const created = await api('POST', '/phones', body);
      location.href = `/phone/${encodeURIComponent(created.phone)}`;
    } catch (e) {
      const failure = errorOf(e);
      error.textContent = failure.message || errorWords(failure.code).title;
      error.hidden = false;
      if (button) button.disabled = false;
    }
  });
}

if (document.body.dataset.page === 'phone') phonePage();
else if (document.body.dataset.page === 'index') indexPage();
