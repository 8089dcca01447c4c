import { AppError } from '../domain/errors.js';
import { resolvePacing, type PacingSettings } from '../domain/pacing.js';
import { isClockTime } from '../domain/sending-window.js';
import type { PacingRepository } from '../store/pacing-repository.js';

/** A business's effective pacing, what it overrode, and the time zone its window is read in. */
export interface TenantPacing {
  readonly settings: PacingSettings;
  readonly overrides: Partial<PacingSettings>;
  readonly timeZone: string;
}

const notFound = (tenantId: string): AppError =>
  new AppError('not_found', 'No such business.', { details: { tenantId } });

/** Per-business pacing settings: defaults from the field, overridable per business. */
export class PacingService {
  constructor(private readonly o: { readonly pacing: PacingRepository }) {}

  async get(tenantId: string): Promise<TenantPacing> {
    const stored = await this.o.pacing.get(tenantId);
    if (!stored) throw notFound(tenantId);
    return {
      settings: resolvePacing(stored.overrides),
      overrides: stored.overrides,
      timeZone: stored.timeZone,
    };
  }

  /** Replaces the business's overrides (an empty object restores every default). */
  async set(tenantId: string, overrides: Partial<PacingSettings>): Promise<TenantPacing> {
    const window = overrides.sendingWindow;
    if (window && !(isClockTime(window.start) && window.start !== '24:00'))
      throw new AppError('invalid_input', 'sendingWindow.start: HH:MM, e.g. 08:00.', {
        details: { field: 'sendingWindow.start' },
      });
    if (window && !isClockTime(window.end))
      throw new AppError('invalid_input', 'sendingWindow.end: HH:MM, e.g. 21:00.', {
        details: { field: 'sendingWindow.end' },
      });
    const clean = Object.fromEntries(
      Object.entries(overrides).filter(([, value]) => value !== undefined),
    ) as Partial<PacingSettings>;
    const stored = await this.o.pacing.set(tenantId, clean);
    if (!stored) throw notFound(tenantId);
    return {
      settings: resolvePacing(stored.overrides),
      overrides: stored.overrides,
      timeZone: stored.timeZone,
    };
  }
}
