// The markup of everything that changes live (a channel's status, the QR window, a support row).
// One implementation for both sides: the server renders the first paint with it (pages.ts) and the
// browser re-renders with it on every update, so a live change looks exactly like a reload.
// Pure functions of their arguments only: no DOM, no globals. Types: views.d.ts.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const esc = escapeHtml;

/** Replaces `{name}` placeholders. */
export function fill(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) =>
    vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** A device is linked (credentials exist), whether or not the socket is up now. */
export function hasLinkedDevice(status) {
  return status === 'connected' || status === 'reconnecting' || status === 'restricted';
}

/** Linked and up: "Connection established". */
export function isEstablished(status) {
  return status === 'connected' || status === 'restricted';
}

/** The words of a channel's status as the business sees them. */
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

/** A sentence explaining the status, or '' when the label says it all. */
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

/** Seconds left, clamped to [0, ttl] so a skewed browser clock cannot show nonsense. */
export function remainingMs(expiresAt, now, ttlMs) {
  const left = Date.parse(expiresAt) - now;
  if (!Number.isFinite(left)) return 0;
  return Math.max(0, ttlMs ? Math.min(left, ttlMs) : left);
}

/** The countdown's words for `kind` ('qr' | 'code'). */
export function countdownText(kind, ms, S) {
  return ms > 0 ? fill(S[`link.${kind}Countdown`], { seconds: Math.ceil(ms / 1000) }) : S['link.refreshing'];
}

function countdown(kind, expiresAt, ttlMs, S, env) {
  const ms = remainingMs(expiresAt, env.now, ttlMs);
  return (
    `<p class="countdown" data-testid="${kind}-countdown" data-kind="${kind}" data-expires="${esc(expiresAt)}"` +
    `${ttlMs ? ` data-ttl="${esc(ttlMs)}"` : ''}>${esc(countdownText(kind, ms, S))}</p>`
  );
}

function note(text, tone) {
  return text ? `<p class="note${tone ? ` note-${tone}` : ''}">${esc(text)}</p>` : '';
}

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

function businessAdvice(ch, S) {
  return ch.business === false && hasLinkedDevice(ch.status)
    ? `<p class="advice" data-testid="business-advice">${esc(S['wa.recommendBusiness'])}</p>`
    : '';
}

function openButton(ch, S, primary) {
  const label = hasLinkedDevice(ch.status)
    ? S['wa.linkAnother']
    : S[ch.linkMode === 'code' ? 'wa.openCode' : 'wa.openQr'];
  return (
    `<button type="button" class="btn${primary ? ' btn-primary' : ''}" data-action="open" ` +
    `data-channel-id="${esc(ch.id)}" data-testid="open-qr-window">${esc(label)}</button>`
  );
}

/** Settings → the WhatsApp block's status area for one channel. */
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

function banner(tone, text, testid) {
  return `<p class="banner banner-${tone}" role="status" data-testid="${testid}">${esc(text)}</p>`;
}

/**
 * The live link area of the QR window and the QR page: QR or code with countdown and steps, the
 * sending-phone form, "expired / Show a new code", or the linked state.
 * `st`: { surface: 'panel' | 'page', starting: boolean, phone?: string }.
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

/** A key that changes exactly when linkView's output would change (apart from countdowns). */
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

/** Support console: one table row. */
export function supportRow(row, S, env) {
  const ch = row.channel;
  const t = row.tenant;
  const ev = row.lastEvent;
  const isCode = ch.linkMode === 'code';
  const stateLabel = (status) => S[`state.${status}`] || status;
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

// A link attempt waiting on WhatsApp, as support sees it: "Still connecting…", then the cause.
function supportStall(ch, S) {
  const stalled = ch.link && ch.link.stalled;
  if (!stalled) return '';
  const text = stalled.stage === 'stuck' ? S[`link.stuck.${stalled.cause}`] : S['link.slow'];
  return `<div class="hint${stalled.stage === 'stuck' ? ' error-text' : ''}" data-testid="support-stall" data-cause="${esc(stalled.cause)}">${esc(text || stalled.cause)}</div>`;
}

/** Lower-case text a support row is found by. */
export function supportRowSearchText(row) {
  return [row.tenant.name, row.tenant.id, row.channel.name, row.channel.id, row.channel.phone || '']
    .join(' ')
    .toLowerCase();
}

// ---- Panel → Messages: the queue summary and the message log (first paint and live updates).

/** Message statuses in the order the log's filter lists them. */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed'];

/** The log's link to itself with these filters (no-JS "Load more", channel links). */
export function messagesHref(q) {
  const params = [];
  for (const key of ['channel', 'phone', 'status', 'cursor', 'lang']) {
    if (q && q[key]) params.push(`${key}=${encodeURIComponent(q[key])}`);
  }
  return `/panel/messages${params.length ? `?${params.join('&')}` : ''}`;
}

/**
 * What the business can do about a failed message, in words ('' when it did not fail): the detail
 * (a 463's cause, why a first contact was held back) where there is one, else the reason.
 */
export function messageReason(m, S) {
  if (m.status !== 'failed') return '';
  return (
    (m.failureDetail && S[`messages.detail.${m.failureDetail}`]) ||
    S[`messages.reason.${m.failureReason}`] ||
    S['messages.reason.rejected']
  );
}

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

/** The text cut to a table cell's length, on a character boundary (emoji stay whole). */
export function shortText(text) {
  const chars = Array.from(String(text ?? ''));
  const firstLine = chars.indexOf('\n');
  const cut = Math.min(SHORT_TEXT, firstLine === -1 ? chars.length : firstLine);
  return cut >= chars.length ? chars.join('') : `${chars.slice(0, cut).join('').trimEnd()}…`;
}

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

/** A waiting message's time as the business's clocks read it: "08:00", or "Dec 7, 09:24". */
function waitingTime(w, lang) {
  const key = `${lang}|${w.timeZone}|${w.timeOnly}`;
  let f = waitFormats.get(key);
  if (!f) {
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
  return f.format(new Date(w.until));
}

/** Why a queued message waits and until when, in words ('' when it does not wait). */
export function messageWaitingText(m, S, env) {
  if (m.status !== 'queued') return '';
  const w = m.waiting;
  // Queued and due: it is next in line (never a bare "Queued" with a dash). Rows from a page
  // rendered without reasons (`waiting` absent) say nothing.
  if (w === null) return S['messages.wait.next'] || '';
  if (!w) return '';
  const template = S[`messages.wait.${w.reason}`];
  if (!template) return '';
  return fill(template, { time: w.until ? waitingTime(w, env.lang) : '' });
}

const SCHEDULED_REASONS = new Set(['scheduled', 'reminder', 'quiet_hours']);

/** One row of the message log. Every value in it is the business's (or its clients') data: escaped. */
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

/** The log's empty state: nothing sent yet, or nothing matches the search. */
export function messageLogEmpty(filtered, S) {
  return esc(S[filtered ? 'messages.noMatch' : 'messages.empty']);
}

/** "Load more": a link to the next page (works without JS; the script loads it in place). */
export function messageLogMore(nextCursor, q, S) {
  if (!nextCursor) return '';
  return (
    `<a class="btn" href="${esc(messagesHref({ ...q, cursor: nextCursor }))}" data-action="more" ` +
    `data-testid="load-more">${esc(S['messages.loadMore'])}</a>`
  );
}

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
