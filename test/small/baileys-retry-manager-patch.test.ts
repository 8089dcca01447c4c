import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LRUCache } from 'lru-cache';
import { MessageRetryManager } from 'baileys/lib/Utils/message-retry-manager.js';
import { makeBaileysLogger } from '../../src/whatsapp/baileys-logger.js';
import pino from 'pino';

// patches/baileys+7.0.0-rc14.patch: every socket has a MessageRetryManager whose four lru-caches
// allocated their whole capacity up front (~50 KB a socket; a quarter of the heap at 10,000 idle
// sessions, all of it marked by every full GC). They are now made on first use, and behave as before.
const logger = makeBaileysLogger(pino({ level: 'silent' }), 'silent');
const caches = (manager: object) =>
  Object.values(manager as Record<string, unknown>).filter((value) => value instanceof LRUCache).length;

test('an idle socket’s retry manager holds no cache until one is used, and clearing it makes none', () => {
  const manager = new MessageRetryManager(logger, 5);
  assert.equal(caches(manager), 0, 'no lru-cache made by the constructor');
  manager.clear();
  assert.equal(caches(manager), 0, 'clear() on an unused manager makes none');
  manager.addRecentMessage('15550001111@s.whatsapp.net', 'ID1', { conversation: 'hi' });
  assert.equal(caches(manager), 1, 'only the recent-messages cache, once a message is sent');
});

test('the retry manager works as before: recent messages, retry counts, base keys, session recreation', () => {
  const manager = new MessageRetryManager(logger, 2);
  const to = '15550001111@s.whatsapp.net';
  manager.addRecentMessage(to, 'ID1', { conversation: 'your appointment' });
  assert.deepEqual(manager.getRecentMessage(to, 'ID1')?.message, { conversation: 'your appointment' });
  assert.equal(manager.getRecentMessage(to, 'ID2'), undefined);

  assert.equal(manager.incrementRetryCount('M1'), 1);
  assert.equal(manager.hasExceededMaxRetries('M1'), false);
  manager.incrementRetryCount('M1');
  assert.equal(manager.hasExceededMaxRetries('M1'), true, 'two retries of a maximum of two');
  manager.markRetrySuccess('M1');
  assert.equal(manager.getRetryCount('M1'), 0);

  const baseKey = new Uint8Array([1, 2, 3]);
  manager.saveBaseKey('addr', 'M2', baseKey);
  assert.equal(manager.hasSameBaseKey('addr', 'M2', new Uint8Array([1, 2, 3])), true);
  assert.equal(manager.hasSameBaseKey('addr', 'M2', new Uint8Array([9])), false);

  assert.equal(manager.shouldRecreateSession(to, false).recreate, true, 'no session: recreate');
  assert.equal(
    manager.shouldRecreateSession(to, true).recreate,
    false,
    'just recreated: not again within the hour',
  );
  manager.clear();
  assert.equal(manager.getRetryCount('M1'), 0);
});
