import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { startGateway, type Gateway } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { waitUntil } from '../support/wait-for.js';
import { daytimeClock } from '../support/daytime-clock.js';

/**
 * The simulator's state file (SIMULATOR_STATE_FILE): a simulator restarted with it is the same
 * network, so a gateway's linked channel logs in again with no new scan and its Signal sessions
 * with a recipient still work (what the scale bench relies on to link its devices once).
 */
const dir = mkdtempSync(join(tmpdir(), 'zapgate-sim-state-'));
const stateFile = join(dir, 'simulator-state.jsonl');
const running: { sim?: Simulator; gateway?: Gateway } = {};
after(async () => {
  await running.gateway?.stop().catch(() => undefined);
  await running.sim?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const receipts = { deliveryDelayMs: 5, readDelayMs: null };

async function api(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(running.gateway!.url + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

async function startGatewayOn(sim: Simulator, dataDir: string): Promise<Gateway> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    WA_SERVER_URL: sim.protocolUrl,
    WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
    RESTORE_STAGGER_MS: '20',
  });
  return startGateway(config, {
    logger: pino({ level: 'silent' }),
    clock: daytimeClock(),
  });
}

const channelStatus = async (business: { channelId: string; apiKey: string }): Promise<string> =>
  (await api('GET', `/v1/channels/${business.channelId}`, business.apiKey)).json.status as string;

test(
  'a simulator restarted with its state file lets the gateway restore a linked channel with no new scan',
  { timeout: 180_000 },
  async () => {
    const sim = await startSimulator({ stateFile, receipts });
    running.sim = sim;
    assert.deepEqual(sim.stateAtStart, { file: stateFile, loaded: false, accounts: 0, devices: 0 });
    const port = Number(new URL(sim.controlUrl).port);
    const gatewayData = join(dir, 'gateway');
    running.gateway = await startGatewayOn(sim, gatewayData);
    const admin = (await running.gateway.tenants.bootstrapAdmin())!;
    const created = await api('POST', '/v1/tenants', admin.apiKey, {
      name: 'Salon',
      timeZone: 'UTC',
      language: 'en',
    });
    const business = created.json as { channelId: string; apiKey: string };
    const owner = sim.createPhone({ phone: '5531900000001', business: true });
    const client = sim.createPhone({ phone: '5531900000002' });
    const qr = await waitUntil(
      async () => {
        const r = await api('GET', `/v1/channels/${business.channelId}/qr?format=raw`, business.apiKey);
        return r.status === 200 ? (r.json.qr as string) : undefined;
      },
      { what: 'a QR' },
    );
    await owner.scan(qr);
    await waitUntil(async () => (await channelStatus(business)) === 'connected', { what: 'connected' });
    const send = async (text: string, key: string) =>
      api('POST', '/v1/messages', business.apiKey, { to: `+${client.phone}`, text, idempotencyKey: key });
    assert.equal((await send('Before the restart', 'one')).status, 202);
    await waitUntil(() => client.inbox().some((m) => m.text === 'Before the restart'), {
      what: 'the first message in the chat',
    });

    // The whole network restarts (gateway and simulator); the simulator writes its file at stop.
    await running.gateway.stop();
    running.gateway = undefined;
    await sim.stop();
    running.sim = undefined;
    assert.match(readFileSync(stateFile, 'utf8').split('\n')[0]!, /"accounts":2,"devices":1/);

    const again = await startSimulator({ stateFile, receipts, port });
    running.sim = again;
    assert.deepEqual(again.stateAtStart, { file: stateFile, loaded: true, accounts: 2, devices: 1 });
    assert.deepEqual(again.rootPublicKey, sim.rootPublicKey);
    running.gateway = await startGatewayOn(again, gatewayData);
    await waitUntil(async () => (await channelStatus(business)) === 'connected', {
      what: 'the channel restored on the restarted simulator',
      timeoutMs: 30_000,
    });
    // Restored, not relinked: still the one device the first scan linked.
    assert.equal(again.phone(owner.phone).linkedDevices().length, 1);
    // The Signal sessions on both sides survived: the next message decrypts in the same chat.
    assert.equal((await send('After the restart', 'two')).status, 202);
    const recipient = again.phone(client.phone);
    await waitUntil(() => recipient.inbox().some((m) => m.text === 'After the restart'), {
      what: 'the second message in the chat',
      timeoutMs: 30_000,
    });
  },
);

test('a state file cut short is refused at start, not read as an empty network', async () => {
  const cut = join(dir, 'cut.jsonl');
  const whole = readFileSync(stateFile, 'utf8').split('\n');
  writeFileSync(cut, whole.slice(0, 2).join('\n') + '\n');
  await assert.rejects(startSimulator({ stateFile: cut }), /incomplete/);
});
