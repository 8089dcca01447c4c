import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FAILURE_DETAILS } from '../../src/domain/message-status.js';
import { messageReason, messageRow, type MessageRowView } from '../../src/web/assets/views.js';
import { LANGS, stringsFor } from '../../src/web/i18n.js';
import { serverEnv } from '../../src/web/layout.js';

/**
 * A failed message's detail (a 463's cause, why a first contact was held back) is said in the
 * Messages log in the business's words, in each language, instead of the bare reason.
 */
describe('failure details in the Messages log', () => {
  const row = (overrides: Partial<MessageRowView>): MessageRowView => ({
    id: 'msg_1',
    to: '+5511912345678',
    text: 'Hello',
    status: 'failed',
    failureReason: 'rejected',
    errorCode: 463,
    createdAt: '2026-03-10T12:00:00.000Z',
    sentAt: null,
    deliveredAt: null,
    readAt: null,
    failedAt: '2026-03-10T12:00:01.000Z',
    ...overrides,
  });

  for (const lang of LANGS) {
    test(`${lang}: each detail has its own words`, () => {
      const S = stringsFor(lang, ['messages.']);
      const env = serverEnv(lang, Date.parse('2026-03-10T12:00:00Z'));
      const seen = new Set<string>();
      for (const detail of FAILURE_DETAILS) {
        const reason =
          detail === 'misaddressed' || detail === 'recipient_token_missing' ? 'rejected' : 'restricted';
        const m = row({ failureReason: reason, failureDetail: detail });
        const words = messageReason(m, S);
        assert.equal(words, S[`messages.detail.${detail}`], `${lang} ${detail}`);
        assert.ok(words.length > 30, `${lang} ${detail}: ${words}`);
        assert.notEqual(words, S[`messages.reason.${reason}`], 'more than the bare reason');
        seen.add(words);
        const html = messageRow(m, S, env);
        assert.match(html, new RegExp(`data-detail="${detail}"`));
      }
      assert.equal(seen.size, FAILURE_DETAILS.length, 'no two details read the same');
      // Older rows (and failures with nothing more to say) keep the reason's words.
      assert.equal(messageReason(row({ failureDetail: null }), S), S['messages.reason.rejected']);
      assert.doesNotMatch(messageRow(row({}), S, env), /data-detail=/);
    });
  }
});
