// @ts-check
/* global document, window, location, navigator, screen, matchMedia, HTMLElement, HTMLInputElement */
// The standalone QR page: watches its one channel while visible, shows the live QR or code, and
// "Connection established" once the phone is linked.
import { escapeHtml, hasLinkedDevice, linkView, linkViewKey } from './views.js';
import { ApiError, api, errorBox, makeEnv, readBoot, required } from './live.js';
import { createWatcher, subscribe, viewerKey } from './watch.js';
import { eventTarget, onPairingPhoneSubmit, replaceKeepingFocus, tickCountdowns } from './dom.js';

/**
 * @import { ChannelView } from '../channel-view.js'
 * @import { LinkViewState, ViewStrings } from './views.js'
 */

/** What the page's channel answers say: its view, or that the link is gone. @typedef {ChannelView & { gone?: boolean }} PageAnswer */

const boot = readBoot();
/** @type {ViewStrings} */
const S = boot.strings;
const env = makeEnv(boot.lang);
/** @type {string} */
const apiBase = boot.apiBase;
const main = required('#main');
const stage = required('[data-role="stage"]');
const area = required('[data-role="link-area"]');
const fullButton = required('[data-action="fullscreen"]');
const resetButton = required('[data-action="reset"]');
const liveLost = required('[data-role="live-lost"]');
const onPhoneHint = required('[data-role="on-phone"]');
const modeSwitch = required('[data-role="mode-switch"]');
const resetConfirm = required('[data-role="reset-confirm"]');
const errors = errorBox(required('[data-testid="error"]'), S['common.networkError']);

/** @type {ChannelView} */
let channel = boot.channel;
// The server leaves the first QR's SVG out of the boot data: it is already in the markup.
if (channel.link && channel.link.qr && !channel.link.qr.svg) {
  const drawn = area.querySelector('[data-testid="qr-code"]');
  channel.link.qr.svg = drawn ? drawn.innerHTML : '';
}
let gone = false;
let leaving = false;
let renderedKey = '';
/** @type {WakeLockSentinel | null} */
let wakeLock = null;

// The phone that links scans with its own camera, so it cannot read a QR on its own screen: on a
// phone (mobile browser, or a small touch screen), say so and offer code linking.
// `userAgentData` is Chromium's (not yet in TypeScript's DOM types).
const uaData = /** @type {{ userAgentData?: { mobile?: boolean } }} */ (navigator).userAgentData;
const onPhone =
  Boolean(uaData && uaData.mobile) ||
  /Android|iPhone|iPod|Mobile/i.test(navigator.userAgent) ||
  (matchMedia('(pointer: coarse)').matches && Math.min(screen.width, screen.height) < 600);

const watcher = createWatcher({
  viewer: viewerKey('page'),
  watch: (body) => api(`${apiBase}/watch`, body),
  unwatch: (keepalive, body) => {
    if (!gone && !leaving) api(`${apiBase}/unwatch`, body, { keepalive }).catch(() => {});
  },
  onView: (view) => apply(view),
  onError: (err) => handleError(err),
  onChange: () => render(),
});

/** @param {unknown} err */
function handleError(err) {
  if (err instanceof ApiError && (err.status === 404 || err.status === 410)) showGone();
  else errors.show(err);
}

/** @param {boolean} [force] */
function render(force) {
  if (gone) return;
  const input = area.querySelector('[data-testid="pairing-phone-input"]');
  /** @type {LinkViewState} */
  const st = {
    surface: 'page',
    starting: watcher.starting,
    phone: input instanceof HTMLInputElement ? input.value : '',
  };
  const key = linkViewKey(channel, st);
  if (force || key !== renderedKey) {
    renderedKey = key;
    replaceKeepingFocus(area, linkView(channel, S, env, st));
  }
  const linked = hasLinkedDevice(channel.status);
  // A linked number is reset from the panel or by support only (the server refuses it here).
  resetButton.hidden = linked;
  if (linked) resetConfirm.hidden = true;
  onPhoneHint.hidden = !onPhone || linked || channel.linkMode !== 'qr';
  modeSwitch.hidden = linked;
  for (const b of modeSwitch.querySelectorAll('[data-mode]')) {
    if (b instanceof HTMLElement) b.hidden = b.dataset.mode === channel.linkMode;
  }
  // Full screen is worth offering only while a QR or a code is on screen.
  fullButton.hidden =
    !document.fullscreenEnabled ||
    !area.querySelector('[data-testid="qr-code"], [data-testid="pairing-code"]');
  tickCountdowns(S, env);
}

/** @param {PageAnswer | null | undefined} view */
function apply(view) {
  if (view && view.gone) showGone();
  if (gone || !view || !view.id) return;
  channel = view;
  watcher.observe(view);
  sync();
  render();
}

