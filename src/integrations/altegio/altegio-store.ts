import type { Queryable } from '../../store/database.js';
import { PartnerCallStore } from './partner-call-store.js';

export type { NewPartnerCall, PartnerCall, PartnerCallKind } from './partner-call-store.js';

export type InstallState = 'pending' | 'active' | 'frozen' | 'uninstalled';
export type ActivationState = 'waiting_link' | 'sending' | 'accepted' | 'failed' | 'expired';

/** One ALTEGIO salon's install of the app. */
export interface AltegioInstall {
  readonly salonId: string;
  readonly tenantId: string;
  readonly applicationId: string;
  readonly state: InstallState;
  readonly apiKeyId: string | null;
  readonly apiKeySealed: Buffer | null;
  readonly webhookTokenSealed: Buffer;
  readonly userData: Record<string, unknown> | null;
  /** The ALTEGIO user whose signed Connect click created this install (null: sent no user data). */
  readonly ownerUserId: string | null;
  /** Keys ALTEGIO may still use, revoked once the activation of the current key succeeds. */
  readonly supersededApiKeyIds: readonly string[];
  readonly installedAt: Date;
  readonly activationState: ActivationState;
  readonly activationAttempts: number;
  readonly activationError: string | null;
  readonly activatedAt: Date | null;
  readonly channelReported: boolean | null;
  readonly linkUp: boolean;
  readonly linkChangedAt: Date;
  readonly deliveryCallbackUrl: string | null;
  readonly updatedAt: Date;
}

interface InstallRow {
  salon_id: string;
  tenant_id: string;
  application_id: string;
  state: InstallState;
  api_key_id: string | null;
  api_key_sealed: Buffer | null;
  webhook_token_sealed: Buffer;
  user_data: Record<string, unknown> | null;
  owner_user_id: string | null;
  superseded_api_key_ids: unknown;
  installed_at: Date;
  activation_state: ActivationState;
  activation_attempts: number;
  activation_error: string | null;
  activated_at: Date | null;
  channel_reported: boolean | null;
  link_up: boolean;
  link_changed_at: Date;
  delivery_callback_url: string | null;
  updated_at: Date;
}

const toInstall = (r: InstallRow): AltegioInstall => ({
  salonId: r.salon_id,
  tenantId: r.tenant_id,
  applicationId: r.application_id,
  state: r.state,
  apiKeyId: r.api_key_id,
  apiKeySealed: r.api_key_sealed ? Buffer.from(r.api_key_sealed) : null,
  webhookTokenSealed: Buffer.from(r.webhook_token_sealed),
  userData: r.user_data,
  ownerUserId: r.owner_user_id,
  supersededApiKeyIds: Array.isArray(r.superseded_api_key_ids)
    ? (r.superseded_api_key_ids as unknown[]).filter((k): k is string => typeof k === 'string')
    : [],
  installedAt: new Date(r.installed_at),
  activationState: r.activation_state,
  activationAttempts: r.activation_attempts,
  activationError: r.activation_error,
  activatedAt: r.activated_at ? new Date(r.activated_at) : null,
  channelReported: r.channel_reported,
  linkUp: r.link_up,
  linkChangedAt: new Date(r.link_changed_at),
  deliveryCallbackUrl: r.delivery_callback_url,
  updatedAt: new Date(r.updated_at),
});

/** ALTEGIO's rows: installs, the report ledger, payments; `calls` is the partner-call outbox. */
export class AltegioStore {
  readonly calls: PartnerCallStore;

  constructor(private readonly db: Queryable) {
    this.calls = new PartnerCallStore(db);
  }

  async install(salonId: string, tx: Queryable = this.db): Promise<AltegioInstall | undefined> {
    const [row] = await tx.query<InstallRow>('select * from altegio_installs where salon_id = $1', [salonId]);
    return row ? toInstall(row) : undefined;
  }

  async installsOfTenant(tenantId: string, tx: Queryable = this.db): Promise<AltegioInstall[]> {
    const rows = await tx.query<InstallRow>(
      'select * from altegio_installs where tenant_id = $1 order by installed_at, salon_id',
      [tenantId],
    );
    return rows.map(toInstall);
  }

