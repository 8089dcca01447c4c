import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { startFakeAltegio, type FakeAltegio } from '../support/fake-altegio.js';
import { altegioEnv, installedBusiness } from '../support/altegio-harness.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

const PARTNER_TOKEN = 'partner-token-for-user-token-tests-01';

/**
 * Without ALTEGIO_USER_TOKEN the integration still installs and delivers, and says what is missing:
 * in the log at start, on support's console, and on a record call it cannot make (given up with
 * that reason, never sent to collect a 401).
 */
describe('ALTEGIO without the user token', () => {
  let h: Harness;
  let fake: FakeAltegio;
  const lines: Array<{ level: number; msg: string; problem?: string }> = [];
  // The gateway's clock: an outbox row written "now" is due on the sender's time, not the machine's.
  const clock = new ManualClock(new Date('2026-03-03T09:00:00Z'));

  before(async () => {
    fake = await startFakeAltegio({ partnerToken: PARTNER_TOKEN, applicationId: '777' });
    const env = altegioEnv(fake);
    delete env.ALTEGIO_USER_TOKEN;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    h = await startHarness({ env, clock, logger: pino({ level: 'warn' }, sink) });
  });
  after(async () => {
    await h?.stop();
    await fake?.stop();
  });

  test('said at start and on support’s console', async () => {
    const warning = lines.find((l) => l.problem === 'user_token_missing');
    assert.ok(warning, 'a warning at start');
    assert.equal(warning.level, 40);
    assert.match(warning.msg, /ALTEGIO_USER_TOKEN is not set/);

    const login = await fetch(`${h.gateway.url}/support/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `key=${encodeURIComponent(h.adminKey)}`,
    });
    assert.equal(login.status, 302);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const page = await (await fetch(`${h.gateway.url}/support?lang=en`, { headers: { cookie } })).text();
    assert.match(page, /data-testid="support-warning"[^>]*>ALTEGIO: ALTEGIO_USER_TOKEN is not set/);
  });

  test('a record call is given up with the reason, and never reaches ALTEGIO', async () => {
    const salonId = 720_001;
    const response = await fetch(
      fake.registrationUrl(`${h.gateway.url}/altegio/install`, salonId, { id: 1, salon_name: 'Sem Token' }),
      {
        redirect: 'manual',
      },
    );
    assert.equal(response.status, 302, 'installing needs no user token');
    const { tenantId } = await installedBusiness(h, 'Sem Token');
    // What a client's "+" writes (altegio-scheduler.ts): the attendance call in the outbox.
    const now = clock.now();
    await h.gateway.db.query(
      `insert into altegio_calls (tenant_id, kind, ordering_key, method, url, body, status, next_attempt_at,
         retry_until, created_at)
       values ($1, 'attendance', 'record:1', 'PUT', $2, '{"attendance": 2}'::jsonb, 'pending', $3, $4, $3)`,
      [tenantId, `${fake.restUrl}/record/${salonId}/1`, now, new Date(now.getTime() + 3_600_000)],
    );
    const call = await waitUntil(
      async () => {
        const [row] = await h.gateway.db.query<{ status: string; last_error: string | null }>(
          `select status, last_error from altegio_calls where tenant_id = $1 and kind = 'attendance'`,
          [tenantId],
        );
        return row?.status === 'dead' ? row : undefined;
      },
      { what: 'the attendance call given up' },
    );
    assert.match(call.last_error ?? '', /ALTEGIO_USER_TOKEN is not set/);
    assert.equal(fake.calls('/api/v1/record').length, 0, 'no record call sent without the token');
  });
});
