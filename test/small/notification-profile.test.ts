import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proto } from 'baileys';
import { shouldSyncHistoryMessage } from '../../src/whatsapp/notification-profile.js';

const T = proto.HistorySync.HistorySyncType;

test('history sync: only the metadata-bearing chunks are processed, never the message history', () => {
  for (const type of [T.INITIAL_BOOTSTRAP, T.NON_BLOCKING_DATA, T.PUSH_NAME])
    assert.equal(shouldSyncHistoryMessage({ syncType: type }), true, T[type]);
  for (const type of [T.RECENT, T.FULL, T.ON_DEMAND, T.INITIAL_STATUS_V3])
    assert.equal(shouldSyncHistoryMessage({ syncType: type }), false, T[type]);
  assert.equal(shouldSyncHistoryMessage({}), false, 'no type: not processed');
});
