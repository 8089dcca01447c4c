// @ts-check
// Panel → Messages (the queue summary and the message log) and Panel → Notifications (a template's
// preview): first paint on the server, live updates in the browser.
import { hasLinkedDevice, isEstablished } from '../../shared/channel-status.js';
import { MESSAGE_STATUSES } from '../../shared/message-status.js';
import { escapeHtml as esc, fill, note, statusLabel } from './markup.js';

/**
 * @import { ChannelView } from '../channel-view.js'
 * @import { FailureDetail, FailureReason, MessageStatus } from '../../domain/message-status.js'
 * @import { WaitingReason } from '../../domain/message-waiting.js'
 * @import { ViewEnv, ViewStrings } from './markup.js'
 */

/**
 * Why a queued message waits and until when (null: not queued, or due now).
 * @typedef {object} MessageWaitingView
 * @property {WaitingReason} reason
 * @property {string | null} until ISO 8601; null when it waits for someone (Resume, linking again).
 * @property {string} timeZone The business's time zone: the time is shown as its clocks read.
 * @property {boolean} timeOnly "08:00" says enough (later today, or the next opening); else the date is shown too.
 */

/**
 * One message as the panel's log shows it (a subset of the API's message view).
 * @typedef {object} MessageRowView
 * @property {MessageWaitingView | null} [waiting]
 * @property {string} id
 * @property {string} to E.164 with '+'.
 * @property {string} text
 * @property {MessageStatus} status
 * @property {FailureReason | null} failureReason
 * @property {FailureDetail | null} [failureDetail] What the reason alone does not say (a 463's cause, a first contact held back).
 * @property {number | null} errorCode
 * @property {string} createdAt
 * @property {string | null} sentAt
 * @property {string | null} deliveredAt
 * @property {string | null} readAt
 * @property {string | null} failedAt
 */

/**
 * The log's filters, as in the page's query string.
 * @typedef {object} MessagesQuery
 * @property {string} [channel]
 * @property {string} [phone]
 * @property {string} [status]
 * @property {string} [cursor]
 * @property {string} [lang]
 */

/**
 * A template rendered for a sample booking, with the variables it could not fill.
 * @typedef {object} TemplatePreviewView
 * @property {string} text
 * @property {ReadonlyArray<{ variable: string, problem: 'unknown_variable' | 'no_value' }>} issues
 */

/** Message statuses in the order the log's filter lists them (one list with the server's). */
export { MESSAGE_STATUSES };

/**
 * The log's link to itself with these filters (no-JS "Load more", channel links).
 * @param {MessagesQuery} q
 * @returns {string}
 */
export function messagesHref(q) {
  const params = [];
  for (const key of /** @type {const} */ (['channel', 'phone', 'status', 'cursor', 'lang'])) {
    if (q && q[key]) params.push(`${key}=${encodeURIComponent(q[key])}`);
  }
  return `/panel/messages${params.length ? `?${params.join('&')}` : ''}`;
}

/**
 * What the business can do about a failed message, in words ('' when it did not fail): the detail
 * (a 463's cause, why a first contact was held back) where there is one, else the reason.
 * @param {MessageRowView} m
 * @param {ViewStrings} S
 * @returns {string}
 */
export function messageReason(m, S) {
  if (m.status !== 'failed') return '';
  return (
    (m.failureDetail && S[`messages.detail.${m.failureDetail}`]) ||
    S[`messages.reason.${m.failureReason}`] ||
    S['messages.reason.rejected'] ||
    ''
  );
}

/**
 * @param {MessageRowView} m
 * @returns {string | null}
 */
function messageStatusTime(m) {
  switch (m.status) {
    case 'sent':
      return m.sentAt;
    case 'delivered':
      return m.deliveredAt;
    case 'read':
      return m.readAt;
    case 'failed':
      return m.failedAt;
    default:
      return m.createdAt;
  }
}

const SHORT_TEXT = 80;

/**
 * The text cut to a table cell's length, on a character boundary (emoji stay whole).
 * @param {string} text
 * @returns {string}
 */
export function shortText(text) {
  const chars = Array.from(String(text ?? ''));
  const firstLine = chars.indexOf('\n');
  const cut = Math.min(SHORT_TEXT, firstLine === -1 ? chars.length : firstLine);
  return cut >= chars.length ? chars.join('') : `${chars.slice(0, cut).join('').trimEnd()}…`;
}

/**
 * @param {MessageRowView} m
 * @param {ViewStrings} S
 * @returns {string}
 */
