// What the fake ALTEGIO remembers: the calls it received, injected failures, activations,
// channel availability, records, salons, status reports and install statuses. One object: the
// server, the partner routes and the sandbox buttons read and write its fields (`state.x`).
import type { Hono } from 'hono';
import { systemClock } from '../../../clock.js';
import type {
  AltegioRecordData,
  FakeActivation,
  FakeAltegioOptions,
  FakeInstallStatus,
  FakeSalon,
  RecordedCall,
} from './types.js';

/** The fake's Hono app: each request's recorded call rides along. */
export type FakeApp = Hono<{ Variables: { call: RecordedCall } }>;

export type FakeAltegioState = ReturnType<typeof createFakeAltegioState>;

export function createFakeAltegioState(options: FakeAltegioOptions) {
  const partnerToken = options.partnerToken;
  const clock = options.clock ?? systemClock;
  const installs = new Map<
    string,
    { status: FakeInstallStatus; logs: { status_from: string | null; status_to: string; date: string }[] }
  >();
  return {
    options,
    partnerToken,
    applicationId: String(options.applicationId),
    recorded: [] as RecordedCall[],
    // Each waiter sees every finished call; `stop` rejects those still waiting.
    waiters: new Set<{ see: (call: RecordedCall) => void; cancel: () => void }>(),
    failures: [] as { prefix: string; remaining: number; status: number }[],
    activations: new Map<string, FakeActivation>(),
    channels: new Map<string, Record<string, boolean>>(),
    records: new Map<string, AltegioRecordData>(),
    salons: new Map<string, FakeSalon>(),
    reports: [] as Record<string, unknown>[],
    recordKey: (company: string | number, record: string | number) => `${company}/${record}`,
    webhookBearer: options.webhookBearer ?? partnerToken,
    clock,
    accept: options.accept ?? 'application/vnd.api.v2+json',
    userToken: options.userToken ?? `${partnerToken}-user`,
    installs,
    setInstallStatus: (salonId: string | number, status: FakeInstallStatus | undefined): void => {
      const key = String(salonId);
      if (status === undefined) {
        installs.delete(key);
        return;
      }
      const previous = installs.get(key);
      if (previous?.status === status) return;
      installs.set(key, {
        status,
        logs: [
          ...(previous?.logs ?? []),
          { status_from: previous?.status ?? null, status_to: status, date: clock.now().toISOString() },
        ],
      });
    },
    /** The fake's own URL, known once it listens (the sandbox's status-callback URL). */
    selfUrl: '',
  };
}