  async allInstalls(): Promise<AltegioInstall[]> {
    const rows = await this.db.query<InstallRow>(
      "select * from altegio_installs where state <> 'uninstalled' order by installed_at",
    );
    return rows.map(toInstall);
  }

  async installByWebhookToken(tokenHash: string): Promise<AltegioInstall | undefined> {
    const [row] = await this.db.query<InstallRow>(
      'select * from altegio_installs where webhook_token_hash = $1',
      [tokenHash],
    );
    return row ? toInstall(row) : undefined;
  }

  /**
   * Creates the install, or starts it again (a new Connect click) with fresh keys and a new window.
   * The key ALTEGIO had is not revoked here: it joins `superseded_api_key_ids` (revoked when the new
   * key's activation succeeds), so a Connect click that never activates cannot cut ALTEGIO off.
   */
  async upsertInstall(
    input: {
      salonId: string;
      tenantId: string;
      applicationId: string;
      apiKeyId: string;
      apiKeySealed: Buffer;
      webhookTokenHash: string;
      webhookTokenSealed: Buffer;
      userData: Record<string, unknown> | null;
      /** Recorded when the install is created; a later click never changes it. */
      ownerUserId: string | null;
      linkUp: boolean;
      at: Date;
    },
    tx: Queryable,
  ): Promise<AltegioInstall> {
    const [row] = await tx.query<InstallRow>(
      `insert into altegio_installs (salon_id, tenant_id, application_id, state, api_key_id, api_key_sealed,
         webhook_token_hash, webhook_token_sealed, user_data, installed_at, activation_state, link_up,
         link_changed_at, updated_at, owner_user_id)
       values ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, 'waiting_link', $10, $9, $9, $11)
       on conflict (salon_id) do update set
         superseded_api_key_ids = case
           when altegio_installs.api_key_id is null
             or altegio_installs.superseded_api_key_ids ? altegio_installs.api_key_id
           then altegio_installs.superseded_api_key_ids
           else altegio_installs.superseded_api_key_ids || jsonb_build_array(altegio_installs.api_key_id) end,
         owner_user_id = coalesce(altegio_installs.owner_user_id, excluded.owner_user_id),
         tenant_id = excluded.tenant_id, application_id = excluded.application_id, state = 'pending',
         api_key_id = excluded.api_key_id, api_key_sealed = excluded.api_key_sealed,
         webhook_token_hash = excluded.webhook_token_hash, webhook_token_sealed = excluded.webhook_token_sealed,
         user_data = coalesce(excluded.user_data, altegio_installs.user_data),
         installed_at = excluded.installed_at, activation_state = 'waiting_link', activation_attempts = 0,
         activation_error = null, activated_at = null, channel_reported = null,
         link_up = excluded.link_up, link_changed_at = excluded.link_changed_at, updated_at = excluded.updated_at
       returning *`,
      [
        input.salonId,
        input.tenantId,
        input.applicationId,
        input.apiKeyId,
        input.apiKeySealed,
        input.webhookTokenHash,
        input.webhookTokenSealed,
        input.userData === null ? null : JSON.stringify(input.userData),
        input.at,
        input.linkUp,
        input.ownerUserId,
      ],
    );
    return toInstall(row!);
  }

