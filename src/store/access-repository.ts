import type { Queryable } from './database.js';
import { hashToken, newId, newSecretToken } from './tokens.js';

/** Who a credential speaks for: one business, or a support/admin operator. */
export type Principal =
  | { kind: 'tenant'; tenantId: string; keyId?: string }
  | { kind: 'operator'; operatorId: string; role: 'support' | 'admin'; keyId?: string };

/** An API key as its owner may see it again: never the key, only a hint to recognise it by. */
export interface ApiKeySummary {
  readonly id: string;
  readonly label: string;
  /** The key's prefix and last four characters (`zg_live_…x7Qa`); null for keys issued before hints. */
  readonly hint: string | null;
  readonly createdAt: Date;
}

/** What a key's hint shows: enough to tell keys apart, far too little to guess one (256 random bits). */
const keyHint = (key: string): string => `${key.slice(0, key.indexOf('_', 3) + 1)}…${key.slice(-4)}`;

/** API keys, operators, and browser sessions: the panel's (after a login link) and support's. */
export class AccessRepository {
  constructor(private readonly db: Queryable) {}

  async operatorCount(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('select count(*)::int as n from operators');
    return row?.n ?? 0;
  }

  async createOperator(name: string, role: 'support' | 'admin'): Promise<{ id: string }> {
    const id = newId('op');
    await this.db.query('insert into operators (id, name, role) values ($1, $2, $3)', [id, name, role]);
    return { id };
  }

  /** Issues an API key; the plain key is returned once and only its hash is kept. */
  async issueApiKey(
    owner: { tenantId: string } | { operatorId: string },
    label = '',
    tx: Queryable = this.db,
  ): Promise<{ id: string; key: string; hint: string; createdAt: Date }> {
    const id = newId('key');
    const key = newSecretToken('tenantId' in owner ? 'zg_live_' : 'zg_ops_');
    const [row] = await tx.query<{ created_at: Date | string }>(
      `insert into api_keys (id, tenant_id, operator_id, key_hash, label, key_hint)
       values ($1, $2, $3, $4, $5, $6) returning created_at`,
      [
        id,
        'tenantId' in owner ? owner.tenantId : null,
        'operatorId' in owner ? owner.operatorId : null,
        hashToken(key),
        label,
        keyHint(key),
      ],
    );
    return { id, key, hint: keyHint(key), createdAt: new Date(row!.created_at) };
  }

  /** A business's live (unrevoked) keys, oldest first. */
  async listApiKeys(tenantId: string): Promise<ApiKeySummary[]> {
    const rows = await this.db.query<{
      id: string;
      label: string;
      key_hint: string | null;
      created_at: Date;
    }>(
      `select id, label, key_hint, created_at from api_keys
       where tenant_id = $1 and revoked_at is null order by created_at, id`,
      [tenantId],
    );
    return rows.map((r) => ({
      id: r.id,
      label: r.label,
      hint: r.key_hint,
      createdAt: new Date(r.created_at),
    }));
  }

  async principalForApiKey(key: string): Promise<Principal | undefined> {
    const [row] = await this.db.query<{
      id: string;
      tenant_id: string | null;
      operator_id: string | null;
      role: 'support' | 'admin' | null;
    }>(
      `select k.id, k.tenant_id, k.operator_id, o.role from api_keys k left join operators o on o.id = k.operator_id
       where k.key_hash = $1 and k.revoked_at is null`,
      [hashToken(key)],
    );
    if (!row) return undefined;
    if (row.tenant_id) return { kind: 'tenant', tenantId: row.tenant_id, keyId: row.id };
    if (row.operator_id && row.role)
      return { kind: 'operator', operatorId: row.operator_id, role: row.role, keyId: row.id };
    return undefined;
  }

  async revokeApiKey(tenantId: string, keyId: string): Promise<boolean> {
    const rows = await this.db.query(
      'update api_keys set revoked_at = now() where id = $1 and tenant_id = $2 and revoked_at is null returning id',
      [keyId, tenantId],
    );
    return rows.length > 0;
  }

