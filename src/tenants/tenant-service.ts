import { performance } from 'node:perf_hooks';
import { AppError } from '../domain/errors.js';
import { isValidTimeZone } from '../domain/sending-window.js';
import type { AccessRepository, ApiKeySummary, Principal } from '../store/access-repository.js';
import type { ChannelsRepository } from '../store/channels-repository.js';
import type { Database } from '../store/database.js';
import type { QrLinksRepository } from '../store/qr-links-repository.js';
import type { Language, Tenant, TenantsRepository } from '../store/tenants-repository.js';

export interface TenantServiceOptions {
  readonly db: Database;
  readonly tenants: TenantsRepository;
  readonly channels: ChannelsRepository;
  readonly access: AccessRepository;
  readonly qrLinks: QrLinksRepository;
  readonly qrLinkTtlMs: number;
  readonly panelLoginTtlMs: number;
  readonly panelSessionTtlMs: number;
  /** How long a support console sign-in lasts (default 12 hours). */
  readonly supportSessionTtlMs?: number;
  /**
   * How long a valid API key's principal is reused without asking the database (default 5 s): the
   * one lookup every API request made. A key revoked through this service stops working at once on
   * this node; on other nodes within this time.
   */
  readonly apiKeyCacheMs?: number;
}

/** Valid keys remembered at most (the oldest is dropped first); unknown keys are never cached. */
const API_KEY_CACHE_MAX = 10_000;

export interface NewTenant {
  readonly tenant: Tenant;
  readonly channelId: string;
  /** Shown once: only its hash is stored. */
  readonly apiKey: string;
}

