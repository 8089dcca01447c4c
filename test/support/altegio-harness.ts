/**
 * Steps the ALTEGIO tests share: find the business an install created (by its salon name) and link
 * its channel through support's API with a virtual phone, so ALTEGIO activates the install.
 */
import type { FakeActivation, FakeAltegio } from '../../src/integrations/altegio/fake/fake-altegio.js';
import type { VirtualPhone } from '../../src/simulator/index.js';
import type { Harness } from './gateway-harness.js';
import { waitUntil } from './wait-for.js';

/** The business an install created, and its (first) channel's support path. */
export async function installedBusiness(
  h: Harness,
  salonName: string,
): Promise<{ tenantId: string; channelPath: string }> {
  const tenants = (await h.api('GET', '/v1/tenants', { key: h.adminKey })).json as Array<{
    id: string;
    name: string;
  }>;
  const tenant = tenants.find((t) => t.name === salonName);
  if (!tenant) throw new Error(`no business named ${salonName}`);
  const base = `/v1/tenants/${tenant.id}/channels`;
  const [channel] = (await h.api('GET', base, { key: h.adminKey })).json as Array<{ id: string }>;
  return { tenantId: tenant.id, channelPath: `${base}/${channel!.id}` };
}

/** Scans the channel's current QR (read through support's API) with `phone`. */
export async function scanChannelQr(h: Harness, channelPath: string, phone: VirtualPhone): Promise<void> {
  const qr = await waitUntil(
    async () => {
      const r = await h.api('GET', `${channelPath}/qr?format=raw`, { key: h.adminKey });
      return r.status === 200 ? (r.json.qr as string) : undefined;
    },
    { what: 'a QR' },
  );
  await phone.scan(qr);
}

/** Waits until the fake ALTEGIO has accepted the salon's activation. */
export function activationOf(fake: FakeAltegio, salonId: number): Promise<FakeActivation> {
  return waitUntil(() => fake.activations.get(String(salonId)), { what: 'activated', timeoutMs: 20_000 });
}

/**
 * The gateway's ALTEGIO settings pointing at `fake`: its host (both bases default to `<host>/api/v1`),
 * the system user's token, callbacks to 127.0.0.1, a short "link up" debounce.
 */
export function altegioEnv(fake: FakeAltegio, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ALTEGIO_PARTNER_TOKEN: fake.partnerToken,
    ALTEGIO_APPLICATION_ID: fake.applicationId,
    ALTEGIO_API_URL: fake.url,
    ALTEGIO_USER_TOKEN: fake.userToken,
    ALTEGIO_CALLBACK_HOSTS: '127.0.0.1',
    ALTEGIO_CHANNEL_UP_AFTER_MS: '300',
    ...extra,
  };
}