  /**
   * A one-time link that signs a business owner into the panel. Expiries here are the database's
   * time, like the `expires_at > now()` checks that read them (no wall clock read in this process).
   */
  async issuePanelLoginLink(tenantId: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
    const token = newSecretToken();
    const [row] = await this.db.query<{ expires_at: Date | string }>(
      `insert into panel_login_links (token_hash, tenant_id, expires_at)
       values ($1, $2, now() + $3 * interval '1 millisecond') returning expires_at`,
      [hashToken(token), tenantId, ttlMs],
    );
    return { token, expiresAt: new Date(row!.expires_at) };
  }

  /** Uses a login link (once) and opens a panel session; undefined when the link is unknown, used or expired. */
  async redeemPanelLoginLink(
    token: string,
    sessionTtlMs: number,
  ): Promise<{ tenantId: string; sessionToken: string } | undefined> {
    const [row] = await this.db.query<{ tenant_id: string }>(
      'update panel_login_links set used_at = now() where token_hash = $1 and used_at is null and expires_at > now() returning tenant_id',
      [hashToken(token)],
    );
    if (!row) return undefined;
    const sessionToken = newSecretToken();
    // Expired sessions would otherwise stay forever: logins are rare, so tidy up here.
    await this.db.query('delete from panel_sessions where expires_at <= now()');
    await this.db.query(
      `insert into panel_sessions (token_hash, tenant_id, expires_at)
       values ($1, $2, now() + $3 * interval '1 millisecond')`,
      [hashToken(sessionToken), row.tenant_id, sessionTtlMs],
    );
    return { tenantId: row.tenant_id, sessionToken };
  }

  /** What became of a login link that no longer signs in: used, or expired (undefined: unknown). */
  async panelLoginLinkFate(
    token: string,
  ): Promise<{ tenantId: string; fate: 'used' | 'expired' } | undefined> {
    const [row] = await this.db.query<{ tenant_id: string; used: boolean }>(
      'select tenant_id, used_at is not null as used from panel_login_links where token_hash = $1',
      [hashToken(token)],
    );
    return row ? { tenantId: row.tenant_id, fate: row.used ? 'used' : 'expired' } : undefined;
  }

  async tenantForPanelSession(sessionToken: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ tenant_id: string }>(
      'select tenant_id from panel_sessions where token_hash = $1 and expires_at > now()',
      [hashToken(sessionToken)],
    );
    return row?.tenant_id;
  }

  async endPanelSession(sessionToken: string): Promise<void> {
    await this.db.query('delete from panel_sessions where token_hash = $1', [hashToken(sessionToken)]);
  }

  /**
   * Opens a support console session for an operator signed in with one of its keys. The cookie holds
   * this random token (only its hash is stored), never the key; revoking the key ends the session.
   */
  async openSupportSession(operatorId: string, keyId: string, ttlMs: number): Promise<string> {
    const token = newSecretToken('zg_sup_');
    // Ended sessions would otherwise stay forever: sign-ins are rare, so tidy up here.
    await this.db.query('delete from support_sessions where expires_at <= now()');
    await this.db.query(
      `insert into support_sessions (token_hash, operator_id, api_key_id, expires_at)
       values ($1, $2, $3, now() + $4 * interval '1 millisecond')`,
      [hashToken(token), operatorId, keyId, ttlMs],
    );
    return token;
  }

  /** The operator of a live support session (not expired, not signed out, its key not revoked). */
  async operatorForSupportSession(
    token: string,
  ): Promise<{ operatorId: string; role: 'support' | 'admin' } | undefined> {
    const [row] = await this.db.query<{ operator_id: string; role: 'support' | 'admin' }>(
      `select s.operator_id, o.role from support_sessions s
       join operators o on o.id = s.operator_id
       join api_keys k on k.id = s.api_key_id and k.revoked_at is null
       where s.token_hash = $1 and s.expires_at > now()`,
      [hashToken(token)],
    );
    return row ? { operatorId: row.operator_id, role: row.role } : undefined;
  }

  async endSupportSession(token: string): Promise<void> {
    await this.db.query('delete from support_sessions where token_hash = $1', [hashToken(token)]);
  }
}
