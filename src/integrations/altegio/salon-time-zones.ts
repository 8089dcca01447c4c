import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { AltegioConfig } from '../../config.js';
import { partnerHeaders } from './domain/partner-api.js';
import { timeZoneFromCompany, timeZoneFromSalonsList } from './domain/salon-info.js';
import type { Queryable } from '../../store/database.js';
import type { TenantService } from '../../tenants/tenant-service.js';
import type { AltegioScheduleStore } from './schedule-store.js';

export interface SalonTimeZonesOptions {
  readonly config: AltegioConfig;
  readonly schedule: AltegioScheduleStore;
  readonly tenants: TenantService;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** A salon whose zone could not be read is asked again after this long (record webhooks ask). */
const RETRY_AFTER_MS = 10 * 60_000;

/**
 * The salon's time zone, as ALTEGIO reports it: the business an install creates takes it, so its
 * booking notices and its sending window run on the salon's clock (a UTC default showed a 12:10
 * (+05:00) visit as 07:10). Asked at install; when ALTEGIO cannot say then, the install is marked
 * pending, the records' own offsets write their times meanwhile (templates.ts, appointmentTimeZone),
 * and record webhooks ask again (at most every 10 minutes per salon) until the business takes it.
 */
export class SalonTimeZones {
  private readonly lastTry = new Map<string, number>();

  constructor(private readonly o: SalonTimeZonesOptions) {}

  /**
   * `timezone_name` of the salon: from the salons list of our application (partner token), else
   * from the company (partner and User token, when the User token is set). Undefined when neither
   * says (a failed call counts as not saying: the install must not fail for it).
   */
  async lookup(salonId: string): Promise<string | undefined> {
    const { config } = this.o;
    const fromList = await this.read(
      `${config.marketplaceUrl}/marketplace/application/${encodeURIComponent(config.applicationId)}/salons`,
      partnerHeaders(config.partnerToken, undefined, config.accept),
      (answer) => timeZoneFromSalonsList(answer, salonId),
    );
    if (fromList !== undefined || !config.userToken) return fromList;
    return this.read(
      `${config.restUrl}/company/${encodeURIComponent(salonId)}`,
      partnerHeaders(config.partnerToken, config.userToken, config.accept),
      timeZoneFromCompany,
    );
  }

  /** Remembers that the business created for `salonId` still waits for the salon's zone. */
  markPending(salonId: string, tx?: Queryable): Promise<void> {
    return this.o.schedule.setTimeZonePending(salonId, true, tx);
  }

  /** True once the business's zone is its salons' (nothing pending). */
  async known(tenantId: string, tx?: Queryable): Promise<boolean> {
    return (await this.o.schedule.timeZonePendingSalons(tenantId, tx)).length === 0;
  }

  /**
   * Asks ALTEGIO again for a business still waiting for its salon's zone; when it answers, the
   * business takes the zone and is no longer pending. True when the zone is known after the call.
   */
  async adoptPending(tenantId: string): Promise<boolean> {
    const pending = await this.o.schedule.timeZonePendingSalons(tenantId);
    if (pending.length === 0) return true;
    const now = this.o.clock.now().getTime();
    for (const salonId of pending) {
      if (now - (this.lastTry.get(salonId) ?? -Infinity) < RETRY_AFTER_MS) continue;
      this.lastTry.set(salonId, now);
      const zone = await this.lookup(salonId);
      if (zone === undefined) continue;
      await this.o.tenants.update(tenantId, { timeZone: zone });
      for (const id of pending) await this.o.schedule.setTimeZonePending(id, false);
      this.lastTry.delete(salonId);
      this.o.logger.info(
        { tenantId, salonId, timeZone: zone },
        'ALTEGIO: the business took its salon’s time zone',
      );
      return true;
    }
    return false;
  }

  private async read(
    url: string,
    headers: Record<string, string>,
    pick: (answer: unknown) => string | undefined,
  ): Promise<string | undefined> {
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
      if (!response.ok) {
        await response.body?.cancel();
        this.o.logger.warn({ status: response.status, url }, 'ALTEGIO: could not read the salon’s time zone');
        return undefined;
      }
      return pick(await response.json());
    } catch (err) {
      this.o.logger.warn({ err, url }, 'ALTEGIO: could not read the salon’s time zone');
      return undefined;
    }
  }
}