  /** Keys superseded at this salon that no install still uses (to revoke after an activation). */
  async retiredKeys(salonId: string, tx: Queryable = this.db): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      `select distinct k.id from altegio_installs i,
         jsonb_array_elements_text(i.superseded_api_key_ids) as k(id)
       where i.salon_id = $1
         and not exists (select 1 from altegio_installs o where o.api_key_id = k.id)`,
      [salonId],
    );
    return rows.map((r) => r.id);
  }

  /** Forgets superseded keys of a salon (they were revoked). */
  async clearSuperseded(salonId: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`update altegio_installs set superseded_api_key_ids = '[]'::jsonb where salon_id = $1`, [
      salonId,
    ]);
  }

  /**
   * Rows written before secrets were kept out of tables: the partner token in stored callback URLs
   * becomes the placeholder (the token is config, so this runs at start, not in a migration).
   */
  async redactPartnerToken(partnerToken: string, placeholder: string): Promise<void> {
    await this.db.query(
      `update altegio_installs set delivery_callback_url = replace(delivery_callback_url, $1, $2)
       where strpos(delivery_callback_url, $1) > 0`,
      [partnerToken, placeholder],
    );
    await this.db.query(`update altegio_calls set url = replace(url, $1, $2) where strpos(url, $1) > 0`, [
      partnerToken,
      placeholder,
    ]);
  }

  async setState(salonId: string, state: InstallState, at: Date, tx: Queryable = this.db): Promise<void> {
    await tx.query('update altegio_installs set state = $2, updated_at = $3 where salon_id = $1', [
      salonId,
      state,
      at,
    ]);
  }

  async setActivation(
    salonId: string,
    change: { state: ActivationState; attempts?: number; error?: string | null; activatedAt?: Date },
    at: Date,
    tx: Queryable = this.db,
  ): Promise<void> {
    await tx.query(
      `update altegio_installs set activation_state = $2,
         activation_attempts = coalesce($3, activation_attempts),
         activation_error = case when $4::boolean then $5 else activation_error end,
         activated_at = coalesce($6, activated_at),
         state = case when $2 = 'accepted' and state = 'pending' then 'active' else state end,
         updated_at = $7
       where salon_id = $1`,
      [
        salonId,
        change.state,
        change.attempts ?? null,
        change.error !== undefined,
        change.error ?? null,
        change.activatedAt ?? null,
        at,
      ],
    );
  }

  /** The link's state now; `link_changed_at` moves only when it flips. */
  async setLink(salonId: string, linkUp: boolean, at: Date): Promise<void> {
    await this.db.query(
      `update altegio_installs set link_changed_at = case when link_up = $2 then link_changed_at else $3 end,
         link_up = $2, updated_at = $3 where salon_id = $1`,
      [salonId, linkUp, at],
    );
  }

  async setChannelReported(
    salonId: string,
    reported: boolean | null,
    tx: Queryable = this.db,
  ): Promise<void> {
    await tx.query('update altegio_installs set channel_reported = $2 where salon_id = $1', [
      salonId,
      reported,
    ]);
  }

  async setDeliveryCallbackUrl(tenantId: string, url: string): Promise<void> {
    await this.db.query(
      `update altegio_installs set delivery_callback_url = $2
       where tenant_id = $1 and delivery_callback_url is distinct from $2`,
      [tenantId, url],
    );
  }

  /** Where this business's status reports go (the last callback URL ALTEGIO gave). */
  async deliveryCallbackUrl(tenantId: string, tx: Queryable): Promise<string | undefined> {
    const [row] = await tx.query<{ url: string }>(
      `select delivery_callback_url as url from altegio_installs
       where tenant_id = $1 and delivery_callback_url is not null order by updated_at desc limit 1`,
      [tenantId],
    );
    return row?.url;
  }

  /** The last code reported for a message, locked until the caller's transaction ends. */
  async lastReported(messageId: string, tx: Queryable): Promise<number | undefined> {
    const [row] = await tx.query<{ last_code: number }>(
      'select last_code from altegio_reports where message_id = $1 for update',
      [messageId],
    );
    return row ? Number(row.last_code) : undefined;
  }

  async setLastReported(messageId: string, code: number, tx: Queryable): Promise<void> {
    await tx.query(
      `insert into altegio_reports (message_id, last_code) values ($1, $2)
       on conflict (message_id) do update set last_code = excluded.last_code`,
      [messageId, code],
    );
  }

  async recordPayment(tenantId: string, salonId: string, payload: unknown, at: Date): Promise<void> {
    await this.db.query(
      'insert into altegio_payments (tenant_id, salon_id, payload, at) values ($1, $2, $3::jsonb, $4)',
      [tenantId, salonId, JSON.stringify(payload), at],
    );
  }
}
