import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { initAuthCreds } from 'baileys';
import { describe, test } from 'node:test';
import { AccessRepository } from '../../src/store/access-repository.js';
import { ChannelAuthStore } from '../../src/whatsapp/channel-auth-store.js';
import { ChannelsRepository } from '../../src/store/channels-repository.js';
import { migrate } from '../../src/store/migrations.js';
import { QrLinksRepository } from '../../src/store/qr-links-repository.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { DATABASE_KINDS, useFreshDatabase } from '../support/databases.js';

for (const kind of DATABASE_KINDS) {
  describe(`store on ${kind}`, () => {
    const t = useFreshDatabase(kind);
    const secrets = new SecretBox(randomBytes(32));

    const newTenant = (name = 'Salon') =>
      new TenantsRepository(t.db).create({ name, timeZone: 'America/Sao_Paulo', language: 'pt-BR' });

    test('migrations are idempotent', async () => {
      assert.deepEqual(await migrate(t.db), []);
    });

    test('channel status changes are recorded with their cause, scoped to the tenant', async () => {
      const channels = new ChannelsRepository(t.db);
      const a = await newTenant('A');
      const b = await newTenant('B');
      const channel = await channels.create(a.id, 'WhatsApp');
      assert.equal(channel.status, 'not_linked');
      const changed = await channels.changeStatus(a.id, channel.id, 'connected', 'opened', {
        phone: '5511999990000',
        business: true,
        platform: 'smba',
        linkedAt: new Date(),
      });
      assert.equal(changed?.status, 'connected');
      assert.equal(changed?.business, true);
      assert.equal(await channels.changeStatus(b.id, channel.id, 'removed', 'device_removed'), undefined);
      assert.equal(await channels.get(b.id, channel.id), undefined);
      assert.deepEqual((await channels.listForTenant(b.id)).length, 0);
      const events = await channels.events(a.id, channel.id);
      assert.deepEqual(
        events.map((e) => [e.status, e.cause]),
        [
          ['connected', 'opened'],
          ['not_linked', 'created'],
        ],
      );
      assert.deepEqual(await channels.events(b.id, channel.id), []);
    });

    test("support's overview: every channel with its latest event, in one query", async () => {
      const channels = new ChannelsRepository(t.db);
      const a = await newTenant('Overview A');
      const b = await newTenant('Overview B');
      const first = await channels.create(a.id, 'First');
      const second = await channels.create(b.id, 'Second');
      await channels.changeStatus(a.id, first.id, 'showing_qr', 'viewer_opened');
      await channels.changeStatus(a.id, first.id, 'not_linked', 'viewers_left');
      const overview = await channels.listAllWithLastEventForSupport();
      const byId = new Map(overview.map((entry) => [entry.channel.id, entry]));
      for (const channel of [first, second]) {
        const [latest] = await channels.events(channel.tenantId, channel.id);
        assert.deepEqual(byId.get(channel.id)?.lastEvent, latest);
        assert.equal(byId.get(channel.id)?.channel.tenantId, channel.tenantId);
      }
      assert.equal(byId.get(first.id)?.lastEvent?.cause, 'viewers_left');
      assert.equal(byId.get(second.id)?.lastEvent?.cause, 'created');
      assert.deepEqual(
        overview.map((entry) => entry.channel.id),
        (await channels.listAllForSupport()).map((channel) => channel.id),
      );
    });

    test('a failed transaction leaves nothing half-written', async () => {
      const tenants = new TenantsRepository(t.db);
      const before = (await tenants.listAllForSupport()).length;
      await assert.rejects(
        t.db.transaction(async (tx) => {
          const tenant = await tenants.create({ name: 'Half', timeZone: 'UTC', language: 'en' }, tx);
          await new ChannelsRepository(t.db).create(tenant.id, 'x', tx);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal((await tenants.listAllForSupport()).length, before);
    });

    test('QR-page links: hashed lookup, copy again, revoke, expiry', async () => {
      const tenant = await newTenant();
      const channel = await new ChannelsRepository(t.db).create(tenant.id, 'WhatsApp');
      const links = new QrLinksRepository(t.db, secrets);
      const { token } = await links.issue(tenant.id, channel.id, 60_000);
      assert.ok(token.length >= 43);
      assert.deepEqual((await links.resolve(token))?.channelId, channel.id);
      assert.equal((await links.current(tenant.id, channel.id))?.token, token);
      const raw = await t.db.query<{ token_hash: string }>('select token_hash from qr_page_links');
      assert.ok(raw.every((r) => r.token_hash !== token));
      await links.revokeAll(tenant.id, channel.id);
      assert.equal(await links.resolve(token), undefined);
      const short = await links.issue(tenant.id, channel.id, -1);
      assert.equal(await links.resolve(short.token), undefined);
    });

    test('API keys and panel login links', async () => {
      const access = new AccessRepository(t.db);
      const tenant = await newTenant();
      const { key, id } = await access.issueApiKey({ tenantId: tenant.id });
      assert.deepEqual(await access.principalForApiKey(key), {
        kind: 'tenant',
        tenantId: tenant.id,
        keyId: id,
      });
      assert.equal(await access.principalForApiKey(key + 'x'), undefined);
      const operator = await access.createOperator('Ana', 'support');
      const ops = await access.issueApiKey({ operatorId: operator.id });
      assert.equal((await access.principalForApiKey(ops.key))?.kind, 'operator');
      assert.equal(await access.revokeApiKey(tenant.id, id), true);
      assert.equal(await access.principalForApiKey(key), undefined);

      const link = await access.issuePanelLoginLink(tenant.id, 60_000);
      const session = await access.redeemPanelLoginLink(link.token, 60_000);
      assert.equal(session?.tenantId, tenant.id);
      assert.equal(
        await access.redeemPanelLoginLink(link.token, 60_000),
        undefined,
        'a login link works once',
      );
      assert.equal(await access.tenantForPanelSession(session.sessionToken), tenant.id);
    });

    test('credentials saved unchanged are not written again; changed ones are, and a wipe forgets', async () => {
      const tenant = await newTenant();
      const channel = await new ChannelsRepository(t.db).create(tenant.id, 'WhatsApp');
      const store = new ChannelAuthStore(t.db, secrets, channel.id);
      const sealedNow = async () =>
        Buffer.from(
          (
            await t.db.query<{ sealed: Uint8Array }>(
              'select sealed from channel_credentials where channel_id = $1',
              [channel.id],
            )
          )[0]?.sealed ?? [],
        ).toString('hex');
      const creds = initAuthCreds();
      await store.saveCreds(creds);
      const first = await sealedNow();
      await store.saveCreds(creds);
      assert.equal(await sealedNow(), first, 'the same credentials again: no write (a write seals anew)');
      // Another instance (the next login) that read them skips an unchanged save too.
      const next = new ChannelAuthStore(t.db, secrets, channel.id);
      await next.saveCreds((await next.loadCreds())!);
      assert.equal(await sealedNow(), first);
      creds.nextPreKeyId += 1;
      await store.saveCreds(creds);
      assert.notEqual(await sealedNow(), first, 'a change is written');
      assert.equal((await next.loadCreds())!.nextPreKeyId, creds.nextPreKeyId);
      await store.clear();
      await store.saveCreds(creds);
      assert.notEqual(await sealedNow(), '', 'after a wipe the same credentials are written again');
    });

    test('linked-device secrets are sealed: no key material in clear in the raw tables', async () => {
      const tenant = await newTenant();
      const channel = await new ChannelsRepository(t.db).create(tenant.id, 'WhatsApp');
      const store = new ChannelAuthStore(t.db, secrets, channel.id);
      const creds = initAuthCreds();
      await store.saveCreds(creds);
      const session = randomBytes(200);
      await store.setKeys({
        session: { '5511988887777.0': session },
        'pre-key': { '1': { public: randomBytes(32), private: randomBytes(32) } },
      });
      const loaded = await store.loadCreds();
      assert.deepEqual(Buffer.from(loaded!.noiseKey.private), Buffer.from(creds.noiseKey.private));
      const keys = await store.getKeys('session', ['5511988887777.0', 'missing']);
      assert.deepEqual(Object.keys(keys), ['5511988887777.0']);
      assert.deepEqual(Buffer.from(keys['5511988887777.0']!), session);

      const dump =
        JSON.stringify(await t.db.query('select * from channel_credentials'), bytesAsHex) +
        JSON.stringify(await t.db.query('select * from channel_signal_keys'), bytesAsHex);
      for (const secret of [
        creds.noiseKey.private,
        creds.signedIdentityKey.private,
        creds.signedPreKey.keyPair.private,
        session.subarray(0, 32),
      ]) {
        assert.ok(!dump.includes(Buffer.from(secret).toString('hex')), 'secret bytes found in clear');
        assert.ok(!dump.includes(Buffer.from(secret).toString('base64')), 'secret base64 found in clear');
      }
      assert.ok(!dump.includes('5511988887777'), 'contact number found in clear');

      await store.setKeys({ session: { '5511988887777.0': null } });
      assert.deepEqual(await store.getKeys('session', ['5511988887777.0']), {});
      await store.clear();
      assert.equal(await store.loadCreds(), undefined);
    });

    test('a sealed value moved to another channel does not open', async () => {
      const tenant = await newTenant();
      const repo = new ChannelsRepository(t.db);
      const one = await repo.create(tenant.id, 'one');
      const two = await repo.create(tenant.id, 'two');
      await new ChannelAuthStore(t.db, secrets, one.id).saveCreds(initAuthCreds());
      await t.db.query(
        'insert into channel_credentials (channel_id, sealed) select $1, sealed from channel_credentials where channel_id = $2',
        [two.id, one.id],
      );
      await assert.rejects(new ChannelAuthStore(t.db, secrets, two.id).loadCreds());
    });
  });
}

function bytesAsHex(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer')
    return Buffer.from((value as { data: number[] }).data).toString('hex');
  return value;
}