/** Businesses, their keys and panel access, and support operators. */
export class TenantService {
  private readonly principals = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly o: TenantServiceOptions) {}

  /** Creates a business with its first WhatsApp channel, its QR-page link and an API key, all or nothing. */
  async create(input: { name: string; timeZone: string; language: Language }): Promise<NewTenant> {
    if (!isValidTimeZone(input.timeZone)) {
      throw new AppError('invalid_input', 'timeZone is not an IANA time zone such as America/Sao_Paulo.', {
        details: { field: 'timeZone' },
      });
    }
    return this.o.db.transaction(async (tx) => {
      const tenant = await this.o.tenants.create(input, tx);
      const channel = await this.o.channels.create(tenant.id, 'WhatsApp', tx);
      await this.o.qrLinks.issue(tenant.id, channel.id, this.o.qrLinkTtlMs, tx);
      const { key } = await this.o.access.issueApiKey({ tenantId: tenant.id }, 'initial', tx);
      return { tenant, channelId: channel.id, apiKey: key };
    });
  }

  async get(tenantId: string): Promise<Tenant> {
    const tenant = await this.o.tenants.get(tenantId);
    if (!tenant) throw new AppError('not_found', 'No such business.', { details: { tenantId } });
    return tenant;
  }

  async update(
    tenantId: string,
    input: Partial<{ name: string; timeZone: string; language: Language }>,
  ): Promise<Tenant> {
    if (input.timeZone !== undefined && !isValidTimeZone(input.timeZone)) {
      throw new AppError('invalid_input', 'timeZone is not an IANA time zone such as America/Sao_Paulo.', {
        details: { field: 'timeZone' },
      });
    }
    const tenant = await this.o.tenants.update(tenantId, input);
    if (!tenant) throw new AppError('not_found', 'No such business.', { details: { tenantId } });
    return tenant;
  }

  listForSupport(): Promise<Tenant[]> {
    return this.o.tenants.listAllForSupport();
  }

  async issueApiKey(
    tenantId: string,
    label: string,
  ): Promise<{ id: string; key: string; hint: string; createdAt: Date }> {
    await this.get(tenantId);
    return this.o.access.issueApiKey({ tenantId }, label);
  }

  async issuePanelLogin(tenantId: string): Promise<{ token: string; expiresAt: Date }> {
    await this.get(tenantId);
    return this.o.access.issuePanelLoginLink(tenantId, this.o.panelLoginTtlMs);
  }

  async redeemPanelLogin(token: string): Promise<{ tenantId: string; sessionToken: string }> {
    const session = await this.o.access.redeemPanelLoginLink(token, this.o.panelSessionTtlMs);
    if (!session) throw new AppError('link_gone', 'This login link is no longer valid. Ask for a new one.');
    return session;
  }

  /** Why a login link no longer signs in (used or expired), and whose it was; undefined when unknown. */
  async panelLoginFate(token: string): Promise<{ tenantId: string; fate: 'used' | 'expired' } | undefined> {
    return token.length >= 20 ? this.o.access.panelLoginLinkFate(token) : undefined;
  }

  async tenantForPanelSession(sessionToken: string | undefined): Promise<string | undefined> {
    return sessionToken ? this.o.access.tenantForPanelSession(sessionToken) : undefined;
  }

  /** Sign-out: the session ends on the server, whatever copies of the cookie exist. */
  async endPanelSession(sessionToken: string | undefined): Promise<void> {
    if (sessionToken) await this.o.access.endPanelSession(sessionToken);
  }

  /**
   * Signs an operator into the support console with its API key: a session token for the cookie
   * (the key itself never goes into a cookie); undefined when the key is not a live operator key.
   */
  async openSupportSession(key: string): Promise<string | undefined> {
    const principal = await this.o.access.principalForApiKey(key);
    if (principal?.kind !== 'operator' || !principal.keyId) return undefined;
    return this.o.access.openSupportSession(
      principal.operatorId,
      principal.keyId,
      this.o.supportSessionTtlMs ?? 12 * 3_600_000,
    );
  }

  async operatorForSupportSession(
    sessionToken: string | undefined,
  ): Promise<{ operatorId: string; role: 'support' | 'admin' } | undefined> {
    return sessionToken ? this.o.access.operatorForSupportSession(sessionToken) : undefined;
  }

  async endSupportSession(sessionToken: string | undefined): Promise<void> {
    if (sessionToken) await this.o.access.endSupportSession(sessionToken);
  }

  /** A business's live API keys, without the keys. */
  async listApiKeys(tenantId: string): Promise<ApiKeySummary[]> {
    await this.get(tenantId);
    return this.o.access.listApiKeys(tenantId);
  }

  async principalForApiKey(key: string | undefined): Promise<Principal | undefined> {
    if (!key) return undefined;
    // A cache's age is real elapsed time, not the schedulers' Clock: the monotonic timer.
    const now = performance.now();
    const cached = this.principals.get(key);
    if (cached && cached.until > now) return cached.principal;
    this.principals.delete(key);
    const principal = await this.o.access.principalForApiKey(key);
    if (principal) {
      if (this.principals.size >= API_KEY_CACHE_MAX)
        this.principals.delete(this.principals.keys().next().value as string);
      this.principals.set(key, { principal, until: now + (this.o.apiKeyCacheMs ?? 5_000) });
    }
    return principal;
  }

  /** Revokes a business's API key; on this node it stops working at once (the cache forgets it). */
  async revokeApiKey(tenantId: string, keyId: string): Promise<boolean> {
    const revoked = await this.o.access.revokeApiKey(tenantId, keyId);
    for (const [key, cached] of this.principals)
      if (cached.principal.keyId === keyId) this.principals.delete(key);
    return revoked;
  }

  /** On a brand-new installation, the first admin and its key (shown once); undefined otherwise. */
  async bootstrapAdmin(): Promise<{ operatorId: string; apiKey: string } | undefined> {
    if ((await this.o.access.operatorCount()) > 0) return undefined;
    return this.createOperator('Administrator', 'admin');
  }

  /** A support operator and its key (shown once). */
  async createOperator(
    name: string,
    role: 'support' | 'admin',
  ): Promise<{ operatorId: string; apiKey: string }> {
    const { id } = await this.o.access.createOperator(name, role);
    const { key } = await this.o.access.issueApiKey({ operatorId: id }, 'initial');
    return { operatorId: id, apiKey: key };
  }
}
