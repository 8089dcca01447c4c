/* global document, window, navigator, EventSource, sessionStorage, crypto, CSS */
// Browser helpers shared by the panel, the QR page and the support console: JSON calls, the
// watch heartbeat, Server-Sent Events with resync, countdown ticking, copying.
import { countdownText, fill, hasLinkedDevice, remainingMs } from './views.js';

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
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    // `{field, issue?, minimum?, maximum?}` when the server named the bad field (see http-errors.ts).
    this.details = details && typeof details === 'object' ? details : undefined;
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
    throw new ApiError(
      res.status,
      (e && e.code) || `http_${res.status}`,
      (e && e.message) || '',
      e && e.details,
    );
  }
  return data;
}

// The server's messages are English: each error code (and, for invalid_input, the kind of problem
// validation named) has words in the page's catalogue (`common.error.*`).
const CODE_KEYS = {
  invalid_phone: 'common.error.phone',
  unauthorized: 'common.error.unauthorized',
  forbidden: 'common.error.forbidden',
  not_found: 'common.error.notFound',
  link_gone: 'common.error.notFound',
  conflict: 'common.error.conflict',
  already_linked: 'common.error.conflict',
  not_ready: 'common.error.conflict',
  session_not_open: 'common.error.conflict',
  session_stopped: 'common.error.conflict',
  rate_limited: 'common.error.rateLimited',
  payload_too_large: 'common.error.tooLarge',
  database_unavailable: 'common.error.unavailable',
  whatsapp_unavailable: 'common.error.unavailable',
  internal: 'common.error.internal',
};
const ISSUE_KEYS = {
  required: 'common.error.required',
  too_short: 'common.error.tooShort',
  too_long: 'common.error.tooLong',
};
// Fields whose "invalid" has better words than the generic ones, whatever form they are in.
const FIELD_KEYS = { timeZone: 'common.error.timeZone', phone: 'common.error.phone' };

/**
 * An API failure in the page's words (`S` the page's strings): a refusal the catalogue knows is
 * translated; the server's English message is shown only for a code the page has no words for.
 */
export function errorText(err, S, networkMessage) {
  if (typeof err === 'string') return err;
  const network = networkMessage || S['common.networkError'];
  if (!err || err.status === 0) return network;
  const details = err.details || {};
  let key = CODE_KEYS[err.code];
  if (err.code === 'invalid_input') {
    key = ISSUE_KEYS[details.issue] || FIELD_KEYS[details.field] || 'common.error.invalid';
  }
  if (key && S[key]) return fill(S[key], { minimum: details.minimum, maximum: details.maximum });
  if (err.status >= 500 && S['common.error.internal']) return S['common.error.internal'];
  return err.message || network;
}

/** The field a refusal names, inside `form` (`name` attribute, or `data-field` for a custom one). */
function namedField(form, err) {
  const field = err && err.details && typeof err.details.field === 'string' ? err.details.field : '';
  if (!form || !field) return null;
  const quoted = CSS.escape(field);
  return form.querySelector(`[name="${quoted}"], [data-field="${quoted}"]`);
}

/** Clears what showFormError put by a form's fields. */
export function clearFieldErrors(form) {
  if (!form) return;
  for (const p of form.querySelectorAll('[data-role="field-error"]')) p.remove();
  for (const input of form.querySelectorAll('[data-has-field-error]')) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('data-has-field-error');
    const describedBy = (input.getAttribute('aria-describedby') || '')
      .split(' ')
      .filter((id) => id && !id.endsWith('-field-error'));
    if (describedBy.length) input.setAttribute('aria-describedby', describedBy.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

/**
 * Shows a refused form's error in the page's words: beside the field the server named (after the
 * field's row, tied to the input by aria-describedby), else in the page's error box. `words` can
 * give a form's own message per error code (for example the phone help for `invalid_phone`).
 */
export function showFormError(form, err, { S, errors, words } = {}) {
  clearFieldErrors(form);
  const own = words && err && words[err.code];
  const text = own || errorText(err, S);
  const input = err && err.status !== 0 ? namedField(form, err) : null;
  if (!input) {
    if (errors) errors.show(text);
    return false;
  }
  if (errors) errors.clear();
  const id = `${input.id || input.name || 'field'}-field-error`;
  const p = document.createElement('p');
  p.className = 'field-error';
  p.id = id;
  p.setAttribute('role', 'alert');
  p.dataset.role = 'field-error';
  p.dataset.testid = 'field-error';
  p.textContent = text;
  const row = input.closest('.field-row') || input;
  row.insertAdjacentElement('afterend', p);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('data-has-field-error', '');
  input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${id}`.trim());
  input.focus();
  return true;
}

/** The page's one error line (`data-testid="error"`); with the page's strings, in its words. */
export function errorBox(el, networkMessage, strings) {
  return {
    el,
    show(err) {
      const msg = strings
        ? errorText(err, strings, networkMessage)
        : typeof err === 'string'
          ? err
          : (err && err.message) || networkMessage;
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
