// @ts-check
// The support console's live markup: one row per channel.
import { escapeHtml as esc, fill, statusLabel } from './markup.js';

/**
 * @import { ChannelView, SupportRow } from '../channel-view.js'
 * @import { ViewEnv, ViewStrings } from './markup.js'
 */

/**
 * Support console: one table row.
 * @param {SupportRow} row
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
export function supportRow(row, S, env) {
  const ch = row.channel;
  const t = row.tenant;
  const ev = row.lastEvent;
  const isCode = ch.linkMode === 'code';
  const stateLabel = (/** @type {string} */ status) => S[`state.${status}`] || status;
  const lastEvent = ev
    ? `<div>${esc(stateLabel(ev.status))}</div>` +
      (ev.cause
        ? `<div class="hint" title="${esc(ev.cause)}">${esc(S[`cause.${ev.cause}`] || ev.cause)}</div>`
        : '') +
      `<time class="hint" datetime="${esc(ev.at)}">${esc(env.fmtDate(ev.at))}</time>`
    : `<span class="hint">${esc(S['support.noEvent'])}</span>`;
  const business = ch.business === true ? ` <span class="tag">${esc(S['wa.appBusiness'])}</span>` : '';
  // Where an ALTEGIO install stands; a failed or expired activation says why, in red.
  const altegio = (row.altegio || [])
    .map((i) => {
      const bad = i.activation === 'failed' || i.activation === 'expired';
      const key =
        i.state === 'active' || i.state === 'pending'
          ? `support.altegio.${i.activation}`
          : `support.altegio.${i.state}`;
      return (
        `<div class="hint${bad ? ' error-text' : ''}" data-testid="support-altegio"` +
        (i.error ? ` title="${esc(i.error)}"` : '') +
        `>ALTEGIO ${esc(i.salonId)}: ${esc(S[key] || i.activation)}${bad && i.error ? ` — ${esc(i.error)}` : ''}</div>`
      );
    })
    .join('');
  return (
    `<tr data-row-key="${esc(`${t.id}/${ch.id}`)}" data-tenant-id="${esc(t.id)}" data-channel-id="${esc(ch.id)}">` +
    `<td><div class="strong">${esc(t.name)}</div><div class="hint mono">${esc(t.id)} · ${esc(t.language)}</div>${altegio}</td>` +
    `<td><div>${esc(ch.name)}</div><div class="hint mono">${esc(ch.id)}</div></td>` +
    `<td><span class="pill pill-sm pill-${esc(ch.tone)}" data-testid="support-status" title="${esc(statusLabel(ch, S))}">` +
    `${esc(stateLabel(ch.status))}</span>${supportStall(ch, S)}</td>` +
    `<td><span class="mono">${esc(ch.phone || '—')}</span>${business}</td>` +
    `<td>${lastEvent}</td>` +
    `<td><button type="button" class="switch" role="switch" aria-checked="${isCode}" data-action="mode" ` +
    `data-mode="${esc(ch.linkMode)}" data-testid="mode-toggle" aria-label="${esc(fill(S['support.codeMode'], { channel: ch.name }))}">` +
    `<span class="switch-opt${isCode ? '' : ' on'}">${esc(S['support.segQr'])}</span>` +
    `<span class="switch-opt${isCode ? ' on' : ''}">${esc(S['support.segCode'])}</span></button></td>` +
    `<td><div class="row-actions">` +
    `<button type="button" class="btn btn-sm btn-danger-outline" data-action="reset" data-testid="support-reset">${esc(S['common.reset'])}</button>` +
    `<button type="button" class="btn btn-sm" data-action="copy" data-testid="copy-qr-link"` +
    (ch.qrPageUrl ? ` data-copy="${esc(ch.qrPageUrl)}"` : ' disabled') +
    `>${esc(S['support.copyLink'])}</button></div></td>` +
    `</tr>`
  );
}

/**
 * A link attempt waiting on WhatsApp, as support sees it: "Still connecting…", then the cause.
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @returns {string}
 */
function supportStall(ch, S) {
  const stalled = ch.link && ch.link.stalled;
  if (!stalled) return '';
  const text = stalled.stage === 'stuck' ? S[`link.stuck.${stalled.cause}`] : S['link.slow'];
  return `<div class="hint${stalled.stage === 'stuck' ? ' error-text' : ''}" data-testid="support-stall" data-cause="${esc(stalled.cause)}">${esc(text || stalled.cause)}</div>`;
}

/**
 * Lower-case text a support row is found by.
 * @param {SupportRow} row
 * @returns {string}
 */
export function supportRowSearchText(row) {
  return [row.tenant.name, row.tenant.id, row.channel.name, row.channel.id, row.channel.phone || '']
    .join(' ')
    .toLowerCase();
}
