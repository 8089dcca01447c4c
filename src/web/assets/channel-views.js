// @ts-check
// A channel's live markup: the Settings WhatsApp block, the Channels card, and the link area (QR or
// code, countdown, steps) of the QR window and the QR page.
import { hasLinkedDevice, isEstablished } from '../../shared/channel-status.js';
import { countdown, escapeHtml as esc, fill, note, statusLabel, statusNote } from './markup.js';
import { messagesHref } from './message-views.js';

/**
 * @import { ChannelLinkView, ChannelView } from '../channel-view.js'
 * @import { ViewEnv, ViewStrings } from './markup.js'
 */

/**
 * State of a live link area that is not in the ChannelView.
 * @typedef {object} LinkViewState
 * @property {'panel' | 'page'} surface
 * @property {boolean} starting A watch was just asked for: show "Preparing…" rather than "expired" while no link exists.
 * @property {string} [phone] Keeps a half-typed sending-phone number across re-renders.
 */

/**
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @param {boolean} withMode
 * @returns {string}
 */
function facts(ch, S, env, withMode) {
  const rows = [];
  rows.push([
    S['wa.number'],
    ch.phone ? `<span class="mono" data-testid="linked-number">${esc(ch.phone)}</span>` : '—',
  ]);
  if (withMode) rows.push([S['wa.linkMode'], esc(S[ch.linkMode === 'code' ? 'wa.modeCode' : 'wa.modeQr'])]);
  if (ch.linkedAt) {
    rows.push([
      S['wa.linkedAt'],
      `<time datetime="${esc(ch.linkedAt)}" data-testid="linked-at">${esc(env.fmtDate(ch.linkedAt))}</time>`,
    ]);
  }
  if (ch.business !== null && ch.business !== undefined && ch.phone) {
    rows.push([
      S['wa.app'],
      `<span data-testid="linked-app">${esc(S[ch.business ? 'wa.appBusiness' : 'wa.appPersonal'])}</span>`,
    ]);
  }
  const newChats = newChatsFact(ch, S, env);
  if (newChats) rows.push([S['wa.newChats'], newChats]);
  return `<dl class="facts">${rows.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

/**
 * WhatsApp's monthly new-chat cap as it last said: "2 of 3 · 80% used — …" ('' until it says
 * something worth showing: no quota and no warning).
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
export function newChatsFact(ch, S, env) {
  const n = ch.newChats;
  if (!n || (n.state === 'none' && n.quota === null)) return '';
  const count =
    n.used !== null && n.quota !== null
      ? fill(S['wa.newChatsUsed'], { used: n.used, quota: n.quota })
      : S['wa.newChatsUnknown'];
  const state = n.resetsAt
    ? fill(S[`wa.newChatsState.${n.state}`] || '', { time: env.fmtDate(n.resetsAt) })
    : '';
  return (
    `<span data-testid="new-chats" data-state="${esc(n.state)}">${esc(count)}` +
    (state ? ` · ${esc(state)}` : '') +
    `</span>`
  );
}

/**
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @returns {string}
 */
function businessAdvice(ch, S) {
  return ch.business === false && hasLinkedDevice(ch.status)
    ? `<p class="advice" data-testid="business-advice">${esc(S['wa.recommendBusiness'])}</p>`
    : '';
}

/**
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @param {boolean} primary
 * @returns {string}
 */
function openButton(ch, S, primary) {
  const label = hasLinkedDevice(ch.status)
    ? S['wa.linkAnother']
    : S[ch.linkMode === 'code' ? 'wa.openCode' : 'wa.openQr'];
  return (
    `<button type="button" class="btn${primary ? ' btn-primary' : ''}" data-action="open" ` +
    `data-channel-id="${esc(ch.id)}" data-testid="open-qr-window">${esc(label)}</button>`
  );
}

/**
 * Settings → the WhatsApp block's status area for one channel.
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @returns {string}
 */
export function waBlockBody(ch, S, env) {
  if (isEstablished(ch.status)) {
    return (
      `<p class="pill pill-green" data-testid="connection-established">${esc(S['status.connected'])}</p>` +
      facts(ch, S, env, false) +
      businessAdvice(ch, S) +
      note(statusNote(ch, S), 'amber') +
      `<div class="actions">${openButton(ch, S, false)}` +
      // Right after linking: one message to the owner's own phone shows the number sends.
      `<a class="btn btn-quiet" href="/panel/messages?channel=${encodeURIComponent(ch.id)}&amp;lang=${encodeURIComponent(env.lang)}#test-message" ` +
      `data-testid="send-test-link">${esc(S['wa.sendTest'])}</a></div>`
    );
  }
  if (ch.status === 'reconnecting') {
    return (
      `<p class="pill pill-amber" role="status" data-testid="reconnecting">${esc(S['status.reconnecting'])}</p>` +
      note(statusNote(ch, S)) +
      facts(ch, S, env, false) +
      businessAdvice(ch, S)
    );
  }
  // Not linked: the red text itself opens the QR window (amber while the phone finishes linking).
  const testid = ch.status === 'pairing' ? 'linking' : 'scan-qr';
  return (
    `<button type="button" class="pill pill-${esc(ch.tone)} pill-action" data-action="open" ` +
    `data-channel-id="${esc(ch.id)}" data-testid="${testid}" aria-haspopup="dialog">${esc(statusLabel(ch, S))}</button>` +
    note(statusNote(ch, S), ch.status === 'pairing' ? '' : 'red') +
    `<p class="hint">${esc(S[ch.linkMode === 'code' ? 'wa.codeHint' : 'wa.scanHint'])}</p>`
  );
}

/**
 * Channels → WhatsApp: one channel's card body. `opts.windowOpen` hides the card's own pairing code
 * while the QR window shows the same code, so one code is on screen at a time.
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @param {{ windowOpen?: boolean }} [opts]
 * @returns {string}
 */
export function channelCardBody(ch, S, env, opts) {
  const code =
    ch.linkMode === 'code' && ch.link && ch.link.pairingCode && !(opts && opts.windowOpen)
      ? ch.link.pairingCode
      : null;
  const qrLink = ch.qrPageUrl
    ? `<div class="copy-row"><a class="qr-page-link mono" href="${esc(ch.qrPageUrl)}" target="_blank" rel="noopener" ` +
      `data-testid="qr-page-link">${esc(ch.qrPageUrl)}</a><button type="button" class="btn btn-sm" data-action="copy" ` +
      `data-copy="${esc(ch.qrPageUrl)}" data-testid="copy-qr-page-link">${esc(S['common.copy'])}</button></div>` +
      `<p class="hint">${esc(S['wa.qrPageHint'])}</p>`
    : `<p class="hint">${esc(S['wa.noQrPageLink'])}</p>`;
  return (
    `<div class="card-head"><h2 class="card-title">${esc(ch.name)}</h2>` +
    `<span class="pill pill-sm pill-${esc(ch.tone)}" data-testid="channel-status">${esc(statusLabel(ch, S))}</span></div>` +
    note(statusNote(ch, S), ch.tone === 'green' ? 'amber' : ch.tone) +
    facts(ch, S, env, true) +
    businessAdvice(ch, S) +
    (code
      ? `<div class="code-live"><p class="code-label">${esc(S['wa.codeLive'])}</p>` +
        `<p class="pairing-code" data-testid="pairing-code">${esc(code.code)}</p>` +
        countdown('code', code.expiresAt, 0, S, env) +
        `</div>`
      : '') +
    `<div class="qr-link"><p class="field-label">${esc(S['wa.qrPageLink'])}</p>${qrLink}</div>` +
    `<div class="actions">${ch.status === 'reconnecting' ? '' : openButton(ch, S, !hasLinkedDevice(ch.status))}` +
    `<a class="btn btn-quiet" href="${esc(messagesHref({ channel: ch.id, lang: env.lang }))}" ` +
    `data-testid="message-log-link">${esc(S['wa.messageLog'])}</a></div>`
  );
}

/**
 * @param {'qr' | 'code'} mode
 * @param {ViewStrings} S
 * @returns {string}
 */
function steps(mode, S) {
  const keys =
    mode === 'code'
      ? ['link.codeStep1', 'link.codeStep2', 'link.codeStep3']
      : ['link.qrStep1', 'link.qrStep2', 'link.qrStep3'];
  return (
    `<div class="steps"><p class="steps-title">${esc(S['link.stepsTitle'])}</p>` +
    `<ol>${keys.map((k) => `<li>${esc(S[k])}</li>`).join('')}</ol></div>`
  );
}

/**
 * Waiting for WhatsApp's QR or code: "Preparing…", then "Still connecting to WhatsApp…" (slow), then
 * the cause in plain words with Retry (stuck). The stages come from the server (link.stalled).
 * @param {ViewStrings} S
 * @param {'qr' | 'code'} mode
 * @param {ChannelLinkView} [link]
 * @returns {string}
 */
function preparing(S, mode, link) {
  const stalled = link && link.stalled;
  if (stalled && stalled.stage === 'stuck') {
    return (
      `<div class="frame expired" role="alert" data-testid="link-stuck" data-cause="${esc(stalled.cause)}">` +
      `<p class="expired-title">${esc(S['link.stuckTitle'])}</p>` +
      `<p class="hint" data-testid="link-stuck-cause">${esc(S[`link.stuck.${stalled.cause}`] || S['link.stuck.no_answer'])}</p>` +
      `<button type="button" class="btn btn-primary" data-action="retry" data-testid="link-retry">${esc(S['link.retry'])}</button></div>`
    );
  }
  const words = stalled ? S['link.slow'] : S['link.preparing'];
  return (
    `<div class="frame${mode === 'qr' ? ' frame-qr' : ''}"><p class="preparing" role="status" data-testid="${stalled ? 'link-slow' : 'preparing'}">` +
    `<span class="spinner" aria-hidden="true"></span>${esc(words)}</p></div>`
  );
}

/**
 * @param {'green' | 'amber'} tone
 * @param {string | undefined} text
 * @param {string} testid
 * @returns {string}
 */
function banner(tone, text, testid) {
  return `<p class="banner banner-${tone}" role="status" data-testid="${testid}">${esc(text)}</p>`;
}

/**
 * The live link area of the QR window and the QR page: QR or code with countdown and steps, the
 * sending-phone form, "expired / Show a new code", or the linked state.
 * `st`: { surface: 'panel' | 'page', starting: boolean, phone?: string }.
 * @param {ChannelView} ch
 * @param {ViewStrings} S
 * @param {ViewEnv} env
 * @param {LinkViewState} st
 * @returns {string}
 */
export function linkView(ch, S, env, st) {
  const onPage = st.surface === 'page';
  if (isEstablished(ch.status)) {
    return (
      banner('green', S['status.connected'], onPage ? 'connection-established' : 'link-connected') +
      `<p class="center">${esc(S['link.connectedHelp'])}</p>` +
      (onPage
        ? `<p class="center done" data-testid="setup-complete">${esc(S['qr.done'])}</p>`
        : `<p class="center hint">${esc(S['link.resetHint'])}</p>`) +
      note(ch.status === 'restricted' ? S['note.restricted'] : '', 'amber')
    );
  }
  if (ch.status === 'reconnecting' || ch.status === 'pairing') {
    return (
      banner('amber', statusLabel(ch, S), ch.status === 'pairing' ? 'linking' : 'reconnecting') +
      note(statusNote(ch, S))
    );
  }
  // WhatsApp asked for a passkey after the scan (or the code): the QR keeps coming, but a scan links
  // only once the owner removed the passkey on the phone, so that comes first, in words.
  const passkey =
    ch.cause === 'passkey_required'
      ? `<div class="note note-red" role="alert" data-testid="passkey-required">` +
        `<p><strong>${esc(S['link.passkeyTitle'])}</strong></p><p>${esc(S['note.passkeyRequired'])}</p></div>`
      : '';
  const why =
    passkey +
    note(
      ch.status === 'removed' || ch.status === 'replaced' || ch.cause === 'login_refused'
        ? statusNote(ch, S)
        : '',
      'red',
    );
  const link = ch.link;
  const mode = ch.linkMode;
  if (!link) {
    if (st.starting) return why + preparing(S, mode);
    return (
      why +
      `<div class="frame expired" role="status"><p class="expired-title" data-testid="link-expired">${esc(S['link.expired'])}</p>` +
      `<p class="hint">${esc(S['link.expiredHelp'])}</p>` +
      `<button type="button" class="btn btn-primary" data-action="show-new" data-testid="show-new-code">${esc(S['link.showNew'])}</button></div>`
    );
  }
  if (mode === 'code') {
    if (link.needsPairingPhone) {
      return (
        why +
        `<form class="phone-form" data-action="pairing-phone" novalidate>` +
        `<p class="form-title">${esc(S['link.phoneTitle'])}</p>` +
        `<label for="pairing-phone">${esc(S['link.phoneLabel'])}</label>` +
        `<p class="hint" id="pairing-phone-help">${esc(S['link.phoneHelp'])}</p>` +
        `<div class="field-row"><input id="pairing-phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" required ` +
        `aria-describedby="pairing-phone-help" data-testid="pairing-phone-input" value="${esc(st.phone || '')}">` +
        `<button type="submit" class="btn btn-primary" data-testid="pairing-phone-submit">${esc(S['link.phoneSubmit'])}</button></div>` +
        `</form>`
      );
    }
    if (!link.pairingCode) return why + preparing(S, mode, link);
    return (
      why +
      `<div class="frame code-frame"><p class="code-label" id="code-label">${esc(S['link.codeLabel'])}</p>` +
      `<p class="pairing-code pairing-code-lg" data-testid="pairing-code" aria-describedby="code-label">${esc(link.pairingCode.code)}</p>` +
      countdown('code', link.pairingCode.expiresAt, 0, S, env) +
      `</div>` +
      steps('code', S)
    );
  }
  if (!link.qr) return why + preparing(S, mode, link);
  // The SVG is the server's own markup (drawn from the QR text), inserted as-is.
  return (
    why +
    `<div class="frame frame-qr"><div class="qr" role="img" aria-label="${esc(S['link.qrLabel'])}" data-testid="qr-code" ` +
    `data-sequence="${esc(link.qr.sequence)}">${link.qr.svg}</div></div>` +
    countdown('qr', link.qr.expiresAt, link.qr.ttlMs, S, env) +
    `<p class="hint center">${esc(S['link.liveNote'])}</p>` +
    steps('qr', S)
  );
}

/**
 * A key that changes exactly when linkView's output would change (apart from countdowns).
 * @param {ChannelView} ch
 * @param {LinkViewState} st
 * @returns {string}
 */
export function linkViewKey(ch, st) {
  const link = ch.link;
  return [
    ch.status,
    ch.linkMode,
    ch.cause,
    st.starting,
    link ? 1 : 0,
    link && link.qr ? link.qr.sequence : '',
    link && link.pairingCode ? link.pairingCode.code : '',
    link && link.needsPairingPhone ? 1 : 0,
    link && link.stalled ? `${link.stalled.stage}:${link.stalled.cause}` : '',
  ].join('|');
}
