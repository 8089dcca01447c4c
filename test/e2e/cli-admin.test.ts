import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { LOCK_FILE } from '../../src/store/data-dir-lock.js';
import { TEST_POSTGRES_URL, dropTestSchema } from '../support/databases.js';
import { runCli, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * The CLI's admin commands build the services and nothing else: no port, no dispatcher, no
 * WhatsApp session. Beside a running gateway on PostgreSQL they leave its sessions alone; on the
 * embedded database they are refused while a gateway holds the data folder.
 */

const api = async (base: string, method: string, path: string, key: string, body?: unknown) => {
  const response = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
};

const simulatorEnv = (sim: Simulator) => ({
  WA_SERVER_URL: sim.protocolUrl,
  WA_SERVER_ROOT_KEY: Buffer.from(sim.rootPublicKey).toString('base64'),
});

describe('CLI beside a running gateway on PostgreSQL', () => {
  const schema = `t_cli_${randomBytes(5).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'zapgate-cli-pg-'));
  let sim: Simulator;
  let gateway: GatewayProcess | undefined;
  let env: Record<string, string>;
  let db: pg.Client;

  before(async () => {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    sim = await startSimulator({ receipts: { deliveryDelayMs: 5, readDelayMs: null } });
    env = {
      PORT: '0',
      DATABASE_URL: url.toString(),
      MASTER_KEY: randomBytes(32).toString('base64'),
      DATA_DIR: dataDir,
      RESTORE_STAGGER_MS: '0',
      ...simulatorEnv(sim),
    };
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
  });
  after(async () => {
    await gateway?.stop().catch(() => undefined);
    await db?.end();
    await sim?.stop();
    await dropTestSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('tenant create opens no WhatsApp session and changes no channel', { timeout: 300_000 }, async () => {
    gateway = await startGatewayProcess(env, 90_000);
    const adminKey = gateway.adminKey!;
    assert.ok(adminKey, 'the first start prints an admin key');
    for (let i = 0; i < 2; i++) {
      const created = (
        await api(gateway.url, 'POST', '/v1/tenants', adminKey, { name: `Salon ${i}`, timeZone: 'UTC' })
      ).json;
      const phone = sim.createPhone({ phone: `5541977${String(i).padStart(4, '0')}`, business: true });
      const qr = await waitUntil(
        async () => {
          const r = await api(
            gateway!.url,
            'GET',
            `/v1/channels/${created.channelId}/qr?format=raw`,
            created.apiKey,
          );
          return r.status === 200 ? (r.json.qr as string) : undefined;
        },
        { what: 'a QR' },
      );
      await phone.scan(qr);
      await waitUntil(
        async () =>
          (await api(gateway!.url, 'GET', `/v1/channels/${created.channelId}`, created.apiKey)).json
            .status === 'connected',
        { what: 'connected', timeoutMs: 30_000 },
      );
    }
    const channelRows = async () =>
      (await db.query('select id, status, status_cause, status_changed_at from channels order by id')).rows;
    const before = await channelRows();
    assert.equal(before.length, 2);
    assert.ok(before.every((row) => row.status === 'connected'));

    // Every socket the simulator sees: a login (a restored session) or a registration (a QR).
    const seen: string[] = [];
    sim.events.on('handshake', (h) => seen.push(`handshake ${h.kind} ${h.phone ?? ''}`));
    sim.events.on('online', (o) => seen.push(`online ${o.phone}`));
    sim.events.on('offline', (o) => seen.push(`offline ${o.phone}`));

    const run = await runCli(['tenant', 'create', '--name', 'Barbearia do Zé'], env);
    assert.deepEqual(seen, [], 'the CLI opened no socket to WhatsApp, and no session was knocked off');
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { tenantId: string; channelId: string; apiKey: string };
    assert.ok(printed.tenantId && printed.channelId && printed.apiKey);

    assert.deepEqual(
      await channelRows().then((rows) => rows.filter((r) => r.id !== printed.channelId)),
      before,
    );
    // The new business is there for the running gateway, its API key works.
    const tenant = await api(gateway.url, 'GET', '/v1/tenant', printed.apiKey);
    assert.equal(tenant.status, 200);
    assert.equal(tenant.json.name, 'Barbearia do Zé');

    const operator = await runCli(['operator', 'create', 'Ana'], env);
    assert.equal(operator.code, 0, operator.stderr);
    const link = await runCli(['panel-link', printed.tenantId], env);
    assert.equal(link.code, 0, link.stderr);
    assert.match(link.stdout, /\/panel\/login\//);
    assert.deepEqual(seen, []);
  });
});

describe('embedded database: one process per data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zapgate-cli-lock-'));
  const env = { PORT: '0', DATA_DIR: dataDir, RESTORE_STAGGER_MS: '0' };
  let gateway: GatewayProcess | undefined;
  after(async () => {
    await gateway?.kill().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    'a CLI write or a second start while the gateway runs is refused; a SIGKILLed gateway leaves no lock behind',
    { timeout: 400_000 },
    async () => {
      gateway = await startGatewayProcess(env, 90_000);
      const adminKey = gateway.adminKey!;
      const pid = gateway.child.pid!;
      const lockFile = join(dataDir, LOCK_FILE);
      assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).pid, pid);
      const tenantsBefore = (await api(gateway.url, 'GET', '/v1/tenants', adminKey)).json as unknown[];

      const refused = await runCli(['tenant', 'create', '--name', 'Clínica Sorriso'], env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.ok(refused.stderr.includes(dataDir), `names the folder: ${refused.stderr}`);
      assert.ok(refused.stderr.includes(`pid ${pid}`), `names the running process: ${refused.stderr}`);
      assert.equal(refused.stdout, '');
      const second = await runCli(['start'], env);
      assert.equal(second.code, 2, second.stderr);
      assert.ok(second.stderr.includes(`pid ${pid}`), second.stderr);
      // Nothing was written, and the running gateway still answers with its data.
      const tenantsAfter = (await api(gateway.url, 'GET', '/v1/tenants', adminKey)).json as unknown[];
      assert.deepEqual(tenantsAfter, tenantsBefore);

      // Killed with no chance to clean up: the lock stays, but its process is gone.
      await gateway.kill();
      assert.ok(existsSync(lockFile), 'SIGKILL left the lock file');
      gateway = await startGatewayProcess(env, 90_000);
      assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).pid, gateway.child.pid);
      await gateway.stop();
      gateway = undefined;
      assert.ok(!existsSync(lockFile), 'a graceful stop removes the lock');

      // With no gateway running, the CLI writes.
      const created = await runCli(['tenant', 'create', '--name', 'Clínica Sorriso'], env);
      assert.equal(created.code, 0, created.stderr);
      const { tenantId } = JSON.parse(created.stdout) as { tenantId: string };
      assert.ok(!existsSync(lockFile), 'the CLI released the lock');
      gateway = await startGatewayProcess(env, 90_000);
      const tenants = (await api(gateway.url, 'GET', '/v1/tenants', adminKey)).json as Array<{ id: string }>;
      assert.ok(tenants.some((t) => t.id === tenantId));
    },
  );
});
