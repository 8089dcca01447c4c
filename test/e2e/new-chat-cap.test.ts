import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { ptBR } from '../../src/web/catalogue-pt-br.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { deliverySteps } from '../support/linked-business.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * WhatsApp's monthly cap on new chats (opt-in per account in the simulator): the gateway learns
 * the quota when the session opens and from WhatsApp's notifications, and once the cap is reached
 * it holds first contacts back itself (restricted, cause new_chats_capped, until the cycle ends)
 * instead of collecting 463s; warm contacts still get theirs; the end of the cap lifts it.
 */
describe('new-chat capping', () => {
  let h: Harness;
  let seq = 0;
  const nextPhone = () => `55417${String(++seq).padStart(7, '0')}`;

  const steps = deliverySteps(() => h);

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('at the cap first contacts are held back without a 463; warm contacts go on; lifted with the cap', async () => {
    const phone = h.sim.createPhone({ phone: nextPhone(), business: true });
    const cycleEnd = Date.now() + 10 * 86_400_000;
    phone.setNewChatCap({ total: 3, cycleEnd });
    const business = await steps.linkedBusiness(phone);
    const channel = async () =>
      (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json;
    // The quota as WhatsApp states it when the session opens: stored and shown on the channel.
    const counted = await waitUntil(
      async () => {
        const c = await channel();
        return c.newChats?.quota === 3 ? c : undefined;
      },
      { what: 'the new-chat quota on the channel' },
    );
    assert.equal(counted.newChats.state, 'none');
    assert.equal(counted.newChats.used, 0);
    assert.ok(Math.abs(Date.parse(counted.newChats.resetsAt) - cycleEnd) < 2_000);
    assert.equal(counted.restrictedBy, null);
    const send = async (to: VirtualPhone, text: string) =>
      steps.settled(business, await steps.send(business, to, text), text);
    const refused: string[] = [];
    h.sim.events.on('message-refused', (e) => refused.push(e.cause));

    const clients = Array.from({ length: 3 }, () => h.sim.createPhone({ phone: nextPhone() }));
    for (const [i, client] of clients.entries())
      assert.equal((await send(client, `Welcome ${i}`)).status, 'delivered');

    const capped = await waitUntil(
      async () => {
        const c = await channel();
        return c.status === 'restricted' ? c : undefined;
      },
      { what: 'the channel restricted at the cap' },
    );
    assert.equal(capped.cause, 'new_chats_capped');
    assert.ok(Math.abs(Date.parse(capped.restrictedUntil) - cycleEnd) < 2_000, JSON.stringify(capped));
    assert.equal(capped.restrictedBy, 'new_chats_capped');
    const atCap = await waitUntil(
      async () => {
        const c = await channel();
        return c.newChats?.used === 3 ? c : undefined;
      },
      { what: 'the count at the cap' },
    );
    assert.deepEqual(
      { state: atCap.newChats.state, used: atCap.newChats.used, quota: atCap.newChats.quota },
      { state: 'capped', used: 3, quota: 3 },
    );
    // The panel's channel card says it, in the business's language.
    const login = await fetch(business.panelLoginUrl, { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const card = await (
      await fetch(`${h.gateway.url}/panel/channels?lang=pt-BR`, { headers: { cookie } })
    ).text();
    assert.match(card, /data-testid="new-chats" data-state="capped"/);
    assert.ok(card.includes(ptBR['wa.newChats']), 'the fact is labelled in pt-BR');
    assert.ok(card.includes('3 de 3'), 'used of quota');
    assert.ok(card.includes(ptBR['wa.newChatsState.capped'].split(' — ')[0]!), 'the cap in words');

    const stranger = h.sim.createPhone({ phone: nextPhone() });
    const held = await send(stranger, 'Hello');
    assert.equal(held.status, 'failed');
    assert.equal(held.failureReason ?? held.reason, 'restricted');
    assert.equal(held.failureDetail, 'new_chats_capped', 'held back by the cap, not a timelock');
    assert.equal(stranger.inbox().length, 0);
    assert.deepEqual(refused, [], 'no 463 collected');
    assert.equal((await send(clients[0]!, 'Reminder')).status, 'delivered', 'warm contacts go on');

    const metrics = (await h.api('GET', '/metrics')).json as string;
    assert.match(metrics, /zapgate_new_chat_cap_updates_total\{status="capped"\} \d+/);
    assert.match(metrics, /zapgate_new_chat_cap_channels\{state="capped"\} 1\b/);

    // After a restart the gateway still knows what the restriction is (stored with it), before
    // WhatsApp says anything again, and the channel comes back restricted by the cap.
    await h.restartGateway();
    const restored = await channel();
    assert.equal(restored.restrictedBy, 'new_chats_capped', JSON.stringify(restored));
    assert.equal(restored.newChats?.state, 'capped');
    const back = await waitUntil(
      async () => {
        const c = await channel();
        return c.status === 'restricted' ? c : undefined;
      },
      { what: 'restored, still capped' },
    );
    assert.equal(back.cause, 'new_chats_capped');
    assert.equal((await send(clients[1]!, 'After the restart')).status, 'delivered', 'warm contacts go on');
    const stillHeld = await send(h.sim.createPhone({ phone: nextPhone() }), 'Hi');
    assert.equal(stillHeld.failureDetail, 'new_chats_capped');

    phone.setNewChatCap(undefined);
    const lifted = await waitUntil(
      async () => {
        const c = await channel();
        return c.status === 'connected' ? c : undefined;
      },
      { what: 'the cap lifted' },
    );
    assert.equal(lifted.restrictedBy, null);
    assert.equal(lifted.newChats?.state, 'none');
    assert.equal((await send(stranger, 'Hello again')).status, 'delivered');
  });
});
