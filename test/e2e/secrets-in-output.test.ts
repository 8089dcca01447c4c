import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BufferJSON } from 'baileys';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { openDatabase } from '../../src/store/database.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { processApi, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * Signal private keys must never reach a log. libsignal prints `Closing session: SessionEntry {…}`
 * (private keys included) with console.info whenever a session is replaced, which happens after
 * every restart; the gateway routes libsignal's console away. This test links, sends, restarts,
 * sends again, then looks for every private key in the stored auth state in all the process wrote.
 */
let sim: Simulator;
let gateway: GatewayProcess | undefined;
let dataDir: string;
let env: Record<string, string>;
const masterKey = randomBytes(32);
const written: string[] = [];

before(async () => {
  sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
  dataDir = mkdtempSync(join(tmpdir(), 'zapgate-secrets-'));
  env = {
    PORT: '0',
    DATA_DIR: dataDir,
    MASTER_KEY: masterKey.toString('base64'),
    WA_SERVER_URL: sim.protocolUrl,
    WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
    RESTORE_STAGGER_MS: '0',
    // The most verbose level: not even a debug line may carry a key.
    LOG_LEVEL: 'trace',
  };
});
after(async () => {
  await gateway?.kill().catch(() => undefined);
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = processApi(() => gateway!.url);

/** Every secret value in a stored auth value: private keys, root and chain keys, the ADV secret. */
function collectSecrets(value: unknown, into: Set<string>, secretField = false): void {
  if (value instanceof Uint8Array) {
    if (secretField && value.length >= 16) addForms(Buffer.from(value), into);
    // libsignal's session records are stored as serialised JSON.
    const text = Buffer.from(value).toString();
    if (text.startsWith('{')) {
      try {
        collectSecrets(JSON.parse(text, BufferJSON.reviver), into);
      } catch {
        // not JSON after all
      }
    }
    return;
  }
  if (typeof value === 'string') {
    if (secretField && value.length >= 16) {
      into.add(value);
      const bytes = Buffer.from(value, 'base64');
      if (bytes.length >= 16) addForms(bytes, into);
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, into, secretField);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value))
      collectSecrets(child, into, secretField || /priv|private|rootKey|chainKey|secret/i.test(key));
  }
}

/** The ways a key can be printed: base64, hex, and util.inspect's `<Buffer 08 fb …>`. */
function addForms(bytes: Buffer, into: Set<string>): void {
  into.add(bytes.toString('base64'));
  into.add(bytes.toString('hex'));
  into.add(
    bytes
      .subarray(0, 12)
      .toString('hex')
      .replace(/(..)(?!$)/g, '$1 '),
  );
}

async function storedSecrets(): Promise<Set<string>> {
  const db = await openDatabase({ url: undefined, dataDir: join(dataDir, 'pglite') });
  const secrets = new SecretBox(masterKey);
  const found = new Set<string>();
  try {
    const creds = await db.query<{ channel_id: string; sealed: Uint8Array }>(
      'select channel_id, sealed from channel_credentials',
    );
    for (const row of creds) {
      const raw = secrets.open(row.sealed, `channel:${row.channel_id}:creds`).toString();
      collectSecrets(JSON.parse(raw, BufferJSON.reviver), found);
    }
    const keys = await db.query<{ channel_id: string; key_ref: string; sealed: Uint8Array }>(
      'select channel_id, key_ref, sealed from channel_signal_keys',
    );
    for (const row of keys) {
      const raw = secrets.open(row.sealed, `channel:${row.channel_id}:${row.key_ref}`).toString();
      collectSecrets(JSON.parse(raw, BufferJSON.reviver), found);
    }
  } finally {
    await db.close();
  }
  return found;
}

test(
  'link, send, restart, send: nothing the gateway process writes carries a private key',
  { timeout: 120_000 },
  async () => {
    gateway = await startGatewayProcess(env);
    const adminKey = gateway.adminKey!;
    const created = (
      await api('POST', '/v1/tenants', adminKey, { name: 'Salon', timeZone: 'UTC', language: 'en' })
    ).json;
    const business = sim.createPhone({ phone: '5541977770001', business: true });
    const client = sim.createPhone({ phone: '5541977770002' });
    const qr = await waitUntil(
      async () => {
        const r = await api('GET', `/v1/channels/${created.channelId}/qr?format=raw`, created.apiKey);
        return r.status === 200 ? (r.json.qr as string) : undefined;
      },
      { what: 'a QR' },
    );
    await business.scan(qr);
    const connected = () =>
      waitUntil(
        async () =>
          (await api('GET', `/v1/channels/${created.channelId}`, created.apiKey)).json.status === 'connected',
        { what: 'connected', timeoutMs: 30_000 },
      );
    await connected();
    assert.equal((await api('PUT', '/v1/pacing', created.apiKey, { enabled: false })).status, 200);
    const send = async (text: string) => {
      const r = await api('POST', '/v1/messages', created.apiKey, { to: `+${client.phone}`, text });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      await waitUntil(() => client.inbox().some((m) => m.text === text), { what: text, timeoutMs: 30_000 });
    };
    await send('Before the restart');
    await gateway.stop();
    written.push(gateway.output());

    gateway = await startGatewayProcess(env);
    await connected();
    await send('After the restart');
    // The contact answers: the gateway's session with the contact's phone turns over.
    await client.sendMessage(business.phone, 'Thanks!');
    await waitUntil(
      async () => {
        const r = await api('GET', `/v1/channels/${created.channelId}`, created.apiKey);
        return r.status === 200;
      },
      { what: 'the gateway still answering' },
    );
    await send('After the answer');
    await gateway.stop();
    written.push(gateway.output());
    gateway = undefined;

    const output = written.join('\n');
    const secrets = await storedSecrets();
    assert.ok(secrets.size >= 6, `the stored auth state has private keys to look for (${secrets.size})`);
    for (const needle of ['privKey', 'SessionEntry', 'rootKey']) {
      assert.ok(!output.includes(needle), `the output mentions ${needle}`);
    }
    const leaked = [...secrets].filter((secret) => output.includes(secret));
    assert.deepEqual(leaked.length, 0, `${leaked.length} private key(s) appear in the process output`);
    // The gateway's own logs still reach stdout.
    assert.match(output, /"msg":"ready"/);
    assert.match(output, /WhatsApp session open/);
  },
);
