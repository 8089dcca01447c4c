import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { BinaryNode } from 'baileys';
import { makeFrameCallbacks } from 'baileys/lib/Utils/frame-callbacks.js';

// patches/baileys+7.0.0-rc14.patch raises a received frame's 'CB:' events without building the
// names no listener has (16 strings per keep-alive answer, ~10 % of an idle session's garbage).
// Baileys' handlers, and the gateway's, hang on those events, so the patched function must call
// exactly the listeners the unpatched loop called, in the same order, with the same return.

/** The unpatched socket's rule: every name, for every frame. */
function everyName(frame: BinaryNode): string[] {
  const l0 = frame.tag;
  const l1 = frame.attrs || {};
  const l2 = Array.isArray(frame.content) ? frame.content[0]?.tag : '';
  const names: string[] = [];
  for (const key of Object.keys(l1))
    names.push(`CB:${l0},${key}:${l1[key]},${l2}`, `CB:${l0},${key}:${l1[key]}`, `CB:${l0},${key}`);
  names.push(`CB:${l0},,${l2}`, `CB:${l0}`);
  return names;
}

// What Baileys 7.0.0-rc14 and the gateway listen to, and names that test the edges of the rule.
const LISTENED = [
  'CB:xmlstreamend',
  'CB:iq,type:set,pair-device',
  'CB:iq,,pair-success',
  'CB:success',
  'CB:stream:error',
  'CB:failure',
  'CB:ib,,downgrade_webclient',
  'CB:ib,,offline_preview',
  'CB:ib,,edge_routing',
  'CB:ib,,offline',
  'CB:ib,,dirty',
  'CB:message',
  'CB:call',
  'CB:receipt',
  'CB:notification',
  'CB:ack,class:message',
  'CB:presence',
  'CB:chatstate',
  'CB:notification,type:companion_reg_refresh',
  // the edges: a key alone, a key that prefixes another, a value with ':' in it, an empty child
  'CB:iq,xmlns',
  'CB:receipt,type:read,',
  'CB:receipt,typ',
  'CB:presence,from:123@s.whatsapp.net:5',
  'CB:a,b,c:d',
];

const node = (tag: string, attrs: Record<string, string>, content?: BinaryNode['content']): BinaryNode =>
  content === undefined ? { tag, attrs } : { tag, attrs, content };

const FRAMES: BinaryNode[] = [
  // a keep-alive answer: the frame the idle session receives most
  node('iq', { from: 's.whatsapp.net', type: 'result', id: '12345.678-9', t: '1796000000' }),
  node('iq', { from: 's.whatsapp.net', type: 'set', id: '1', xmlns: 'md' }, [node('pair-device', {})]),
  node('iq', { type: 'result', id: '2' }, [node('pair-success', {})]),
  node('success', { t: '1', props: '5', abprops: '8', location: 'frc' }),
  node('stream:error', { code: '515' }),
  node('failure', { reason: '401' }),
  node('xmlstreamend', {}),
  node('ib', { from: 's.whatsapp.net' }, [node('dirty', { type: 'account_sync', timestamp: '1' })]),
  node('ib', {}, [node('offline', { count: '0' })]),
  node('ib', {}, [node('edge_routing', {})]),
  node('message', { from: '5541700000123@s.whatsapp.net', id: 'ABC', type: 'text', t: '1' }, [
    node('enc', { v: '2', type: 'msg' }, new Uint8Array([1, 2, 3])),
  ]),
  node('receipt', { from: '5541700000123@s.whatsapp.net', id: 'ABC', type: 'read' }),
  node('receipt', { from: '5541700000123@s.whatsapp.net', id: 'ABC', typ: 'x' }),
  node('receipt', { from: '5541700000123@s.whatsapp.net', id: 'ABC' }, []),
  node('ack', { class: 'message', id: 'ABC', from: '5541700000123@s.whatsapp.net', t: '1' }),
  node('ack', { class: 'receipt', id: 'ABC' }),
  node('notification', { type: 'companion_reg_refresh', id: '3', from: 's.whatsapp.net' }),
  node('notification', { type: 'encrypt', id: '4' }, [node('count', { value: '5' })]),
  node('presence', { from: '123@s.whatsapp.net:5', type: 'available' }),
  node('chatstate', { from: '123@s.whatsapp.net' }, [node('composing', {})]),
  node('call', { from: '123@s.whatsapp.net', id: '5' }, [node('offer', {})]),
  node('iq', { xmlns: 'w:p', type: 'get' }, 'text content'),
  // a tag with a comma in it makes names ambiguous: every name is raised, as before
  node('a,b', { c: 'd' }),
  node('a', { 'b,c': 'd' }),
  { tag: 'iq', attrs: undefined as unknown as Record<string, string> },
  node('unheard', { id: '6' }),
];

/** Two emitters with the same listeners, each call logged by name. */
function emitters(names: readonly string[]) {
  const log: { reference: string[]; patched: string[] } = { reference: [], patched: [] };
  const reference = new EventEmitter();
  const patched = new EventEmitter();
  for (const name of names) {
    reference.on(name, () => log.reference.push(name));
    patched.on(name, () => log.patched.push(name));
  }
  const raiseAll = (frame: BinaryNode) =>
    everyName(frame).reduce((any, name) => reference.emit(name, frame) || any, false);
  return { log, reference, patched, raiseAll, raise: makeFrameCallbacks(patched) };
}

test('raises the same listeners in the same order as the unpatched loop, with the same return', () => {
  const { log, raiseAll, raise } = emitters(LISTENED);
  for (const frame of FRAMES) {
    const before = { reference: log.reference.length, patched: log.patched.length };
    assert.equal(raise(frame), raiseAll(frame), `return for ${JSON.stringify(frame)}`);
    assert.deepEqual(
      log.patched.slice(before.patched),
      log.reference.slice(before.reference),
      `listeners for ${JSON.stringify(frame)}`,
    );
  }
  assert.ok(log.reference.length > 20, 'the corpus reaches the listeners');
});

test('listeners added or removed later are heard, including one added while a frame is raised', () => {
  const { log, reference, patched, raiseAll, raise } = emitters(LISTENED);
  const ping = FRAMES[0]!;
  raise(ping);
  raiseAll(ping);
  // the session starts listening for keep-alive answers by their type only after the first frames
  for (const emitter of [reference, patched]) {
    const list = emitter === reference ? log.reference : log.patched;
    emitter.on('CB:iq,type:result', () => list.push('CB:iq,type:result'));
    // a listener that adds one for a name raised later for the same frame
    emitter.once('CB:iq,from:s.whatsapp.net', () => {
      emitter.on('CB:iq', () => list.push('CB:iq (added while raising)'));
    });
  }
  for (let i = 0; i < 2; i++) {
    assert.equal(raise(ping), raiseAll(ping));
    assert.deepEqual(log.patched, log.reference);
  }
  assert.ok(log.reference.includes('CB:iq,type:result'));
  assert.ok(log.reference.includes('CB:iq (added while raising)'));
  for (const emitter of [reference, patched]) emitter.removeAllListeners('CB:iq,type:result');
  assert.equal(raise(ping), raiseAll(ping));
  assert.deepEqual(log.patched, log.reference);
});
