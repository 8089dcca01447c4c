// @ts-check
/* global document, confirm, CSS, HTMLElement, HTMLInputElement */
// Support's console: every business's channels, live; switch QR ⇄ code, reset, copy the QR-page link.
import { fill, supportRow, supportRowSearchText } from './views.js';
import { api, errorBox, makeEnv, readBoot, required } from './live.js';
import { subscribe } from './watch.js';
import { copyText, eventTarget, flashLabel } from './dom.js';

/**
 * @import { ChannelView, SupportRow } from '../channel-view.js'
 * @import { ViewStrings } from './views.js'
 */

const boot = readBoot();
/** @type {ViewStrings} */
const S = boot.strings;
const env = makeEnv(boot.lang);
const tbody = required('[data-role="rows"]');
/** @type {HTMLInputElement} */
const filterInput = required('[data-role="filter"]');
const countEl = required('[data-role="count"]');
const emptyEl = required('[data-role="empty"]');
const liveLost = required('[data-role="live-lost"]');
const errors = errorBox(required('[data-testid="error"]'), S['common.networkError'], S);

/** @type {SupportRow[]} */
let rows = boot.rows;

/**
 * @param {string} tenantId
 * @param {string} channelId
 */
const rowKey = (tenantId, channelId) => `${tenantId}/${channelId}`;
/**
 * @param {string | undefined} tenantId
 * @param {string | undefined} channelId
 */
const findRow = (tenantId, channelId) =>
  rows.find((r) => r.tenant.id === tenantId && r.channel.id === channelId);
/**
 * @param {SupportRow} row
 * @param {string} action
 */
const channelUrl = (row, action) =>
  `/support/api/tenants/${encodeURIComponent(row.tenant.id)}/channels/${encodeURIComponent(row.channel.id)}/${action}`;

/** @param {SupportRow} row */
function matches(row) {
  const q = filterInput.value.trim().toLowerCase();
  return !q || supportRowSearchText(row).includes(q);
}

function renderAll() {
  const shown = rows.filter(matches);
  tbody.innerHTML = shown.map((r) => supportRow(r, S, env)).join('');
  countEl.textContent = fill(S['support.count'], { count: shown.length });
  emptyEl.textContent =
    (rows.length === 0 ? S['support.empty'] : shown.length === 0 ? S['support.noMatch'] : '') ?? '';
  emptyEl.hidden = emptyEl.textContent === '';
}

/** @param {SupportRow} row */
function renderRow(row) {
  const tr = tbody.querySelector(`tr[data-row-key="${CSS.escape(rowKey(row.tenant.id, row.channel.id))}"]`);
  if (!tr) {
    if (matches(row)) renderAll();
    return;
  }
  const active = document.activeElement;
  const focused = active instanceof HTMLElement && tr.contains(active) ? active.dataset.testid : null;
  const holder = document.createElement('tbody');
  holder.innerHTML = supportRow(row, S, env);
  const fresh = holder.firstElementChild;
  if (!fresh) return;
  tr.replaceWith(fresh);
  if (focused) {
    const again = fresh.querySelector(`[data-testid="${focused}"]`);
    if (again instanceof HTMLElement) again.focus();
  }
}

/**
 * @param {string} tenantId
 * @param {ChannelView} incoming
 */
function applyChannel(tenantId, incoming) {
  const row = findRow(tenantId, incoming.id);
  if (!row) {
    void reload();
    return;
  }
  const prev = row.channel;
  row.channel =
    incoming.qrPageUrl === undefined && prev.qrPageUrl
      ? { ...incoming, qrPageUrl: prev.qrPageUrl }
      : incoming;
  if (incoming.status !== prev.status || incoming.statusSince !== prev.statusSince) {
    row.lastEvent = { status: incoming.status, cause: incoming.cause, at: incoming.statusSince };
  }
  renderRow(row);
}

async function reload() {
  try {
    rows = await api('/support/api/rows');
    renderAll();
  } catch (err) {
    errors.show(err);
  }
}

/**
 * @param {HTMLButtonElement} button
 * @param {SupportRow} row
 * @param {string} action
 * @param {object} body
 */
async function act(button, row, action, body) {
  errors.clear();
  button.disabled = true;
  try {
    applyChannel(row.tenant.id, await api(channelUrl(row, action), body));
  } catch (err) {
    errors.show(err);
  } finally {
    button.disabled = false;
  }
}

tbody.addEventListener('click', (e) => {
  /** @type {HTMLButtonElement | null} */
  const el = eventTarget(e, '[data-action]');
  const tr = eventTarget(e, 'tr[data-tenant-id]');
  if (!el || !tr) return;
  const row = findRow(tr.dataset.tenantId, tr.dataset.channelId);
  if (!row) return;
  switch (el.dataset.action) {
    case 'mode':
      void act(el, row, 'mode', { mode: row.channel.linkMode === 'code' ? 'qr' : 'code' });
      break;
    case 'reset':
      if (
        confirm(fill(S['support.resetConfirm'], { channel: row.channel.name, business: row.tenant.name }))
      ) {
        void act(el, row, 'reset', {});
      }
      break;
    case 'copy':
      void copyText(el.dataset.copy || '').then((ok) => {
        if (ok) flashLabel(el, S['common.copied']);
        else errors.show(S['common.copyFailed']);
      });
      break;
    default:
      break;
  }
});

filterInput.addEventListener('input', renderAll);

// "Create business": the time zone starts as this browser's (support usually sits with the owner).
const zoneInput = document.querySelector('[data-fill="browser-time-zone"]');
if (zoneInput instanceof HTMLInputElement && !zoneInput.value) {
  try {
    zoneInput.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    // leave it empty: the field is required and suggests names
  }
}

subscribe(
  '/support/api/events',
  (/** @type {{ tenantId: string, channel: ChannelView } | null} */ data) =>
    data && data.channel && applyChannel(data.tenantId, data.channel),
  {
    onResync: () => void reload(),
    onLive: (/** @type {boolean} */ up) => {
      liveLost.hidden = up;
    },
  },
);

renderAll();
