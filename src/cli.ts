/**
 * The command line: `npm start` runs the gateway; `npm run sandbox` runs it against the simulator
 * with virtual phones; the admin commands use the built services only (no port, no dispatcher, no
 * WhatsApp session): beside running gateways on PostgreSQL, and on the embedded database only while
 * no gateway runs on it (its data folder's lock says which process holds it).
 */
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { buildGateway, startGateway, type BuiltGateway } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { reachabilityNotes } from './domain/reachability.js';
import { DataDirLockedError } from './store/data-dir-lock.js';
import type { Language } from './store/tenants-repository.js';

const USAGE = `Usage:
  zapgate [start]                 run the gateway (config from the environment; see README)
  zapgate sandbox                 gateway + WhatsApp simulator + virtual phones, no phone needed
  zapgate tenant create --name NAME [--time-zone America/Sao_Paulo] [--language pt-BR]
  zapgate panel-link TENANT_ID    a one-time login link into a business's panel
  zapgate operator create NAME [--role support|admin]`;

function config(overrides: Record<string, string> = {}): Config {
  try {
    return loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * SIGTERM/SIGINT stop the gateway; a stop that takes longer than `deadlineMs` (a session that will
 * not close, a database that does not answer) ends with the process anyway: nothing is lost by it,
 * as every accepted message is stored before it is acknowledged and an interrupted send goes again
 * with the same WhatsApp id after the next start. A second signal exits at once.
 */
function stopOnSignals(stop: () => Promise<void>, deadlineMs: number, log: (msg: string) => void): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    setTimeout(() => {
      log(`the stop took more than ${deadlineMs} ms; exiting anyway`);
      process.exit(1);
    }, deadlineMs).unref();
    void stop().then(
      // 0, or the code a failure set before it asked for the stop (a lost session thread: 1).
      () => process.exit(),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** A second process on one embedded database: said plainly, exit code 2 (like a bad config). */
async function refusedIfLocked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * Runs one administrative action on the built services: no port, no dispatcher, no WhatsApp
 * session (a running gateway on PostgreSQL keeps its sessions; on the embedded database the
 * data folder's lock refuses the command while a gateway runs).
 */
async function withGateway<T>(action: (gateway: BuiltGateway) => Promise<T>): Promise<T> {
  const gateway = await refusedIfLocked(() => buildGateway(config({ LOG_LEVEL: 'warn' })));
  try {
    return await action(gateway);
  } finally {
    await gateway.close();
  }
}

// Whatever this process writes (the embedded database, the master key) is for this user only,
// whatever umask it was started with: PGlite creates its files 0666 and relies on the umask.
process.umask(0o077);

// npm's scripts run the Node 24 that `npm install` brought (README); a direct `node` or `tsx` call
// may not. Zapgate still works on older Node, but slows down as sessions are added (Baileys #2806).
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 24)
  console.warn(
    `zapgate: running on Node.js ${process.versions.node}; Node 24 LTS is required for many sessions ` +
      '(run through npm: `npm start`, which uses the Node 24 that `npm install` brought).',
  );

/** This machine's IPv4 addresses a phone on the same network could reach. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && i.family === 'IPv4' && !i.internal)
    .map((i) => i!.address);
}

const [command = 'start', ...rest] = process.argv.slice(2);
switch (command) {
  case 'start': {
    const settings = config();
    const gateway = await refusedIfLocked(() => startGateway(settings));
    const admin = await gateway.tenants.bootstrapAdmin();
    if (admin) {
      console.log(
        `First start: an admin API key was created. It is shown only now; keep it safe:\n  ${admin.apiKey}`,
      );
      console.log(
        `Open ${gateway.url}/support, sign in with that key and click "Create business" to get its ` +
          `panel link and API key.\nAPI documentation: ${gateway.url}/docs  (${gateway.url}/openapi.json)`,
      );
    }
    for (const note of reachabilityNotes({
      url: gateway.url,
      host: settings.host,
      port: Number(new URL(gateway.url).port || settings.port),
      lanAddresses: lanAddresses(),
    }))
      console.log(note);
    gateway.logger.info({ url: gateway.url }, 'ready');
    stopOnSignals(
      () => gateway.stop(),
      settings.shutdownTimeoutMs,
      (msg) => gateway.logger.warn(msg),
    );
    break;
  }
  case 'sandbox': {
    const { runSandbox } = await import('./sandbox.js');
    const stop = await refusedIfLocked(() => runSandbox(config));
    stopOnSignals(stop, config().shutdownTimeoutMs, (msg) => console.warn(msg));
    break;
  }
  case 'tenant': {
    const { values } = parseArgs({
      args: rest.slice(1),
      options: {
        name: { type: 'string' },
        'time-zone': { type: 'string', default: 'UTC' },
        language: { type: 'string', default: 'en' },
      },
    });
    if (rest[0] !== 'create' || !values.name) {
      console.error(USAGE);
      process.exit(2);
    }
    await withGateway(async (gateway) => {
      const created = await gateway.tenants.create({
        name: values.name ?? '',
        timeZone: values['time-zone'],
        language: values.language as Language,
      });
      const login = await gateway.tenants.issuePanelLogin(created.tenant.id);
      const link = await gateway.channels.qrPageToken(created.tenant.id, created.channelId);
      const base = config().publicUrl ?? `http://${config().host}:${config().port}`;
      console.log(
        JSON.stringify(
          {
            tenantId: created.tenant.id,
            channelId: created.channelId,
            apiKey: created.apiKey,
            panelLoginUrl: `${base}/panel/login/${login.token}`,
            qrPageUrl: `${base}/link/${link.token}`,
          },
          null,
          2,
        ),
      );
    });
    break;
  }
  case 'panel-link': {
    const tenantId = rest[0];
    if (!tenantId) {
      console.error(USAGE);
      process.exit(2);
    }
    await withGateway(async (gateway) => {
      const login = await gateway.tenants.issuePanelLogin(tenantId);
      const base = config().publicUrl ?? `http://${config().host}:${config().port}`;
      console.log(`${base}/panel/login/${login.token}`);
    });
    break;
  }
  case 'operator': {
    const { values, positionals } = parseArgs({
      args: rest.slice(1),
      allowPositionals: true,
      options: { role: { type: 'string', default: 'support' } },
    });
    const name = positionals[0];
    if (rest[0] !== 'create' || !name || (values.role !== 'support' && values.role !== 'admin')) {
      console.error(USAGE);
      process.exit(2);
    }
    await withGateway(async (gateway) => {
      const created = await gateway.tenants.createOperator(name, values.role as 'support' | 'admin');
      console.log(JSON.stringify(created, null, 2));
    });
    break;
  }
  default:
    console.error(USAGE);
    process.exit(2);
}
