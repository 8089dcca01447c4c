import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { WAVersion } from 'baileys';
import { loadConfig } from '../../src/config.js';
import {
  CLIENT_VERSION_FLOOR,
  ResolvedClientVersion,
  clientRevisionIn,
  parseClientVersion,
} from '../../src/whatsapp/client-version.js';

const logger = pino({ level: 'silent' });
const floor: WAVersion = [2, 3000, 1000];
const sw = (revision: number) => `self.__swData=JSON.parse("{\\"client_revision\\":${revision}}")`;

describe('client version resolution', () => {
  test('reads client_revision from sw.js text, escaped or not', () => {
    assert.equal(clientRevisionIn(sw(1043857760)), 1043857760);
    assert.equal(clientRevisionIn('{"client_revision": 12}'), 12);
    assert.equal(clientRevisionIn('nothing here'), undefined);
    assert.deepEqual(parseClientVersion('2.3000.1043857760'), [2, 3000, 1043857760]);
    assert.equal(parseClientVersion('2.3000'), undefined);
  });

  test('auto: looked up, cached, never below the floor, never backwards; failures keep the last', async () => {
    let body = sw(1500);
    let fail = false;
    let now = 0;
    const source = new ResolvedClientVersion({
      setting: { kind: 'auto', url: 'http://127.0.0.1:1/sw.js' },
      logger,
      floor,
      minIntervalMs: 10,
      now: () => now,
      fetchText: () => (fail ? Promise.reject(new Error('offline')) : Promise.resolve(body)),
    });
    assert.deepEqual(source.current(), floor, 'the floor until looked up');
    assert.deepEqual(await source.refresh(), [2, 3000, 1500]);
    body = sw(1600);
    assert.deepEqual(await source.refresh(), [2, 3000, 1500], 'too soon after the last lookup: cached');
    now += 10;
    assert.deepEqual(await source.refresh(), [2, 3000, 1600]);
    now += 10;
    body = sw(900);
    assert.deepEqual(await source.refresh(), [2, 3000, 1600], 'an older answer never wins');
    now += 10;
    fail = true;
    assert.deepEqual(await source.refresh(), [2, 3000, 1600]);
    assert.equal(source.pinned, false);
  });

  test('a pin is used as is (never looked up), but never below the floor', async () => {
    const pinned = new ResolvedClientVersion({
      setting: { kind: 'pin', version: [2, 3000, 2000] },
      logger,
      floor,
      fetchText: () => assert.fail('a pin is never looked up'),
    });
    assert.deepEqual(await pinned.refresh(), [2, 3000, 2000]);
    assert.equal(pinned.pinned, true);
    const old = new ResolvedClientVersion({ setting: { kind: 'pin', version: [2, 3000, 5] }, logger, floor });
    assert.deepEqual(old.current(), floor);
  });

  test('config: WA_VERSION pin or auto; the URL defaults to the protocol server’s sw.js, else WhatsApp’s', () => {
    const base = { DATA_DIR: '/tmp/x' };
    assert.deepEqual(loadConfig({ ...base, WA_VERSION: '2.3000.1043857761' }).clientVersion.setting, {
      kind: 'pin',
      version: [2, 3000, 1043857761],
    });
    assert.deepEqual(loadConfig(base).clientVersion.setting, {
      kind: 'auto',
      url: 'https://web.whatsapp.com/sw.js',
    });
    const sim = loadConfig({
      ...base,
      WA_SERVER_URL: 'ws://127.0.0.1:4100/ws/chat',
      WA_SERVER_ROOT_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    assert.deepEqual(sim.clientVersion.setting, { kind: 'auto', url: 'http://127.0.0.1:4100/sw.js' });
    assert.equal(sim.clientVersion.checkMs, 30_000);
    assert.throws(() => loadConfig({ ...base, WA_VERSION: 'latest' }), /WA_VERSION/);
    assert.ok(CLIENT_VERSION_FLOOR[2] > 0);
  });
});
