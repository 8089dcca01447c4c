/* global document, confirm, CSS */
// Support's console: every business's channels, live; switch QR ⇄ code, reset, copy the QR-page link.
import { fill, supportRow, supportRowSearchText } from './views.js';
import { api, copyText, errorBox, flashLabel, makeEnv, readBoot, subscribe } from './live.js';

const boot = readBoot();
const S = boot.strings;
const env = makeEnv(boot.lang);
const tbody = document.querySelector('[data-role="rows"]');
const filterInput = document.querySelector('[data-role="filter"]');
const countEl = document.querySelector('[data-role="count"]');
const emptyEl = document.querySelector('[data-role="empty"]');
const liveLost = document.querySelector('[data-role="live-lost"]');
const errors = errorBox(document.querySelector('[data-testid="error"]'), S['common.networkError'], S);

let rows = boot.rows;

const rowKey = (tenantId, channelId) => `${tenantId}/${channelId}`;
const findRow = (tenantId, channelId) =>
  rows.find((r) => r.tenant.id === tenantId && r.channel.id === channelId);
const channelUrl = (row, action) =>
  `/support/api/tenants/${encodeURIComponent(row.tenant.id)}/channels/${encodeURIComponent(row.channel.id)}/${action}`;

function matches(row) {
  const q = filterInput.value.trim().toLowerCase();
  return !q || supportRowSearchText(row).includes(q);
}

function renderAll() {
  const shown = rows.filter(matches);
  tbody.innerHTML = shown.map((r) => supportRow(r, S, env)).join('');
  countEl.textContent = fill(S['support.count'], { count: shown.length });
  emptyEl.textContent =
    rows.length === 0 ? S['support.empty'] : shown.length === 0 ? S['support.noMatch'] : '';
  emptyEl.hidden = emptyEl.textContent === '';
}

function renderRow(row) {
  const tr = tbody.querySelector(`tr[data-row-key="${CSS.escape(rowKey(row.tenant.id, row.channel.id))}"]`);
  if (!tr) {
    if (matches(row)) renderAll();
    return;
  }
  const focused = tr.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  const holder = document.createElement('tbody');
  holder.innerHTML = supportRow(row, S, env);
  const fresh = holder.firstElementChild;
  tr.replaceWith(fresh);
  if (focused) {
    const again = fresh.querySelector(`[data-testid="${focused}"]`);
    if (again) again.focus();
  }
}

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
  const el = e.target.closest('[data-action]');
  const tr = e.target.closest('tr[data-tenant-id]');
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
if (zoneInput && !zoneInput.value) {
  try {
    zoneInput.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    // leave it empty: the field is required and suggests names
  }
}

subscribe(
  '/support/api/events',
  (data) => data && data.channel && applyChannel(data.tenantId, data.channel),
  {
    onResync: () => void reload(),
    onLive: (up) => {
      liveLost.hidden = up;
    },
  },
);

renderAll();