function messageText(m, S) {
  const text = String(m.text ?? '');
  const short = shortText(text);
  if (short === text) return `<span class="msg-text">${esc(text)}</span>`;
  // Hover shows the whole text (title); a click or Enter expands it in place.
  return (
    `<details class="msg-text" data-message-id="${esc(m.id)}"><summary title="${esc(text)}">` +
    `${esc(short)}<span class="visually-hidden"> ${esc(S['messages.fullText'])}</span></summary>` +
    `<p class="msg-full">${esc(text)}</p></details>`
  );
}

const waitFormats = new Map();

/**
 * A waiting message's time as the business's clocks read it: "08:00", or "Dec 7, 09:24".
 * @param {MessageWaitingView} w
 * @param {string} until
 * @param {string} lang
 * @returns {string}
 */
function waitingTime(w, until, lang) {
  const key = `${lang}|${w.timeZone}|${w.timeOnly}`;
  let f = waitFormats.get(key);
  if (!f) {
    /** @type {Intl.DateTimeFormatOptions} */
    const time = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    try {
      f = new Intl.DateTimeFormat(lang, {
        timeZone: w.timeZone,
        ...(w.timeOnly ? {} : { month: 'short', day: 'numeric' }),
        ...time,
      });
    } catch {
      f = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
    }
    waitFormats.set(key, f);
  }
  return f.format(new Date(until));
}

/**
 * Why a queued message waits and until when, in words ('' when it does not wait).
 * @param {MessageRowView} m
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
export function messageWaitingText(m, S, env) {
  if (m.status !== 'queued') return '';
  const w = m.waiting;
  // Queued and due: it is next in line (never a bare "Queued" with a dash). Rows from a page
  // rendered without reasons (`waiting` absent) say nothing.
  if (w === null) return S['messages.wait.next'] || '';
  if (!w) return '';
  const template = S[`messages.wait.${w.reason}`];
  if (!template) return '';
  return fill(template, { time: w.until ? waitingTime(w, w.until, env.lang) : '' });
}

const SCHEDULED_REASONS = new Set(['scheduled', 'reminder', 'quiet_hours']);

/**
 * One row of the message log. Every value in it is the business's (or its clients') data: escaped.
 * @param {MessageRowView} m
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
export function messageRow(m, S, env) {
  const statusAt = messageStatusTime(m);
  const reason = messageReason(m, S);
  const waitingText = messageWaitingText(m, S, env);
  const scheduled = m.status === 'queued' && m.waiting && SCHEDULED_REASONS.has(m.waiting.reason);
  const statusText = scheduled ? S['messages.status.scheduled'] : S[`messages.status.${m.status}`];
  const code = m.status === 'failed' && m.errorCode ? m.errorCode : '';
  return (
    `<tr data-message-id="${esc(m.id)}" data-status="${esc(m.status)}">` +
    `<td data-label="${esc(S['messages.colTime'])}"><time datetime="${esc(m.createdAt)}">${esc(env.fmtDate(m.createdAt))}</time></td>` +
    `<td data-label="${esc(S['messages.colTo'])}"><span class="mono" data-testid="message-to">${esc(m.to)}</span></td>` +
    `<td data-label="${esc(S['messages.colText'])}" class="msg-text-cell">${messageText(m, S)}</td>` +
    `<td data-label="${esc(S['messages.colStatus'])}"><span class="badge badge-${esc(m.status)}" data-testid="message-status"` +
    (statusAt ? ` title="${esc(env.fmtDate(statusAt))}"` : '') +
    `>${esc(statusText || m.status)}</span></td>` +
    `<td data-label="${esc(S['messages.colReason'])}">` +
    (waitingText
      ? `<span class="hint" data-testid="message-waiting" data-reason="${esc(m.waiting ? m.waiting.reason : 'next')}">${esc(waitingText)}</span>`
      : reason
        ? `<span class="reason" data-testid="message-reason"${m.failureDetail ? ` data-detail="${esc(m.failureDetail)}"` : ''}>${esc(reason)}</span>` +
          (code ? ` <span class="hint mono">${esc(fill(S['messages.errorCode'], { code }))}</span>` : '')
        : `<span class="hint" aria-hidden="true">—</span>`) +
    `</td></tr>`
  );
}

/**
 * The log's empty state: nothing sent yet, or nothing matches the search.
 * @param {boolean} filtered
 * @param {ViewStrings} S
 * @returns {string}
 */
export function messageLogEmpty(filtered, S) {
  return esc(S[filtered ? 'messages.noMatch' : 'messages.empty']);
}

/**
 * "Load more": a link to the next page (works without JS; the script loads it in place).
 * @param {string | null} nextCursor
 * @param {MessagesQuery} q
 * @param {ViewStrings} S
 * @returns {string}
 */
