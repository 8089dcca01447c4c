// @ts-check
/* global document, window, Event, HTMLElement, HTMLTextAreaElement */
// Panel → Notifications: variable chips insert `%VAR%` at the cursor, and each text's preview follows
// the typing (debounced, through the panel's preview route, drawn with the same views.js function
// as the server's first paint). Saving stays the page's plain forms.
import { escapeHtml, templatePreview } from './views.js';
import { api, readBoot } from './live.js';
import { eventTarget } from './dom.js';

/**
 * @import { ViewStrings } from './views.js'
 */

const DEBOUNCE_MS = 300;

const boot = readBoot();
/** @type {ViewStrings} */
const S = boot.strings;

/**
 * Per textarea: the pending timer, and the number of the latest request (older answers are dropped).
 * @type {WeakMap<HTMLTextAreaElement, { timer: number, seq: number }>}
 */
const pending = new WeakMap();

/** @param {HTMLTextAreaElement} textarea */
function previewOf(textarea) {
  return document.getElementById(`${textarea.id}-preview`);
}

/** @param {HTMLTextAreaElement} textarea */
async function refreshPreview(textarea) {
  const state = pending.get(textarea) || { timer: 0, seq: 0 };
  const seq = ++state.seq;
  pending.set(textarea, state);
  const target = previewOf(textarea);
  if (!target) return;
  try {
    const preview = await api('/panel/api/notifications/preview', {
      body: textarea.value,
      language: boot.templateLanguage,
    });
    if (seq !== state.seq) return;
    const html = templatePreview(preview, S);
    if (target.innerHTML !== html) target.innerHTML = html;
    target.removeAttribute('aria-busy');
  } catch {
    if (seq !== state.seq) return;
    target.removeAttribute('aria-busy');
    target.innerHTML = `<p class="field-error">${escapeHtml(S['notify.previewFailed'])}</p>`;
  }
}

/** @param {HTMLTextAreaElement} textarea */
function schedulePreview(textarea) {
  const state = pending.get(textarea) || { timer: 0, seq: 0 };
  window.clearTimeout(state.timer);
  state.timer = window.setTimeout(() => void refreshPreview(textarea), DEBOUNCE_MS);
  pending.set(textarea, state);
  const target = previewOf(textarea);
  if (target) target.setAttribute('aria-busy', 'true');
}

/**
 * Inserts `%NAME%` where the cursor is (replacing a selection), then puts the cursor after it.
 * @param {HTMLTextAreaElement} textarea
 * @param {string | undefined} name
 */
function insertVariable(textarea, name) {
  const text = `%${name}%`;
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  textarea.focus();
  textarea.setRangeText(text, start, end, 'end');
  textarea.dispatchEvent(new Event('input', { bubbles: true }));
}

for (const textarea of document.querySelectorAll('textarea[data-role="template"]')) {
  if (!(textarea instanceof HTMLTextAreaElement)) continue;
  textarea.addEventListener('input', () => schedulePreview(textarea));
}

// The one variable menu needs this script; without it the page lists the variables as text.
const chips = document.querySelector('[data-role="chips"]');
const variablesText = document.querySelector('[data-role="variables-text"]');
if (chips instanceof HTMLElement) chips.hidden = false;
if (variablesText) variablesText.classList.add('visually-hidden');

/**
 * Shows one kind's editor: the script owns the choice from here on (the CSS :target rule is off).
 * @param {string | undefined} kind
 * @param {boolean} focus
 */
function selectKind(kind, focus) {
  const card = document.getElementById(`tpl-card-${kind}`);
  if (!card) return;
  for (const other of document.querySelectorAll('.tpl-card'))
    other.classList.toggle('is-selected', other === card);
  for (const link of document.querySelectorAll('[data-action="select-kind"]')) {
    if (link instanceof HTMLElement && link.dataset.kind === kind) link.setAttribute('aria-current', 'true');
    else link.removeAttribute('aria-current');
  }
  for (const chip of document.querySelectorAll('[data-action="insert-variable"]'))
    chip.setAttribute('aria-controls', `tpl-${kind}`);
  if (focus) document.getElementById(`tpl-${kind}`)?.focus();
}

const texts = document.getElementById('texts');
if (texts) texts.classList.add('js-tabs');
const fromHash = /^#tpl-card-(.+)$/.exec(window.location.hash);
if (fromHash) selectKind(decodeURIComponent(fromHash[1] ?? ''), false);

document.addEventListener('click', (e) => {
  const link = eventTarget(e, '[data-action="select-kind"]');
  if (link) {
    e.preventDefault();
    selectKind(link.dataset.kind, true);
    window.history.replaceState(null, '', `#tpl-card-${link.dataset.kind}`);
    return;
  }
  const chip = eventTarget(e, '[data-action="insert-variable"]');
  if (!chip) return;
  const textarea = document.getElementById(chip.getAttribute('aria-controls') ?? '');
  if (textarea instanceof HTMLTextAreaElement) insertVariable(textarea, chip.dataset.variable);
});

// Keep the cursor position when a chip is clicked (a mouse-down on a button would blur the text).
document.addEventListener('mousedown', (e) => {
  if (eventTarget(e, '[data-action="insert-variable"]')) e.preventDefault();
});
