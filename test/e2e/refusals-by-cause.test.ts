import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { es } from '../../src/web/catalogue-es.js';
import { ptBR } from '../../src/web/catalogue-pt-br.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { deliverySteps } from '../support/linked-business.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * A 463 by its cause, against the simulator's strict mode (WhatsApp as in 2026): a contact
 * WhatsApp addresses by LID, written to at its phone number, is refused; the gateway sends the
 * same message again to the LID and the channel stays connected. A 463 without a timelock (a
 * missing trusted-contact token) fails only its message. Only a real reach-out timelock, which
 * WhatsApp confirms when asked and announces by notification, restricts the channel.
 */
describe('463 by cause: misaddressed, missing token, timelock', () => {
  let h: Harness;
  let seq = 0;
  const nextPhone = () => `55418${String(++seq).padStart(7, '0')}`;

  before(async () => {
    h = await startHarness({ env: { RESTRICTION_MINUTES: '60' } });
    h.sim.network.setStrict(true);
  });
  after(async () => {
    h.sim.network.setStrict(false);
    await h.stop();
  });

  const steps = deliverySteps(() => h);
  const { channelOf, send, settled, refusals } = steps;
  const linkedBusiness = () =>
    steps.linkedBusiness(h.sim.createPhone({ phone: nextPhone(), business: true }));
  /** The panel's Messages log (server-rendered) in `lang`, signed in with the business's login link. */
  const panelMessages = async (b: { panelLoginUrl: string }, lang: string): Promise<string> => {
    const login = await fetch(b.panelLoginUrl, { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.ok(cookie.includes('='), 'a panel session cookie');
    const page = await fetch(`${h.gateway.url}/panel/messages?lang=${lang}`, { headers: { cookie } });
    assert.equal(page.status, 200);
    return page.text();
  };

  test('a contact WhatsApp addresses by LID: refused at its number, delivered at its LID, channel connected', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone(), lidAddressed: true });
    const log = refusals();
    const id = await send(b, client, 'Your booking is confirmed');
    const message = await settled(b, id, 'the message');
    log.stop();
    assert.equal(message.status, 'delivered', JSON.stringify(message));
    assert.deepEqual(
      log.seen.map((r) => r.cause),
      ['misaddressed'],
      'one refusal, at the phone-number address',
    );
    assert.equal(client.inbox().length, 1);
    const channel = await channelOf(b);
    assert.equal(channel.status, 'connected', 'a misaddressed send restricts nothing');

    // The next one goes to the LID straight away: no refusal at all.
    const again = refusals();
    assert.equal((await settled(b, await send(b, client, 'Reminder'), 'second')).status, 'delivered');
    again.stop();
    assert.deepEqual(again.seen, []);

    // A new contact still gets its messages: the channel never blocked first contacts.
    const stranger = h.sim.createPhone({ phone: nextPhone() });
    assert.equal((await settled(b, await send(b, stranger, 'Hello'), 'stranger')).status, 'delivered');
  });

  test('the LID learnt is kept: after a restart the first send already goes to the LID', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone(), lidAddressed: true });
    assert.equal((await settled(b, await send(b, client, 'Welcome'), 'first')).status, 'delivered');
    await h.restartGateway();
    await waitUntil(async () => (await channelOf(b)).status === 'connected', { what: 'restored' });
    const log = refusals();
    assert.equal(
      (await settled(b, await send(b, client, 'After the restart'), 'second')).status,
      'delivered',
    );
    log.stop();
    assert.deepEqual(log.seen, [], 'no misaddressed send after the restart');
  });

  test('a 463 without a timelock (missing token) fails only its message', async () => {
    const b = await linkedBusiness();
    const client = h.sim.createPhone({ phone: nextPhone() });
    // Two refusals: the first send went to the phone number and the LID is known by then, so the
    // gateway tries the LID once (harmless: WhatsApp said there is no timelock); the LID is refused too.
    h.sim.injectFault({ kind: 'error-ack', phone: b.phone.phone, code: 463, count: 2, timelock: false });
    const refused = await settled(b, await send(b, client, 'Hello'), 'the refused message');
    assert.equal(refused.status, 'failed');
    assert.equal(refused.failureReason ?? refused.reason, 'rejected');
    // The cause is the message's own: the API says it beside the (unchanged) reason.
    assert.equal(refused.failureDetail, 'recipient_token_missing', JSON.stringify(refused));
    const html = await panelMessages(b, 'es');
    assert.ok(html.includes('data-detail="recipient_token_missing"'), 'the log row names the cause');
    assert.ok(html.includes(es['messages.detail.recipient_token_missing']), 'in the business’s words (es)');
    const events = (await h.api('GET', `/v1/messages/${refused.id}/events`, { key: b.apiKey }))
      .json as Array<{
      status: string;
      details?: { refusal?: string };
    }>;
    assert.ok(
      events.some((e) => e.status === 'failed' && e.details?.refusal === 'no_token'),
      JSON.stringify(events),
    );
    assert.equal((await channelOf(b)).status, 'connected');
    const stranger = h.sim.createPhone({ phone: nextPhone() });
    assert.equal((await settled(b, await send(b, stranger, 'Hi'), 'next contact')).status, 'delivered');
  });

  test('a real reach-out timelock restricts the channel until WhatsApp says it ends, and lifts with it', async () => {
    const b = await linkedBusiness();
    const known = h.sim.createPhone({ phone: nextPhone() });
    assert.equal((await settled(b, await send(b, known, 'Welcome'), 'warm')).status, 'delivered');
    const ends = Date.now() + 3 * 3_600_000;
    b.phone.setReachoutTimelock(ends);
    const restricted = await waitUntil(
      async () => {
        const c = await channelOf(b);
        return c.status === 'restricted' ? c : undefined;
      },
      { what: 'the channel restricted by the timelock notification' },
    );
    assert.equal(restricted.cause, 'reach_out_timelock');
    // WhatsApp's end time (to the second), not the configured hour.
    assert.ok(Math.abs(Date.parse(restricted.restrictedUntil) - ends) < 2_000, JSON.stringify(restricted));

    // Warm contacts still get theirs; a first contact is held back without being sent.
    assert.equal((await settled(b, await send(b, known, 'Reminder'), 'warm again')).status, 'delivered');
    const stranger = h.sim.createPhone({ phone: nextPhone() });
    const held = await settled(b, await send(b, stranger, 'Hello'), 'held');
    assert.equal(held.failureReason ?? held.reason, 'restricted');
    assert.equal(held.failureDetail, 'reach_out_timelock');
    assert.equal(stranger.inbox().length, 0);
    assert.ok((await panelMessages(b, 'pt-BR')).includes(ptBR['messages.detail.reach_out_timelock']));

    b.phone.setReachoutTimelock(undefined);
    const lifted = await waitUntil(
      async () => {
        const c = await channelOf(b);
        return c.status === 'connected' ? c : undefined;
      },
      { what: 'the restriction lifted by WhatsApp' },
    );
    assert.equal(lifted.cause, 'restriction_ended');
    assert.equal((await settled(b, await send(b, stranger, 'Hello again'), 'after')).status, 'delivered');
  });

  test('strict mode: a timelocked account writing to a first contact gets 463, classified as the timelock', async () => {
    const b = await linkedBusiness();
    // The timelock is set silently (no notification reaches the gateway): only the 463 tells.
    h.sim.network.directory.get(b.phone.phone).reachoutTimelockUntil = Date.now() + 3_600_000;
    const stranger = h.sim.createPhone({ phone: nextPhone() });
    const refused = await settled(b, await send(b, stranger, 'Hello'), 'refused');
    assert.equal(refused.failureReason ?? refused.reason, 'restricted');
    assert.equal(refused.failureDetail, 'reach_out_timelock', 'the 463 was the timelock, WhatsApp said');
    const c = await waitUntil(
      async () => {
        const ch = await channelOf(b);
        return ch.status === 'restricted' ? ch : undefined;
      },
      { what: 'restricted' },
    );
    assert.equal(c.cause, 'reach_out_timelock');
    b.phone.setReachoutTimelock(undefined);
  });
});
