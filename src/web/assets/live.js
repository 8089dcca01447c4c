/* global document, window, navigator, EventSource, sessionStorage, crypto */
// Browser helpers shared by the panel, the QR page and the support console: JSON calls, the
// watch heartbeat, Server-Sent Events with resync, countdown ticking, copying.
import { countdownText, hasLinkedDevice, remainingMs } from './views.js';

const HEARTBEAT_MS = 20_000;
// After a watch the server may need a moment to produce the first QR or code: "Preparing…" until then.
const STARTING_GRACE_MS = 15_000;

let clockSkewMs = 0;

/** The page's boot data: `<script type="application/json" id="boot">`. */
export function readBoot() {
  return JSON.parse(document.getElementById('boot').textContent);
}

/** Rendering environment for views.js: the server's time (as far as known) and local date format. */
export function makeEnv(lang) {
  const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    lang,
    get now() {
      return Date.now() + clockSkewMs;
    },
    fmtDate(iso) {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? '' : fmt.format(d);
    },
  };
}

// Countdowns run on the server's clock: a phone whose clock is off must not show a wrong countdown.
function noteServerDate(header) {
  const server = header ? Date.parse(header) : NaN;
  if (!Number.isFinite(server)) return;
  const skew = server - Date.now();
  clockSkewMs = Math.abs(skew) > 2_000 ? skew : 0;
}

/** An API failure: `status` 0 when the server could not be reached; `message` is for people. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * GET (no body) or POST (JSON body) a same-origin endpoint; resolves with the JSON answer or
 * throws ApiError carrying the server's `{error:{code,message}}`.
 */
export async function api(url, body, options) {
  const init =
    body === undefined
      ? { headers: { accept: 'application/json' }, credentials: 'same-origin' }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          credentials: 'same-origin',
          keepalive: Boolean(options && options.keepalive),
        };
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'network', '');
  }
  noteServerDate(res.headers.get('date'));
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(res.status, (e && e.code) || `http_${res.status}`, (e && e.message) || '');
  }
  return data;
}

/** The page's one error line (`data-testid="error"`). */
export function errorBox(el, networkMessage) {
  return {
    el,
    show(err) {
      const msg = typeof err === 'string' ? err : (err && err.message) || networkMessage;
      el.textContent = msg;
      el.hidden = false;
    },
    clear() {
      el.textContent = '';
      el.hidden = true;
    },
  };
}

/**
 * This page's viewer key: the server counts each open window or page as one viewer (a lease renewed
 * by every heartbeat), so one viewer leaving does not stop linking for the others. A reload keeps
 * its key: the page hands it back to sessionStorage when it goes and takes it when it loads, so a
 * duplicated tab (which copies sessionStorage while the original still holds the key) gets its own.
 */
export function viewerKey(scope) {
  const slot = `zg.viewer.${scope}`;
  let key = '';
  try {
    key = sessionStorage.getItem(slot) || '';
    sessionStorage.removeItem(slot);
  } catch {
    key = '';
  }
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(key)) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    key = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  window.addEventListener('pagehide', () => {
    try {
      sessionStorage.setItem(slot, key);
    } catch {
      // private mode without storage: a reload is a new viewer, and the server's grace covers it
    }
  });
  window.addEventListener('pageshow', (e) => {
    if (!e.persisted) return;
    try {
      sessionStorage.removeItem(slot);
    } catch {
      // nothing to take back
    }
  });
  return key;
}

/**
 * Keeps a link attempt alive while someone looks: watch now, again every 20 s while the page is
 * visible, unwatch on stop. When the link window ends (no link and not just started) it pauses
 * until the person asks for a new code (`again()`), so codes are made only for someone present.
 * `watch(body)` and `unwatch(keepalive, body)` get `{viewer, retry?}` to send.
 */