export function messageLogMore(nextCursor, q, S) {
  if (!nextCursor) return '';
  return (
    `<a class="btn" href="${esc(messagesHref({ ...q, cursor: nextCursor }))}" data-action="more" ` +
    `data-testid="load-more">${esc(S['messages.loadMore'])}</a>`
  );
}

/**
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
function queueNote(ch, S, env) {
  const notes = [];
  if (ch.paused && ch.pausedCause === 'removed') notes.push(['red', S['messages.pausedRemoved']]);
  else if (ch.paused) notes.push(['amber', S['messages.pausedManual']]);
  else if (!isEstablished(ch.status))
    notes.push([ch.status === 'reconnecting' ? 'amber' : 'red', S['messages.waitsForLink']]);
  if (ch.restrictedUntil)
    notes.push(['amber', fill(S['messages.restrictedUntil'], { time: env.fmtDate(ch.restrictedUntil) })]);
  return notes.map(([tone, text]) => note(text, tone)).join('');
}

/**
 * The channel's sending queue: how many messages wait, the connection in words, paused or not,
 * a restriction's end, and the Pause / Resume form (a plain POST that redirects back without JS).
 * @param {ChannelView} ch
 * @param {number} queueDepth
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
export function queueSummary(ch, queueDepth, S, env) {
  const paused = Boolean(ch.paused);
  const action = paused ? 'resume' : 'pause';
  // Paused because the phone removed the device: linking again resumes it by itself (the note says
  // so), and Resume could do nothing meanwhile, so only the way to Channels is offered.
  const resumesItself = paused && ch.pausedCause === 'removed';
  const needsLink = resumesItself ? true : !hasLinkedDevice(ch.status);
  return (
    `<dl class="facts queue-facts">` +
    `<div><dt>${esc(S['messages.waiting'])}</dt><dd class="queue-depth" data-testid="queue-depth">${esc(queueDepth)}</dd></div>` +
    `<div><dt>${esc(S['messages.connection'])}</dt><dd><span class="pill pill-sm pill-${esc(ch.tone)}" data-testid="queue-connection">` +
    `${esc(statusLabel(ch, S))}</span></dd></div>` +
    `<div><dt>${esc(S['messages.sending'])}</dt><dd data-testid="queue-state">` +
    `${esc(S[paused ? 'messages.sendingPaused' : 'messages.sendingOn'])}</dd></div>` +
    (ch.restrictedUntil
      ? `<div><dt>${esc(S['messages.restricted'])}</dt><dd><time datetime="${esc(ch.restrictedUntil)}" data-testid="restricted-until">` +
        `${esc(env.fmtDate(ch.restrictedUntil))}</time></dd></div>`
      : '') +
    `</dl>` +
    queueNote(ch, S, env) +
    `<form class="actions" method="post" action="/panel/channels/${encodeURIComponent(ch.id)}/${action}" data-action="${action}">` +
    `<input type="hidden" name="lang" value="${esc(env.lang)}">` +
    (resumesItself
      ? ''
      : `<button type="submit" id="queue-toggle" class="btn${paused ? ' btn-primary' : ''}" data-testid="${action}-sending">` +
        `${esc(S[paused ? 'messages.resume' : 'messages.pause'])}</button>`) +
    (needsLink
      ? `<a class="${resumesItself ? 'btn btn-primary' : 'btn btn-quiet'}" href="/panel/channels?lang=${esc(encodeURIComponent(env.lang))}" data-testid="to-channels">${esc(S['messages.toChannels'])}</a>`
      : '') +
    `</form>`
  );
}

// ---- Panel → Notifications: a template's preview (first paint and live while typing).

/**
 * A template's preview as a client would read it, with its problems in words. The text is the
 * business's own (and the sample's): escaped, and shown with its line breaks.
 * @param {TemplatePreviewView} preview
 * @param {ViewStrings} S
 * @returns {string}
 */
export function templatePreview(preview, S) {
  const text = String((preview && preview.text) || '');
  const issues = (preview && preview.issues) || [];
  return (
    (text
      ? `<p class="tpl-preview-text" data-testid="preview-text">${esc(text)}</p>`
      : `<p class="tpl-preview-text hint" data-testid="preview-text">${esc(S['notify.previewEmpty'])}</p>`) +
    (issues.length
      ? `<ul class="tpl-issues" data-testid="preview-issues">` +
        issues
          .map(
            (i) =>
              `<li class="${i.problem === 'unknown_variable' ? 'field-error' : 'hint'}">` +
              `${esc(fill(S[`notify.issue.${i.problem}`] || '%{name}%', { name: i.variable }))}</li>`,
          )
          .join('') +
        `</ul>`
      : '')
  );
}
