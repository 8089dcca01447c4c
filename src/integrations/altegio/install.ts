import { parseInstallQuery, secretsEqual, type QueryInput } from './domain/install-params.js';
import type { InstallStatus } from './domain/partner-api.js';
import { AppError } from '../../domain/errors.js';
import type { Language } from '../../store/tenants-repository.js';
import { hashToken, newSecretToken } from '../../store/tokens.js';
import { apiKeyContext, webhookTokenContext, type AltegioActivation } from './activation.js';
import type { AltegioInstall } from './altegio-store.js';
import type { AltegioServiceOptions } from './altegio-service.js';
import { fetchInstallStatus } from './install-status.js';
import type { SalonTimeZones } from './salon-time-zones.js';

/**
 * What a Connect click leads to: a panel session (a new salon, or the owner proven), or the login
 * route (a salon we serve, without proof that this browser is its owner: nothing changed).
 */
export type InstallOutcome =
  | { readonly kind: 'session'; readonly tenantId: string; readonly sessionToken: string }
  | { readonly kind: 'login'; readonly tenantId: string };

/** The install: ALTEGIO's registration URL → a business (or its proven owner) and its activation. */
export class AltegioInstaller {
  constructor(
    private readonly o: AltegioServiceOptions,
    private readonly salonZones: SalonTimeZones,
    private readonly activation: AltegioActivation,
  ) {}

  /**
   * The registration URL ALTEGIO opens when the owner clicks Connect. The URL itself proves nothing
   * (`user_data` is signed but does not name the salon; without it there is only `salon_id`), so:
   * - ALTEGIO's install-status call must show every salon named has our app (a new salon: that it
   *   is installing it), or nothing is created (no squatting on a salon id);
   * - a salon we already serve opens its panel only when the signed `user_data` names the ALTEGIO
   *   user recorded at that salon's install; otherwise the owner is offered the login route and
   *   nothing changes (no session, no new key, nothing revoked).
   * A proven click issues a new key for ALTEGIO; the old one stays valid until the new key's
   * activation succeeds (see callDelivered).
   */
  async install(query: QueryInput, language: Language): Promise<InstallOutcome> {
    const params = parseInstallQuery(query, this.o.config.partnerToken);
    const userId = params.userData?.id;
    const existing = new Map<string, AltegioInstall>();
    for (const salonId of params.salonIds) {
      const install = await this.o.store.install(salonId);
      if (install) existing.set(salonId, install);
    }
    const statuses = new Map<string, InstallStatus | undefined>();
    for (const salonId of params.salonIds)
      statuses.set(salonId, await fetchInstallStatus(this.o.config, salonId));
    const owners = new Set([...existing.values()].map((i) => i.tenantId));
    if (owners.size > 0) {
      const [tenantId] = owners;
      const proven =
        owners.size === 1 &&
        userId !== undefined &&
        [...existing.values()].every(
          (i) => i.ownerUserId !== null && secretsEqual(userId, i.ownerUserId) && statuses.get(i.salonId),
        );
      if (!proven) {
        this.o.logger.warn(
          { tenantId, salonIds: params.salonIds, signedUser: userId !== undefined },
          'ALTEGIO install URL for a salon we serve, without proof of its owner: login offered, nothing changed',
        );
        return { kind: 'login', tenantId: tenantId! };
      }
    }
    for (const salonId of params.salonIds) {
      const status = statuses.get(salonId);
      if (existing.has(salonId) ? !status : status !== 'pending' && status !== 'active')
        throw new AppError('forbidden', 'ALTEGIO does not show this salon installing Zapgate.', {
          details: { field: 'salon_id', salonId },
          internalMessage: `install refused: ALTEGIO's install status of salon ${salonId} is ${status ?? 'none'}`,
        });
    }
    let tenantId = [...owners][0];
    let zonePending = false;
    if (!tenantId) {
      // The business runs on the salon's clock (notices, sending window). When ALTEGIO cannot say
      // the zone now, the default stands in, marked pending (see SalonTimeZones).
      const salonZone = await this.salonZones.lookup(params.salonIds[0]!);
      zonePending = salonZone === undefined;
      const created = await this.o.tenants.create({
        name: params.userData?.salonName?.trim() || `ALTEGIO ${params.salonIds[0]}`,
        timeZone: salonZone ?? this.o.config.defaultTimeZone,
        language,
      });
      tenantId = created.tenant.id;
    }
    const owner = tenantId;
    const linkUp = await this.activation.linkUp(owner);
    const at = this.o.clock.now();
    await this.o.db.transaction(async (tx) => {
      const key = await this.o.access.issueApiKey({ tenantId: owner }, 'altegio', tx);
      for (const salonId of params.salonIds) {
        const webhookToken = newSecretToken('awh_');
        await this.o.store.upsertInstall(
          {
            salonId,
            tenantId: owner,
            applicationId: this.o.config.applicationId,
            apiKeyId: key.id,
            apiKeySealed: this.o.secrets.seal(Buffer.from(key.key), apiKeyContext(salonId)),
            webhookTokenHash: hashToken(webhookToken),
            webhookTokenSealed: this.o.secrets.seal(Buffer.from(webhookToken), webhookTokenContext(salonId)),
            userData: params.userData ? { ...params.userData.raw } : null,
            ownerUserId: userId ?? null,
            linkUp,
            at,
          },
          tx,
        );
        if (zonePending) await this.salonZones.markPending(salonId, tx);
        if (linkUp) await this.activation.enqueueActivation(owner, salonId, at, tx);
      }
    });
    if (linkUp) this.activation.sender.wake();
    this.o.logger.info({ tenantId: owner, salonIds: params.salonIds }, 'ALTEGIO install started');
    const login = await this.o.tenants.issuePanelLogin(owner);
    const { sessionToken } = await this.o.tenants.redeemPanelLogin(login.token);
    return { kind: 'session', tenantId: owner, sessionToken };
  }
}
