import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AltegioStore } from '../../src/integrations/altegio/altegio-store.js';
import { AccessRepository } from '../../src/store/access-repository.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { DATABASE_KINDS, useFreshDatabase } from '../support/databases.js';

/** ALTEGIO's install rows: who installed, which keys ALTEGIO may still hold, no secret in clear. */
for (const kind of DATABASE_KINDS) {
  describe(`ALTEGIO store on ${kind}`, () => {
    const t = useFreshDatabase(kind);

    const at = new Date('2026-03-03T09:00:00Z');
    const setUp = async () => {
      const tenant = await new TenantsRepository(t.db).create({ name: 'S', timeZone: 'UTC', language: 'en' });
      const access = new AccessRepository(t.db);
      const store = new AltegioStore(t.db);
      let n = 0;
      const install = async (salonId: string, ownerUserId: string | null) => {
        const key = await access.issueApiKey({ tenantId: tenant.id }, 'altegio');
        await t.db.transaction((tx) =>
          store.upsertInstall(
            {
              salonId,
              tenantId: tenant.id,
              applicationId: '1',
              apiKeyId: key.id,
              apiKeySealed: Buffer.from('sealed'),
              webhookTokenHash: `hash-${salonId}-${++n}`,
              webhookTokenSealed: Buffer.from('sealed'),
              userData: null,
              ownerUserId,
              linkUp: false,
              at,
            },
            tx,
          ),
        );
        return key.id;
      };
      return { tenant, store, install };
    };

    test('a new Connect click keeps the old key as superseded; the first owner stays recorded', async () => {
      const { store, install } = await setUp();
      const first = await install('9001', '11');
      const second = await install('9001', '99');
      const row = (await store.install('9001'))!;
      assert.equal(row.apiKeyId, second);
      assert.deepEqual(row.supersededApiKeyIds, [first]);
      assert.equal(row.ownerUserId, '11', 'a later click never changes the recorded owner');
      const third = await install('9001', null);
      assert.deepEqual((await store.install('9001'))!.supersededApiKeyIds, [first, second]);
      assert.deepEqual((await store.retiredKeys('9001')).sort(), [first, second].sort());
      await store.clearSuperseded('9001');
      assert.deepEqual((await store.install('9001'))!.supersededApiKeyIds, []);
      assert.equal((await store.install('9001'))!.apiKeyId, third);
    });

    test('a superseded key another salon still uses is not retired', async () => {
      const { store, install } = await setUp();
      const shared = await install('9101', '1');
      await install('9102', '1');
      // One Connect click for two branches gives both salons the same key.
      await t.db.query('update altegio_installs set api_key_id = $1 where salon_id = $2', [shared, '9102']);
      await install('9101', '1');
      assert.deepEqual((await store.install('9101'))!.supersededApiKeyIds, [shared]);
      assert.deepEqual(await store.retiredKeys('9101'), [], 'salon 9102 still uses it');
    });

    test('stored callback URLs lose the partner token', async () => {
      const { tenant, store, install } = await setUp();
      await install('9201', null);
      await store.setDeliveryCallbackUrl(
        tenant.id,
        'https://app.alteg.io/smsprovider/status/callback/pt-123',
      );
      await store.calls.enqueueCall({
        tenantId: tenant.id,
        kind: 'status_report',
        orderingKey: 'report:x',
        method: 'POST',
        url: 'https://app.alteg.io/smsprovider/status/callback/pt-123',
        body: [],
        at,
        retryUntil: at,
      });
      await store.redactPartnerToken('pt-123', '{partner_token}');
      assert.equal(
        (await store.install('9201'))!.deliveryCallbackUrl,
        'https://app.alteg.io/smsprovider/status/callback/{partner_token}',
      );
      const [call] = await store.calls.recentCalls(tenant.id, 1);
      assert.equal(call!.url, 'https://app.alteg.io/smsprovider/status/callback/{partner_token}');
    });
  });
}
