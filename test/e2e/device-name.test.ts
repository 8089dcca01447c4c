import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * The phone's Linked devices list names the gateway after the product and the business (issue 15),
 * not Baileys' "Chrome (Mac OS)": what the unmodified driver sends at registration, as the
 * simulator's phone lists it. DEVICE_NAME changes it.
 */
describe('the linked device is named after the product and the business', () => {
  const harnesses: Harness[] = [];
  let seq = 0;
  after(async () => {
    for (const h of harnesses) await h.stop();
  });

  const linkAndList = async (h: Harness, businessName: string) => {
    const created = await h.api('POST', '/v1/tenants', {
      key: h.adminKey,
      body: { name: businessName, timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { channelId, apiKey } = created.json as { channelId: string; apiKey: string };
    const phone = h.sim.createPhone({
      phone: `55117${String(Date.now() % 1_000_000).padStart(6, '0')}${++seq}`,
      business: true,
      name: businessName,
    });
    const raw = await waitUntil(
      async () => {
        const r = await h.api('GET', `/v1/channels/${channelId}/qr?format=raw`, { key: apiKey });
        return r.status === 200 ? (r.json.qr as string) : undefined;
      },
      { what: 'a QR from the API' },
    );
    await phone.scan(raw);
    await waitUntil(
      async () =>
        (await h.api('GET', `/v1/channels/${channelId}`, { key: apiKey })).json.status === 'connected',
      { what: 'connected' },
    );
    const r = await fetch(`${h.sim.controlUrl}/phones/${phone.phone}/linked-devices`);
    return ((await r.json()) as Array<{ platform: string }>).map((d) => d.platform);
  };

  test('by default "Zapgate · <business>"', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const listed = await linkAndList(h, 'Studio Bela');
    assert.deepEqual(listed, ['Chrome (Zapgate · Studio Bela)']);
    assert.ok(!listed.some((name) => /Mac OS/.test(name)));
  });

  test('DEVICE_NAME sets the template', async () => {
    const h = await startHarness({ env: { DEVICE_NAME: 'Avisos {business}' } });
    harnesses.push(h);
    assert.deepEqual(await linkAndList(h, 'Clínica Sol'), ['Chrome (Avisos Clínica Sol)']);
  });
});
