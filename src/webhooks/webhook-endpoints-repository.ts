import type { Queryable } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';
import { newId } from '../store/tokens.js';
import type { WebhookEventType } from './webhook-events.js';

/** A business's webhook endpoint (its secret is never part of it: shown once, stored sealed). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  /** The event types it receives; null: every type, including ones added later. */
  readonly events: readonly WebhookEventType[] | null;
  readonly enabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface WebhookEndpointPatch {
  readonly url?: string;
  readonly events?: readonly WebhookEventType[] | null;
  readonly enabled?: boolean;
}

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  event_types: WebhookEventType[] | null;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, tenant_id, url, event_types, enabled, created_at, updated_at';

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  tenantId: row.tenant_id,
  url: row.url,
  events: row.event_types,
  enabled: row.enabled,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

/** The AAD binding a sealed secret to its endpoint: copied to another row, it does not open. */
const secretContext = (endpointId: string): string => `webhook-secret:${endpointId}`;

/** The sealed secrets of an endpoint as stored, opened only by the dispatcher when it signs. */
export interface SealedEndpointSecrets {
  readonly endpointId: string;
  readonly sealed: Uint8Array;
  readonly previousSealed: Uint8Array | null;
  readonly previousExpiresAt: Date | null;
}

/** The secrets to sign with now: the current one, plus the previous one during a rotation's grace. */
export function openEndpointSecrets(secrets: SecretBox, stored: SealedEndpointSecrets, now: Date): string[] {
  const context = secretContext(stored.endpointId);
  const open = [secrets.open(stored.sealed, context).toString('utf8')];
  if (stored.previousSealed && stored.previousExpiresAt && stored.previousExpiresAt.getTime() > now.getTime())
    open.push(secrets.open(stored.previousSealed, context).toString('utf8'));
  return open;
}

/** Webhook endpoints. Every read and write names the tenant. */
export class WebhookEndpointsRepository {
  constructor(
    private readonly db: Queryable,
    private readonly secrets: SecretBox,
  ) {}

  async create(
    tenantId: string,
    input: { url: string; events: readonly WebhookEventType[] | null },
    secret: string,
    now: Date,
    tx: Queryable = this.db,
  ): Promise<WebhookEndpoint> {
    const id = newId('whk');
    const [row] = await tx.query<EndpointRow>(
      `insert into webhook_endpoints (id, tenant_id, url, secret_sealed, event_types, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $6) returning ${COLUMNS}`,
      [id, tenantId, input.url, this.secrets.seal(Buffer.from(secret), secretContext(id)), input.events, now],
    );
    return toEndpoint(row!);
  }

  async get(tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const [row] = await this.db.query<EndpointRow>(
      `select ${COLUMNS} from webhook_endpoints where tenant_id = $1 and id = $2`,
      [tenantId, endpointId],
    );
    return row ? toEndpoint(row) : undefined;
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db.query<EndpointRow>(
      `select ${COLUMNS} from webhook_endpoints where tenant_id = $1 order by created_at, id`,
      [tenantId],
    );
    return rows.map(toEndpoint);
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      'select count(*)::int as n from webhook_endpoints where tenant_id = $1',
      [tenantId],
    );
    return row?.n ?? 0;
  }

  async update(
    tenantId: string,
    endpointId: string,
    patch: WebhookEndpointPatch,
    now: Date,
  ): Promise<WebhookEndpoint | undefined> {
    const params: unknown[] = [tenantId, endpointId, now];
    const set = ['updated_at = $3'];
    for (const [column, value] of [
      ['url', patch.url],
      ['event_types', patch.events],
      ['enabled', patch.enabled],
    ] as const) {
      if (value === undefined) continue;
      params.push(value);
      set.push(`${column} = $${params.length}`);
    }
    const [row] = await this.db.query<EndpointRow>(
      `update webhook_endpoints set ${set.join(', ')} where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
      params,
    );
    return row ? toEndpoint(row) : undefined;
  }

  /** Deletes the endpoint with its delivery log. */
  async remove(tenantId: string, endpointId: string): Promise<boolean> {
    const rows = await this.db.query(
      'delete from webhook_endpoints where tenant_id = $1 and id = $2 returning id',
      [tenantId, endpointId],
    );
    return rows.length > 0;
  }

  /** Replaces the secret; the old one keeps signing alongside until `previousValidUntil`. */
  async rotateSecret(
    tenantId: string,
    endpointId: string,
    secret: string,
    now: Date,
    previousValidUntil: Date,
  ): Promise<WebhookEndpoint | undefined> {
    const [row] = await this.db.query<EndpointRow>(
      `update webhook_endpoints
         set previous_secret_sealed = secret_sealed, previous_secret_expires_at = $4,
             secret_sealed = $3, updated_at = $5
       where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
      [
        tenantId,
        endpointId,
        this.secrets.seal(Buffer.from(secret), secretContext(endpointId)),
        previousValidUntil,
        now,
      ],
    );
    return row ? toEndpoint(row) : undefined;
  }
}
