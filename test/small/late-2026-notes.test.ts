import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { statusNote } from '../../src/web/assets/views.js';
import { LANGS, stringsFor } from '../../src/web/i18n.js';

/**
 * The new states of issue 12 are said on the panel and the QR page in words, in each language:
 * the version refused (updating, no re-scan), the new-chat cap, and the passkey request (with what
 * the owner can do). The pages load the 'note.' strings, so the words live there.
 */
describe('notes for the late-2026 states', () => {
  const channel = (status: string, cause: string) => ({
    status,
    cause,
    linkMode: 'qr',
    linkWindowEnded: false,
    link: null,
  });

  for (const lang of LANGS) {
    test(`${lang}: version refused, capped, passkey`, () => {
      const S = stringsFor(lang, ['note.', 'status.', 'scan.']);
      const notes = [
        statusNote(channel('reconnecting', 'version_refused') as never, S),
        statusNote(channel('restricted', 'new_chats_capped') as never, S),
        statusNote(channel('showing_qr', 'passkey_required') as never, S),
      ];
      for (const note of notes) assert.ok(note && note.length > 40, `${lang}: ${String(note)}`);
      assert.notEqual(notes[0], S['note.reconnecting'], 'not the plain "connection dropped" note');
      assert.notEqual(notes[1], S['note.restricted']);
      assert.match(notes[2]!, /passkey/i);
      // Other causes keep their notes.
      assert.equal(
        statusNote(channel('reconnecting', 'connection_lost') as never, S),
        S['note.reconnecting'],
      );
      assert.equal(statusNote(channel('restricted', 'reach_out_timelock') as never, S), S['note.restricted']);
    });
  }
});
