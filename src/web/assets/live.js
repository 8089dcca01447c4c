// @ts-check
/* global document, CSS */
// Browser helpers shared by the panel, the QR page, the support console and the message log: the
// boot data, JSON calls to the server, and its refusals in the page's words (beside the field the
// server named, or in the page's error line). The watch heartbeat and Server-Sent Events are in
// watch.js, the small DOM chores (countdowns, copying) in dom.js.
import { fill } from './markup.js';

/**
 * @import { ViewEnv, ViewStrings } from './markup.js'
 */

/**
 * What the server said when it refused: the field and the kind of problem (see http-errors.ts).
 * @typedef {{ field?: string, issue?: string, minimum?: number, maximum?: number }} ErrorDetails
 */

/**
 * The page's one error line, as errorBox makes it.
 * @typedef {object} ErrorBox
 * @property {HTMLElement} el
 * @property {(err: unknown) => void} show
 * @property {() => void} clear
 */

let clockSkewMs = 0;

/**
 * The page's boot data: `<script type="application/json" id="boot">` (its shape is the page's own).
 * @returns {any}
 */
export function readBoot() {
  return JSON.parse(document.getElementById('boot')?.textContent ?? 'null');
}

/**
 * The element `selector` finds: the page's markup puts it there, so its absence is a bug said plainly.
 * @template {Element} [E=HTMLElement]
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {E}
 */
export function required(selector, root = document) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`The page has no ${selector}`);
  return /** @type {E} */ (/** @type {unknown} */ (el));
}

/**
 * Rendering environment for views.js: the server's time (as far as known) and local date format.
 * @param {string} lang
 * @returns {ViewEnv}
 */
export function makeEnv(lang) {
  const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    lang,
    get now() {
      return Date.now() + clockSkewMs;
    },
    /** @param {string} iso */
    fmtDate(iso) {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? '' : fmt.format(d);
    },
  };
}

// Countdowns run on the server's clock: a phone whose clock is off must not show a wrong countdown.
/** @param {string | null} header */
function noteServerDate(header) {
  const server = header ? Date.parse(header) : NaN;
  if (!Number.isFinite(server)) return;
  const skew = server - Date.now();
  clockSkewMs = Math.abs(skew) > 2_000 ? skew : 0;
}

/** An API failure: `status` 0 when the server could not be reached; `message` is for people. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {unknown} [details]
   */
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    // `{field, issue?, minimum?, maximum?}` when the server named the bad field (see http-errors.ts).
    /** @type {ErrorDetails | undefined} */
    this.details = details && typeof details === 'object' ? details : undefined;
  }
}

/**
 * GET (no body) or POST (JSON body) a same-origin endpoint; resolves with the JSON answer or
 * throws ApiError carrying the server's `{error:{code,message}}`.
 * @param {string} url
 * @param {unknown} [body]
 * @param {{ keepalive?: boolean }} [options]
 * @returns {Promise<any>}
 */
export async function api(url, body, options) {
  /** @type {RequestInit} */
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
/** @type {Readonly<Record<string, string>>} */
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
/** @type {Readonly<Record<string, string>>} */
const ISSUE_KEYS = {
  required: 'common.error.required',
  too_short: 'common.error.tooShort',
  too_long: 'common.error.tooLong',
};
// Fields whose "invalid" has better words than the generic ones, whatever form they are in.
/** @type {Readonly<Record<string, string>>} */
const FIELD_KEYS = { timeZone: 'common.error.timeZone', phone: 'common.error.phone' };

/**
 * An API failure in the page's words (`S` the page's strings): a refusal the catalogue knows is
 * translated; the server's English message is shown only for a code the page has no words for.
 * @param {unknown} err an ApiError, a message already in words, or anything a call threw
 * @param {ViewStrings} S
 * @param {string} [networkMessage]
 * @returns {string}
 */
export function errorText(err, S, networkMessage) {
  if (typeof err === 'string') return err;
  const network = networkMessage || S['common.networkError'] || '';
  if (!err) return network;
  // Anything else a call threw (not a refusal): its own message, as before types were checked.
  if (!(err instanceof ApiError)) return (err instanceof Error && err.message) || network;
  if (err.status === 0) return network;
  const details = err.details || {};
  let key = CODE_KEYS[err.code];
  if (err.code === 'invalid_input') {
    key = ISSUE_KEYS[details.issue ?? ''] || FIELD_KEYS[details.field ?? ''] || 'common.error.invalid';
  }
  if (key && S[key]) return fill(S[key], { minimum: details.minimum, maximum: details.maximum });
  if (err.status >= 500 && S['common.error.internal']) return S['common.error.internal'];
  return err.message || network;
}

/**
 * The field a refusal names, inside `form` (`name` attribute, or `data-field` for a custom one).
 * @param {HTMLFormElement | null | undefined} form
 * @param {ApiError} err
 * @returns {HTMLInputElement | null}
 */
function namedField(form, err) {
  const field = err.details && typeof err.details.field === 'string' ? err.details.field : '';
  if (!form || !field) return null;
  const quoted = CSS.escape(field);
  return form.querySelector(`[name="${quoted}"], [data-field="${quoted}"]`);
}

/**
 * Clears what showFormError put by a form's fields.
 * @param {HTMLFormElement | null | undefined} form
 */
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
 * @param {HTMLFormElement | null | undefined} form
 * @param {unknown} err
 * @param {{ S: ViewStrings, errors?: ErrorBox, words?: Readonly<Record<string, string | undefined>> }} opts
 * @returns {boolean} whether the error was put beside a field
 */
export function showFormError(form, err, { S, errors, words }) {
  clearFieldErrors(form);
  const apiError = err instanceof ApiError ? err : null;
  const own = words && apiError && words[apiError.code];
  const text = own || errorText(err, S);
  const input = apiError && apiError.status !== 0 ? namedField(form, apiError) : null;
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

/**
 * The page's one error line (`data-testid="error"`); with the page's strings, in its words.
 * @param {HTMLElement} el
 * @param {string | undefined} networkMessage
 * @param {ViewStrings} [strings]
 * @returns {ErrorBox}
 */
export function errorBox(el, networkMessage, strings) {
  return {
    el,
    show(err) {
      const msg = strings
        ? errorText(err, strings, networkMessage)
        : typeof err === 'string'
          ? err
          : (err instanceof Error && err.message) || networkMessage || '';
      el.textContent = msg;
      el.hidden = false;
    },
    clear() {
      el.textContent = '';
      el.hidden = true;
    },
  };
}
