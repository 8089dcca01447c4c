// @ts-check
/* global document, window, confirm, CSS, URLSearchParams, sessionStorage, HTMLElement, HTMLInputElement */
// The business's panel (Settings → WhatsApp block, Channels → WhatsApp): live statuses over SSE and
// the QR window, which keeps the link attempt alive (watch heartbeat) while it is open.
import {
  channelCardBody,
  hasLinkedDevice,
  isEstablished,
  linkView,
  linkViewKey,
  waBlockBody,
} from './views.js';
import { ApiError, api, errorBox, makeEnv, readBoot, required, showFormError } from './live.js';
import { createWatcher, subscribe, viewerKey } from './watch.js';
import {
  copyText,
  eventTarget,
  flashLabel,
  onPairingPhoneSubmit,
  replaceKeepingFocus,
  tickCountdowns,
} from './dom.js';

/**
 * @import { ChannelView } from '../channel-view.js'
 * @import { LinkViewState, ViewStrings } from './views.js'
 */

const CLOSE_AFTER_LINK_MS = 2_000;

const boot = readBoot();
/** @type {ViewStrings} */
const S = boot.strings;
const env = makeEnv(boot.lang);
/** @type {Map<string, ChannelView>} */
const channels = new Map(boot.channels.map((/** @type {ChannelView} */ c) => [c.id, c]));
/** @type {HTMLDialogElement} */
const dialog = required('#qr-window');
const area = required('[data-role="link-area"]', dialog);
const errorEl = required('[data-testid="error"]');
const errorHome = /** @type {HTMLElement} */ (errorEl.parentElement);
const errorAnchor = errorEl.nextSibling;
const errors = errorBox(errorEl, S['common.networkError'], S);
const liveLost = required('[data-role="live-lost"]');

/** @type {string | null} channel shown in the QR window */
let openId = null;
/** @type {string} channel the watcher keeps alive */
let watchedId = '';
let closeTimer = 0;
let renderedKey = '';

/**
 * @param {string} id
 * @param {string} action
 */
const channelUrl = (id, action) => `/panel/api/channels/${encodeURIComponent(id)}/${action}`;

// The QR window open in this tab, so that a reload opens it again (linking goes on meanwhile).
const OPEN_WINDOW_SLOT = 'zg.qrWindow';
const remember = (/** @type {string | null} */ id) => {
  try {
    if (id) sessionStorage.setItem(OPEN_WINDOW_SLOT, id);
    else sessionStorage.removeItem(OPEN_WINDOW_SLOT);
  } catch {
    // no storage (private mode): a reload simply shows the page without the window
  }
};
const remembered = () => {
  try {
    return sessionStorage.getItem(OPEN_WINDOW_SLOT);
  } catch {
    return null;
  }
};

const watcher = createWatcher({
  viewer: viewerKey('panel'),
  watch: (body) => api(channelUrl(watchedId, 'watch'), body),
  unwatch: (keepalive, body) => {
    api(channelUrl(watchedId, 'unwatch'), body, { keepalive }).catch(() => {});
  },
  onView: (view) => apply(view),
  onError: (err) => errors.show(err),
  onChange: () => renderWindow(),
});

/** @param {string} id */
function channelElement(id) {
  return document.querySelector(
    `[data-role="channel"][data-channel-id="${CSS.escape(id)}"] [data-role="status"]`,
  );
}

/** @param {string} id */
function renderChannel(id) {
  const ch = channels.get(id);
  const el = channelElement(id);
  if (!ch || !(el instanceof HTMLElement)) return;
  const html =
    boot.page === 'channels'
      ? channelCardBody(ch, S, env, { windowOpen: openId === id })
      : waBlockBody(ch, S, env);
  if (el.innerHTML !== html) replaceKeepingFocus(el, html);
}

/** @param {boolean} [force] */
function renderWindow(force) {
  const ch = openId && channels.get(openId);
  if (!ch) return;
  const input = area.querySelector('[data-testid="pairing-phone-input"]');
  /** @type {LinkViewState} */
  const st = {
    surface: 'panel',
    starting: watcher.starting,
    phone: input instanceof HTMLInputElement ? input.value : '',
  };
  const key = linkViewKey(ch, st);
  if (force || key !== renderedKey) {
    renderedKey = key;
    replaceKeepingFocus(area, linkView(ch, S, env, st));
  }
  tickCountdowns(S, env);
}

// Codes are made only while someone looks: watch while the window is open on an unlinked channel.
function syncWatch() {
  const ch = openId && channels.get(openId);
  if (ch && !hasLinkedDevice(ch.status)) {
    if (!watcher.active) {
      watchedId = ch.id;
      watcher.start();
    }
  } else {
    watcher.stop(false);
  }
}

/** @param {ChannelView | null | undefined} incoming */
function apply(incoming) {
  if (!incoming || !incoming.id) return;
  const prev = channels.get(incoming.id);
  const view =
    incoming.qrPageUrl === undefined && prev && prev.qrPageUrl
      ? { ...incoming, qrPageUrl: prev.qrPageUrl }
      : incoming;
  channels.set(view.id, view);
  renderChannel(view.id);
  if (view.id !== openId) return;
  watcher.observe(view);
  // Linked while the window was open: show "Connection established", then close by itself.
  if (prev && !isEstablished(prev.status) && isEstablished(view.status)) {
    clearTimeout(closeTimer);
    closeTimer = setTimeout(() => dialog.close(), CLOSE_AFTER_LINK_MS);
  }
  syncWatch();
  renderWindow();
}

