// @ts-check
/* global document, window */
// What both virtual-phone pages (a phone, the index of phones) use: the page's words, calls to the
// simulator's control API, building elements, dates, and the error dialog, busy indicator and
// snackbar. Served as /phone-assets/phone-common.js; no framework, no build step.

/**
 * @import { PhoneStrings } from '../strings.js'
 */

/**
 * What `/phone/<n>/state` answers (src/simulator/phone-ui/state.ts, PhonePageState, as JSON).
 * @typedef {object} PhonePageState
 * @property {string} version
 * @property {{ phone: string, name: string, business: boolean, hasWhatsApp: boolean, platform: string }} phone
 * @property {{ device: number, platform: string, linkedAt: number, online: boolean }[]} devices
 * @property {ChatView[]} chats
 */

/**
 * A chat as the chat list shows it (state.ts, ChatView).
 * @typedef {object} ChatView
 * @property {string} peer
 * @property {string | undefined} name
 * @property {number} lastAt
 * @property {{ id: string, dir: 'in' | 'out', text: string, at: number }[]} messages
 * @property {number} total
 */

/**
 * The phone page as its parts see it: whose phone, where its API is, what the last poll said, the
 * screen on show, and the two things any part may ask for (another screen, a poll now).
 * @typedef {object} PhonePage
 * @property {string} number
 * @property {{ state: string, phone: string }} paths
 * @property {PhonePageState | undefined} state
 * @property {string} screen
 * @property {string | undefined} openPeer
 * @property {(target: string, options?: { replace?: boolean }) => void} go
 * @property {() => void} refresh
 */

/** The page's words, with the language they are in (pages.ts hands them over as JSON). */
export const strings = /** @type {PhoneStrings} */ (
  JSON.parse(document.getElementById('phone-strings')?.textContent ?? '{}')
);

/**
 * The element with this id: the page's markup has it, so a missing one is a bug said plainly.
 * @template {HTMLElement} [E=HTMLElement]
 * @param {string} id
 * @returns {E}
 */
export const $ = (id) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return /** @type {E} */ (found);
};

/**
 * Replaces `{name}` placeholders.
 * @param {string} template
 * @param {Readonly<Record<string, string | number>>} values
 */
export const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));

/** An error the page shows in its dialog: `code` picks WhatsApp's words, `message` is the server's. */
export class PhoneError extends Error {
  /**
   * @param {string} code
   * @param {string} [message]
   */
  constructor(code, message) {
    super(message || '');
    this.code = code;
  }
}

/** Calls the simulator's control API; an `{error}` answer becomes a PhoneError. */
/**
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>} the answer's JSON (its shape is the route's own)
 */
export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new PhoneError('network');
  }
  if (response.status === 204) return undefined;
  let json;
  try {
    json = await response.json();
  } catch {
    json = undefined;
  }
  if (!response.ok)
    throw new PhoneError(json?.error?.code ?? 'generic', json?.error?.message ?? `HTTP ${response.status}`);
  return json;
}

/** Creates an element; `text` sets its text, other keys are attributes. Never parses HTML. */
/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Readonly<Record<string, string | number | boolean | null | undefined>>} [attrs]
 * @param {...(Node | string | null | undefined)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';
export function laptopIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M4 5h16v10H4zM2 17h20v2H2z');
  svg.append(path);
  return svg;
}

/** @param {string} name */
export function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  const first = words[0] ?? '?';
  const letters = words.length > 1 ? [first[0], words[words.length - 1]?.[0]] : [...first].slice(0, 2);
  return letters.join('').toUpperCase();
}

export const avatarClass = (/** @type {string} */ key) =>
  `avatar-c${[...String(key)].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % 6}`;
export const timeFormat = new Intl.DateTimeFormat(strings.lang, { hour: 'numeric', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(strings.lang, { day: 'numeric', month: 'short', year: 'numeric' });
export const startOfDay = (/** @type {number} */ ms) => new Date(ms).setHours(0, 0, 0, 0);

/** @param {number} ms */
export function dayLabel(ms) {
  const days = Math.round((startOfDay(Date.now()) - startOfDay(ms)) / 86_400_000);
  if (days === 0) return strings.today;
  if (days === 1) return strings.yesterday;
  return dateFormat.format(ms);
}

/**
 * Chat list times: the hour today, "Yesterday", or the date.
 * @param {number} ms
 */
export function shortWhen(ms) {
  const days = Math.round((startOfDay(Date.now()) - startOfDay(ms)) / 86_400_000);
  return days === 0 ? timeFormat.format(ms) : dayLabel(ms);
}

// ---------- dialog, busy indicator, snackbar ----------

/**
 * @param {string} code
 * @param {string} [serverMessage]
 */
export function showError(code, serverMessage) {
  /** @type {{ title: string, remedy?: string }} */
  const known = errorWords(code);
  $('error-title').textContent = known.title;
  const message = serverDetail(serverMessage, known.title);
  $('error-message').textContent = message;
  $('error-message').hidden = !message;
  const remedy = known.remedy && !message.includes(known.remedy) ? known.remedy : '';
  $('error-remedy').textContent = remedy;
  $('error-remedy').hidden = !remedy;
  $('error-overlay').hidden = false;
  $('error-ok').focus();
}

/**
 * The words for an error code (the generic ones for a code the page does not know).
 * @param {string} code
 * @returns {{ title: string, remedy?: string }}
 */
export function errorWords(code) {
  return strings.errors[code] ?? strings.errors.generic ?? { title: code };
}

/**
 * The server's message without the words the dialog's title already says ("Invalid QR code. (unknown code)" → "Unknown code").
 * @param {string | undefined} message
 * @param {string} title
 */
function serverDetail(message, title) {
  let rest = String(message ?? '').trim();
  const bare = title.toLowerCase();
  if (rest.toLowerCase().startsWith(bare)) rest = rest.slice(bare.length).replace(/^[.:!\s]+/, '');
  const bracketed = /^\((.*)\)$/.exec(rest);
  if (bracketed) rest = bracketed[1] ?? '';
  return rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : '';
}

export function hideError() {
  $('error-overlay').hidden = true;
}

/** @param {unknown} error */
export function errorOf(error) {
  if (error instanceof PhoneError) return error;
  const message = error && typeof error === 'object' && 'message' in error ? error.message : undefined;
  return new PhoneError('generic', String(message ?? error));
}

/** @param {string} text */
export function showBusy(text) {
  $('busy-text').textContent = text;
  $('busy').hidden = false;
}

export function hideBusy() {
  $('busy').hidden = true;
}

/** @type {number | undefined} */
let toastTimer;
/** @param {string} text */
export function showToast(text) {
  const toast = $('toast');
  toast.textContent = text;
  toast.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (toast.hidden = true), 6000);
}

// ---------- the phone page ----------
