// @ts-check
/* global document, window, navigator, Element, HTMLElement */
// Small DOM chores of the live pages: ticking countdowns, copying to the clipboard, a button's
// "Copied" flash, and re-rendering an area without losing the focused field.
import { required } from './live.js';
import { countdownText, remainingMs } from './markup.js';

/**
 * @import { ViewEnv, ViewStrings } from './markup.js'
 */

/**
 * Rewrites every countdown on the page (call once a second).
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 */
export function tickCountdowns(S, env) {
  for (const el of document.querySelectorAll('.countdown[data-expires]')) {
    if (!(el instanceof HTMLElement)) continue;
    const ms = remainingMs(el.dataset.expires ?? '', env.now, Number(el.dataset.ttl) || 0);
    const text = countdownText(el.dataset.kind === 'code' ? 'code' : 'qr', ms, S);
    if (el.textContent !== text) el.textContent = text;
  }
}

/**
 * Copies text; falls back to a hidden textarea where the Clipboard API is unavailable (plain http).
 * @param {string} text
 * @returns {Promise<boolean>}
 */
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

/**
 * Briefly shows "Copied" on a button.
 * @param {HTMLElement} button
 * @param {string | undefined} text
 */
export function flashLabel(button, text) {
  const original = button.dataset.label || button.textContent || '';
  button.dataset.label = original;
  button.textContent = text ?? '';
  setTimeout(() => {
    button.textContent = original;
  }, 2_000);
}

/**
 * Replaces `el`'s markup, keeping a half-typed input's value and focus when it is re-rendered.
 * @param {HTMLElement} el
 * @param {string} html
 */
export function replaceKeepingFocus(el, html) {
  const active = document.activeElement;
  const focusedId =
    active instanceof HTMLElement && el.contains(active) ? active.id || active.dataset.testid : null;
  el.innerHTML = html;
  if (focusedId) {
    const again = el.querySelector(`[id="${focusedId}"], [data-testid="${focusedId}"]`);
    if (again instanceof HTMLElement) again.focus();
  }
}

/**
 * The element matching `selector` that an event happened in or on (null when none does).
 * @template {HTMLElement} [E=HTMLElement]
 * @param {Event} event
 * @param {string} selector
 * @returns {E | null}
 */
export function eventTarget(event, selector) {
  const target = event.target instanceof Element ? event.target.closest(selector) : null;
  return target instanceof HTMLElement ? /** @type {E} */ (target) : null;
}

/**
 * The link area's sending-phone form (the panel's QR window and the QR page): on submit, `send`
 * gets the form, its number field and button, and the number typed (trimmed).
 * @param {(form: HTMLFormElement, input: HTMLInputElement, button: HTMLButtonElement, phone: string) => Promise<void>} send
 */
export function onPairingPhoneSubmit(send) {
  document.addEventListener('submit', (e) => {
    /** @type {HTMLFormElement | null} */
    const form = eventTarget(e, 'form[data-action="pairing-phone"]');
    if (!form) return;
    e.preventDefault();
    /** @type {HTMLInputElement} */
    const input = required('input[name="phone"]', form);
    /** @type {HTMLButtonElement} */
    const button = required('button[type="submit"]', form);
    void send(form, input, button, input.value.trim());
  });
}
