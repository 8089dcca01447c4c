import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isValidTimeZone,
  isWithinWindow,
  localDateTime,
  nextLocalMidnight,
  nextWindowOpening,
  startOfLocalDay,
  zonedTime,
} from '../../src/domain/sending-window.js';

const at = (iso: string) => new Date(iso);
const day = { start: '08:00', end: '21:00' };

describe('sending window', () => {
  test('local wall clock in several zones', () => {
    const t = at('2025-05-01T12:00:00Z');
    assert.equal(localDateTime(t, 'America/Sao_Paulo').hour, 9);
    assert.equal(localDateTime(t, 'Europe/Lisbon').hour, 13);
    const kolkata = localDateTime(t, 'Asia/Kolkata');
    assert.deepEqual([kolkata.hour, kolkata.minute], [17, 30]);
    assert.equal(localDateTime(at('2025-05-01T23:30:00Z'), 'Asia/Tokyo').day, 2);
    assert.equal(localDateTime(at('2025-05-01T00:00:00Z'), 'UTC').minuteOfDay, 0);
  });

  test('inside and outside 08:00–21:00, end exclusive', () => {
    const zone = 'America/Sao_Paulo'; // UTC-3, no DST since 2019
    assert.ok(isWithinWindow(at('2025-05-01T11:00:00Z'), zone, day)); // 08:00
    assert.ok(isWithinWindow(at('2025-05-01T23:59:00Z'), zone, day)); // 20:59
    assert.ok(!isWithinWindow(at('2025-05-02T00:00:00Z'), zone, day)); // 21:00
    assert.ok(!isWithinWindow(at('2025-05-01T10:59:00Z'), zone, day)); // 07:59
  });

  test('the next opening: later today, or tomorrow; now when open', () => {
    const zone = 'America/Sao_Paulo';
    assert.equal(
      nextWindowOpening(at('2025-05-01T09:00:00Z'), zone, day).toISOString(),
      '2025-05-01T11:00:00.000Z',
    );
    assert.equal(
      nextWindowOpening(at('2025-05-02T01:00:00Z'), zone, day).toISOString(),
      '2025-05-02T11:00:00.000Z',
    );
    const open = at('2025-05-01T15:00:00Z');
    assert.equal(nextWindowOpening(open, zone, day), open);
  });

  test('an evening in Tokyo opens the next local morning, across the UTC date line', () => {
    // 22:00 JST on 1 May → 08:00 JST on 2 May = 23:00Z on 1 May.
    assert.equal(
      nextWindowOpening(at('2025-05-01T13:00:00Z'), 'Asia/Tokyo', day).toISOString(),
      '2025-05-01T23:00:00.000Z',
    );
  });

  test('DST spring forward (New York): 08:00 the morning after the change is 12:00Z, not 13:00Z', () => {
    // 22:00 EST on 8 March 2025; clocks jump 02:00 → 03:00 on 9 March.
    const opening = nextWindowOpening(at('2025-03-09T03:00:00Z'), 'America/New_York', day);
    assert.equal(opening.toISOString(), '2025-03-09T12:00:00.000Z');
    assert.equal(localDateTime(opening, 'America/New_York').hour, 8);
  });

  test('DST fall back (Berlin): 08:00 the morning after is 07:00Z', () => {
    // Clocks go 03:00 → 02:00 on 26 October 2025 (CEST → CET).
    const opening = nextWindowOpening(at('2025-10-25T20:00:00Z'), 'Europe/Berlin', day);
    assert.equal(opening.toISOString(), '2025-10-26T07:00:00.000Z');
  });

  test('an opening time that DST skips lands just after the gap; a repeated one takes the first', () => {
    const ny = 'America/New_York';
    const skipped = zonedTime({ year: 2025, month: 3, day: 9 }, 2 * 60 + 30, ny);
    assert.equal(skipped.toISOString(), '2025-03-09T07:30:00.000Z'); // 03:30 EDT
    const window = { start: '02:30', end: '06:00' };
    const opening = nextWindowOpening(at('2025-03-09T06:00:00Z'), ny, window); // 01:00 EST
    assert.equal(opening.toISOString(), '2025-03-09T07:30:00.000Z');
    assert.ok(isWithinWindow(opening, ny, window));
    const repeated = zonedTime({ year: 2025, month: 11, day: 2 }, 90, ny);
    assert.equal(repeated.toISOString(), '2025-11-02T05:30:00.000Z'); // 01:30 EDT, the first one
  });

  test('southern-hemisphere DST (Sydney) and half-hour zones (Kolkata, Chatham)', () => {
    // Sydney leaves DST on 6 April 2025 (03:00 AEDT → 02:00 AEST): 08:00 AEST = 22:00Z the day before.
    assert.equal(
      nextWindowOpening(at('2025-04-05T12:00:00Z'), 'Australia/Sydney', day).toISOString(),
      '2025-04-05T22:00:00.000Z',
    );
    assert.equal(
      nextWindowOpening(at('2025-05-01T00:00:00Z'), 'Asia/Kolkata', day).toISOString(),
      '2025-05-01T02:30:00.000Z',
    );
    const chatham = nextWindowOpening(at('2025-07-01T12:00:00Z'), 'Pacific/Chatham', day);
    assert.deepEqual(
      [localDateTime(chatham, 'Pacific/Chatham').hour, localDateTime(chatham, 'Pacific/Chatham').minute],
      [8, 0],
    );
  });

  test('overnight windows and always-open windows', () => {
    const night = { start: '22:00', end: '06:00' };
    assert.ok(isWithinWindow(at('2025-05-01T23:30:00Z'), 'UTC', night));
    assert.ok(isWithinWindow(at('2025-05-01T05:59:00Z'), 'UTC', night));
    assert.ok(!isWithinWindow(at('2025-05-01T12:00:00Z'), 'UTC', night));
    assert.equal(
      nextWindowOpening(at('2025-05-01T12:00:00Z'), 'UTC', night).toISOString(),
      '2025-05-01T22:00:00.000Z',
    );
    assert.ok(isWithinWindow(at('2025-05-01T03:00:00Z'), 'UTC', { start: '00:00', end: '24:00' }));
    assert.ok(isWithinWindow(at('2025-05-01T03:00:00Z'), 'UTC', { start: '09:00', end: '09:00' }));
  });

  test('local days: midnight skipped by DST starts the day at 01:00 (São Paulo, 2018)', () => {
    const zone = 'America/Sao_Paulo';
    assert.equal(startOfLocalDay(at('2018-11-04T15:00:00Z'), zone).toISOString(), '2018-11-04T03:00:00.000Z');
    assert.equal(
      nextLocalMidnight(at('2025-05-01T15:00:00Z'), zone).toISOString(),
      '2025-05-02T03:00:00.000Z',
    );
    assert.equal(startOfLocalDay(at('2025-05-01T02:00:00Z'), zone).toISOString(), '2025-04-30T03:00:00.000Z');
  });

  test('time zone names', () => {
    assert.ok(isValidTimeZone('America/Sao_Paulo'));
    assert.ok(isValidTimeZone('UTC'));
    assert.ok(!isValidTimeZone('Mars/Olympus_Mons'));
  });
});
