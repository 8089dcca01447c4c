import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MESSAGE_STATUSES,
  isCancellable,
  isTerminal,
  judgeTransition,
  priorityFromRank,
  priorityRank,
  type MessageStatus,
} from '../../src/domain/message-status.js';

describe('message status transitions', () => {
  test('the happy path moves forward one step at a time', () => {
    const path: MessageStatus[] = ['queued', 'sending', 'sent', 'delivered', 'read'];
    for (let i = 1; i < path.length; i++) assert.equal(judgeTransition(path[i - 1]!, path[i]!), 'apply');
  });

  test('receipts may skip ahead: read implies delivered and sent', () => {
    assert.equal(judgeTransition('sending', 'read'), 'apply');
    assert.equal(judgeTransition('sent', 'read'), 'apply');
    assert.equal(judgeTransition('sending', 'delivered'), 'apply');
  });

  test('late receipts are stale, repeated ones duplicates: never backwards', () => {
    assert.equal(judgeTransition('read', 'delivered'), 'terminal');
    assert.equal(judgeTransition('delivered', 'sent'), 'stale');
    assert.equal(judgeTransition('delivered', 'sending'), 'stale');
    assert.equal(judgeTransition('sent', 'queued'), 'stale');
    for (const s of MESSAGE_STATUSES) assert.equal(judgeTransition(s, s), 'duplicate');
  });

  test('terminal states stay', () => {
    for (const to of MESSAGE_STATUSES.filter((s) => s !== 'failed'))
      assert.equal(judgeTransition('failed', to), 'terminal');
    assert.equal(judgeTransition('read', 'failed'), 'terminal');
    assert.ok(isTerminal('read') && isTerminal('failed'));
    assert.ok(!isTerminal('delivered'));
  });

  test('failure is possible until the recipient has the message', () => {
    assert.equal(judgeTransition('queued', 'failed'), 'apply');
    assert.equal(judgeTransition('sending', 'failed'), 'apply');
    assert.equal(judgeTransition('sent', 'failed'), 'apply');
    assert.equal(judgeTransition('delivered', 'failed'), 'stale');
  });

  test('a claimed message may go back to the queue; a requeued one may still get its old receipts', () => {
    assert.equal(judgeTransition('sending', 'queued'), 'apply');
    assert.equal(judgeTransition('queued', 'sent'), 'apply');
    assert.equal(judgeTransition('queued', 'delivered'), 'apply');
  });

  test('only queued messages can be cancelled', () => {
    assert.deepEqual(
      MESSAGE_STATUSES.filter((s) => isCancellable(s)),
      ['queued'],
    );
  });

  test('transactional goes before marketing', () => {
    assert.ok(priorityRank('transactional') < priorityRank('marketing'));
    assert.equal(priorityFromRank(priorityRank('marketing')), 'marketing');
    assert.equal(priorityFromRank(0), 'transactional');
  });
});
