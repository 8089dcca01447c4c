import type { Queryable } from './database.js';
import type { SecretBox } from './secret-box.js';
import { hashToken, newSecretToken } from './tokens.js';

/**
 * Secret links to the standalone QR page: a long random token, stored hashed, with an expiry;
 * Reset revokes every link of the channel and issues a new one. The token is also kept sealed so
 * support and the panel can copy the current link again; lookups go by hash only.
 */
export class QrLinksRepository {
  constructor(
    private readonly db: Queryable,
    private readonly secrets: SecretBox,
  ) {}

  async issue(
    tenantId: string,
    channelId: string,
    ttlMs: number,
    tx: Queryable = this.db,
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = newSecretToken();
    // The database's time, like the `expires_at > now()` checks that read it.
    const [row] = await tx.query<{ expires_at: Date | string }>(
      `insert into qr_page_links (token_hash, sealed_token, tenant_id, channel_id, expires_at)
       values ($1, $2, $3, $4, now() + $5 * interval '1 millisecond') returning expires_at`,
      [
        hashToken(token),
        this.secrets.seal(Buffer.from(token), `qr-link:${channelId}`),
        tenantId,
        channelId,
        ttlMs,
      ],
    );
    return { token, expiresAt: new Date(row!.expires_at) };
  }

  /** The channel's newest live link, to copy again; undefined when none is live. */
  async current(
    tenantId: string,
    channelId: string,
  ): Promise<{ token: string; expiresAt: Date } | undefined> {
    const [row] = await this.db.query<{ sealed_token: Uint8Array; expires_at: Date }>(
      `select sealed_token, expires_at from qr_page_links
       where tenant_id = $1 and channel_id = $2 and revoked_at is null and expires_at > now()
       order by created_at desc limit 1`,
      [tenantId, channelId],
    );
    if (!row) return undefined;
    return {
      token: this.secrets.open(row.sealed_token, `qr-link:${channelId}`).toString(),
      expiresAt: new Date(row.expires_at),
    };
  }

  /** The channel a live token opens, or undefined for an unknown, revoked or expired token. */
  async resolve(
    token: string,
  ): Promise<{ tenantId: string; channelId: string; expiresAt: Date } | undefined> {
    const [row] = await this.db.query<{ tenant_id: string; channel_id: string; expires_at: Date }>(
      'select tenant_id, channel_id, expires_at from qr_page_links where token_hash = $1 and revoked_at is null and expires_at > now()',
      [hashToken(token)],
    );
    return row
      ? { tenantId: row.tenant_id, channelId: row.channel_id, expiresAt: new Date(row.expires_at) }
      : undefined;
  }

  async revokeAll(tenantId: string, channelId: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      'update qr_page_links set revoked_at = now() where tenant_id = $1 and channel_id = $2 and revoked_at is null',
      [tenantId, channelId],
    );
  }
}
