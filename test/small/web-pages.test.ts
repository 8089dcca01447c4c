import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import QRCode from 'qrcode';
import {
  CHANNEL_STATUSES,
  statusTone,
  type ChannelStatus,
  type StatusCause,
} from '../../src/domain/channel-status.js';
import { compactCss, WEB_ASSET_NAMES, webAsset } from '../../src/web/assets.js';
import { linkView, supportRow } from '../../src/web/assets/views.js';
import type { ChannelLinkView, ChannelView, SupportRow } from '../../src/web/channel-view.js';
import { CATALOGUES, LANGS, pickLanguage, t, type Lang } from '../../src/web/i18n.js';
import {
  escapeHtml,
  renderHelpPage,
  renderLinkGone,
  renderLoginNeeded,
  renderPanelChannels,
  renderPanelSettings,
  renderQrPage,
  renderSupportConsole,
} from '../../src/web/pages.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
// A linking QR as long as WhatsApp's: ref, noise key, identity key, adv secret.
const QR_TEXT = `2@${'A'.repeat(86)},${'B'.repeat(43)}=,${'C'.repeat(43)}=,${'D'.repeat(43)}=`;
const QR_SVG = await QRCode.toString(QR_TEXT, { type: 'svg', margin: 1 });

function channel(overrides: Partial<ChannelView> = {}): ChannelView {
  const status = overrides.status ?? 'not_linked';
  return {
    id: 'ch_1',
    name: 'Front desk',
    linkMode: 'qr',
    status,
    tone: statusTone(status),
    statusSince: iso(NOW - 60_000),
    cause: 'created',
    phone: null,
    linkedAt: null,
    business: null,
    link: null,
    linkWindowEnded: false,
    qrPageUrl: 'https://gw.example/link/tok_secret',
    paused: false,
    pausedCause: null,
    restrictedUntil: null,
    ...overrides,
  };
}

const showingQr = (): ChannelView =>
  channel({
    status: 'showing_qr',
    link: {
      qr: { raw: QR_TEXT, svg: QR_SVG, expiresAt: iso(NOW + 15_000), ttlMs: 20_000, sequence: 3 },
      needsPairingPhone: false,
      windowEndsAt: iso(NOW + 120_000),
    },
  });

const connected = (business: boolean): ChannelView =>
  channel({
    status: 'connected',
    phone: '+5511987654321',
    linkedAt: iso(NOW - 86_400_000),
    business,
    cause: 'opened',
  });

const panelInput = (lang: Lang, channels: ChannelView[]) => ({
  lang,
  businessName: 'Salão Bela Vista',
  channels,
  supportUrl: 'https://support.example/',
  helpUrl: `/help?lang=${lang}`,
  now: NOW,
});

function bootOf(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="boot">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m?.[1], 'page has a boot blob');
  return JSON.parse(m[1]) as Record<string, unknown>;
}

