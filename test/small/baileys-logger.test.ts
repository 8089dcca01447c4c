import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { makeBaileysLogger } from '../../src/whatsapp/baileys-logger.js';

test('a history sync notification is logged by its shape only: no inline payload, no message text', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = makeBaileysLogger(pino({ level: 'trace' }, sink), 'trace');
  logger.info(
    {
      histNotification: {
        syncType: 0,
        chunkOrder: 1,
        progress: 100,
        initialHistBootstrapInlinePayload: Buffer.from('see you on Tuesday'),
      },
      id: 'ABC',
    },
    'got history notification',
  );
  const out = lines.join('');
  assert.ok(out.includes('got history notification'));
  assert.ok(out.includes('"syncType":0') && out.includes('"id":"ABC"'), out);
  assert.ok(!out.includes('Tuesday') && !out.includes('initialHistBootstrapInlinePayload'), out);
  assert.ok(!out.includes(Buffer.from('see you on Tuesday').toString('base64')), out);
});

test('Baileys sees the level it logs at: never above the maximum, nor above the parent', () => {
  const parent = pino({ level: 'info' });
  assert.equal(makeBaileysLogger(parent, 'warn').level, 'warn');
  assert.equal(makeBaileysLogger(parent, 'trace').level, 'info');
  assert.equal(makeBaileysLogger(parent, 'warn').child({ id: 1 }).level, 'warn');
});
