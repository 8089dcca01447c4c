import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { VirtualPhone } from '../../src/simulator/index.js';
import { ChannelAuthStore } from '../../src/whatsapp/channel-auth-store.js';
import { SecretBox, loadMasterKey } from '../../src/store/secret-box.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { deliverySteps } from '../support/linked-business.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Issue 12, behaviour 4: the history sync a device gets when it links carries the phone's chats'
 * metadata (phone↔LID mappings, each contact's trusted-contact token). The gateway keeps that
 * metadata, sealed, and no message body: a business with an existing chat with a client WhatsApp
 * addresses by LID writes to it at once at the LID with the token (strict simulator: no 463). When
 * the phone sends no history sync, the same first message is misaddressed and, at the LID without
 * the token, refused.
 */
describe('history sync metadata: LID mappings and trusted-contact tokens, no message bodies', () => {
  let h: Harness;
  let secrets: SecretBox;
  let seq = 0;
  const nextPhone = () => `55419${String(++seq).padStart(7, '0')}`;
  const HISTORY_TEXT = 'Old chat text 7f3a9c: see you on Tuesday';

  before(async () => {
    h = await startHarness();
    h.sim.network.setStrict(true);
    secrets = new SecretBox(loadMasterKey(undefined, join(h.dataDir, 'master.key')));
  });
  after(async () => {
    h.sim.network.setStrict(false);
    await h.stop();
  });

  const steps = deliverySteps(() => h);
  const { send, settled, refusals } = steps;
  const linkedBusiness = async (client: VirtualPhone, historySync: boolean) => {
    const phone = h.sim.createPhone({
      phone: nextPhone(),
      business: true,
      chats: [{ phone: client.phone, text: HISTORY_TEXT }],
      historySync,
    });
    const synced = new Promise<void>((resolve) => {
      const listener = (e: { phone: string }) => {
        if (e.phone !== phone.phone) return;
        h.sim.events.off('history-sync-sent', listener);
        resolve();
      };
      h.sim.events.on('history-sync-sent', listener);
    });
    const business = await steps.linkedBusiness(phone, 'Salon');
    if (historySync) await synced;
    return business;
  };

  test('a linked phone’s existing chat: the first notification goes to the LID with the token, delivered', async () => {
    const client = h.sim.createPhone({ phone: nextPhone(), lidAddressed: true });
    const b = await linkedBusiness(client, true);
    const store = new ChannelAuthStore(h.gateway.db, secrets, b.channelId);
    const lidUser = client.lid.split('@')[0]!;
    // The metadata lands in the sealed key store (Baileys' lid-mapping and tctoken keys).
    const token = await waitUntil(
      async () => (await store.getKeys('tctoken', [client.lid]))[client.lid]?.token,
      { what: 'the trusted-contact token from the history sync' },
    );
    assert.ok(token.length > 0);
    const mapping = await store.getKeys('lid-mapping', [client.phone]);
    assert.equal(String(mapping[client.phone]).split(':')[0], lidUser);

    const log = refusals();
    const id = await send(b, client, 'Your booking is confirmed');
    const message = await settled(b, id, 'the first notification');
    log.stop();
    assert.equal(message.status, 'delivered', JSON.stringify(message));
    assert.deepEqual(log.seen, [], 'no 463: sent to the LID, with the token');
    assert.deepEqual(
      client.inbox().map((m) => m.text),
      ['Your booking is confirmed'],
    );

    // No history message text anywhere in the database: not in any table in clear, nor in
    // anything sealed (the credentials and every Signal key of the channel, opened).
    const tables = await h.gateway.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = current_schema()`,
    );
    const asText = (rows: unknown) =>
      JSON.stringify(rows, (_k, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
      );
    for (const { table_name } of tables) {
      const text = asText(await h.gateway.db.query(`select * from "${table_name}"`));
      assert.ok(!text.includes('7f3a9c'), `${table_name} holds the history's message text`);
    }
    const sealed = await h.gateway.db.query<{ key_ref: string; sealed: Uint8Array }>(
      'select key_ref, sealed from channel_signal_keys where channel_id = $1',
      [b.channelId],
    );
    assert.ok(sealed.length > 0);
    for (const row of sealed) {
      const opened = secrets.open(row.sealed, `channel:${b.channelId}:${row.key_ref}`).toString('latin1');
      assert.ok(!opened.includes('7f3a9c'), 'a sealed key holds the history’s message text');
    }
    assert.ok(!asText(await store.loadCreds()).includes('7f3a9c'), 'the credentials hold the history’s text');

    // Kept across a restart: the next notification again goes to the LID with the token.
    await h.restartGateway();
    await waitUntil(
      async () =>
        (await h.api('GET', `/v1/channels/${b.channelId}`, { key: b.apiKey })).json.status === 'connected',
      { what: 'the channel restored' },
    );
    const later = refusals();
    assert.equal(
      (await settled(b, await send(b, client, 'Reminder'), 'after the restart')).status,
      'delivered',
    );
    later.stop();
    assert.deepEqual(later.seen, [], 'no 463 after the restart');
  });

  test('without the history sync: the first notification is misaddressed, and refused at the LID without the token', async () => {
    const client = h.sim.createPhone({ phone: nextPhone(), lidAddressed: true });
    const b = await linkedBusiness(client, false);
    const log = refusals();
    const message = await settled(b, await send(b, client, 'Your booking is confirmed'), 'the message');
    log.stop();
    assert.equal(message.status, 'failed', JSON.stringify(message));
    assert.deepEqual(
      log.seen.map((r) => r.cause),
      ['misaddressed', 'no_token'],
    );
    assert.equal(message.failureDetail, 'recipient_token_missing', JSON.stringify(message));
    assert.deepEqual(client.inbox(), []);
  });
});
