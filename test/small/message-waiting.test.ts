import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { messageWaiting, type WaitingFacts } from '../../src/domain/message-waiting.js';
import { DEFAULT_PACING } from '../../src/domain/pacing.js';

// São Paulo is UTC-3 all year: 12:00Z is 09:00 local, 02:00Z is 23:00 local the day before.
const zone = 'America/Sao_Paulo';
const at = (iso: string) => new Date(iso);

function facts(over: {
  now?: string;
  sendAfter?: string;
  status?: WaitingFacts['message']['status'];
  urgent?: boolean;
  kind?: string;
  pausedCause?: 'manual' | 'removed' | null;
  linked?: boolean;
  sentToday?: number;
  pacing?: Partial<typeof DEFAULT_PACING>;
}): WaitingFacts {
  const now = at(over.now ?? '2026-12-06T15:00:00Z');
  return {
    message: {
      status: over.status ?? 'queued',
      sendAfter: over.sendAfter ? at(over.sendAfter) : now,
      urgent: over.urgent ?? false,
      kind: over.kind ?? null,
    },
    channel: {
      pausedCause: over.pausedCause ?? null,
      linked: over.linked ?? true,
      sentToday: over.sentToday ?? 0,
      linkedAt: at('2026-01-01T00:00:00Z'),
    },
    pacing: { ...DEFAULT_PACING, ...over.pacing },
    timeZone: zone,
    now,
  };
}

describe('why a message waits', () => {
  test('nothing to say: sent, or queued and due now inside the window', () => {
    assert.equal(messageWaiting(facts({ status: 'sent' })), null);
    assert.equal(messageWaiting(facts({})), null);
  });

  test('a scheduled message and a reminder say when', () => {
    assert.deepEqual(messageWaiting(facts({ sendAfter: '2026-12-07T12:24:00Z' })), {
      reason: 'scheduled',
      until: at('2026-12-07T12:24:00Z'),
    });
    assert.deepEqual(messageWaiting(facts({ sendAfter: '2026-12-07T12:24:00Z', kind: 'reminder' })), {
      reason: 'reminder',
      until: at('2026-12-07T12:24:00Z'),
    });
  });

  test('at night: held for quiet hours until the window opens at 08:00 local', () => {
    // 23:00 local, due now: goes at 08:00 (11:00Z).
    assert.deepEqual(messageWaiting(facts({ now: '2026-12-07T02:00:00Z' })), {
      reason: 'quiet_hours',
      until: at('2026-12-07T11:00:00Z'),
    });
    // Asked for 22:30 local: outside the window too.
    assert.deepEqual(messageWaiting(facts({ sendAfter: '2026-12-07T01:30:00Z' })), {
      reason: 'quiet_hours',
      until: at('2026-12-07T11:00:00Z'),
    });
  });

  test('already pushed by the dispatcher to the opening (plus jitter): still quiet hours', () => {
    assert.deepEqual(
      messageWaiting(facts({ now: '2026-12-07T02:00:00Z', sendAfter: '2026-12-07T11:00:02Z' })),
      { reason: 'quiet_hours', until: at('2026-12-07T11:00:02Z') },
    );
    // A reminder asked for 08:00 stays a reminder.
    assert.equal(
      messageWaiting(
        facts({ now: '2026-12-07T02:00:00Z', sendAfter: '2026-12-07T11:00:02Z', kind: 'reminder' }),
      )?.reason,
      'reminder',
    );
  });

  test('urgent messages ignore quiet hours', () => {
    assert.equal(messageWaiting(facts({ now: '2026-12-07T02:00:00Z', urgent: true })), null);
  });

  test('daily limit: resumes at local midnight, or the opening after it', () => {
    assert.deepEqual(messageWaiting(facts({ sentToday: 1_000, pacing: { sendingWindow: null } })), {
      reason: 'daily_limit',
      until: at('2026-12-07T03:00:00Z'),
    });
    assert.deepEqual(messageWaiting(facts({ sentToday: 1_000 })), {
      reason: 'daily_limit',
      until: at('2026-12-07T11:00:00Z'),
    });
    // Already pushed there by the dispatcher.
    assert.deepEqual(messageWaiting(facts({ sentToday: 1_000, sendAfter: '2026-12-07T11:00:01Z' })), {
      reason: 'daily_limit',
      until: at('2026-12-07T11:00:01Z'),
    });
    // Scheduled for the day after tomorrow: the cap of today is not why.
    assert.equal(
      messageWaiting(facts({ sentToday: 1_000, sendAfter: '2026-12-08T15:00:00Z' }))?.reason,
      'scheduled',
    );
  });

  test('a paused queue, a removed device and a channel not connected come first', () => {
    const later = '2026-12-07T12:24:00Z';
    assert.deepEqual(messageWaiting(facts({ pausedCause: 'manual', sendAfter: later })), {
      reason: 'paused',
      until: null,
    });
    assert.equal(messageWaiting(facts({ pausedCause: 'removed' }))?.reason, 'device_removed');
    assert.equal(messageWaiting(facts({ linked: false }))?.reason, 'not_linked');
  });

  test('held a few seconds for the pace between sends: next in line, not scheduled', () => {
    // Default pace: 4 s plus up to 3 s of jitter.
    assert.equal(messageWaiting(facts({ sendAfter: '2026-12-06T15:00:06Z' })), null);
    assert.equal(messageWaiting(facts({ sendAfter: '2026-12-06T15:05:00Z' }))?.reason, 'scheduled');
  });

  test('pacing off: only the asked time counts', () => {
    assert.equal(messageWaiting(facts({ now: '2026-12-07T02:00:00Z', pacing: { enabled: false } })), null);
  });
});
