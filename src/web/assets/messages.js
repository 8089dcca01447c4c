// @ts-check
/* global document, window, CSS, URLSearchParams, HTMLButtonElement, HTMLDetailsElement, HTMLElement, HTMLInputElement, HTMLSelectElement */
// Panel → Messages: keeps the queue summary and the log's first page live (a refresh every few
// seconds while the page is visible, and at once on the channel's events), loads older pages in
// place and pauses / resumes without a reload. Search is the page's own GET form.
import { escapeHtml, messageLogEmpty, messageLogMore, messageRow, queueSummary } from './views.js';
import { ApiError, api, errorBox, makeEnv, readBoot, required } from './live.js';
import { subscribe } from './watch.js';
import { eventTarget } from './dom.js';

/**
 * @import { ChannelView } from '../channel-view.js'
 * @import { MessageRowView, ViewStrings } from './views.js'
 */

/**
 * A page of the log as the server answers it.
 * @typedef {{ channel: ChannelView, queueDepth: number, messages: MessageRowView[], nextCursor: string | null }} LogPage
 */

const REFRESH_MS = 3_000;
const PAGE = 50;
const MAX_PAGE = 200;

const boot = readBoot();
/** @type {ViewStrings} */
const S = boot.strings;
const env = makeEnv(boot.lang);
const errors = errorBox(required('[data-testid="error"]'), S['common.networkError'], S);
// The page without a channel has no log: these are there whenever `state.channel` is.
const byRole = (/** @type {string} */ role) =>
  /** @type {HTMLElement} */ (document.querySelector(`[data-role="${role}"]`));
const liveLost = byRole('live-lost');

/** @type {{ channel: ChannelView, queueDepth: number, rows: MessageRowView[], nextCursor: string | null }} */
const state = {
  channel: boot.channel,
  queueDepth: boot.queueDepth,
  rows: boot.messages,
  nextCursor: boot.nextCursor,
};
/** @type {{ phone?: string, status?: string, cursor?: string }} */
const query = boot.query;
const filtered = Boolean(query.phone || query.status || boot.phoneInvalid);
const el = {
  summary: byRole('summary'),
  table: byRole('table'),
  rows: byRole('rows'),
  empty: byRole('empty'),
  more: byRole('more'),
};

const channelUrl = (/** @type {string} */ action) =>
  `/panel/api/channels/${encodeURIComponent(state.channel.id)}/${action}`;
const linkQuery = () => ({
  channel: state.channel.id,
  phone: query.phone,
  status: query.status,
  lang: boot.lang,
});

/**
 * @param {string | null | undefined} cursor
 * @param {number} limit
 */
function logUrl(cursor, limit) {
  const params = new URLSearchParams();
  if (query.phone) params.set('phone', query.phone);
  if (query.status) params.set('status', query.status);
  if (cursor) params.set('cursor', cursor);
  params.set('limit', String(limit));
  return `${channelUrl('messages')}?${params}`;
}

/**
 * Replaces markup only when it changed, so screen readers hear real changes only.
 * @param {Element | null} target
 * @param {string} html
 */
function put(target, html) {
  if (!target || target.innerHTML === html) return false;
  target.innerHTML = html;
  return true;
}

function renderSummary() {
  const active = document.activeElement;
  const hadFocus = active && el.summary.contains(active) && active.id === 'queue-toggle';
  if (put(el.summary, queueSummary(state.channel, state.queueDepth, S, env)) && hadFocus) {
    const again = document.getElementById('queue-toggle');
    if (again) again.focus();
  }
}

function renderLog() {
  // Keep expanded texts open across refreshes.
  const open = new Set(
    [...el.rows.querySelectorAll('details[open][data-message-id]')].map(
      (d) => /** @type {HTMLElement} */ (d).dataset.messageId ?? '',
    ),
  );
  if (put(el.rows, state.rows.map((m) => messageRow(m, S, env)).join('\n'))) {
    for (const id of open) {
      const details = el.rows.querySelector(`details[data-message-id="${CSS.escape(id)}"]`);
      if (details instanceof HTMLDetailsElement) details.open = true;
    }
  }
  const any = state.rows.length > 0;
  el.table.hidden = !any;
  el.empty.hidden = any;
  put(el.empty, any ? '' : messageLogEmpty(filtered, S));
  const moreFocused = el.more.contains(document.activeElement);
  if (put(el.more, messageLogMore(state.nextCursor, linkQuery(), S)) && moreFocused) {
    const link = el.more.querySelector('[data-action="more"]');
    if (link instanceof HTMLElement) link.focus();
  }
}

let inflight = false;
let again = false;

