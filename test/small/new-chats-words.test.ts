import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { statusTone } from '../../src/domain/channel-status.js';
import { channelCardBody, newChatsFact } from '../../src/web/assets/views.js';
import type { ChannelView } from '../../src/web/channel-view.js';
import { LANGS, stringsFor } from '../../src/web/i18n.js';
import { serverEnv } from '../../src/web/layout.js';

/** The channel card says WhatsApp's monthly new-chat cap in words, in each language. */
describe('new chats this month on the channel card', () => {
  const NOW = Date.parse('2026-03-10T12:00:00Z');
  const channel = (
    newChats: ChannelView['newChats'],
    status: ChannelView['status'] = 'connected',
  ): ChannelView => ({
    id: 'ch_1',
    name: 'Front desk',
    linkMode: 'qr',
    status,
    tone: statusTone(status),
    statusSince: '2026-03-10T11:00:00.000Z',
    cause: status === 'restricted' ? 'new_chats_capped' : 'opened',
    phone: '+5511987654321',
    linkedAt: '2026-03-01T11:00:00.000Z',
    business: true,
    link: null,
    linkWindowEnded: false,
    paused: false,
    pausedCause: null,
    restrictedUntil: status === 'restricted' ? '2026-04-01T00:00:00.000Z' : null,
    restrictedBy: status === 'restricted' ? 'new_chats_capped' : null,
    newChats,
  });
  const cap = (state: 'none' | 'first_warning' | 'second_warning' | 'capped', used: number | null) => ({
    state,
    used,
    quota: used === null ? null : 250,
    resetsAt: '2026-04-01T00:00:00.000Z',
    updatedAt: '2026-03-10T11:59:00.000Z',
  });

  for (const lang of LANGS) {
    test(lang, () => {
      const S = stringsFor(lang, ['wa.', 'status.', 'note.', 'scan.', 'common.', 'link.']);
      const env = serverEnv(lang, NOW);
      assert.equal(newChatsFact(channel(null), S, env), '', 'nothing until WhatsApp says');
      assert.equal(newChatsFact(channel(cap('none', null)), S, env), '', 'no cap, nothing to show');
      const words = new Set<string>();
      for (const [state, used] of [
        ['none', 12],
        ['first_warning', 200],
        ['second_warning', 225],
        ['capped', 250],
      ] as const) {
        const fact = newChatsFact(channel(cap(state, used)), S, env);
        assert.match(fact, new RegExp(`data-state="${state}"`));
        assert.ok(fact.includes(String(used)) && fact.includes('250'), fact);
        words.add(fact.replace(/<[^>]+>/g, '').split(' · ')[1] ?? '');
      }
      assert.equal(words.size, 4, 'each state reads differently');
      const card = channelCardBody(channel(cap('capped', 250), 'restricted'), S, env);
      assert.ok(card.includes(S['wa.newChats']!), 'the card labels the fact');
      assert.match(card, /data-testid="new-chats" data-state="capped"/);
    });
  }
});
