import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../src/domain/errors.js';
import {
  appointmentForReply,
  attendanceForReply,
  classifyReply,
  normaliseReply,
  resolveReplyWords,
} from '../../src/integrations/altegio/domain/confirmation-reply.js';

describe('confirmation replies', () => {
  test('+ / 1 confirm and - / 3 cancel, forgiving about form', () => {
    for (const reply of ['+', '1', ' + ', '+1', '++', '1!', '1.', '➕', '＋', '1️⃣', '"+"', '+\u200b']) {
      assert.equal(classifyReply(reply), 'confirm', JSON.stringify(reply));
    }
    for (const reply of ['-', '3', ' - ', '--', '−', '–', '—', '➖', '3️⃣', '3!', '- -']) {
      assert.equal(classifyReply(reply), 'cancel', JSON.stringify(reply));
    }
  });

  test('strict about meaning: mixed, words, sentences and long texts are other', () => {
    for (const reply of [
      '',
      '   ',
      '+-',
      '1 3',
      '2',
      'yes',
      'ok',
      '+ see you',
      '1 hour late',
      '13',
      '👍',
      '+'.repeat(41),
    ]) {
      assert.equal(classifyReply(reply), 'other', JSON.stringify(reply));
    }
  });

  test('configurable lists, including words, matched ignoring case and edge punctuation', () => {
    const words = resolveReplyWords({ confirm: ['+', 'Sim', 'sí', '👍'], cancel: ['-', 'Não'] });
    assert.equal(classifyReply('SIM!', words), 'confirm');
    assert.equal(classifyReply('Sí', words), 'confirm');
    assert.equal(classifyReply('👍', words), 'confirm');
    assert.equal(classifyReply('não.', words), 'cancel');
    assert.equal(classifyReply('1', words), 'other', '1 is no longer in the list');
    assert.equal(classifyReply('sim, mas atraso', words), 'other');
    assert.equal(normaliseReply('  Sim!! '), 'sim');
  });

  test('bad lists are invalid_input', () => {
    const fieldOf = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        assert.ok(error instanceof AppError);
        return error.details?.field;
      }
      assert.fail('expected an error');
    };
    assert.equal(
      fieldOf(() => resolveReplyWords({ confirm: [] })),
      'confirm',
    );
    assert.equal(
      fieldOf(() => resolveReplyWords({ cancel: ['!!!'] })),
      'cancel',
    );
    assert.equal(
      fieldOf(() => resolveReplyWords({ confirm: ['+', 'x'.repeat(33)] })),
      'confirm',
    );
    assert.equal(
      fieldOf(() => resolveReplyWords({ confirm: ['ok'], cancel: ['OK'] })),
      'cancel',
    );
  });

  test('attendance: confirm → 2, cancel → −1 (or nothing when configured), other → nothing', () => {
    assert.equal(attendanceForReply('confirm'), 2);
    assert.equal(attendanceForReply('cancel'), -1);
    assert.equal(attendanceForReply('cancel', 'none'), undefined);
    assert.equal(attendanceForReply('other'), undefined);
  });

  test('which appointment a reply answers: the most recently prompted visit still ahead', () => {
    const now = new Date('2025-07-10T12:00:00Z');
    const h = (n: number) => new Date(now.getTime() + n * 3_600_000);
    const candidates = [
      { recordId: 'a', startsAt: h(30), promptedAt: h(-6) },
      { recordId: 'b', startsAt: h(3), promptedAt: h(-1) },
      { recordId: 'c', startsAt: h(-1), promptedAt: h(-0.5) },
      { recordId: 'd', startsAt: h(100), promptedAt: h(-60) },
    ];
    assert.equal(appointmentForReply(candidates, now), 'b');
    assert.equal(appointmentForReply(candidates.slice(0, 1), now), 'a');
    assert.equal(appointmentForReply(candidates.slice(2), now), undefined);
    assert.equal(
      appointmentForReply(
        [
          { recordId: 'late', startsAt: h(5), promptedAt: h(-1) },
          { recordId: 'soon', startsAt: h(2), promptedAt: h(-1) },
        ],
        now,
      ),
      'soon',
    );
  });
});