/** Reloads the summary and every row shown (up to 200; older loaded rows stay as they are). */
async function refresh() {
  if (inflight) {
    again = true;
    return;
  }
  inflight = true;
  try {
    if (boot.phoneInvalid) {
      Object.assign(state, await api(channelUrl('queue')));
      renderSummary();
      return;
    }
    const shown = state.rows.length;
    const limit = Math.min(MAX_PAGE, Math.max(PAGE, shown));
    /** @type {LogPage} */
    const page = await api(logUrl(query.cursor, limit));
    state.channel = page.channel;
    state.queueDepth = page.queueDepth;
    if (shown > MAX_PAGE) {
      const fresh = new Set(page.messages.map((m) => m.id));
      const last = page.messages[page.messages.length - 1];
      const older = last ? state.rows.filter((m) => !fresh.has(m.id) && isOlder(m, last)) : [];
      state.rows = page.messages.concat(older);
    } else {
      state.rows = page.messages;
      state.nextCursor = page.nextCursor;
    }
    renderSummary();
    renderLog();
  } catch (err) {
    // A missed poll is retried in a few seconds; only a real refusal (session ended) is shown.
    if (err instanceof ApiError && err.status >= 400) errors.show(err);
  } finally {
    inflight = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

/**
 * The log's order: newest first by (createdAt, id).
 * @param {MessageRowView} m
 * @param {MessageRowView} than
 */
function isOlder(m, than) {
  return m.createdAt < than.createdAt || (m.createdAt === than.createdAt && m.id < than.id);
}

/** @param {HTMLElement} link */
async function loadMore(link) {
  if (!state.nextCursor) return;
  link.setAttribute('aria-disabled', 'true');
  try {
    /** @type {LogPage} */
    const page = await api(logUrl(state.nextCursor, PAGE));
    const seen = new Set(state.rows.map((m) => m.id));
    const added = page.messages.filter((m) => !seen.has(m.id));
    state.rows = state.rows.concat(added);
    state.nextCursor = page.nextCursor;
    errors.clear();
    renderLog();
    // Focus the first new row's text so keyboard users continue where the new rows begin.
    const first = added[0] && el.rows.querySelector(`tr[data-message-id="${CSS.escape(added[0].id)}"]`);
    if (first instanceof HTMLElement) {
      first.tabIndex = -1;
      first.focus();
    }
  } catch (err) {
    errors.show(err);
  } finally {
    link.removeAttribute('aria-disabled');
  }
}

/** @param {HTMLFormElement} form */
async function toggleQueue(form) {
  const button = form.querySelector('button[type="submit"]');
  const action = form.dataset.action ?? '';
  errors.clear();
  if (button instanceof HTMLButtonElement) button.disabled = true;
  try {
    const result = await api(channelUrl(action), {});
    state.channel = result.channel;
    state.queueDepth = result.queueDepth;
    renderSummary();
  } catch (err) {
    errors.show(err);
  } finally {
    const now = document.getElementById('queue-toggle');
    if (now instanceof HTMLButtonElement) now.disabled = false;
  }
  void refresh();
}

/** "Send a test message" in place: the server's refusal is shown by the field, in the page's words. */
/** @param {HTMLFormElement} form */
async function sendTest(form) {
  /** @type {HTMLInputElement} */
  const input = required('#test-phone', form);
  const fieldError = required('[data-role="test-error"]', form);
  const result = document.querySelector('[data-role="test-result"]');
  /** @type {HTMLButtonElement} */
  const button = required('button[type="submit"]', form);
  const setFieldError = (/** @type {string | undefined} */ text) => {
    fieldError.textContent = text ?? '';
    fieldError.hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  errors.clear();
  setFieldError('');
  put(result, '');
  if (!input.value.trim()) {
    setFieldError(S['messages.test.phoneInvalid']);
    input.focus();
    return;
  }
  button.disabled = true;
  try {
    await api(`${channelUrl('test-message')}?lang=${encodeURIComponent(boot.lang)}`, { phone: input.value });
    put(
      result,
      `<p class="note note-green" role="status" data-testid="test-sent">${escapeHtml(S['messages.test.sent'])}</p>`,
    );
    void refresh();
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'invalid_phone' || err.code === 'invalid_input')) {
      setFieldError(S['messages.test.phoneInvalid']);
      input.focus();
    } else {
      put(
        result,
        `<p class="error" role="alert" data-testid="test-failed">${escapeHtml(S['messages.test.failed'])}</p>`,
      );
    }
  } finally {
    button.disabled = false;
  }
}

if (state.channel) {
  document.addEventListener('submit', (e) => {
    /** @type {HTMLFormElement | null} */
    const test = eventTarget(e, 'form[data-action="test-message"]');
    if (test) {
      e.preventDefault();
      void sendTest(test);
      return;
    }
    /** @type {HTMLFormElement | null} */
    const form = eventTarget(e, 'form[data-action="pause"], form[data-action="resume"]');
    if (!form) return;
    e.preventDefault();
    void toggleQueue(form);
  });
  document.addEventListener('click', (e) => {
    const link = eventTarget(e, '[data-action="more"]');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    if (link.getAttribute('aria-disabled') !== 'true') void loadMore(link);
  });
  const picker = document.querySelector('[data-action="pick-channel"]');
  if (picker instanceof HTMLSelectElement)
    picker.addEventListener('change', () => {
      const phone = document.getElementById('log-phone');
      // A bad phone would only show its error again on the other channel.
      if (phone instanceof HTMLInputElement && boot.phoneInvalid) phone.value = '';
      picker.form?.requestSubmit();
    });

  subscribe(
    '/panel/api/events',
    (/** @type {ChannelView | null} */ view) => {
      if (!view || view.id !== state.channel.id) return;
      state.channel = view;
      renderSummary();
      void refresh();
    },
    {
      onResync: () => void refresh(),
      onLive: (/** @type {boolean} */ up) => {
        liveLost.hidden = up;
      },
    },
  );
  window.setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refresh();
  });
  // First paint came from the server in UTC; redraw with the browser's time zone.
  renderSummary();
  renderLog();
}
