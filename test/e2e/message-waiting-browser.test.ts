import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import { ManualClock } from '../../src/clock.js';
import { browserSuite, createBusiness } from '../support/browser.js';
import { linkChannelByQr } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Messages that wait say why and until when (issue 15), in Chromium and in the API: at 23:00 in
 * São Paulo a confirmation is held for quiet hours ("Scheduled · 08:00 (quiet hours)"), a reminder
 * waits for its time ("Reminder · Dec 7, 09:24"), a paused queue says so, a channel past its daily
 * cap says when it resumes; the "Scheduled" filter lists the ones due later. The gateway's clock is
 * fixed (23:00 local on Dec 6, 2026): nothing depends on today's date or the machine's zone.
 */
const ARTIFACTS = 'test-artifacts/message-waiting';
const WAIT_MS = 15_000;

describe('messages that wait say why, in a real browser', () => {
  const clock = new ManualClock(new Date('2026-12-07T02:00:00Z'));
  const suite = browserSuite({ artifacts: ARTIFACTS, waitMs: WAIT_MS, harness: { clock } });
  const { here } = suite;
  let seq = 0;

  const nextPhone = () =>
    `55119${String(process.pid % 1000).padStart(3, '0')}${String(++seq).padStart(5, '0')}`;
  const newBusiness = (name: string, language: string) => createBusiness(suite.h, name, language);
  const send = async (apiKey: string, body: Record<string, unknown>): Promise<string> => {
    const r = await suite.h.api('POST', '/v1/messages', { key: apiKey, body });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    return r.json.id as string;
  };
  const openMessages = async (loginUrl: string, lang: string) => {
    const page = await suite.openPage(here(loginUrl));
    await page.goto(`${suite.h.gateway.url}/panel/messages?lang=${lang}`);
    await page.getByTestId('message-log').waitFor();
    return page;
  };
  const rowFor = (page: Page, phone: string) =>
    page.locator('[data-role="rows"] tr').filter({ hasText: `+${phone}` });
  const waitingText = async (page: Page, phone: string) => {
    const cell = rowFor(page, phone).getByTestId('message-waiting');
    return (await cell.count()) ? cell.innerText() : '';
  };
  const waitForText = (page: Page, phone: string, expected: RegExp, what: string) =>
    waitUntil(async () => expected.test(await waitingText(page, phone)), {
      what,
      timeoutMs: WAIT_MS,
      intervalMs: 200,
    });

  test('quiet hours, a reminder, a paused queue and the Scheduled filter', async () => {
    const business = await newBusiness('Studio Bela', 'en');
    await linkChannelByQr(suite.h, business, suite.h.sim.createPhone({ phone: nextPhone(), business: true }));
    const night = suite.h.sim.createPhone({ phone: nextPhone(), name: 'Maria' });
    const later = suite.h.sim.createPhone({ phone: nextPhone(), name: 'João' });
    const quietId = await send(business.apiKey, { to: `+${night.phone}`, text: 'Booking confirmed' });
    const reminderId = await send(business.apiKey, {
      to: `+${later.phone}`,
      text: 'See you at 10:00',
      sendAfter: '2026-12-07T12:24:00Z',
      metadata: { altegioRecord: { kind: 'reminder' } },
    });

    // The API says it too: the reason, the time, the business's zone.
    const quiet = await suite.h.api('GET', `/v1/messages/${quietId}`, { key: business.apiKey });
    assert.equal(quiet.json.status, 'queued');
    assert.equal(quiet.json.waiting.reason, 'quiet_hours');
    assert.match(quiet.json.waiting.until, /^2026-12-07T11:00:0\d/);
    assert.equal(quiet.json.waiting.timeZone, 'America/Sao_Paulo');
    const list = await suite.h.api('GET', '/v1/messages?scheduled=true', { key: business.apiKey });
    assert.equal(list.status, 200);
    const listed = list.json.data as Array<{ id: string; waiting: { reason: string; until: string } }>;
    assert.deepEqual(listed.map((m) => m.id).sort(), [quietId, reminderId].sort());
    assert.deepEqual(listed.find((m) => m.id === reminderId)?.waiting, {
      reason: 'reminder',
      until: '2026-12-07T12:24:00.000Z',
      timeZone: 'America/Sao_Paulo',
    });

    const page = await openMessages(business.panelLoginUrl, 'en');
    await waitForText(page, night.phone, /^Scheduled · 08:00 \(quiet hours\)$/, 'the quiet-hours reason');
    await waitForText(page, later.phone, /^Reminder · Dec 7, 09:24$/, 'the reminder time');
    assert.equal(await rowFor(page, night.phone).getByTestId('message-status').innerText(), 'Scheduled');
    assert.equal(await page.locator('[data-role="rows"]').getByText('—').count(), 0, 'no bare dash');
    await page.screenshot({ path: `${ARTIFACTS}/held-en.png`, fullPage: true });

    // Pause: every queued message says it waits for Resume (live, no reload).
    await page.getByTestId('pause-sending').click();
    await waitForText(page, night.phone, /^Waiting: sending is paused/, 'the paused reason');
    await waitForText(page, later.phone, /^Waiting: sending is paused/, 'the paused reason (reminder)');
    await page.getByTestId('resume-sending').click();
    await waitForText(page, night.phone, /quiet hours/, 'quiet hours again after Resume');

    // The Scheduled filter: only the messages due later.
    await page.getByTestId('status-filter').selectOption('scheduled');
    await page.getByTestId('search').click();
    await page.waitForURL(/status=scheduled/);
    assert.equal(await page.locator('[data-role="rows"] tr').count(), 2);
    assert.equal(
      await page.getByTestId('status-filter').locator('option[value="scheduled"]').innerText(),
      'Scheduled',
    );
  });

  test('a channel past its daily cap says when it resumes, in Portuguese', async () => {
    const business = await newBusiness('Salão Sol', 'pt-BR');
    await linkChannelByQr(suite.h, business, suite.h.sim.createPhone({ phone: nextPhone(), business: true }));
    const pacing = await suite.h.api('PUT', '/v1/pacing', {
      key: business.apiKey,
      body: { channelDailyCap: 1, warmUpDailyCap: 1, sendingWindow: null, minIntervalMs: 0, jitterMs: 0 },
    });
    assert.equal(pacing.status, 200, JSON.stringify(pacing.json));
    const first = suite.h.sim.createPhone({ phone: nextPhone() });
    const second = suite.h.sim.createPhone({ phone: nextPhone() });
    const firstId = await send(business.apiKey, { to: `+${first.phone}`, text: 'Primeira' });
    await waitUntil(
      async () =>
        ['sent', 'delivered', 'read'].includes(
          (await suite.h.api('GET', `/v1/messages/${firstId}`, { key: business.apiKey })).json
            .status as string,
        ),
      { what: 'the first message sent', timeoutMs: WAIT_MS },
    );
    const secondId = await send(business.apiKey, { to: `+${second.phone}`, text: 'Segunda' });
    await waitUntil(
      async () =>
        (await suite.h.api('GET', `/v1/messages/${secondId}`, { key: business.apiKey })).json.waiting
          ?.reason === 'daily_limit',
      { what: 'the daily limit in the API', timeoutMs: WAIT_MS },
    );
    const page = await openMessages(business.panelLoginUrl, 'pt-BR');
    await waitForText(
      page,
      second.phone,
      /^Aguardando: limite diário atingido, volta às 00:00$/,
      'the daily-limit reason in Portuguese',
    );
    await page.screenshot({ path: `${ARTIFACTS}/daily-limit-pt-BR.png`, fullPage: true });
  });
});
