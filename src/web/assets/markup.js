// @ts-check
// The small pieces every live view is made of: escaping, `{name}` templates, a channel status in
// words, countdowns and notes. Pure functions of their arguments: the server and the browser run them.
/**
 * @import { ChannelView } from '../channel-view.js'
 */

/** Catalogue strings by key (a page's subset of the catalogue). @typedef {Readonly<Record<string, string>>} ViewStrings */

/**
 * What rendering needs besides the data: the page's language, the current time and a date formatter.
 * @typedef {object} ViewEnv
 * @property {string} lang
 * @property {number} now
 * @property {(iso: string) => string} fmtDate
 */

/** @type {Readonly<Record<string, string>>} */
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML content and quoted attribute values.
 * @param {unknown} value
 * @returns {string}
 */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const esc = escapeHtml;

/**
 * Replaces `{name}` placeholders (a missing template is empty: never the word "undefined").
 * @param {string | undefined} template
 * @param {Readonly<Record<string, string | number | null | undefined>>} [vars]
 * @returns {string}
 */
export function fill(template, vars) {
  return String(template ?? '').replace(/\{(\w+)\}/g, (whole, name) =>
    vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/**
 * The words of a channel's status as the business sees them (undefined: the page lacks the key).
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @returns {string | undefined}
 */
export function statusLabel(ch, S) {
  switch (ch.status) {
    case 'connected':
    case 'restricted':
      return S['status.connected'];
    case 'reconnecting':
      return S['status.reconnecting'];
    case 'pairing':
      return S['status.pairing'];
    case 'removed':
    case 'replaced':
      return S[`status.${ch.status}.${ch.linkMode}`];
    default:
      return S[`scan.${ch.linkMode}`];
  }
}

/**
 * A sentence explaining the status, or '' when the label says it all.
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @returns {string | undefined}
 */
export function statusNote(ch, S) {
  switch (ch.status) {
    case 'reconnecting':
      // WhatsApp refused the client version: the gateway is updating itself, not losing the link.
      if (ch.cause === 'version_refused') return S['note.versionRefused'];
      return S['note.reconnecting'];
    case 'restricted':
      if (ch.cause === 'new_chats_capped') return S['note.newChatsCapped'];
      return S['note.restricted'];
    case 'pairing':
    case 'removed':
    case 'replaced':
      return S[`note.${ch.status}`];
    case 'connected':
      return '';
    default:
      if (ch.cause === 'login_refused') return S['note.loginRefused'];
      // A passkey check a gateway cannot do: what the owner can do, in words.
      if (ch.cause === 'passkey_required') return S['note.passkeyRequired'];
      if (ch.linkWindowEnded && !ch.link) return S['note.expired'];
      return '';
  }
}

/**
 * Seconds left, clamped to [0, ttl] so a skewed browser clock cannot show nonsense.
 * @param {string} expiresAt
 * @param {number} now
 * @param {number} [ttlMs]
 * @returns {number}
 */
export function remainingMs(expiresAt, now, ttlMs) {
  const left = Date.parse(expiresAt) - now;
  if (!Number.isFinite(left)) return 0;
  return Math.max(0, ttlMs ? Math.min(left, ttlMs) : left);
}

/**
 * The countdown's words for `kind` ('qr' | 'code').
 * @param {'qr' | 'code'} kind
 * @param {number} ms
 * @param {ViewStrings} S
 * @returns {string}
 */
export function countdownText(kind, ms, S) {
  return ms > 0
    ? fill(S[`link.${kind}Countdown`], { seconds: Math.ceil(ms / 1000) })
    : (S['link.refreshing'] ?? '');
}

/**
 * @param {'qr' | 'code'} kind
 * @param {string} expiresAt
 * @param {number} ttlMs
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
export function countdown(kind, expiresAt, ttlMs, S, env) {
  const ms = remainingMs(expiresAt, env.now, ttlMs);
  return (
    `<p class="countdown" data-testid="${kind}-countdown" data-kind="${kind}" data-expires="${esc(expiresAt)}"` +
    `${ttlMs ? ` data-ttl="${esc(ttlMs)}"` : ''}>${esc(countdownText(kind, ms, S))}</p>`
  );
}

/**
 * @param {string | undefined} text
 * @param {string} [tone]
 * @returns {string}
 */
export function note(text, tone) {
  return text ? `<p class="note${tone ? ` note-${tone}` : ''}">${esc(text)}</p>` : '';
}
