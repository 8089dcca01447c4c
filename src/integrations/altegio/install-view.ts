import { ACTIVATION_WINDOW_MS } from './domain/partner-api.js';
import type { AltegioInstall } from './altegio-store.js';
import type { AltegioServiceOptions } from './altegio-service.js';

/** What support sees of a business's ALTEGIO install. */
export interface AltegioInstallView {
  readonly salonId: string;
  readonly state: AltegioInstall['state'];
  readonly installedAt: string;
  readonly activation: {
    readonly state: AltegioInstall['activationState'];
    readonly attempts: number;
    readonly error: string | null;
    readonly activatedAt: string | null;
    readonly deadline: string;
  };
  readonly channelReported: boolean | null;
  readonly recentCalls: ReadonlyArray<{
    readonly kind: string;
    readonly status: string;
    readonly attempts: number;
    readonly lastStatusCode: number | null;
    readonly lastError: string | null;
    readonly createdAt: string;
  }>;
}

export async function installViews(
  o: AltegioServiceOptions,
  tenantId: string,
): Promise<AltegioInstallView[]> {
  const calls = await o.store.calls.recentCalls(tenantId, 20);
  return (await o.store.installsOfTenant(tenantId)).map((i) => ({
    salonId: i.salonId,
    state: i.state,
    installedAt: i.installedAt.toISOString(),
    activation: {
      state: i.activationState,
      attempts: i.activationAttempts,
      error: i.activationError,
      activatedAt: i.activatedAt?.toISOString() ?? null,
      deadline: new Date(i.installedAt.getTime() + ACTIVATION_WINDOW_MS).toISOString(),
    },
    channelReported: i.channelReported,
    recentCalls: calls
      .filter((c) => c.orderingKey === `install:${i.salonId}` || c.kind === 'status_report')
      .map((c) => ({
        kind: c.kind,
        status: c.status,
        attempts: c.attempts,
        lastStatusCode: c.lastStatusCode,
        lastError: c.lastError,
        createdAt: c.createdAt.toISOString(),
      })),
  }));
}