export function createWatcher({ watch, unwatch, onView, onError, onChange, viewer }) {
  let active = false;
  let timer = 0;
  let graceTimer = 0;
  let inflight = false;
  let startingUntil = 0;
  let lastView = null;

  const starting = () => Date.now() < startingUntil;
  const paused = () =>
    lastView !== null && !lastView.link && !hasLinkedDevice(lastView.status) && !starting();

  async function beat(userAsked, retry) {
    if (userAsked) {
      startingUntil = Date.now() + STARTING_GRACE_MS;
      clearTimeout(graceTimer);
      graceTimer = setTimeout(onChange, STARTING_GRACE_MS + 100);
    }
    if (inflight) return;
    inflight = true;
    try {
      const view = await watch(retry ? { viewer, retry: true } : { viewer });
      if (active && view) onView(view);
    } catch (err) {
      startingUntil = 0;
      if (active) {
        onError(err);
        onChange();
      }
    } finally {
      inflight = false;
    }
  }

  function tick() {
    if (active && !paused() && document.visibilityState === 'visible') void beat(false);
  }
  document.addEventListener('visibilitychange', tick);

  return {
    get active() {
      return active;
    },
    get starting() {
      return starting();
    },
    start() {
      if (active) return;
      active = true;
      lastView = null;
      void beat(true);
      timer = setInterval(tick, HEARTBEAT_MS);
    },
    /** "Show a new code", or a new attempt after Reset. */
    again() {
      if (!active) {
        this.start();
        return;
      }
      void beat(true);
    },
    stop(keepalive) {
      if (!active) return;
      active = false;
      clearInterval(timer);
      clearTimeout(graceTimer);
      startingUntil = 0;
      lastView = null;
      unwatch(Boolean(keepalive), { viewer });
    },
    /** Retry: starts an attempt stuck waiting on WhatsApp again at once. */
    retry() {
      if (!active) {
        this.start();
        return;
      }
      void beat(true, true);
    },
    /** Feed every view of the watched channel (from watch answers and from events). */
    observe(view) {
      if (view.link || hasLinkedDevice(view.status)) startingUntil = 0;
      lastView = view;
    },
  };
}

/**
 * Listens to `event: channel` Server-Sent Events. EventSource reconnects by itself; after any
 * (re)connection `onResync` reloads the state, since events sent while disconnected are lost.
 */
export function subscribe(url, onData, { onResync, onLive, onClosed }) {
  let es = null;
  let retry = 0;
  let lostTimer = 0;
  let lost = false;
  let stopped = false;

  function connect() {
    if (stopped) return;
    es = new EventSource(url);
    es.addEventListener('channel', (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      onData(data);
    });
    es.addEventListener('open', () => {
      clearTimeout(lostTimer);
      if (lost) {
        lost = false;
        onLive(true);
      }
      onResync();
    });
    es.addEventListener('error', () => {
      // Brief drops (a proxy recycling the stream) are not worth a banner.
      clearTimeout(lostTimer);
      lostTimer = setTimeout(() => {
        lost = true;
        onLive(false);
      }, 3_000);
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        clearTimeout(retry);
        retry = setTimeout(() => {
          if (onClosed) onClosed();
          connect();
        }, 5_000);
      }
    });
  }

  connect();
  window.addEventListener('pagehide', () => {
    clearTimeout(retry);
    clearTimeout(lostTimer);
    if (es) es.close();
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) connect();
  });
  return {
    close() {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(lostTimer);
      if (es) es.close();
    },
  };
}

/** Rewrites every countdown on the page (call once a second). */
export function tickCountdowns(S, env) {
  for (const el of document.querySelectorAll('.countdown[data-expires]')) {
    const ms = remainingMs(el.dataset.expires, env.now, Number(el.dataset.ttl) || 0);
    const text = countdownText(el.dataset.kind, ms, S);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** Copies text; falls back to a hidden textarea where the Clipboard API is unavailable (plain http). */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the old way
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.append(ta);
  ta.select();
  let ok;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

/** Briefly shows "Copied" on a button. */
export function flashLabel(button, text) {
  const original = button.dataset.label || button.textContent;
  button.dataset.label = original;
  button.textContent = text;
  setTimeout(() => {
    button.textContent = original;
  }, 2_000);
}

/** Replaces `el`'s markup, keeping a half-typed input's value and focus when it is re-rendered. */
export function replaceKeepingFocus(el, html) {
  const active = document.activeElement;
  const focusedId = active && el.contains(active) ? active.id || active.dataset.testid : null;
  el.innerHTML = html;
  if (focusedId) {
    const again = el.querySelector(`[id="${focusedId}"], [data-testid="${focusedId}"]`);
    if (again) again.focus();
  }
}
