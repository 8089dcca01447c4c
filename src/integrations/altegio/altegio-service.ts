import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { ChannelChanges } from '../../channels/channel-changes.js';
import type { ChannelService } from '../../channels/channel-service.js';
import type { AltegioConfig } from '../../config.js';
import type { QueryInput } from './domain/install-params.js';
import { PARTNER_TOKEN_PLACEHOLDER, USER_TOKEN_MISSING } from './domain/partner-api.js';
import type { MessageService } from '../../messages/message-service.js';
import type { AccessRepository } from '../../store/access-repository.js';
import type { Database } from '../../store/database.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { Language } from '../../store/tenants-repository.js';
import { hashToken } from '../../store/tokens.js';
import type { TenantService } from '../../tenants/tenant-service.js';
import { AltegioActivation } from './activation.js';
import type { AltegioInstall, AltegioStore } from './altegio-store.js';
import { AltegioInstaller, type InstallOutcome } from './install.js';
import { installViews, type AltegioInstallView } from './install-view.js';
import { applyLifecycleCallback } from './lifecycle.js';
import { OperatorRequests } from './operator-requests.js';
import type { PartnerCallSender } from './partner-call-sender.js';
import { SalonTimeZones } from './salon-time-zones.js';
import type { AltegioScheduleStore } from './schedule-store.js';

export type { InstallOutcome } from './install.js';
export type { AltegioInstallView } from './install-view.js';

export interface AltegioServiceOptions {
  readonly config: AltegioConfig;
  readonly db: Database;
  readonly store: AltegioStore;
  /** The scheduling mode's settings (test mode applies to ALTEGIO's own messages too). */
  readonly schedule: AltegioScheduleStore;
  readonly secrets: SecretBox;
  readonly tenants: TenantService;
  readonly access: AccessRepository;
  readonly channels: ChannelService;
  readonly changes: ChannelChanges;
  readonly messages: MessageService;
  /** Fails a business's waiting messages (uninstall): `cancelled`, reported 16 to ALTEGIO. */
  readonly failWaiting: (tenantId: string, channelId: string) => Promise<unknown>;
  readonly logger: Logger;
  /** The gateway's public base URL (for the webhook URLs ALTEGIO is given). */
  readonly baseUrl: () => string;
  /** The gateway's clock (a ManualClock in tests): install times, retries, the sender's due times. */
  readonly clock: Clock;
}

/** A gap in the ALTEGIO configuration the integration can run with, but not fully. */
export type AltegioConfigProblem = 'user_token_missing';

const CONFIG_PROBLEM_TEXT: Record<AltegioConfigProblem, string> = {
  user_token_missing: USER_TOKEN_MISSING,
};

/**
 * The ALTEGIO Marketplace integration, one object for the routes and the wiring; each concern has
 * its own file: install (install.ts), activation and channel availability (activation.ts, the
 * partner-call sender), lifecycle callbacks (lifecycle.ts), the SMS-provider protocol
 * (operator-requests.ts; status reports go back through the outbox, see altegio-report-sink.ts),
 * and support's view (install-view.ts).
 */
export class AltegioService {
  readonly sender: PartnerCallSender;
  private unsubscribe: (() => void) | undefined;
  private readonly activation: AltegioActivation;
  private readonly installer: AltegioInstaller;
  private readonly operator: OperatorRequests;

  constructor(private readonly o: AltegioServiceOptions) {
    // The salon's time zone, taken by the business an install creates.
    const salonZones = new SalonTimeZones(o);
    this.activation = new AltegioActivation(o, o.clock);
    this.sender = this.activation.sender;
    this.installer = new AltegioInstaller(o, salonZones, this.activation);
    this.operator = new OperatorRequests(o);
  }

  async start(): Promise<void> {
    for (const problem of this.configurationProblems())
      this.o.logger.warn({ problem }, `ALTEGIO integration: ${CONFIG_PROBLEM_TEXT[problem]}`);
    // Rows written before secrets were kept out of tables lose their copy of the partner token.
    await this.o.store.redactPartnerToken(this.o.config.partnerToken, PARTNER_TOKEN_PLACEHOLDER);
    this.unsubscribe = this.o.changes.subscribe((change) => {
      void this.activation
        .linkChanged(change.tenantId)
        .catch((err: unknown) =>
          this.o.logger.error({ err, tenantId: change.tenantId }, 'ALTEGIO: could not follow a link change'),
        );
    });
    this.sender.start();
    // After a restart: report link changes that were waiting for their debounce.
    for (const install of await this.o.store.allInstalls())
      await this.activation.linkChanged(install.tenantId);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.activation.stop();
  }

  /** What is missing from the configuration (logged at start, shown on support's console). */
  configurationProblems(): AltegioConfigProblem[] {
    return this.o.config.userToken ? [] : ['user_token_missing'];
  }

  /** The registration URL ALTEGIO opens when the owner clicks Connect (see install.ts). */
  install(query: QueryInput, language: Language): Promise<InstallOutcome> {
    return this.installer.install(query, language);
  }

  /** ALTEGIO's uninstall / freeze / payment callback. */
  lifecycle(body: unknown): Promise<{ event: string; salonId: string; known: boolean }> {
    return applyLifecycleCallback(this.o, body);
  }

  /** ALTEGIO's SMS-provider request (see operator-requests.ts). */
  deliver(
    authorization: string | undefined,
    /** Called only once the caller is authenticated: a stranger's body is never read. */
    readBody: () => Promise<{ contentType: string | undefined; raw: string }>,
  ): Promise<{ status: number; body: unknown }> {
    return this.operator.deliver(authorization, readBody);
  }

  /** What support sees of a business's ALTEGIO installs. */
  view(tenantId: string): Promise<AltegioInstallView[]> {
    return installViews(this.o, tenantId);
  }

  /** Is this a known install's webhook token? (record webhooks; the scheduling mode) */
  async installForWebhookToken(token: string): Promise<AltegioInstall | undefined> {
    return this.o.store.installByWebhookToken(hashToken(token));
  }
}
