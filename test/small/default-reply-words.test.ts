import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_REPLY_WORDS } from '../../src/integrations/altegio/domain/confirmation-reply.js';
import { DEFAULT_TEMPLATES, TEMPLATE_LANGUAGES } from '../../src/integrations/altegio/domain/templates.js';

// Issue 15: the default reminder said "Reply + or -" while the default words also took 1 and 3.
test('the default reminder names every default reply word, in each language', () => {
  for (const language of TEMPLATE_LANGUAGES) {
    const text = DEFAULT_TEMPLATES.reminder[language];
    for (const word of [...DEFAULT_REPLY_WORDS.confirm, ...DEFAULT_REPLY_WORDS.cancel]) {
      assert.ok(
        new RegExp(`(^|[\\s,])${word.replace(/[+-]/g, '\\$&')}([\\s,.]|$)`).test(text),
        `${language}: "${word}" is not in "${text}"`,
      );
    }
  }
});
