import type { PacingSettings } from '../domain/pacing.js';
import type { Queryable } from './database.js';

/** A business's pacing overrides (only what it changed) and the time zone its window is read in. */
export interface StoredPacing {
  readonly overrides: Partial<PacingSettings>;
  readonly timeZone: string;
}

/** Per-business pacing overrides, kept on the tenant row; defaults live in domain/pacing.ts. */
export class PacingRepository {
  constructor(private readonly db: Queryable) {}

  async get(tenantId: string): Promise<StoredPacing | undefined> {
    const [row] = await this.db.query<{ pacing: Partial<PacingSettings> | null; time_zone: string }>(
      'select pacing, time_zone from tenants where id = $1',
      [tenantId],
    );
    return row ? { overrides: row.pacing ?? {}, timeZone: row.time_zone } : undefined;
  }

  /** Replaces the overrides; undefined when there is no such tenant. */
  async set(tenantId: string, overrides: Partial<PacingSettings>): Promise<StoredPacing | undefined> {
    const [row] = await this.db.query<{ pacing: Partial<PacingSettings>; time_zone: string }>(
      'update tenants set pacing = $2::jsonb where id = $1 returning pacing, time_zone',
      [tenantId, JSON.stringify(overrides)],
    );
    return row ? { overrides: row.pacing, timeZone: row.time_zone } : undefined;
  }
}
