import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { statusTone } from '../../src/domain/channel-status.js';
import { linkView } from '../../src/web/assets/views.js';
import type { ChannelView } from '../../src/web/channel-view.js';
import { LANGS, stringsFor } from '../../src/web/i18n.js';
import { serverEnv } from '../../src/web/layout.js';

/** The QR window and the QR page put WhatsApp's passkey request first, in words, above the live QR. */
describe('the link view names a passkey request', () => {
  const NOW = Date.parse('2026-03-10T12:00:00Z');
  const channel = (cause: ChannelView['cause'], mode: 'qr' | 'code'): ChannelView => ({
    id: 'ch_1',
    name: 'Front desk',
    linkMode: mode,
    status: mode === 'qr' ? 'showing_qr' : 'showing_code',
    tone: statusTone(mode === 'qr' ? 'showing_qr' : 'showing_code'),
    statusSince: '2026-03-10T11:59:00.000Z',
    cause,
    phone: null,
    linkedAt: null,
    business: null,
    link: {
      ...(mode === 'qr'
        ? {
            qr: {
              raw: 'x',
              svg: '<svg></svg>',
              expiresAt: '2026-03-10T12:00:40.000Z',
              ttlMs: 60_000,
              sequence: 2,
            },
          }
        : { pairingCode: { code: 'ABCD-EFGH', expiresAt: '2026-03-10T12:02:00.000Z' } }),
      needsPairingPhone: false,
      windowEndsAt: '2026-03-10T12:05:00.000Z',
      stalled: null,
    },
    linkWindowEnded: false,
    paused: false,
    pausedCause: null,
    restrictedUntil: null,
  });

  for (const lang of LANGS) {
    test(lang, () => {
      const S = stringsFor(lang, ['common.', 'scan.', 'status.', 'note.', 'link.', 'qr.']);
      const env = serverEnv(lang, NOW);
      for (const surface of ['panel', 'page'] as const) {
        for (const mode of ['qr', 'code'] as const) {
          const html = linkView(channel('passkey_required', mode), S, env, { surface, starting: false });
          assert.match(html, /data-testid="passkey-required"/, `${lang} ${surface} ${mode}`);
          assert.ok(html.includes(S['link.passkeyTitle']!) && S['link.passkeyTitle']!.length > 20);
          assert.ok(html.includes(S['note.passkeyRequired']!));
          assert.ok(
            html.indexOf('passkey-required') < html.indexOf(mode === 'qr' ? 'qr-code' : 'pairing-code'),
          );
          const plain = linkView(channel('viewer_opened', mode), S, env, { surface, starting: false });
          assert.doesNotMatch(plain, /passkey-required/);
        }
      }
    });
  }
});
