import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reachabilityNotes } from '../../src/domain/reachability.js';

describe('start banner: where a phone can open the gateway', () => {
  test('listening on loopback: a phone cannot; the banner says how, with this machine’s address', () => {
    const notes = reachabilityNotes({
      url: 'http://127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
      lanAddresses: ['192.168.1.20'],
    });
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /a phone cannot/);
    assert.match(notes[0]!, /HOST=0\.0\.0\.0 PUBLIC_URL=http:\/\/192\.168\.1\.20:8080/);
  });

  test('listening on the LAN with loopback links: set PUBLIC_URL', () => {
    const [note] = reachabilityNotes({
      url: 'http://localhost:8080',
      host: '0.0.0.0',
      port: 8080,
      lanAddresses: ['10.0.0.5'],
    });
    assert.match(note!, /set PUBLIC_URL \(for example http:\/\/10\.0\.0\.5:8080\)/);
  });

  test('a LAN address over http: a phone can open it, with a warning that it is not a secure context', () => {
    const notes = reachabilityNotes({
      url: 'http://192.168.1.20:8080',
      host: '0.0.0.0',
      port: 8080,
      lanAddresses: ['192.168.1.20'],
    });
    assert.match(notes[0]!, /A phone can open http:\/\/192\.168\.1\.20:8080/);
    assert.match(notes[1]!, /not https/);
  });

  test('https behind a proxy: no warning', () => {
    const notes = reachabilityNotes({
      url: 'https://wa.example.com',
      host: '127.0.0.1',
      port: 8080,
      lanAddresses: [],
    });
    // The server listens on loopback behind the proxy: links name the proxy, which a phone opens.
    assert.deepEqual(notes, [
      'A phone can open https://wa.example.com (the QR page and login links use it).',
    ]);
  });
});
