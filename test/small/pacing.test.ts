import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_PACING,
  dailyCapFor,
  planSend,
  resolvePacing,
  typingDelayMs,
  type PacingFacts,
  type PacingRequest,
} from '../../src/domain/pacing.js';

const DAY = 86_400_000;
const MIN = 60_000;
// 15:00 in São Paulo (UTC-3): inside the default 08:00–21:00 window.
const now = new Date('2025-05-01T18:00:00Z');
const mature = new Date(now.getTime() - 60 * DAY);
const facts = (over: Partial<PacingFacts> = {}): PacingFacts => ({
  lastSentAt: null,
  sentToday: 0,
  recipientSendsLastHour: [],
  linkedAt: mature,
  ...over,
});
const request = (over: Partial<PacingRequest> = {}): PacingRequest => ({
  settings: DEFAULT_PACING,
  timeZone: 'America/Sao_Paulo',
  facts: facts(),
  urgent: false,
  textLength: 50,
  now,
  random: () => 0,
  ...over,
});
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('pacing policy', () => {
  test('safe defaults', () => {
    assert.equal(DEFAULT_PACING.minIntervalMs, 4_000);
    assert.equal(DEFAULT_PACING.jitterMs, 3_000);
    assert.equal(DEFAULT_PACING.recipientHourlyCap, 3);
    assert.equal(DEFAULT_PACING.warmUpDailyCap, 50);
    assert.deepEqual(DEFAULT_PACING.sendingWindow, { start: '08:00', end: '21:00' });
    assert.equal(resolvePacing({ minIntervalMs: 1 }).minIntervalMs, 1);
    assert.equal(resolvePacing(null).jitterMs, 3_000);
  });

  test('a quiet channel sends now, after typing proportional to the text', () => {
    assert.deepEqual(planSend(request()), { kind: 'send', typingMs: 2_000 });
    assert.equal(typingDelayMs(DEFAULT_PACING, 1_000), 4_000, 'typing is capped');
    assert.equal(typingDelayMs(DEFAULT_PACING, 0), 0);
  });

  test('minimum interval plus jitter after the last send', () => {
    const last = ago(1_000);
    const low = planSend(request({ facts: facts({ lastSentAt: last }) }));
    assert.deepEqual(low, {
      kind: 'wait',
      until: new Date(last.getTime() + 4_000),
      reason: 'interval',
      typingMs: 2_000,
    });
    const high = planSend(request({ facts: facts({ lastSentAt: last }), random: () => 0.5 }));
    assert.equal(high.kind === 'wait' && high.until.getTime(), last.getTime() + 5_500);
    assert.equal(planSend(request({ facts: facts({ lastSentAt: ago(10_000) }) })).kind, 'send');
  });

  test('per-recipient hourly cap: wait until the oldest counted send is an hour old', () => {
    const sends = [ago(50 * MIN), ago(30 * MIN), ago(10 * MIN)];
    const decision = planSend(request({ facts: facts({ recipientSendsLastHour: sends }) }));
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.kind === 'wait' && decision.reason, 'recipient_cap');
    assert.equal(decision.kind === 'wait' && decision.until.getTime(), now.getTime() + 10 * MIN);
    const older = [ago(70 * MIN), ago(30 * MIN), ago(10 * MIN)];
    assert.equal(planSend(request({ facts: facts({ recipientSendsLastHour: older }) })).kind, 'send');
  });

  test('warm-up: 50 a day for the first week, then doubling up to the daily cap', () => {
    const linked = new Date('2025-05-01T00:00:00Z');
    const dayN = (n: number) => new Date(linked.getTime() + (n - 1) * DAY + 1);
    assert.equal(dailyCapFor(DEFAULT_PACING, linked, dayN(1)), 50);
    assert.equal(dailyCapFor(DEFAULT_PACING, linked, dayN(7)), 50);
    assert.equal(dailyCapFor(DEFAULT_PACING, linked, dayN(8)), 100);
    assert.equal(dailyCapFor(DEFAULT_PACING, linked, dayN(9)), 200);
    assert.equal(dailyCapFor(DEFAULT_PACING, linked, dayN(12)), 1_000);
    assert.equal(dailyCapFor(DEFAULT_PACING, linked, dayN(400)), 1_000);
    assert.equal(dailyCapFor(DEFAULT_PACING, null, now), 50, 'unknown link date: treated as new');
  });

  test('daily cap reached: wait for the next day, at the window opening', () => {
    const fresh = ago(2 * DAY);
    const decision = planSend(request({ facts: facts({ linkedAt: fresh, sentToday: 50 }) }));
    assert.equal(decision.kind, 'wait');
    if (decision.kind !== 'wait') return;
    assert.equal(decision.reason, 'daily_cap');
    assert.equal(decision.until.toISOString(), '2025-05-02T11:00:00.000Z'); // 08:00 local tomorrow
    assert.equal(planSend(request({ facts: facts({ linkedAt: fresh, sentToday: 49 }) })).kind, 'send');
    assert.equal(
      planSend(request({ facts: facts({ sentToday: 999 }) })).kind,
      'send',
      'mature channel: 1,000',
    );
  });

  test('nothing at night unless urgent; caps still apply to urgent messages', () => {
    const night = new Date('2025-05-02T02:00:00Z'); // 23:00 local
    const decision = planSend(request({ now: night, random: () => 0.5 }));
    assert.equal(decision.kind, 'wait');
    if (decision.kind === 'wait') {
      assert.equal(decision.reason, 'window');
      assert.equal(decision.until.toISOString(), '2025-05-02T11:00:01.500Z'); // 08:00 + jitter
    }
    assert.equal(planSend(request({ now: night, urgent: true })).kind, 'send');
    const capped = planSend(
      request({
        now: night,
        urgent: true,
        facts: facts({
          recipientSendsLastHour: [ago(0), ago(0), ago(0)].map((d) => new Date(d.getTime() + 8 * 3_600_000)),
        }),
      }),
    );
    assert.equal(capped.kind === 'wait' && capped.reason, 'recipient_cap');
  });

  test('an interval wait that runs past closing time waits for the next opening', () => {
    const closing = new Date('2025-05-01T23:59:58Z'); // 20:59:58 local
    const decision = planSend(
      request({ now: closing, facts: facts({ lastSentAt: new Date(closing.getTime() - 1_000) }) }),
    );
    assert.equal(decision.kind === 'wait' && decision.reason, 'window');
    assert.equal(decision.kind === 'wait' && decision.until.toISOString(), '2025-05-02T11:00:00.000Z');
  });

  test('no window: any time', () => {
    const night = new Date('2025-05-02T02:00:00Z');
    const settings = resolvePacing({ sendingWindow: null });
    assert.equal(planSend(request({ now: night, settings })).kind, 'send');
  });

  test('pacing off: send now, no typing, whatever the facts', () => {
    const settings = resolvePacing({ enabled: false });
    const decision = planSend(
      request({
        settings,
        now: new Date('2025-05-02T02:00:00Z'),
        facts: facts({ lastSentAt: now, sentToday: 10_000, recipientSendsLastHour: [now, now, now, now] }),
      }),
    );
    assert.deepEqual(decision, { kind: 'send', typingMs: 0 });
  });
});
