import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SimulatorError } from '../../src/simulator/errors.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Since mid-2026 WhatsApp may answer a QR scan with `<notification type="companion_reg_refresh">`
 * (Baileys #2737): the secret the code advertises is retired, that scan does not link, and a scan
 * of the same code never will. The gateway shows the code again with a new secret, and the next
 * scan links. Opt-in per phone in the simulator (WhatsApp does not always do it).
 */
describe('QR refresh after a companion re-registration', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('the first scan is refused with a refresh; the QR keeps coming, with a new secret, and the next scan links', async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Salon', timeZone: 'UTC', language: 'en' },
      })
    ).json as { channelId: string; apiKey: string };
    const phone = h.sim.createPhone({ phone: '5541933330001', business: true });
    phone.setCompanionRegRefresh(true);
    const qrNow = async () => {
      const r = await h.api('GET', `/v1/channels/${business.channelId}/qr?format=raw`, {
        key: business.apiKey,
      });
      return r.status === 200 ? (r.json.qr as string) : undefined;
    };
    const first = await waitUntil(qrNow, { what: 'a QR' });
    await assert.rejects(
      phone.scan(first),
      (err: unknown) => err instanceof SimulatorError && err.code === 'link_failed',
    );
    const refreshed = await waitUntil(
      async () => {
        const qr = await qrNow();
        return qr && qr !== first ? qr : undefined;
      },
      { what: 'the QR shown again with a new secret' },
    );
    // Same ref (the refresh re-renders the current code), another secret.
    assert.equal(refreshed.split(',')[0], first.split(',')[0]);
    assert.notEqual(refreshed.split(',')[3], first.split(',')[3]);
    await assert.rejects(phone.scan(first), (err: unknown) => err instanceof SimulatorError);

    await phone.scan(refreshed);
    await waitUntil(
      async () =>
        (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json.status ===
        'connected',
      { what: 'connected' },
    );
    assert.equal(phone.linkedDevices().length, 1);
  });
});