// Watch while the channel is not linked; once linked there is nothing left to keep alive.
function sync() {
  if (!hasLinkedDevice(channel.status)) watcher.start();
  else watcher.stop(false);
  void syncWakeLock();
}

// Keep a phone's screen on while it shows a code to scan.
async function syncWakeLock() {
  const want = !gone && !hasLinkedDevice(channel.status) && document.visibilityState === 'visible';
  if (want && !wakeLock && navigator.wakeLock) {
    try {
      wakeLock = await navigator.wakeLock.request('screen');
      wakeLock.addEventListener('release', () => {
        wakeLock = null;
      });
    } catch {
      wakeLock = null;
    }
  } else if (!want && wakeLock) {
    wakeLock.release().catch(() => {});
    wakeLock = null;
  }
}

function showGone() {
  if (gone) return;
  gone = true;
  watcher.stop(false);
  events.close();
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  void syncWakeLock();
  main.innerHTML =
    `<div class="message-card card"><h1>${escapeHtml(S['gone.title'])}</h1><p>${escapeHtml(S['gone.body'])}</p>` +
    `<a class="btn" data-testid="support" href="${escapeHtml(boot.supportUrl)}" target="_blank" rel="noopener">` +
    `${escapeHtml(S['common.support'])}</a></div>`;
}

// Reset is confirmed in the page, with its consequence in words (a browser dialog is easy to
// dismiss unread and cannot be styled or translated reliably).
function askReset() {
  errors.clear();
  resetConfirm.hidden = false;
  required('[data-action="reset-no"]', resetConfirm).focus();
}

/** @param {HTMLButtonElement} button */
async function setMode(button) {
  errors.clear();
  button.disabled = true;
  try {
    apply(await api(`${apiBase}/link-mode`, { mode: button.dataset.mode }));
    const input = area.querySelector('[data-testid="pairing-phone-input"]');
    if (input instanceof HTMLElement) input.focus();
  } catch (err) {
    handleError(err);
  } finally {
    button.disabled = false;
  }
}

/** @param {HTMLButtonElement} button */
async function reset(button) {
  errors.clear();
  button.disabled = true;
  try {
    const res = await api(`${apiBase}/reset`, {});
    leaving = true;
    watcher.stop(false);
    location.replace(res.qrPageUrl);
  } catch (err) {
    handleError(err);
    button.disabled = false;
  }
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else stage.requestFullscreen().catch(() => {});
}

document.addEventListener('fullscreenchange', () => {
  fullButton.textContent = S[document.fullscreenElement ? 'qr.exitFullScreen' : 'qr.fullScreen'] ?? '';
});

document.addEventListener('click', (e) => {
  /** @type {HTMLButtonElement | null} */
  const el = eventTarget(e, '[data-action]');
  if (!el || gone) return;
  switch (el.dataset.action) {
    case 'show-new':
      errors.clear();
      watcher.again();
      render();
      break;
    case 'retry':
      errors.clear();
      watcher.retry();
      render();
      break;
    case 'reset':
      askReset();
      break;
    case 'reset-yes':
      void reset(el);
      break;
    case 'reset-no':
      resetConfirm.hidden = true;
      resetButton.focus();
      break;
    case 'link-mode':
      void setMode(el);
      break;
    case 'fullscreen':
      toggleFullscreen();
      break;
    default:
      break;
  }
});

onPairingPhoneSubmit(async (_form, input, button, phone) => {
  if (!phone) {
    errors.show(S['link.phoneHelp']);
    input.focus();
    return;
  }
  errors.clear();
  button.disabled = true;
  try {
    apply(await api(`${apiBase}/pairing-phone`, { phone }));
  } catch (err) {
    // The server's refusal of the number, in the page's words (its own message is English).
    const refusedNumber = err instanceof ApiError && ['invalid_phone', 'invalid_input'].includes(err.code);
    handleError(refusedNumber ? S['link.phoneHelp'] : err);
    if (!gone) input.focus();
  } finally {
    button.disabled = false;
  }
});

const checkStillValid = () => {
  api(`${apiBase}/channel`)
    .then(apply)
    .catch((/** @type {unknown} */ err) => {
      if (err instanceof ApiError && (err.status === 404 || err.status === 410)) showGone();
    });
};

const events = subscribe(`${apiBase}/events`, apply, {
  onResync: checkStillValid,
  onClosed: checkStillValid,
  onLive: (/** @type {boolean} */ up) => {
    liveLost.hidden = up;
  },
});

document.addEventListener('visibilitychange', () => void syncWakeLock());
window.addEventListener('pagehide', () => watcher.stop(true));
window.addEventListener('pageshow', (e) => {
  if (e.persisted && !gone) sync();
});
setInterval(() => tickCountdowns(S, env), 1_000);
sync();
render(true);