/** @param {string} id */
function openWindow(id) {
  const ch = channels.get(id);
  if (!ch) return;
  openId = id;
  remember(id);
  renderedKey = '';
  // "For Studio Bela · Reception", or just "For Studio Bela" when the channel has the default name.
  const isDefault = ch.name.trim().toLowerCase() === String(S['wa.title'] || 'WhatsApp').toLowerCase();
  required('[data-role="channel-name"]', dialog).textContent = isDefault ? '' : ` · ${ch.name}`;
  errors.clear();
  required('[data-role="error-slot"]', dialog).append(errorEl);
  dialog.showModal();
  syncWatch();
  renderWindow(true);
  renderChannel(id);
}

dialog.addEventListener('close', () => {
  clearTimeout(closeTimer);
  const id = openId;
  openId = null;
  remember(null);
  watcher.stop(false);
  errorHome.insertBefore(errorEl, errorAnchor);
  errors.clear();
  area.innerHTML = '';
  if (!id) return;
  renderChannel(id);
  // The opener may have been re-rendered meanwhile: put focus back on its successor.
  const opener = document.querySelector(`[data-action="open"][data-channel-id="${CSS.escape(id)}"]`);
  if (opener instanceof HTMLElement) opener.focus();
});

/** @param {HTMLButtonElement} button */
async function resetOpenChannel(button) {
  const id = openId;
  if (!id || !confirm(S['link.resetConfirm'])) return;
  errors.clear();
  button.disabled = true;
  try {
    const view = await api(channelUrl(id, 'reset'), {});
    clearTimeout(closeTimer);
    apply(view);
    if (openId === id && watcher.active) watcher.again();
    renderWindow(true);
  } catch (err) {
    errors.show(err);
  } finally {
    button.disabled = false;
  }
}

/** @param {HTMLElement} button */
async function copyFrom(button) {
  if (await copyText(button.dataset.copy || '')) flashLabel(button, S['common.copied']);
  else errors.show(S['common.copyFailed']);
}

document.addEventListener('click', (e) => {
  // A click on the backdrop (the dialog element itself, outside its box) closes the window.
  if (e.target === dialog) {
    dialog.close();
    return;
  }
  const el = eventTarget(e, '[data-action]');
  if (!el) return;
  switch (el.dataset.action) {
    case 'open':
      openWindow(el.dataset.channelId ?? '');
      break;
    case 'close':
      dialog.close();
      break;
    case 'show-new':
      errors.clear();
      watcher.again();
      renderWindow();
      break;
    case 'retry':
      errors.clear();
      watcher.retry();
      renderWindow();
      break;
    case 'reset':
      void resetOpenChannel(/** @type {HTMLButtonElement} */ (el));
      break;
    case 'copy':
      void copyFrom(el);
      break;
    default:
      break;
  }
});

onPairingPhoneSubmit(async (form, input, button, phone) => {
  const id = openId;
  if (!id) return;
  // The server's refusal of the number is said by the field, in the page's words.
  const refuse = (/** @type {unknown} */ err) =>
    showFormError(form, err, {
      S,
      errors,
      words: { invalid_phone: S['link.phoneHelp'], invalid_input: S['link.phoneHelp'] },
    });
  if (!phone) {
    refuse(new ApiError(400, 'invalid_input', '', { field: 'phone', issue: 'required' }));
    return;
  }
  errors.clear();
  button.disabled = true;
  try {
    apply(await api(channelUrl(id, 'pairing-phone'), { phone }));
  } catch (err) {
    if (!refuse(err)) input.focus();
  } finally {
    button.disabled = false;
  }
});

subscribe('/panel/api/events', apply, {
  onResync: () => {
    api('/panel/api/channels')
      .then((/** @type {ChannelView[]} */ list) => list.forEach(apply))
      .catch(() => {});
  },
  onLive: (/** @type {boolean} */ up) => {
    liveLost.hidden = up;
  },
});

window.addEventListener('pagehide', () => watcher.stop(true));
setInterval(() => tickCountdowns(S, env), 1_000);
// First paint came from the server in UTC; redraw with the browser's time zone.
for (const id of channels.keys()) renderChannel(id);

// Arriving from a marketplace install (`?link=1`): the linking step opens by itself on the first
// channel without a linked device, and the address loses the flag so a reload does not reopen it.
const params = new URLSearchParams(window.location.search);
if (params.get('link') === '1') {
  params.delete('link');
  const query = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${query ? `?${query}` : ''}`);
  const first = [...channels.values()].find((ch) => !hasLinkedDevice(ch.status));
  if (first) openWindow(first.id);
} else {
  // A reload while the QR window was open: open it again on the same channel, still linking.
  const again = remembered();
  const ch = again && channels.get(again);
  if (ch && !hasLinkedDevice(ch.status) && !dialog.open) openWindow(ch.id);
  else if (again) remember(null);
}
