/**
 * `npm run sandbox`: the gateway, the WhatsApp network simulator and virtual phones in one process,
 * with a demo business, so a newcomer can link a "phone" and see it work with no phone at all.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway } from './app.js';
import type { Config } from './config.js';
import { startSimulator } from './simulator/index.js';
import { startFakeAltegio } from './integrations/altegio/fake/fake-altegio.js';

const ALTEGIO_PARTNER_TOKEN = 'sandbox-partner-token-not-secret';
const ALTEGIO_APPLICATION_ID = '1001';
const ALTEGIO_SALON_ID = 424242;

const BUSINESS_PHONE = '5511900000001';
const CLIENT_PHONES = [
  { phone: '5511900000002', name: 'Ana Souza' },
  { phone: '5511900000003', name: 'Bruno Lima' },
];

export async function runSandbox(
  config: (overrides?: Record<string, string>) => Config,
): Promise<() => Promise<void>> {
  const base = config();
  // The simulator keeps its phones in memory only, so each sandbox run starts from a clean slate.
  const dataDir = join(base.dataDir, 'sandbox');
  rmSync(dataDir, { recursive: true, force: true });
  const simulator = await startSimulator({ host: base.host, port: base.port ? base.port + 1 : 0 });
  simulator.createPhone({ phone: BUSINESS_PHONE, name: 'Demo Salon', business: true });
  for (const client of CLIENT_PHONES) simulator.createPhone(client);
  // A fake ALTEGIO, so the marketplace flow (Connect, activation, messages, reminders) can be tried too.
  const altegio = await startFakeAltegio({
    partnerToken: ALTEGIO_PARTNER_TOKEN,
    applicationId: ALTEGIO_APPLICATION_ID,
    host: base.host,
    webhooksOnRecordChange: true,
    ...(base.port ? { port: base.port + 2 } : {}),
  });
  // ALTEGIO tells the salon's time zone; the business the Connect click creates takes it.
  altegio.setSalon(ALTEGIO_SALON_ID, {
    title: 'Sandbox Salon (ALTEGIO)',
    timezone_name: 'America/Sao_Paulo',
  });
  const gateway = await startGateway(
    config({
      WA_SERVER_URL: simulator.protocolUrl,
      WA_SERVER_ROOT_KEY: Buffer.from(simulator.rootPublicKey).toString('base64'),
      ALTEGIO_PARTNER_TOKEN,
      ALTEGIO_APPLICATION_ID,
      ALTEGIO_API_URL: altegio.url,
      ALTEGIO_USER_TOKEN: altegio.userToken,
      ALTEGIO_CALLBACK_HOSTS: new URL(altegio.url).hostname,
      // The simulator forgets its phones when it stops, so the sandbox keeps its own data apart.
      DATA_DIR: dataDir,
    }),
  );
  const admin = await gateway.tenants.bootstrapAdmin();
  const existing = await gateway.tenants.listForSupport();
  let tenantId = existing[0]?.id;
  // The demo business's API key, printed below with a ready curl (a fresh key when the business
  // already existed: keys are stored hashed and cannot be shown again).
  let apiKey: string;
  if (!tenantId) {
    const created = await gateway.tenants.create({
      name: 'Demo Salon',
      timeZone: 'America/Sao_Paulo',
      language: 'en',
    });
    tenantId = created.tenant.id;
    apiKey = created.apiKey;
  } else apiKey = (await gateway.tenants.issueApiKey(tenantId, 'sandbox')).key;
  const [channel] = await gateway.channels.list(tenantId);
  const login = await gateway.tenants.issuePanelLogin(tenantId);
  const link = channel ? await gateway.channels.qrPageToken(tenantId, channel.id) : undefined;
  console.log(`
Zapgate sandbox is running (no real WhatsApp involved).

  1. Open the business panel:   ${gateway.url}/panel/login/${login.token}
     (or the standalone QR page: ${link ? `${gateway.url}/link/${link.token}` : 'n/a'})
  2. Open the virtual phone:    ${simulator.controlUrl}/phone/${BUSINESS_PHONE}
     Settings → Linked devices → Link a device, then give it a screenshot of the QR.
  ALTEGIO instead (Integrations → Notifications → Connect), as a new salon:
                                ${altegio.registrationUrl(`${gateway.url}/altegio/install`, ALTEGIO_SALON_ID, { id: 1, name: 'Owner', salon_name: 'Sandbox Salon (ALTEGIO)' })}
     then link its WhatsApp; the fake ALTEGIO sends messages and bookings: ${altegio.url}/
  3. Clients' phones:           ${CLIENT_PHONES.map((c) => `${simulator.controlUrl}/phone/${c.phone}`).join('\n                                ')}
  4. Once linked, send a message from the API (Demo Salon's API key: ${apiKey}):
     ${sandboxCurl(gateway.url, apiKey, CLIENT_PHONES[0]!.phone)}
     API documentation: ${gateway.url}/docs
${admin ? `\n  Support console: ${gateway.url}/support  (admin key, shown once: ${admin.apiKey})` : `\n  Support console: ${gateway.url}/support`}
  Simulator for other gateways: ${JSON.stringify({ protocolUrl: simulator.protocolUrl, controlUrl: simulator.controlUrl, rootPublicKey: Buffer.from(simulator.rootPublicKey).toString('base64') })}
`);
  return async () => {
    await gateway.stop();
    await altegio.stop();
    await simulator.stop();
  };
}

/** A ready-to-paste curl that sends one message from the demo business (what step 4 prints). */
export function sandboxCurl(baseUrl: string, apiKey: string, toPhone: string): string {
  const body = JSON.stringify({ to: `+${toPhone}`, text: 'Hello from the Zapgate sandbox' });
  return [
    `curl -sS -X POST ${baseUrl}/v1/messages`,
    `-H 'authorization: Bearer ${apiKey}'`,
    `-H 'content-type: application/json'`,
    `-H "idempotency-key: demo-$(date +%s)"`,
    `-d '${body}'`,
  ].join(' \\\n       ');
}
