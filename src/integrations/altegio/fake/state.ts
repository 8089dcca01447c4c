// What the fake ALTEGIO remembers: the calls it received, injected failures, activations,
// channel availability, records, salons, status reports and install statuses.
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
  const applicationId = String(options.applicationId);
  const recorded: RecordedCall[] = [];
  // Each waiter sees every finished call; `stop` rejects those still waiting.
  const waiters = new Set<{ see: (call: RecordedCall) => void; cancel: () => void }>();
  const failures: { prefix: string; remaining: number; status: number }[] = [];
  const activations = new Map<string, FakeActivation>();
  const channels = new Map<string, Record<string, boolean>>();
  const records = new Map<string, AltegioRecordData>();
  const salons = new Map<string, FakeSalon>();
  const reports: Record<string, unknown>[] = [];
  const recordKey = (company: string | number, record: string | number) => `${company}/${record}`;
  const webhookBearer = options.webhookBearer ?? partnerToken;
  const clock = options.clock ?? systemClock;
  const accept = options.accept ?? 'application/vnd.api.v2+json';
  const userToken = options.userToken ?? `${partnerToken}-user`;
  const installs = new Map<
    string,
    { status: FakeInstallStatus; logs: { status_from: string | null; status_to: string; date: string }[] }
  >();
  const setInstallStatus = (salonId: string | number, status: FakeInstallStatus | undefined) => {
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
  };
  return {
    options,
    partnerToken,
    applicationId,
    recorded,
    waiters,
    failures,
    activations,
    channels,
    records,
    salons,
    reports,
    recordKey,
    webhookBearer,
    clock,
    accept,
    userToken,
    installs,
    setInstallStatus,
    /** The fake's own URL, known once it listens (the sandbox's status-callback URL). */
    selfUrl: '',
  };
}
