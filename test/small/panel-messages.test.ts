import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { statusTone } from '../../src/domain/channel-status.js';
import { FAILURE_REASONS, MESSAGE_STATUSES, type MessageStatus } from '../../src/domain/message-status.js';
import { webAsset } from '../../src/web/assets.js';
import {
  messageReason,
  messageRow,
  messagesHref,
  queueSummary,
  shortText,
  type MessageRowView,
} from '../../src/web/assets/views.js';
import type { ChannelView } from '../../src/web/channel-view.js';
import { CATALOGUES, LANGS, stringsFor, t, type Lang } from '../../src/web/i18n.js';
import { serverEnv } from '../../src/web/layout.js';
import { renderPanelMessages, type MessagesPageInput } from '../../src/web/messages-page.js';
import { renderPanelChannels } from '../../src/web/pages.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const env = serverEnv('en', NOW);
const S = stringsFor('en', ['common.', 'scan.', 'status.', 'messages.']);

function channel(overrides: Partial<ChannelView> = {}): ChannelView {
  const status = overrides.status ?? 'connected';
  return {
    id: 'ch_1',
    name: 'Front desk',
    linkMode: 'qr',
    status,
    tone: statusTone(status),
    statusSince: iso(NOW - 60_000),
    cause: 'opened',
    phone: '+5511987654321',
    linkedAt: iso(NOW - 3_600_000),
    business: true,
    link: null,
    linkWindowEnded: false,
    paused: false,
    pausedCause: null,
    restrictedUntil: null,
    ...overrides,
  };
}

let seq = 0;
function message(overrides: Partial<MessageRowView> = {}): MessageRowView {
  seq++;
  return {
    id: `msg_${seq}`,
    to: '+5511912345678',
    text: 'Your booking is confirmed for 10:00',
    status: 'delivered',
    failureReason: null,
    errorCode: null,
    createdAt: iso(NOW - seq * 60_000),
    sentAt: iso(NOW - seq * 60_000 + 1_000),
    deliveredAt: iso(NOW - seq * 60_000 + 2_000),
    readAt: null,
    failedAt: null,
    ...overrides,
  };
}

function page(overrides: Partial<MessagesPageInput> = {}): string {
  const ch = overrides.channel === undefined ? channel() : overrides.channel;
  return renderPanelMessages({
    lang: 'en',
    businessName: 'Studio Bela',
    channels: ch ? [ch] : [],
    supportUrl: 'https://support.example',
    helpUrl: '/help/how-to-scan?lang=en',
    now: NOW,
    channel: ch,
    queueDepth: 0,
    messages: [],
    nextCursor: null,
    query: { phone: '', status: '', cursor: '' },
    ...overrides,
  });
}

function bootOf(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="boot">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m?.[1], 'page has a boot blob');
  return JSON.parse(m[1]) as Record<string, unknown>;
}