function testids(html: string): Set<string> {
  return new Set([...html.matchAll(/data-testid="([^"]+)"/g)].map((m) => m[1] ?? ''));
}

describe('i18n catalogues', () => {
  const keys = Object.keys(CATALOGUES.en).sort();
  for (const lang of LANGS) {
    test(`${lang} has every key, none empty, same placeholders as English`, () => {
      const cat = CATALOGUES[lang] as Record<string, string>;
      assert.deepEqual(Object.keys(cat).sort(), keys);
      for (const key of keys) {
        const value = cat[key] ?? '';
        assert.notEqual(value.trim(), '', `${lang} ${key} is empty`);
        const vars = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
        assert.deepEqual(
          vars(value),
          vars(CATALOGUES.en[key as keyof typeof CATALOGUES.en]),
          `${lang} ${key}`,
        );
      }
    });
  }

  test("the seed's own words", () => {
    const words: Record<Lang, string[]> = {
      en: ['Scan the QR code', 'Connection established', 'Reset', 'Support', 'How to scan'],
      'pt-BR': ['Escaneie o código QR', 'Conexão estabelecida', 'Redefinir', 'Suporte', 'Como escanear'],
      es: ['Escanea el código QR', 'Conexión establecida', 'Restablecer', 'Soporte', 'Cómo escanear'],
    };
    for (const lang of LANGS) {
      assert.deepEqual(
        [
          t(lang, 'scan.qr'),
          t(lang, 'status.connected'),
          t(lang, 'common.reset'),
          t(lang, 'common.support'),
          t(lang, 'common.howToScan'),
        ],
        words[lang],
      );
    }
  });

  test('t fills placeholders', () => {
    assert.equal(t('en', 'link.qrCountdown', { seconds: 7 }), 'New QR code in 7 s');
  });

  test('pickLanguage: query, then preferred, then Accept-Language by weight, else English', () => {
    assert.equal(pickLanguage('es', 'pt-BR', 'en'), 'es');
    assert.equal(pickLanguage('xx', 'pt-BR', 'es'), 'pt-BR');
    assert.equal(pickLanguage(undefined, 'pt', undefined), 'pt-BR');
    assert.equal(pickLanguage(null, null, 'de-DE,es-MX;q=0.8,pt;q=0.9'), 'pt-BR');
    assert.equal(pickLanguage(null, null, 'fr, es;q=0'), 'en');
    assert.equal(pickLanguage(null, null, 'en-GB,en;q=0.9'), 'en');
    assert.equal(pickLanguage(), 'en');
  });
});

describe('panel pages', () => {
  test('the Portuguese Settings tab shows the red "Escaneie o código QR"', () => {
    const html = renderPanelSettings(panelInput('pt-BR', [channel()]));
    assert.match(html, /<html lang="pt-BR">/);
    assert.match(
      html,
      /class="pill pill-red pill-action"[^>]*data-testid="scan-qr"[^>]*>Escaneie o código QR</,
    );
  });

  test('linked: "Connection established", number, and the WhatsApp Business advice when not Business', () => {
    const personal = renderPanelSettings(panelInput('en', [connected(false)]));
    assert.match(personal, /data-testid="connection-established">Connection established</);
    assert.match(personal, /\+5511987654321/);
    assert.match(personal, /data-testid="business-advice"/);
    const business = renderPanelSettings(panelInput('en', [connected(true)]));
    assert.doesNotMatch(business, /data-testid="business-advice"/);
    assert.match(business, />WhatsApp Business</);
  });

  test('reconnecting is amber, removed is red and still opens the QR window', () => {
    const html = renderPanelSettings(
      panelInput('en', [
        channel({ id: 'a', status: 'reconnecting', phone: '+1555' }),
        channel({ id: 'b', status: 'removed', cause: 'device_removed' }),
      ]),
    );
    assert.match(html, /pill-amber[^>]*>Reconnecting…/);
    assert.match(
      html,
      /data-action="open" data-channel-id="b" data-testid="scan-qr"[^>]*>The device was removed on the phone — scan again/,
    );
  });

  test('the page has the QR window, tabs, the viewport meta and its assets', () => {
    const html = renderPanelSettings(panelInput('en', [channel()]));
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(html, /<link rel="stylesheet" href="\/assets\/styles.css">/);
    assert.match(html, /<script type="module" src="\/assets\/panel.js"><\/script>/);
    assert.match(html, /href="\/panel\/channels\?lang=en"/);
    for (const id of ['qr-window', 'reset', 'how-to-scan', 'error']) assert.ok(testids(html).has(id), id);
  });

  test('Channels → WhatsApp: status, live pairing code, QR-page link to copy', () => {
    const codeChannel = channel({
      linkMode: 'code',
      status: 'showing_code',
      link: {
        pairingCode: { code: 'ABCD-EFGH', expiresAt: iso(NOW + 40_000) },
        needsPairingPhone: false,
        windowEndsAt: iso(NOW + 60_000),
      },
    });
    const html = renderPanelChannels(panelInput('es', [codeChannel]));
    const ids = testids(html);
    for (const id of [
      'channel-status',
      'pairing-code',
      'qr-page-link',
      'copy-qr-page-link',
      'open-qr-window',
    ])
      assert.ok(ids.has(id), id);
    assert.match(html, /data-testid="pairing-code">ABCD-EFGH</);
    assert.match(html, /href="https:\/\/gw.example\/link\/tok_secret"/);
    assert.match(html, /Introduce el código en el teléfono/);
  });

  test('names are escaped in markup and cannot break out of the boot JSON', () => {
    const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    for (const render of [renderPanelSettings, renderPanelChannels]) {
      const html = render({ ...panelInput('en', [channel({ name: evil })]), businessName: evil });
      assert.ok(!html.includes('<img src=x'), 'no raw tag');
      assert.ok(html.includes(escapeHtml(evil)));
      assert.equal(html.match(/<\/script>/g)?.length, 2, 'only the page’s own two script ends');
      assert.equal(
        (bootOf(html).channels as ChannelView[])[0]?.name,
        evil,
        'the boot data keeps the real name',
      );
    }
  });

  test('every status, mode and cause renders without a missing string', () => {
    const causes: (StatusCause | null)[] = [null, 'login_refused', 'link_window_ended', 'device_removed'];
    const all: ChannelView[] = [];
    for (const status of CHANNEL_STATUSES) {
      for (const linkMode of ['qr', 'code'] as const) {
        for (const cause of causes) {
          all.push(
            channel({
              id: `${status}-${linkMode}-${cause}`,
              status,
              linkMode,
              cause,
              linkWindowEnded: cause === 'link_window_ended',
            }),
          );
        }
      }
    }
    for (const lang of LANGS) {
      for (const html of [
        renderPanelSettings(panelInput(lang, all)),
        renderPanelChannels(panelInput(lang, all)),
      ]) {
        assert.doesNotMatch(html, /undefined|\[object /);
      }
    }
  });
});

describe('QR window / QR page live area', () => {
  const S = (lang: Lang): Record<string, string> =>
    bootOf(renderQrPage({ lang, token: 't', channel: channel(), supportUrl: '', helpUrl: '' }))
      .strings as Record<string, string>;
  const env = { lang: 'en', now: NOW, fmtDate: (s: string) => s };

  test('QR with countdown and steps; the SVG is inserted as-is', () => {
    const html = linkView(showingQr(), S('en'), env, { surface: 'panel', starting: false });
    assert.ok(html.includes(QR_SVG));
    assert.match(html, /data-testid="qr-countdown"[^>]*>New QR code in 15 s</);
    assert.match(html, /Linked devices → Link a device/);
  });

  test('code mode asks for the sending phone, then shows the code', () => {
    const asking = channel({
      linkMode: 'code',
      link: { needsPairingPhone: true, windowEndsAt: iso(NOW + 60_000) },
    });
    const ids = testids(
      linkView(asking, S('en'), env, { surface: 'panel', starting: false, phone: '+55 "x' }),
    );
    assert.ok(ids.has('pairing-phone-input') && ids.has('pairing-phone-submit'));
    const code = channel({
      linkMode: 'code',
      link: {
        pairingCode: { code: 'WXYZ-1234', expiresAt: iso(NOW + 50_000) },
        needsPairingPhone: false,
        windowEndsAt: iso(NOW + 60_000),
      },
    });
    const html = linkView(code, S('pt-BR'), env, { surface: 'page', starting: false });
    assert.match(html, /data-testid="pairing-code"[^>]*>WXYZ-1234</);
    assert.match(html, /Vincular com número de telefone/);
  });

  test('no link: "preparing" right after a watch, else expired with "Show a new code"', () => {
    const ended = channel({ linkWindowEnded: true });
    assert.ok(testids(linkView(ended, S('en'), env, { surface: 'panel', starting: true })).has('preparing'));
    const html = linkView(ended, S('en'), env, { surface: 'panel', starting: false });
    // A stop is never worded as the user's fault (issue 15): it is a pause, with a way on.
    assert.match(html, /Linking paused/);
    assert.doesNotMatch(html.replace(/<[^>]*>/g, ' '), /expired|not used in time/i);
    assert.ok(testids(html).has('show-new-code'));
  });

  test('waiting on WhatsApp: "Still connecting…" when slow, then the cause and Retry, in each language', () => {
    const waiting = (stalled: ChannelLinkView['stalled']) =>
      channel({
        status: 'showing_qr',
        link: { needsPairingPhone: false, windowEndsAt: iso(NOW + 120_000), stalled },
      });
    const st = { surface: 'page' as const, starting: false };
    assert.ok(testids(linkView(waiting(null), S('en'), env, st)).has('preparing'));
    const slow = linkView(waiting({ stage: 'slow', cause: 'unreachable' }), S('en'), env, st);
    assert.match(slow, /data-testid="link-slow"[^>]*>.*Still connecting to WhatsApp…/);
    for (const [lang, words] of [
      ['en', /cannot reach WhatsApp/],
      ['es', /no logra conectarse con WhatsApp/],
      ['pt-BR', /não consegue se conectar ao WhatsApp/],
    ] as const) {
      const stuck = linkView(waiting({ stage: 'stuck', cause: 'unreachable' }), S(lang), env, st);
      assert.match(stuck, words);
      assert.ok(testids(stuck).has('link-retry'), lang);
    }
    const refused = linkView(waiting({ stage: 'stuck', cause: 'version_refused' }), S('en'), env, st);
    assert.match(refused, /refused this version/);
  });

  test('linked: green "Connection established" (page testid differs from the panel window’s)', () => {
    const page = linkView(connected(true), S('es'), env, { surface: 'page', starting: false });
    assert.match(page, /banner-green[^>]*data-testid="connection-established">Conexión establecida</);
    assert.match(page, /puedes cerrar esta página/);
    const win = linkView(connected(true), S('en'), env, { surface: 'panel', starting: false });
    assert.ok(testids(win).has('link-connected') && !testids(win).has('connection-established'));
  });
});

describe('standalone QR page', () => {
  const render = (ch: ChannelView, lang: Lang = 'en'): string =>
    renderQrPage({
      lang,
      token: 'tok/secret',
      channel: ch,
      supportUrl: 'https://support.example/',
      helpUrl: '/help?lang=en',
      now: NOW,
    });

  test('shows the live QR, countdown and the three buttons', () => {
    const html = render(showingQr());
    const ids = testids(html);
    for (const id of ['qr-code', 'qr-countdown', 'reset', 'support', 'how-to-scan', 'full-screen', 'error'])
      assert.ok(ids.has(id), id);
    assert.match(html, /href="https:\/\/support.example\/"[^>]*data-testid="support"/);
    assert.match(html, /<meta name="referrer" content="no-referrer">/);
  });

  test('reveals only this channel: no QR-page URL, no SVG twice, API path from the token', () => {
    const html = render(showingQr());
    const boot = bootOf(html);
    const ch = boot.channel as ChannelView;
    assert.equal(ch.qrPageUrl, undefined);
    assert.equal(ch.link?.qr?.svg, '');
    assert.equal(boot.apiBase, '/link/tok%2Fsecret/api');
    assert.ok(!html.includes('tok_secret'));
    assert.equal(html.split(QR_SVG).length, 2, 'the SVG once');
  });

  test('linked: "Connection established" and setup complete', () => {
    const html = render(connected(true), 'pt-BR');
    assert.match(html, /data-testid="connection-established">Conexão estabelecida</);
    assert.match(html, /A configuração está concluída/);
  });

  test('escapes the channel name', () => {
    const html = render(channel({ name: '<b>x</b>' }));
    assert.ok(html.includes('&lt;b&gt;x&lt;/b&gt;') && !html.includes('<b>x</b>'));
  });

  test('first load (HTML + CSS + JS) stays under 100 KB', () => {
    const html = render(showingQr());
    const assets = ['styles.css', 'qr-page.js', 'views.js', 'live.js'].map((n) => webAsset(n)?.body ?? '');
    const total = [html, ...assets].reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    assert.ok(total <= 100 * 1024, `${total} bytes`);
    assert.ok(assets.every((a) => a.length > 0));
  });
});

describe('other pages', () => {
  test('support console: status, last event, mode switch, reset, copy link', () => {
    const rows: SupportRow[] = [
      {
        tenant: { id: 'ten_1', name: 'Clínica <Sol>', language: 'es' },
        channel: connected(true),
        lastEvent: { status: 'connected', cause: 'opened', at: iso(NOW) },
      },
      {
        tenant: { id: 'ten_2', name: 'B', language: 'en' },
        channel: channel({ id: 'ch_2', linkMode: 'code', qrPageUrl: undefined }),
        lastEvent: null,
      },
    ];
    const html = renderSupportConsole({ lang: 'en', rows, now: NOW });
    const ids = testids(html);
    for (const id of ['mode-toggle', 'support-reset', 'copy-qr-link', 'support-status'])
      assert.ok(ids.has(id), id);
    assert.match(html, /data-copy="https:\/\/gw.example\/link\/tok_secret"/);
    assert.match(html, /Clínica &lt;Sol&gt;/);
    assert.match(html, /Connection opened/);
    assert.match(html, /role="switch" aria-checked="true" data-action="mode" data-mode="code"/);
    assert.doesNotMatch(html, /undefined/);
    const row = supportRow(rows[1]!, bootOf(html).strings as Record<string, string>, {
      lang: 'en',
      now: NOW,
      fmtDate: (s) => s,
    });
    assert.match(row, /data-testid="copy-qr-link" disabled/);
  });

  test('support console: an ALTEGIO install shows where its activation stands, failures in red with why', () => {
    const row: SupportRow = {
      tenant: { id: 'ten_3', name: 'Salon', language: 'en' },
      altegio: [
        { salonId: '111', state: 'pending', activation: 'failed', error: 'HTTP 401: <invalid token>' },
        { salonId: '222', state: 'active', activation: 'accepted', error: null },
      ],
      channel: connected(true),
      lastEvent: null,
    };
    const html = renderSupportConsole({ lang: 'pt-BR', rows: [row], now: NOW });
    assert.match(html, /ALTEGIO 111: a ativação falhou — HTTP 401: &lt;invalid token&gt;/);
    assert.match(html, /class="hint error-text" data-testid="support-altegio"/);
    assert.match(html, /ALTEGIO 222: ativo/);
  });

  test('help page: the whole seed, with #errors and #code-mode', () => {
    const en = renderHelpPage({ lang: 'en' });
    for (const s of [
      'id="errors"',
      'id="code-mode"',
      '7 days',
      'Link with phone number instead',
      'Can’t link new devices right now',
      'Invalid QR code',
      'same internet connection',
    ]) {
      assert.ok(en.includes(s), s);
    }
    const pt = renderHelpPage({ lang: 'pt-BR' });
    for (const s of [
      'Não é possível vincular novos dispositivos no momento',
      'QR-code inválido',
      'Dicas adicionais',
    ])
      assert.ok(pt.includes(s), s);
  });

  test('link gone and login needed', () => {
    assert.match(renderLinkGone({ lang: 'es' }), /Este enlace ya no es válido/);
    assert.match(renderLinkGone({ lang: 'en', supportUrl: 'https://s.example/' }), /data-testid="support"/);
    assert.match(renderLoginNeeded({ lang: 'en' }), /Open the login link you were sent/);
  });
});

describe('assets', () => {
  test('every page asset is served, nothing else', () => {
    for (const name of WEB_ASSET_NAMES) assert.ok(webAsset(name)?.body.length, name);
    assert.equal(webAsset('views.d.ts'), undefined);
    assert.equal(webAsset('../pages.ts'), undefined);
    assert.match(webAsset('qr-page.js')?.contentType ?? '', /javascript/);
  });

  test('compactCss keeps selectors and values intact', () => {
    assert.equal(
      compactCss('/* c */\n.a :hover,\n.b > .c {\n  grid-row: 1 / span 4;\n  color: red;\n}\n'),
      '.a :hover,.b>.c{grid-row:1 / span 4;color:red}',
    );
  });

  test("every string a page's script reads is in that page's boot strings", () => {
    const src = (name: string): string =>
      readFileSync(new URL(`../../src/web/assets/${name}`, import.meta.url), 'utf8');
    const used = (...files: string[]): string[] => [
      ...new Set(files.flatMap((f) => [...src(f).matchAll(/S\['([\w.]+)'\]/g)].map((m) => m[1] ?? ''))),
    ];
    const pages: [string[], string][] = [
      [['panel.js', 'live.js'], renderPanelSettings(panelInput('en', [channel()]))],
      [
        ['qr-page.js', 'live.js'],
        renderQrPage({ lang: 'en', token: 't', channel: channel(), supportUrl: '', helpUrl: '' }),
      ],
      [['support.js', 'live.js'], renderSupportConsole({ lang: 'en', rows: [] })],
    ];
    for (const [files, html] of pages) {
      const strings = bootOf(html).strings as Record<string, string>;
      for (const key of used(...files)) assert.ok(strings[key], `${files[0]} needs ${key}`);
    }
    // views.js (its modules) serves every page; its per-status strings are covered by the rendering tests above.
    for (const file of ['markup.js', 'channel-views.js', 'support-views.js', 'message-views.js'])
      for (const key of used(file)) assert.ok(key in CATALOGUES.en, `${file} needs ${key}`);
  });
});

// Keeps the status list honest: a new status must get words in views.js.
test('all statuses are known to the tone mapping', () => {
  const tones = new Set(CHANNEL_STATUSES.map((s: ChannelStatus) => statusTone(s)));
  assert.deepEqual([...tones].sort(), ['amber', 'green', 'red']);
});
