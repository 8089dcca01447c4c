import type { Language } from '../domain/languages.js';
import type { Queryable } from './database.js';
import { newId } from './tokens.js';

export { LANGUAGES, type Language } from '../domain/languages.js';

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly language: Language;
  readonly createdAt: Date;
}

interface TenantRow {
  id: string;
  name: string;
  time_zone: string;
  language: Language;
  created_at: Date;
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  name: row.name,
  timeZone: row.time_zone,
  language: row.language,
  createdAt: new Date(row.created_at),
});

/** Businesses. Reading one needs its id; listing them all is for support only. */
export class TenantsRepository {
  constructor(private readonly db: Queryable) {}

  async create(
    input: { name: string; timeZone: string; language: Language },
    tx: Queryable = this.db,
  ): Promise<Tenant> {
    const [row] = await tx.query<TenantRow>(
      'insert into tenants (id, name, time_zone, language) values ($1, $2, $3, $4) returning *',
      [newId('ten'), input.name, input.timeZone, input.language],
    );
    return toTenant(row!);
  }

  async get(tenantId: string): Promise<Tenant | undefined> {
    const [row] = await this.db.query<TenantRow>('select * from tenants where id = $1', [tenantId]);
    return row ? toTenant(row) : undefined;
  }

  async update(
    tenantId: string,
    input: Partial<{ name: string; timeZone: string; language: Language }>,
  ): Promise<Tenant | undefined> {
    const [row] = await this.db.query<TenantRow>(
      `update tenants set name = coalesce($2, name), time_zone = coalesce($3, time_zone), language = coalesce($4, language)
       where id = $1 returning *`,
      [tenantId, input.name ?? null, input.timeZone ?? null, input.language ?? null],
    );
    return row ? toTenant(row) : undefined;
  }

  /** Every business: support's console only. */
  async listAllForSupport(): Promise<Tenant[]> {
    return (await this.db.query<TenantRow>('select * from tenants order by created_at')).map(toTenant);
  }
}
