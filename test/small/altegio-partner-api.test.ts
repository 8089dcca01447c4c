import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ACTIVATION_WINDOW_MS,
  activationBody,
  activationOutcome,
  attendanceUpdateBody,
  bearerToken,
  businessHeaders,
  decideChannelReport,
  expandPartnerToken,
  parseInstallStatus,
  recordUrl,
  redactPartnerToken,
  storedActivationBody,
  nextActivationAttempt,
  parseLifecycleCallback,
  partnerHeaders,
  updateChannelBody,
} from '../../src/integrations/altegio/domain/partner-api.js';
import { altegioRecord } from '../support/fake-altegio.js';
import { failure } from '../support/app-error.js';

const expected = { partnerToken: 'ptok', applicationId: '123' };

describe('ALTEGIO partner API shapes', () => {
  test('a business’s data: REST base under /api/v1, Bearer partner and User token; no token says so', () => {
    assert.equal(
      recordUrl('https://api.alteg.io/api/v1', 4564, 77),
      'https://api.alteg.io/api/v1/record/4564/77',
    );
    assert.equal(businessHeaders({ partnerToken: 'p', userToken: 'u' }).authorization, 'Bearer p, User u');
    const missing = failure(() => businessHeaders({ partnerToken: 'p', userToken: undefined }));
    assert.equal(missing.code, 'not_ready');
    assert.match(missing.publicMessage, /ALTEGIO_USER_TOKEN/);
  });

  test('install status: connection_status.status only, not "active" anywhere in the answer', () => {
    const answer = (status: unknown, logs: unknown[] = []) => ({
      success: true,
      data: { connection_status: { status }, logs },
    });
    assert.equal(parseInstallStatus(answer('pending')), 'pending');
    assert.equal(parseInstallStatus(answer('active')), 'active');
    assert.equal(parseInstallStatus(answer('FREEZED')), 'freezed');
    const history = [{ status_from: 'active', status_to: 'freezed' }];
    assert.equal(parseInstallStatus(answer('freezed', history)), 'freezed');
    assert.equal(parseInstallStatus({ success: true, data: { logs: history } }), undefined);
    assert.equal(
      parseInstallStatus({ success: false, data: { connection_status: { status: 'active' } } }),
      undefined,
    );
    assert.equal(parseInstallStatus(answer('uninstalled')), undefined);
    assert.equal(parseInstallStatus('active'), undefined);
    assert.equal(parseInstallStatus(null), undefined);
  });

  test('secrets stay out of stored calls: the activation body and the status-callback URL', () => {
    const stored = storedActivationBody({ salonId: '4564', applicationId: '123', channels: ['whatsapp'] });
    assert.equal(stored.salon_id, 4564);
    assert.ok(!JSON.stringify(stored).includes('zg_'));
    const url = 'https://app.alteg.io/smsprovider/status/callback/pt-secret';
    const redacted = redactPartnerToken(url, 'pt-secret');
    assert.equal(redacted, 'https://app.alteg.io/smsprovider/status/callback/{partner_token}');
    assert.equal(expandPartnerToken(redacted, 'pt-secret'), url);
    assert.equal(redactPartnerToken('https://x/a%2Fb', 'a/b'), 'https://x/{partner_token}');
  });

  test('headers and bearer tokens', () => {
    assert.deepEqual(partnerHeaders('p'), {
      authorization: 'Bearer p',
      accept: 'application/vnd.api.v2+json',
      'content-type': 'application/json',
    });
    assert.equal(partnerHeaders('p', 'u').authorization, 'Bearer p, User u');
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer  abc, User xyz'), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
    assert.equal(bearerToken('Bearer '), undefined);
  });

  test('activation and update_channel bodies use numeric ids', () => {
    assert.deepEqual(
      activationBody({ salonId: '4564', applicationId: '123', apiKey: 'k', webhookUrls: ['https://gw/x'] }),
      { salon_id: 4564, application_id: 123, api_key: 'k', webhook_urls: ['https://gw/x'] },
    );
    assert.deepEqual(
      activationBody({
        salonId: '1',
        applicationId: '2',
        apiKey: 'k',
        webhookUrls: [],
        channels: ['whatsapp'],
      }).channels,
      ['whatsapp'],
    );
    assert.deepEqual(
      updateChannelBody({ salonId: '1', applicationId: '2', channel: 'whatsapp', isAvailable: false }),
      {
        salon_id: 1,
        application_id: 2,
        channel_slug: 'whatsapp',
        is_available: false,
      },
    );
  });

  test('activation outcomes and retry times within the 12-hour window', () => {
    assert.equal(activationOutcome(201), 'accepted');
    assert.equal(activationOutcome(200), 'accepted');
    assert.equal(activationOutcome(500), 'retry');
    assert.equal(activationOutcome(429), 'retry');
    assert.equal(activationOutcome('network_error'), 'retry');
    assert.equal(activationOutcome(422), 'check_status');
    assert.equal(activationOutcome(401), 'fatal');
    assert.equal(activationOutcome(403), 'fatal');
    const startedAt = new Date('2025-07-10T00:00:00Z');
    const first = nextActivationAttempt({ failedAttempts: 1, startedAt, now: startedAt, random: 0.5 });
    assert.equal(first?.getTime(), startedAt.getTime() + 5_000);
    const tenth = nextActivationAttempt({ failedAttempts: 10, startedAt, now: startedAt, random: 0 });
    assert.equal(tenth?.getTime(), startedAt.getTime() + 1_440_000);
    const nearEnd = new Date(startedAt.getTime() + ACTIVATION_WINDOW_MS - 10 * 60_000);
    const last = nextActivationAttempt({ failedAttempts: 20, startedAt, now: nearEnd, random: 0.5 });
    assert.equal(last?.getTime(), startedAt.getTime() + ACTIVATION_WINDOW_MS - 60_000);
    const over = new Date(startedAt.getTime() + ACTIVATION_WINDOW_MS - 30_000);
    assert.equal(nextActivationAttempt({ failedAttempts: 20, startedAt, now: over, random: 0.5 }), undefined);
  });

  test('channel reports are debounced: up after 5 s, down after 2 min, no repeats', () => {
    const t = new Date('2025-07-10T00:00:00Z');
    const later = (ms: number) => new Date(t.getTime() + ms);
    assert.deepEqual(decideChannelReport({ reported: undefined, linkUp: true, changedAt: t }, later(1000)), {
      action: 'wait',
      until: later(5000),
    });
    assert.deepEqual(decideChannelReport({ reported: undefined, linkUp: true, changedAt: t }, later(5000)), {
      action: 'report',
      isAvailable: true,
    });
    assert.deepEqual(decideChannelReport({ reported: true, linkUp: true, changedAt: t }, later(0)), {
      action: 'none',
    });
    assert.deepEqual(decideChannelReport({ reported: true, linkUp: false, changedAt: t }, later(60_000)), {
      action: 'wait',
      until: later(120_000),
    });
    assert.deepEqual(decideChannelReport({ reported: true, linkUp: false, changedAt: t }, later(120_000)), {
      action: 'report',
      isAvailable: false,
    });
  });

  test('lifecycle callbacks: token checked first, events known or other, secret not kept', () => {
    const ok = parseLifecycleCallback(
      { salon_id: 4564, application_id: '123', event: 'Uninstall', partner_token: 'ptok', extra: 1 },
      expected,
    );
    assert.deepEqual(
      [ok.salonId, ok.applicationId, ok.event, ok.rawEvent],
      ['4564', '123', 'uninstall', 'Uninstall'],
    );
    assert.equal(ok.raw.partner_token, undefined);
    assert.equal(ok.raw.extra, 1);
    assert.equal(
      parseLifecycleCallback(
        { salon_id: 1, application_id: 123, event: 'unfreeze', partner_token: 'ptok' },
        expected,
      ).event,
      'other',
    );
    const cases: [unknown, string, string][] = [
      [
        { salon_id: 1, application_id: 123, event: 'freeze', partner_token: 'wrong' },
        'unauthorized',
        'partner_token',
      ],
      [{ salon_id: 1, application_id: 123, event: 'freeze' }, 'unauthorized', 'partner_token'],
      [
        { salon_id: 1, application_id: 123, event: 'freeze', partner_token: 5 },
        'unauthorized',
        'partner_token',
      ],
      [null, 'unauthorized', 'partner_token'],
      [
        { salon_id: 'x', application_id: 123, event: 'freeze', partner_token: 'ptok' },
        'invalid_input',
        'salon_id',
      ],
      [{ salon_id: 1, application_id: 123, partner_token: 'ptok' }, 'invalid_input', 'event'],
      [
        { salon_id: 1, application_id: 999, event: 'freeze', partner_token: 'ptok' },
        'forbidden',
        'application_id',
      ],
    ];
    for (const [body, code, field] of cases) {
      const error = failure(() => parseLifecycleCallback(body, expected));
      assert.equal(error.code, code, JSON.stringify(body));
      assert.equal(error.details?.field, field, JSON.stringify(body));
    }
  });

  test('attendance update is a read-modify-write of the record', () => {
    const record = altegioRecord({ id: 5, attendance: 0, overrides: { unknown: 'x' } });
    const body = attendanceUpdateBody(record, 2);
    assert.equal(body.attendance, 2);
    assert.equal(body.staff_id, 77);
    assert.equal(body.datetime, record.datetime);
    assert.equal(body.seance_length, 3600);
    assert.deepEqual(body.services, [{ id: 501, cost: 40, first_cost: 40, discount: 0, amount: 1 }]);
    assert.deepEqual(body.client, { id: 9001, phone: '+5511987654321', name: 'Ana', surname: '', email: '' });
    assert.equal(body.send_sms, false);
    assert.equal(body.unknown, undefined);
    assert.deepEqual(attendanceUpdateBody(null, -1), { attendance: -1, send_sms: false });
  });
});
