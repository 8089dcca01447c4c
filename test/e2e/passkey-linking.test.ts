import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SimulatorError } from '../../src/simulator/errors.js';
import { en } from '../../src/web/catalogue-en.js';
import { es } from '../../src/web/catalogue-es.js';
import { ptBR } from '../../src/web/catalogue-pt-br.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Since mid-2026 WhatsApp asks some accounts for a passkey (WebAuthn) check after the scan, which a
 * gateway cannot answer. The channel says so (cause passkey_required, with what the owner can do in
 * three languages) instead of a QR that seems to work and never links; once the owner removes the
 * passkey on the phone, a scan of the live QR links. Opt-in per phone in the simulator.
 */
describe('passkey-gated linking', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('a passkey request is named on the channel; after the owner removes the passkey a scan links', async () => {
    const business = (
      await h.api('POST', '/v1/tenants', {
        key: h.adminKey,
        body: { name: 'Salon', timeZone: 'UTC', language: 'en' },
      })
    ).json as { channelId: string; apiKey: string };
    const phone = h.sim.createPhone({ phone: '5541922220001', business: true });
    phone.setPasskeyRequired(true);
    const channel = async () =>
      (await h.api('GET', `/v1/channels/${business.channelId}`, { key: business.apiKey })).json;
    const qrNow = async () => {
      const r = await h.api('GET', `/v1/channels/${business.channelId}/qr?format=raw`, {
        key: business.apiKey,
      });
      return r.status === 200 ? (r.json.qr as string) : undefined;
    };
    const qr = await waitUntil(qrNow, { what: 'a QR' });
    await assert.rejects(
      phone.scan(qr),
      (err: unknown) => err instanceof SimulatorError && err.code === 'passkey_required',
    );
    const gated = await waitUntil(
      async () => {
        const c = await channel();
        return c.cause === 'passkey_required' ? c : undefined;
      },
      { what: 'the channel naming the passkey request' },
    );
    assert.equal(gated.status, 'showing_qr');
    for (const words of [en, es, ptBR].map((c) => c['cause.passkey_required']))
      assert.match(words, /passkey/i, 'the guidance names the passkey');

    // The owner removes the passkey on the phone and scans the QR still on offer.
    phone.setPasskeyRequired(false);
    await phone.scan(await waitUntil(qrNow, { what: 'the live QR' }));
    await waitUntil(async () => (await channel()).status === 'connected', { what: 'connected' });
  });
});
