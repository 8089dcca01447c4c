/* global document, window, location, navigator, screen, matchMedia */
// The standalone QR page: watches its one channel while visible, shows the live QR or code, and
// "Connection established" once the phone is linked.
import { escapeHtml, hasLinkedDevice, linkView, linkViewKey } from './views.js';
import {
  api,
  createWatcher,
  errorBox,
  makeEnv,
  readBoot,
  replaceKeepingFocus,
  subscribe,
  tickCountdowns,
  viewerKey,
} from './live.js';

const boot = readBoot();
const S = boot.strings;
const env = makeEnv(boot.lang);
const apiBase = boot.apiBase;
const main = document.getElementById('main');
const stage = document.querySelector('[data-role="stage"]');
const area = document.querySelector('[data-role="link-area"]');
const fullButton = document.querySelector('[data-action="fullscreen"]');
const resetButton = document.querySelector('[data-action="reset"]');
const liveLost = document.querySelector('[data-role="live-lost"]');
const onPhoneHint = document.querySelector('[data-role="on-phone"]');
const modeSwitch = document.querySelector('[data-role="mode-switch"]');
const resetConfirm = document.querySelector('[data-role="reset-confirm"]');
const errors = errorBox(document.querySelector('[data-testid="error"]'), S['common.networkError']);

let channel = boot.channel;
// The server leaves the first QR's SVG out of the boot data: it is already in the markup.
if (channel.link && channel.link.qr && !channel.link.qr.svg) {
  const drawn = area.querySelector('[data-testid="qr-code"]');
  channel.link.qr.svg = drawn ? drawn.innerHTML : '';
}
let gone = false;
let leaving = false;
let renderedKey = '';
let wakeLock = null;

// The phone that links scans with its own camera, so it cannot read a QR on its own screen: on a
// phone (mobile browser, or a small touch screen), say so and offer code linking.
const onPhone =
  Boolean(navigator.userAgentData && navigator.userAgentData.mobile) ||
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

function handleError(err) {
  if (err && (err.status === 404 || err.status === 410)) showGone();
  else errors.show(err);
}

function render(force) {
  if (gone) return;
  const input = area.querySelector('[data-testid="pairing-phone-input"]');
  const st = { surface: 'page', starting: watcher.starting, phone: input ? input.value : '' };
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
  for (const b of modeSwitch.querySelectorAll('[data-mode]')) b.hidden = b.dataset.mode === channel.linkMode;
  // Full screen is worth offering only while a QR or a code is on screen.
  fullButton.hidden =
    !document.fullscreenEnabled ||
    !area.querySelector('[data-testid="qr-code"], [data-testid="pairing-code"]');
  tickCountdowns(S, env);
}

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
  resetConfirm.querySelector('[data-action="reset-no"]').focus();
}

async function setMode(button) {
  errors.clear();
  button.disabled = true;
  try {
    apply(await api(`${apiBase}/link-mode`, { mode: button.dataset.mode }));
    const input = area.querySelector('[data-testid="pairing-phone-input"]');
    if (input) input.focus();
  } catch (err) {
    handleError(err);
  } finally {
    button.disabled = false;
  }
}

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
  fullButton.textContent = S[document.fullscreenElement ? 'qr.exitFullScreen' : 'qr.fullScreen'];
});

document.addEventListener('click', (e) => {
  const el = e.target.closest('[data-action]');
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

document.addEventListener('submit', (e) => {
  const form = e.target.closest('form[data-action="pairing-phone"]');
  if (!form) return;
  e.preventDefault();
  void submitPairingPhone(form);
});

async function submitPairingPhone(form) {
  const input = form.querySelector('input[name="phone"]');
  const button = form.querySelector('button[type="submit"]');
  const phone = input.value.trim();
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
    handleError(err && ['invalid_phone', 'invalid_input'].includes(err.code) ? S['link.phoneHelp'] : err);
    if (!gone) input.focus();
  } finally {
    button.disabled = false;
  }
}

const checkStillValid = () => {
  api(`${apiBase}/channel`)
    .then(apply)
    .catch((err) => {
      if (err && (err.status === 404 || err.status === 410)) showGone();
    });
};

const events = subscribe(`${apiBase}/events`, apply, {
  onResync: checkStillValid,
  onClosed: checkStillValid,
  onLive: (up) => {
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