describe('panel → messages: the log', () => {
  test('message text and number are escaped everywhere (they are client-controlled)', () => {
    const evil = `</script><script>alert(1)</script><img src=x onerror="alert(2)"> & 'quotes'`;
    const long = `${'Olá '.repeat(30)}<b onclick="x()">bold</b>`;
    const html = page({
      messages: [message({ text: evil }), message({ text: long, to: '+55"><svg onload=alert(3)>' })],
    });
    assert.ok(!html.includes('<img src=x'), 'no raw tag from the text');
    assert.ok(!html.includes('<b onclick'), 'no raw tag from a long text');
    assert.ok(!html.includes('<svg onload'), 'no raw tag from the number');
    assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; &#39;quotes&#39;'));
    // The boot JSON carries the same text without ending its script element.
    assert.equal(html.match(/<\/script>/g)?.length, 2, 'only the page’s own two script ends');
    assert.equal((bootOf(html).messages as MessageRowView[])[0]?.text, evil);
    // A long text's title attribute (shown on hover) is escaped too.
    const row = messageRow(message({ text: `${'x'.repeat(90)}" onmouseover="alert(4)` }), S, env);
    assert.ok(!row.includes('" onmouseover="'));
    assert.match(row, /title="x+&quot; onmouseover=&quot;alert\(4\)"/);
  });

  test('columns with scoped headers; statuses as badges; times as <time>', () => {
    const html = page({
      messages: MESSAGE_STATUSES.map((status: MessageStatus) =>
        message(status === 'failed' ? { status, failureReason: 'expired' } : { status }),
      ),
    });
    for (const col of ['Time', 'Recipient', 'Text', 'Status', 'Reason'])
      assert.match(html, new RegExp(`<th scope="col">${col}</th>`));
    assert.match(
      html,
      /<caption class="visually-hidden">Messages sent from Front desk, newest first<\/caption>/,
    );
    for (const [status, words] of [
      ['queued', 'Queued'],
      ['sending', 'Sending'],
      ['sent', 'Sent'],
      ['delivered', 'Delivered'],
      ['read', 'Read'],
      ['failed', 'Failed'],
    ])
      assert.match(html, new RegExp(`class="badge badge-${status}"[^>]*>${words}</span>`));
    assert.match(
      html,
      /<time datetime="2026-03-10T\d\d:\d\d:00.000Z">Mar 10, 2026, \d+:\d\d [AP]M UTC<\/time>/,
    );
    assert.match(html, /data-label="Recipient"><span class="mono" data-testid="message-to">\+5511912345678/);
  });

  test('failure reasons in words, saying what the business can do', () => {
    const failed = (failureReason: (typeof FAILURE_REASONS)[number]) =>
      message({ status: 'failed', failureReason, deliveredAt: null, failedAt: iso(NOW) });
    assert.equal(messageReason(failed('not_on_whatsapp'), S), 'Not on WhatsApp — send an SMS');
    assert.match(messageReason(failed('restricted'), S), /send an SMS/);
    assert.match(messageReason(failed('invalid_number'), S), /correct it/);
    assert.equal(messageReason(message({ status: 'delivered' }), S), '', 'no reason unless failed');
    for (const lang of LANGS) {
      const words = new Set<string>();
      for (const reason of FAILURE_REASONS) {
        const text = messageReason(failed(reason), stringsFor(lang, ['messages.']));
        assert.ok(text && text !== reason && !text.includes('_'), `${lang} ${reason} has words`);
        words.add(text);
      }
      assert.equal(words.size, FAILURE_REASONS.length, `${lang}: every reason reads differently`);
    }
    const rejected = messageRow({ ...failed('rejected'), errorCode: 479 }, S, env);
    assert.match(rejected, /Refused by WhatsApp[^<]*<\/span> <span class="hint mono">code 479<\/span>/);
    assert.match(messageRow(message(), S, env), /<span class="hint" aria-hidden="true">—<\/span>/);
  });

  test('a queued message says why it waits, or that it is next: never a bare Queued with a dash', () => {
    const queued = message({ status: 'queued', sentAt: null, deliveredAt: null, waiting: null });
    assert.match(
      messageRow(queued, S, env),
      /data-testid="message-waiting"[^>]*>Next in line: goes out in a moment</,
    );
    const held = messageRow(
      {
        ...queued,
        waiting: {
          reason: 'quiet_hours',
          until: '2026-12-07T11:00:02Z',
          timeZone: 'America/Sao_Paulo',
          timeOnly: true,
        },
      },
      S,
      env,
    );
    assert.match(held, />Scheduled · 08:00 \(quiet hours\)</);
    assert.match(held, /data-testid="message-status"[^>]*>Scheduled</);
    assert.doesNotMatch(held, />—</);
  });

  test('long texts are shortened with the full text on hover and on expand', () => {
    assert.equal(shortText('Short one'), 'Short one');
    assert.equal(shortText('Line one\nLine two'), 'Line one…');
    const long = `Hello Maria, your appointment ${'is confirmed '.repeat(10)}😀 end`;
    const short = shortText(long);
    assert.ok(short.endsWith('…') && Array.from(short).length <= 81);
    const row = messageRow(message({ text: long }), S, env);
    assert.match(row, /<details class="msg-text" data-message-id="msg_\d+"><summary title="Hello Maria/);
    assert.match(row, /<p class="msg-full">Hello Maria[^<]*😀 end<\/p><\/details>/);
    assert.match(row, /<span class="visually-hidden"> \(show the full text\)<\/span>/);
    assert.doesNotMatch(messageRow(message(), S, env), /<details/);
  });

  test('empty state: nothing yet, or nothing matches the search', () => {
    const empty = page();
    assert.match(empty, /data-testid="log-empty">No messages yet\./);
    assert.match(empty, /<div class="table-wrap" data-role="table" hidden>/);
    const none = page({ query: { phone: '+55 11 91234-5678', status: '', cursor: '' } });
    assert.match(none, /data-testid="log-empty">No messages match this search\./);
    const rows = page({ messages: [message()] });
    assert.match(rows, /data-testid="log-empty" hidden><\/p>/);
    const noChannels = page({ channel: null });
    assert.match(noChannels, /No WhatsApp channel yet/);
    assert.doesNotMatch(noChannels, /data-role="summary"/);
  });

  test('search form: GET, labelled fields, the phone shown back, status filter selected', () => {
    const html = page({ query: { phone: '(11) 9"1234', status: 'failed', cursor: '' } });
    assert.match(
      html,
      /<form class="card log-filters" method="get" action="\/panel\/messages" role="search"/,
    );
    assert.match(html, /<label for="log-phone">Phone number<\/label>/);
    assert.match(
      html,
      /id="log-phone" name="phone" type="search" inputmode="tel"[^>]*value="\(11\) 9&quot;1234"/,
    );
    assert.match(html, /<label for="log-status">Status<\/label>/);
    assert.match(html, /<option value="failed" selected>Failed<\/option>/);
    assert.match(html, /<option value="">All statuses<\/option>/);
    assert.match(html, /<input type="hidden" name="channel" value="ch_1">/);
    assert.doesNotMatch(html, /channel-picker/, 'no picker for one channel');
  });

  test('an invalid phone is an error naming the field, on the field', () => {
    const html = page({ query: { phone: 'abc', status: '', cursor: '' }, phoneInvalid: true });
    assert.match(html, /aria-invalid="true" aria-describedby="log-phone-error"/);
    assert.match(
      html,
      /<p class="field-error" id="log-phone-error" role="alert" data-testid="phone-error">Phone number: that is not a valid number/,
    );
    assert.equal(bootOf(html).phoneInvalid, true);
    assert.doesNotMatch(page(), /phone-error/);
  });

  test('several channels: a picker with the shown one selected', () => {
    const a = channel();
    const b = channel({ id: 'ch_2', name: 'Clinic <2>' });
    const html = renderPanelMessages({
      lang: 'en',
      businessName: 'Studio Bela',
      channels: [a, b],
      supportUrl: '',
      helpUrl: '',
      now: NOW,
      channel: b,
      queueDepth: 0,
      messages: [],
      nextCursor: null,
      query: { phone: '', status: '', cursor: '' },
    });
    assert.match(html, /<label for="log-channel">Channel<\/label>/);
    assert.match(
      html,
      /<option value="ch_1">Front desk<\/option><option value="ch_2" selected>Clinic &lt;2&gt;<\/option>/,
    );
  });

  test('"Load more" is a link to the next page with the same filters; "newest" when paged', () => {
    const html = page({
      messages: [message()],
      nextCursor: 'CUR+/=',
      query: { phone: '+55 11', status: 'sent', cursor: '' },
    });
    assert.match(
      html,
      /<a class="btn" href="\/panel\/messages\?channel=ch_1&amp;phone=%2B55%2011&amp;status=sent&amp;cursor=CUR%2B%2F%3D&amp;lang=en" data-action="more" data-testid="load-more">Load more<\/a>/,
    );
    assert.doesNotMatch(page({ messages: [message()] }), /load-more/);
    const paged = page({ messages: [message()], query: { phone: '', status: '', cursor: 'X' } });
    assert.match(
      paged,
      /href="\/panel\/messages\?channel=ch_1&amp;lang=en" data-testid="newest">Back to the newest/,
    );
    assert.equal(messagesHref({}), '/panel/messages');
  });
});

describe('panel → messages: the queue summary', () => {
  test('sending: depth, connection in words, Pause as a POST form', () => {
    const html = queueSummary(channel(), 3, S, env);
    assert.match(
      html,
      /<dt>Waiting to be sent<\/dt><dd class="queue-depth" data-testid="queue-depth">3<\/dd>/,
    );
    assert.match(html, /data-testid="queue-connection">Connection established</);
    assert.match(html, /data-testid="queue-state">On</);
    assert.match(
      html,
      /<form class="actions" method="post" action="\/panel\/channels\/ch_1\/pause" data-action="pause">/,
    );
    assert.match(html, /<input type="hidden" name="lang" value="en">/);
    assert.match(html, /id="queue-toggle"[^>]*data-testid="pause-sending">Pause sending<\/button>/);
    assert.doesNotMatch(html, /class="note/);
  });

  test('paused by the business: Resume and why nothing goes out', () => {
    const html = queueSummary(channel({ paused: true, pausedCause: 'manual' }), 1, S, env);
    assert.match(html, /data-testid="queue-state">Paused</);
    assert.match(html, /action="\/panel\/channels\/ch_1\/resume" data-action="resume"/);
    assert.match(html, /data-testid="resume-sending">Resume sending</);
    assert.match(html, /note-amber">Sending is paused\./);
  });

  test('paused because the device was removed: a new link resumes it', () => {
    const ch = channel({ status: 'removed', paused: true, pausedCause: 'removed', phone: null });
    const html = queueSummary(ch, 2, S, env);
    assert.match(html, /data-testid="queue-connection">The device was removed on the phone — scan again</);
    assert.match(
      html,
      /note-red">Sending stopped because this device was removed on the phone\. Link the phone again/,
    );
    assert.match(html, /href="\/panel\/channels\?lang=en" data-testid="to-channels">Go to Channels</);
    // The note says it resumes by itself: no Resume button beside it.
    assert.doesNotMatch(html, /resume-sending|queue-toggle/);
  });

  test('not linked: messages wait; restricted: until when, in the page’s time format', () => {
    assert.match(
      queueSummary(channel({ status: 'not_linked', phone: null }), 0, S, env),
      /note-red">Messages wait in the queue and go out once the phone is connected\./,
    );
    const until = iso(NOW + 6 * 3_600_000);
    const html = queueSummary(channel({ status: 'restricted', restrictedUntil: until }), 0, S, env);
    assert.match(
      html,
      /<dt>No new contacts until<\/dt><dd><time datetime="2026-03-10T18:00:00.000Z" data-testid="restricted-until">Mar 10, 2026, 6:00 PM UTC<\/time>/,
    );
    assert.match(
      html,
      /WhatsApp restricted this number until Mar 10, 2026, 6:00 PM UTC: messages to clients who never chatted/,
    );
  });

  test('the summary is a polite live region on the page', () => {
    assert.match(
      page({ queueDepth: 4 }),
      /<div data-role="summary" aria-live="polite">.*data-testid="queue-depth">4</s,
    );
  });
});

describe('panel → messages: languages, tabs and assets', () => {
  const words: Record<Lang, string[]> = {
    en: ['Messages', 'Pause sending', 'Not on WhatsApp — send an SMS', 'Delivered'],
    'pt-BR': ['Mensagens', 'Pausar envio', 'Não tem WhatsApp — envie um SMS', 'Entregue'],
    es: ['Mensajes', 'Pausar envío', 'No tiene WhatsApp — envía un SMS', 'Entregado'],
  };
  for (const lang of LANGS) {
    test(`${lang}: the page speaks the language`, () => {
      const html = renderPanelMessages({
        lang,
        businessName: 'Studio',
        channels: [channel()],
        supportUrl: '',
        helpUrl: '',
        now: NOW,
        channel: channel(),
        queueDepth: 0,
        messages: [message(), message({ status: 'failed', failureReason: 'not_on_whatsapp' })],
        nextCursor: null,
        query: { phone: '', status: '', cursor: '' },
      });
      assert.match(html, new RegExp(`<html lang="${lang}">`));
      for (const w of words[lang]) assert.ok(html.includes(w), `${lang}: ${w}`);
      assert.match(
        html,
        new RegExp(`<a class="tab" href="/panel/messages\\?lang=${lang}" aria-current="page">`),
      );
    });
  }

  test('the Channels tab links each channel card to its message log', () => {
    const html = renderPanelChannels({
      lang: 'pt-BR',
      businessName: 'Studio',
      channels: [channel(), channel({ id: 'ch_2', status: 'reconnecting' })],
      supportUrl: '',
      helpUrl: '',
      now: NOW,
    });
    assert.match(
      html,
      /href="\/panel\/messages\?channel=ch_1&amp;lang=pt-BR" data-testid="message-log-link">Histórico de mensagens</,
    );
    assert.match(
      html,
      /href="\/panel\/messages\?channel=ch_2&amp;lang=pt-BR" data-testid="message-log-link">/,
    );
    assert.match(html, /<a class="tab" href="\/panel\/messages\?lang=pt-BR">Mensagens<\/a>/);
  });

  test('messages.js is served, loaded by the page, and finds its strings in the boot data', () => {
    assert.match(webAsset('messages.js')?.contentType ?? '', /javascript/);
    const html = page({ messages: [message()] });
    assert.match(html, /<script type="module" src="\/assets\/messages.js"><\/script>/);
    const strings = bootOf(html).strings as Record<string, string>;
    const src = readFileSync(new URL('../../src/web/assets/messages.js', import.meta.url), 'utf8');
    for (const [, key] of src.matchAll(/S\['([\w.]+)'\]/g))
      assert.ok(strings[key ?? ''], `messages.js needs ${key}`);
    // Keys views.js builds from a status or a reason exist in every language.
    for (const lang of LANGS) {
      for (const st of MESSAGE_STATUSES) assert.ok(t(lang, `messages.status.${st}`));
      for (const r of FAILURE_REASONS) assert.ok(t(lang, `messages.reason.${r}`));
      assert.ok(CATALOGUES[lang]['wa.messageLog']);
    }
  });
});
