import type { Queryable } from './database.js';

/** A business's message template in one language. */
export interface MessageTemplate {
  readonly tenantId: string;
  readonly name: string;
  readonly language: string;
  readonly body: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface TemplateRow {
  tenant_id: string;
  name: string;
  language: string;
  body: string;
  created_at: Date;
  updated_at: Date;
}

const toTemplate = (row: TemplateRow): MessageTemplate => ({
  tenantId: row.tenant_id,
  name: row.name,
  language: row.language,
  body: row.body,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

/** Message templates, per business, name and language. Every query names the tenant. */
export class TemplatesRepository {
  constructor(private readonly db: Queryable) {}

  async list(tenantId: string): Promise<MessageTemplate[]> {
    const rows = await this.db.query<TemplateRow>(
      'select * from message_templates where tenant_id = $1 order by name, language',
      [tenantId],
    );
    return rows.map(toTemplate);
  }

  async get(tenantId: string, name: string, language: string): Promise<MessageTemplate | undefined> {
    const [row] = await this.db.query<TemplateRow>(
      'select * from message_templates where tenant_id = $1 and name = $2 and language = $3',
      [tenantId, name, language],
    );
    return row ? toTemplate(row) : undefined;
  }

  /**
   * The template to use for `name`: in `language` when given; otherwise in the business's own
   * language if it has that version, else its only (or alphabetically first) version.
   */
  async find(tenantId: string, name: string, language?: string): Promise<MessageTemplate | undefined> {
    if (language !== undefined) return this.get(tenantId, name, language);
    const [row] = await this.db.query<TemplateRow>(
      `select t.* from message_templates t
       where t.tenant_id = $1 and t.name = $2
       order by (t.language = (select language from tenants where id = $1)) desc, t.language
       limit 1`,
      [tenantId, name],
    );
    return row ? toTemplate(row) : undefined;
  }

  /** Creates or replaces a template; `created` tells which. */
  async put(
    tenantId: string,
    name: string,
    language: string,
    body: string,
    at: Date,
  ): Promise<{ template: MessageTemplate; created: boolean }> {
    const [row] = await this.db.query<TemplateRow & { inserted: boolean }>(
      `insert into message_templates (tenant_id, name, language, body, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $5)
       on conflict (tenant_id, name, language) do update set body = excluded.body, updated_at = excluded.updated_at
       returning *, (xmax = 0) as inserted`,
      [tenantId, name, language, body, at],
    );
    return { template: toTemplate(row!), created: row!.inserted };
  }

  /** True when there was such a template. */
  async delete(tenantId: string, name: string, language: string): Promise<boolean> {
    const rows = await this.db.query<{ name: string }>(
      'delete from message_templates where tenant_id = $1 and name = $2 and language = $3 returning name',
      [tenantId, name, language],
    );
    return rows.length > 0;
  }
}
