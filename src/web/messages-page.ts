import {
  escapeHtml,
  hasLinkedDevice,
  MESSAGE_STATUSES,
  messageLogEmpty,
  messageLogMore,
  messageRow,
  messagesHref,
  queueSummary,
  type MessageRowView,
  type MessagesQuery,
} from './assets/views.js';
import type { ChannelView } from './channel-view.js';
import { stringsFor, t } from './i18n.js';
import { htmlDocument, serverEnv } from './layout.js';
import { channelNameHint, helpLine, panelHeader, statusLines, texts, type PanelPageInput } from './pages.js';
import { testMessageCard, type TestMessageOutcome } from './test-message-card.js';

/** Panel → Messages: one channel's queue and log, its filters, and "Send a test message". */

/** Input of Panel → Messages. */
export interface MessagesPageInput extends PanelPageInput {
  /** The channel shown (the first unless `?channel=` picked another); null without channels. */
  channel: ChannelView | null;
  /** Messages queued or being sent on the channel. */
  queueDepth: number;
  /** One page of the log, newest first. */
  messages: readonly MessageRowView[];
  nextCursor: string | null;
  /** The filters as the business typed them (the phone is shown back as typed). */
  query: { phone: string; status: string; cursor: string };
  /** The phone filter is not a phone number: the log is empty and the field says why. */
  phoneInvalid?: boolean;
  /** What the last "Send a test message" did (without JavaScript), and the number as typed. */
  testMessage?: { outcome?: TestMessageOutcome | undefined; phone?: string };
}

// The messages page's script renders the summary (status words) and the rows.
const MESSAGES_GROUPS = ['common.', 'scan.', 'status.', 'messages.'];

function messageFilters(input: MessagesPageInput, ch: ChannelView): string {
  const { lang, query } = input;
  const s = texts(lang);
  const selected = (yes: boolean): string => (yes ? ' selected' : '');
  const channelField =
    input.channels.length > 1
      ? `<div class="field"><label for="log-channel">${s('messages.channel')}</label>` +
        `<select id="log-channel" name="channel" data-action="pick-channel" data-testid="channel-picker">` +
        input.channels
          .map(
            (c) =>
              `<option value="${escapeHtml(c.id)}"${selected(c.id === ch.id)}>${escapeHtml(c.name)}</option>`,
          )
          .join('') +
        `</select></div>`
      : `<input type="hidden" name="channel" value="${escapeHtml(ch.id)}">`;
  const invalid = Boolean(input.phoneInvalid);
  // "Scheduled" (queued for a later time) right after "Queued", which it is a part of.
  const statuses = [
    'queued' as const,
    'scheduled' as const,
    ...MESSAGE_STATUSES.filter((st) => st !== 'queued'),
  ]
    .map(
      (st) =>
        `<option value="${st}"${selected(query.status === st)}>${s(`messages.status.${st}` as const)}</option>`,
    )
    .join('');
  return `<form class="card log-filters" method="get" action="/panel/messages" role="search" aria-label="${s('messages.search')}">
<input type="hidden" name="lang" value="${escapeHtml(lang)}">
${channelField}
<div class="field field-phone"><label for="log-phone">${s('messages.phone')}</label>
<input id="log-phone" name="phone" type="search" inputmode="tel" autocomplete="off" maxlength="40" value="${escapeHtml(query.phone)}" placeholder="${s('messages.phonePlaceholder')}" data-testid="phone-search"${invalid ? ' aria-invalid="true" aria-describedby="log-phone-error"' : ''}>
${invalid ? `<p class="field-error" id="log-phone-error" role="alert" data-testid="phone-error">${s('messages.phoneInvalid')}</p>` : ''}</div>
<div class="field"><label for="log-status">${s('messages.statusFilter')}</label>
<select id="log-status" name="status" data-testid="status-filter"><option value="">${s('messages.allStatuses')}</option>${statuses}</select></div>
<div class="field-actions"><button type="submit" class="btn btn-primary" data-testid="search">${s('messages.search')}</button>
<a class="btn btn-quiet" href="${escapeHtml(messagesHref({ channel: ch.id, lang }))}" data-testid="clear-search">${s('messages.clear')}</a></div>
</form>`;
}

/**
 * The business's panel, Messages: the channel's sending queue (waiting count, connection, paused,
 * restriction, Pause / Resume) and its message log with search by phone, a status filter and
 * "Load more". Without JavaScript every control is a link or a form; the script keeps it live.
 */
export function renderPanelMessages(input: MessagesPageInput): string {
  const { lang, channel: ch, query } = input;
  const s = texts(lang);
  const env = serverEnv(lang, input.now);
  const strings = stringsFor(lang, MESSAGES_GROUPS);
  let content: string;
  if (!ch) {
    content = `<p class="empty card">${s('panel.noChannels')}</p>`;
  } else {
    const q: MessagesQuery = { channel: ch.id, phone: query.phone, status: query.status, lang };
    const filtered = Boolean(query.phone || query.status || input.phoneInvalid);
    const rows = input.messages.map((m) => messageRow(m, strings, env)).join('\n');
    const cols = [
      'messages.colTime',
      'messages.colTo',
      'messages.colText',
      'messages.colStatus',
      'messages.colReason',
    ] as const;
    content = `${messageFilters(input, ch)}
<section class="card queue-card" aria-labelledby="queue-title" data-testid="queue-summary">
<div class="card-head"><h2 class="card-title" id="queue-title">${s('messages.queueTitle')}</h2>${channelNameHint(ch.name, s('wa.title'))}</div>
<div data-role="summary" aria-live="polite">${queueSummary(ch, input.queueDepth, strings, env)}</div>
</section>
${hasLinkedDevice(ch.status) ? testMessageCard({ lang, channelId: ch.id, ...input.testMessage }) : ''}
<section class="log" aria-labelledby="log-title">
<h2 class="section-title" id="log-title">${s('messages.logTitle')}</h2>
<div class="table-wrap" data-role="table"${rows ? '' : ' hidden'}><table class="message-log" data-testid="message-log">
<caption class="visually-hidden">${s('messages.caption', { channel: ch.name })}</caption>
<thead><tr>${cols.map((c) => `<th scope="col">${s(c)}</th>`).join('')}</tr></thead>
<tbody data-role="rows">${rows}</tbody>
</table></div>
<p class="empty card" data-role="empty" data-testid="log-empty"${rows ? ' hidden' : ''}>${rows ? '' : messageLogEmpty(filtered, strings)}</p>
<div class="log-more" data-role="more">${messageLogMore(input.nextCursor, q, strings)}</div>
${query.cursor ? `<p><a href="${escapeHtml(messagesHref(q))}" data-testid="newest">${s('messages.newest')}</a></p>` : ''}
</section>`;
  }
  const body = `${panelHeader(input, 'messages')}
<main id="main" class="container">
<h1 class="page-title">${s('title.messages')}</h1>
<p class="lead">${s('messages.intro')}</p>
${statusLines(s)}
${content}
${helpLine(input)}
</main>`;
  return htmlDocument({
    lang,
    title: `${t(lang, 'title.messages')} — ${input.businessName}`,
    bodyClass: 'panel',
    body,
    boot: {
      page: 'messages',
      lang,
      strings,
      channel: ch,
      queueDepth: input.queueDepth,
      messages: input.messages,
      nextCursor: input.nextCursor,
      query: { phone: query.phone, status: query.status, cursor: query.cursor },
      phoneInvalid: Boolean(input.phoneInvalid),
    },
    script: 'messages.js',
  });
}
