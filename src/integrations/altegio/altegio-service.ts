import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import type { ChannelChanges } from '../../channels/channel-changes.js';
import type { ChannelService } from '../../channels/channel-service.js';
import type { AltegioConfig } from '../../config.js';
import { parseInstallQuery, secretsEqual, type QueryInput } from './domain/install-params.js';
import {
  operatorAnswer,
  operatorErrorResponse,
  parseOperatorBody,
  parseOperatorRequest,
  refusedEntry,
  type OperatorEntryError,
} from './domain/operator-request.js';
import {
  activationBody,
  activationOutcome,
  attendanceUpdateBody,
  type Attendance,
  bearerToken,
  businessHeaders,
  decideChannelReport,
  expandPartnerToken,
  installStatusUrl,
  parseInstallStatus,
  PARTNER_TOKEN_PLACEHOLDER,
  redactPartnerToken,
  storedActivationBody,
  USER_TOKEN_MISSING,
  type InstallStatus,
  nextActivationAttempt,
  parseLifecycleCallback,
  partnerHeaders,
  updateChannelBody,
  ACTIVATION_WINDOW_MS,
} from './domain/partner-api.js';
import { smsParts } from './domain/status-report.js';
import { hasLinkedDevice } from '../../domain/channel-status.js';
import { AppError } from '../../domain/errors.js';
import type { MessageService } from '../../messages/message-service.js';
import type { AccessRepository } from '../../store/access-repository.js';
import type { Database, Queryable } from '../../store/database.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { Language } from '../../store/tenants-repository.js';
import { hashToken, newSecretToken } from '../../store/tokens.js';
import type { TenantService } from '../../tenants/tenant-service.js';
import type { AltegioInstall, AltegioStore, PartnerCall } from './altegio-store.js';
import { CallNotSent, PartnerCallSender, defaultRetryAt, defaultVerdict } from './partner-call-sender.js';
import { SalonTimeZones } from './salon-time-zones.js';
import type { AltegioScheduleStore } from './schedule-store.js';

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
  readonly clock?: Clock;
  /** Only the time, for a caller without a Clock (its jumps then wait for the sender's next poll). */
  readonly now?: () => Date;
}

const apiKeyContext = (salonId: string) => `altegio-api-key:${salonId}`;
const webhookTokenContext = (salonId: string) => `altegio-webhook:${salonId}`;

/**
 * What a Connect click leads to: a panel session (a new salon, or the owner proven), or the login
 * route (a salon we serve, without proof that this browser is its owner: nothing changed).
 */
export type InstallOutcome =
  | { readonly kind: 'session'; readonly tenantId: string; readonly sessionToken: string }
  | { readonly kind: 'login'; readonly tenantId: string };

/** A gap in the ALTEGIO configuration the integration can run with, but not fully. */
export type AltegioConfigProblem = 'user_token_missing';

const CONFIG_PROBLEM_TEXT: Record<AltegioConfigProblem, string> = {
  user_token_missing: USER_TOKEN_MISSING,
};

/** What support sees of a business's ALTEGIO install. */
export interface AltegioInstallView {
  readonly salonId: string;
  readonly state: AltegioInstall['state'];
  readonly installedAt: string;
  readonly activation: {
    readonly state: AltegioInstall['activationState'];
    readonly attempts: number;
    readonly error: string | null;
    readonly activatedAt: string | null;
    readonly deadline: string;
  };
  readonly channelReported: boolean | null;
  readonly recentCalls: ReadonlyArray<{
    readonly kind: string;
    readonly status: string;
    readonly attempts: number;
    readonly lastStatusCode: number | null;
    readonly lastError: string | null;
    readonly createdAt: string;
  }>;
}

/**
 * The ALTEGIO Marketplace integration: install (registration URL → business + linking step),
 * activation once the WhatsApp link is up (retried within the 12-hour window), channel availability
 * (debounced), lifecycle callbacks, and the SMS-provider protocol (ALTEGIO's messages into our
 * queue; status reports back through the partner-call outbox, see altegio-report-sink.ts).
 */
export class AltegioService {
  readonly sender: PartnerCallSender;
  private readonly now: () => Date;
  private unsubscribe: (() => void) | undefined;
  private readonly linkTimers = new Map<string, NodeJS.Timeout>();
  /** The scheduling mode's settings: test mode applies to ALTEGIO's own messages too. */

  /** The salon's time zone, taken by the business an install creates. */
  private readonly salonZones: SalonTimeZones;

  constructor(private readonly o: AltegioServiceOptions) {
    const clock = o.clock ?? (o.now ? { now: o.now, onAdvance: () => () => undefined } : systemClock);
    this.now = () => clock.now();
    this.salonZones = new SalonTimeZones({ ...o, now: this.now });
    this.sender = new PartnerCallSender({
      store: o.store.calls,
      logger: o.logger,
      headers: partnerHeaders(o.config.partnerToken, undefined, o.config.accept),
      // Status-callback URLs are stored with a placeholder for the partner token (no secret in a table).
      expandUrl: (url) => expandPartnerToken(url, o.config.partnerToken),
      classify: (call, status) =>
        call.kind === 'activation'
          ? ({ accepted: 'delivered', retry: 'retry', check_status: 'check_status', fatal: 'dead' } as const)[
              activationOutcome(status)
            ]
          : defaultVerdict(status),
      checkStatus: (call) => this.activationAlreadyActive(call),
      prepare: (call) => this.prepare(call),
      retryAt: (call, now) => this.retryAt(call, now),
      onDelivered: (call, statusCode) => this.callDelivered(call, statusCode),
      onDead: (call, error) => this.callDead(call, error),
      clock,
    });
  }

  async start(): Promise<void> {
    for (const problem of this.configurationProblems())
      this.o.logger.warn({ problem }, `ALTEGIO integration: ${CONFIG_PROBLEM_TEXT[problem]}`);
    // Rows written before secrets were kept out of tables lose their copy of the partner token.
    await this.o.store.redactPartnerToken(this.o.config.partnerToken, PARTNER_TOKEN_PLACEHOLDER);
    this.unsubscribe = this.o.changes.subscribe((change) => {
      void this.linkChanged(change.tenantId).catch((err: unknown) =>
        this.o.logger.error({ err, tenantId: change.tenantId }, 'ALTEGIO: could not follow a link change'),
      );
    });
    this.sender.start();
    // After a restart: report link changes that were waiting for their debounce.
    for (const install of await this.o.store.allInstalls()) await this.linkChanged(install.tenantId);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const timer of this.linkTimers.values()) clearTimeout(timer);
    this.linkTimers.clear();
    await this.sender.stop();
  }

  /** What is missing from the configuration (logged at start, shown on support's console). */
  configurationProblems(): AltegioConfigProblem[] {
    return this.o.config.userToken ? [] : ['user_token_missing'];
  }

  // ---- Install -------------------------------------------------------------------------------

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
    for (const salonId of params.salonIds) statuses.set(salonId, await this.installStatus(salonId));
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
    const linkUp = await this.linkUp(owner);
    const at = this.now();
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
        if (linkUp) await this.enqueueActivation(owner, salonId, at, tx);
      }
    });
    if (linkUp) this.sender.wake();
    this.o.logger.info({ tenantId: owner, salonIds: params.salonIds }, 'ALTEGIO install started');
    const login = await this.o.tenants.issuePanelLogin(owner);
    const { sessionToken } = await this.o.tenants.redeemPanelLogin(login.token);
    return { kind: 'session', tenantId: owner, sessionToken };
  }

  /**
   * ALTEGIO's install status of our app at a salon (`data.connection_status.status`); undefined when
   * ALTEGIO says the salon has not installed it. Throws `not_ready` when ALTEGIO cannot be asked.
   */
  private async installStatus(salonId: string): Promise<InstallStatus | undefined> {
    let response: Response;
    try {
      response = await fetch(
        installStatusUrl(this.o.config.marketplaceUrl, salonId, this.o.config.applicationId),
        {
          headers: partnerHeaders(this.o.config.partnerToken, undefined, this.o.config.accept),
          signal: AbortSignal.timeout(10_000),
        },
      );
    } catch (cause) {
      throw new AppError('not_ready', 'ALTEGIO could not be reached to confirm the install; try again.', {
        cause,
      });
    }
    if (response.status === 404 || response.status === 422) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AppError('not_ready', 'ALTEGIO could not confirm the install; try again.', {
        internalMessage: `install status of salon ${salonId}: HTTP ${response.status}`,
      });
    }
    return parseInstallStatus(await response.json().catch(() => undefined));
  }

  // ---- Activation and channel availability ---------------------------------------------------

  private async linkUp(tenantId: string): Promise<boolean> {
    const channels = await this.o.channels.list(tenantId);
    return channels.some((c) => c.status === 'connected' || c.status === 'restricted');
  }

  private async enqueueActivation(tenantId: string, salonId: string, at: Date, tx: Queryable): Promise<void> {
    const install = await this.o.store.install(salonId, tx);
    if (!install?.apiKeySealed) return;
    // The outbox keeps the body without the key and the webhook token: prepare() fills them in
    // from the install's sealed copies when the call is sent.
    await this.o.store.calls.enqueueCall(
      {
        tenantId,
        kind: 'activation',
        orderingKey: `install:${salonId}`,
        method: 'POST',
        url: `${this.o.config.marketplaceUrl}/marketplace/partner/callback`,
        body: storedActivationBody({
          salonId,
          applicationId: this.o.config.applicationId,
          channels: ['whatsapp'],
        }),
        at,
        retryUntil: new Date(install.installedAt.getTime() + ACTIVATION_WINDOW_MS),
      },
      tx,
    );
    await this.o.store.setActivation(salonId, { state: 'sending' }, at, tx);
  }

  /** The activation body ALTEGIO gets: the current key and webhook URL of the install, unsealed now. */
  private async activationRequest(
    call: PartnerCall,
  ): Promise<{ method: string; url: string; body: unknown }> {
    const salonId = this.salonOf(call);
    const install = salonId ? await this.o.store.install(salonId) : undefined;
    if (!salonId || !install?.apiKeySealed) throw new Error('the install to activate is gone');
    const apiKey = this.o.secrets.open(install.apiKeySealed, apiKeyContext(salonId)).toString();
    const webhookToken = this.o.secrets
      .open(install.webhookTokenSealed, webhookTokenContext(salonId))
      .toString();
    return {
      method: call.method,
      url: call.url,
      body: activationBody({
        salonId,
        applicationId: this.o.config.applicationId,
        apiKey,
        webhookUrls: [`${this.o.baseUrl()}/altegio/records/${webhookToken}`],
        channels: ['whatsapp'],
      }),
    };
  }

  /** A channel of the business changed: activate waiting installs, and report availability (debounced). */
  private async linkChanged(tenantId: string): Promise<void> {
    const installs = (await this.o.store.installsOfTenant(tenantId)).filter((i) => i.state !== 'uninstalled');
    if (!installs.length) return;
    const up = await this.linkUp(tenantId);
    const at = this.now();
    for (const install of installs) {
      if (install.linkUp !== up) await this.o.store.setLink(install.salonId, up, at);
      if (up && install.activationState === 'waiting_link') {
        await this.o.db.transaction((tx) => this.enqueueActivation(tenantId, install.salonId, at, tx));
        this.sender.wake();
      }
    }
    await this.reportLink(tenantId);
  }

  /** Tells ALTEGIO whether it may route through us, once the link has been stable long enough. */
  private async reportLink(tenantId: string): Promise<void> {
    clearTimeout(this.linkTimers.get(tenantId));
    this.linkTimers.delete(tenantId);
    let nextCheck: Date | undefined;
    for (const install of await this.o.store.installsOfTenant(tenantId)) {
      // Only an activated install has a route at ALTEGIO to open or close.
      if (install.state !== 'active' || install.activationState !== 'accepted') continue;
      const decision = decideChannelReport(
        {
          reported: install.channelReported ?? undefined,
          linkUp: install.linkUp,
          changedAt: install.linkChangedAt,
        },
        this.now(),
        { upAfterMs: this.o.config.channelUpAfterMs, downAfterMs: this.o.config.channelDownAfterMs },
      );
      if (decision.action === 'wait') {
        if (!nextCheck || decision.until < nextCheck) nextCheck = decision.until;
        continue;
      }
      if (decision.action !== 'report') continue;
      const at = this.now();
      await this.o.db.transaction(async (tx) => {
        await this.o.store.calls.enqueueCall(
          {
            tenantId,
            kind: 'update_channel',
            orderingKey: `install:${install.salonId}`,
            method: 'POST',
            url: `${this.o.config.marketplaceUrl}/marketplace/application/update_channel`,
            body: updateChannelBody({
              salonId: install.salonId,
              applicationId: this.o.config.applicationId,
              channel: 'whatsapp',
              isAvailable: decision.isAvailable,
            }),
            at,
            retryUntil: new Date(at.getTime() + 24 * 3_600_000),
          },
          tx,
        );
        // Recorded when written: the outbox delivers it (in order after any earlier call of the salon).
        await this.o.store.setChannelReported(install.salonId, decision.isAvailable, tx);
      });
      this.sender.wake();
    }
    if (nextCheck) {
      const wait = Math.max(0, nextCheck.getTime() - this.now().getTime()) + 10;
      const timer = setTimeout(() => {
        this.linkTimers.delete(tenantId);
        void this.reportLink(tenantId).catch((err: unknown) =>
          this.o.logger.error({ err, tenantId }, 'ALTEGIO: could not report the link'),
        );
      }, wait);
      timer.unref();
      this.linkTimers.set(tenantId, timer);
    }
  }

  private salonOf(call: PartnerCall): string | undefined {
    return call.orderingKey.startsWith('install:') ? call.orderingKey.slice('install:'.length) : undefined;
  }

  private retryAt(call: PartnerCall, now: Date): Date | undefined {
    if (call.kind === 'activation') {
      const started = new Date(call.retryUntil.getTime() - ACTIVATION_WINDOW_MS);
      return nextActivationAttempt({
        failedAttempts: call.attempts,
        startedAt: started,
        now,
        random: randomInt(1_000_000) / 1_000_000,
      });
    }
    return defaultRetryAt(call, now);
  }

  /**
   * Builds what is sent for calls whose body is not stored as sent: an activation (its secrets are
   * sealed in the install), and an attendance update — a full record update at ALTEGIO, so the
   * record is read now and written back with the new attendance (a failed read is a failed
   * attempt, retried). Both record calls carry the User token.
   */
  private async prepare(
    call: PartnerCall,
  ): Promise<{ method: string; url: string; body: unknown; headers?: Record<string, string> } | undefined> {
    if (call.kind === 'activation') return this.activationRequest(call);
    if (call.kind !== 'attendance') return undefined;
    const headers = businessHeaders(this.o.config);
    const attendance = (call.body as { attendance: Attendance }).attendance;
    const response = await fetch(call.url, { headers, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new CallNotSent(`reading the record answered HTTP ${response.status}`);
    const json = (await response.json()) as { data?: unknown };
    return {
      method: 'PUT',
      url: call.url,
      body: attendanceUpdateBody(json.data ?? json, attendance),
      headers,
    };
  }

  /** A 422 on activation: ALTEGIO may already have the install active (undocumented); look. */
  private async activationAlreadyActive(call: PartnerCall): Promise<boolean> {
    const salonId = this.salonOf(call);
    if (!salonId) return false;
    try {
      return (await this.installStatus(salonId)) === 'active';
    } catch {
      return false;
    }
  }

  private async callDelivered(call: PartnerCall, statusCode: number | null): Promise<void> {
    const salonId = this.salonOf(call);
    if (call.kind !== 'activation' || !salonId) return;
    const at = this.now();
    await this.o.store.setActivation(
      salonId,
      { state: 'accepted', attempts: call.attempts, error: null, activatedAt: at },
      at,
    );
    this.o.logger.info({ tenantId: call.tenantId, salonId }, 'ALTEGIO install activated');
    // ALTEGIO accepted the new key (a 2xx): the ones it had before can go. Not after a 422 that the
    // status call read as "already active": ALTEGIO may have kept the key it had, so both stay valid
    // (retired at the next accepted activation or the uninstall). Nor when another Connect click
    // came after this call was written (its own activation retires them).
    const accepted = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const install = await this.o.store.install(salonId);
    if (accepted && install && install.installedAt.getTime() <= call.createdAt.getTime()) {
      for (const keyId of await this.o.store.retiredKeys(salonId))
        await this.o.tenants.revokeApiKey(call.tenantId, keyId);
      await this.o.store.clearSuperseded(salonId);
    }
    await this.reportLink(call.tenantId);
  }

  private async callDead(call: PartnerCall, error: string): Promise<void> {
    const salonId = this.salonOf(call);
    if (!salonId) return;
    const at = this.now();
    if (call.kind === 'activation') {
      const expired = at.getTime() >= call.retryUntil.getTime() - 60_000;
      await this.o.store.setActivation(
        salonId,
        { state: expired ? 'expired' : 'failed', attempts: call.attempts, error },
        at,
      );
    } else if (call.kind === 'update_channel') {
      // ALTEGIO never heard it: report again on the next change.
      await this.o.store.setChannelReported(salonId, null);
    }
  }

  // ---- Lifecycle -----------------------------------------------------------------------------

  /** ALTEGIO's uninstall / freeze / payment callback. */
  async lifecycle(body: unknown): Promise<{ event: string; salonId: string; known: boolean }> {
    const callback = parseLifecycleCallback(body, {
      partnerToken: this.o.config.partnerToken,
      applicationId: this.o.config.applicationId,
    });
    const install = await this.o.store.install(callback.salonId);
    if (!install) {
      // ALTEGIO's callbacks must get a 2xx; a salon we never served has nothing to change.
      this.o.logger.info(
        { salonId: callback.salonId, event: callback.rawEvent },
        'ALTEGIO lifecycle event for a salon we do not serve: acknowledged, nothing changed',
      );
      return { event: callback.event, salonId: callback.salonId, known: false };
    }
    const at = this.now();
    const tenantId = install.tenantId;
    switch (callback.event) {
      case 'uninstall': {
        await this.o.store.setState(install.salonId, 'uninstalled', at);
        if (install.apiKeyId) await this.o.tenants.revokeApiKey(tenantId, install.apiKeyId);
        for (const keyId of await this.o.store.retiredKeys(install.salonId))
          await this.o.tenants.revokeApiKey(tenantId, keyId);
        await this.o.store.clearSuperseded(install.salonId);
        const stillInstalled = (await this.o.store.installsOfTenant(tenantId)).some(
          (i) => i.state !== 'uninstalled',
        );
        if (!stillInstalled) {
          // Unlink, stop sending and delete the credentials: the business leaves nothing running.
          for (const channel of await this.o.channels.list(tenantId)) {
            await this.o.channels.pause(tenantId, channel.id);
            await this.o.failWaiting(tenantId, channel.id);
            await this.o.channels.reset(tenantId, channel.id);
          }
        }
        break;
      }
      case 'freeze':
        await this.o.store.setState(install.salonId, 'frozen', at);
        for (const channel of await this.o.channels.list(tenantId))
          await this.o.channels.pause(tenantId, channel.id);
        break;
      case 'payment':
        await this.o.store.recordPayment(tenantId, install.salonId, callback.raw, at);
        if (install.state === 'frozen') {
          await this.o.store.setState(install.salonId, 'active', at);
          for (const channel of await this.o.channels.list(tenantId))
            if (channel.pausedCause === 'manual') await this.o.channels.resume(tenantId, channel.id);
        }
        break;
      case 'other':
        break;
    }
    this.o.logger.info(
      { tenantId, salonId: install.salonId, event: callback.rawEvent },
      'ALTEGIO lifecycle event',
    );
    return { event: callback.event, salonId: install.salonId, known: true };
  }

  // ---- Delivering ALTEGIO's messages ----------------------------------------------------------

  /**
   * ALTEGIO's SMS-provider request (JSON or form body, see parseOperatorBody): answered at once with
   * one entry per message (`{id, ext_id}` or a per-message error); each accepted message is in the
   * queue (idempotent on ALTEGIO's id). Nothing is stored for a refused request or entry.
   */
  async deliver(
    authorization: string | undefined,
    /** Called only once the caller is authenticated: a stranger's body is never read. */
    readBody: () => Promise<{ contentType: string | undefined; raw: string }>,
  ): Promise<{ status: number; body: unknown }> {
    try {
      const principal = await this.o.tenants.principalForApiKey(bearerToken(authorization));
      if (principal?.kind !== 'tenant')
        throw new AppError(
          'unauthorized',
          'Send the api_key issued at activation as "Authorization: Bearer <api_key>".',
        );
      const tenantId = principal.tenantId;
      const installs = await this.o.store.installsOfTenant(tenantId);
      if (!installs.some((i) => i.state !== 'uninstalled'))
        throw new AppError('forbidden', 'This business has no active ALTEGIO install.');
      const { contentType, raw } = await readBody();
      const request = parseOperatorRequest(parseOperatorBody(contentType, raw), {
        allowedCallbackHosts: this.o.config.callbackHosts,
      });
      const outcomes = new Map<string, string | OperatorEntryError>();
      const refusal = installs.every((i) => i.state === 'frozen')
        ? 'the app is frozen in the marketplace for this business'
        : await this.cannotSend(tenantId);
      if (refusal !== undefined) {
        // 15, not 32: 32 means "insufficient funds" to ALTEGIO, and none of these is about money.
        for (const m of request.messages) outcomes.set(m.altegioId, refusedEntry(m.altegioId, refusal));
      } else if (request.messages.length) {
        if (request.deliveryCallbackUrl)
          await this.o.store.setDeliveryCallbackUrl(
            tenantId,
            // The documented URL carries our partner token: stored with a placeholder instead.
            redactPartnerToken(request.deliveryCallbackUrl, this.o.config.partnerToken),
          );
        const parts = smsParts(request.text);
        // Test mode: everything goes to the owner's test phone; the client it was meant for is noted.
        const { testPhone } = (await this.o.schedule.settings(tenantId)) as { testPhone?: string | null };
        const results = await this.o.messages.acceptBatch(
          tenantId,
          request.messages.map((m) => ({
            to: testPhone || m.phone,
            text: request.text,
            idempotencyKey: `altegio:${m.altegioId}`,
            priority: request.priority,
            metadata: {
              altegio: { id: m.altegioId, parts },
              ...(testPhone ? { testModeFor: `+${m.phone}` } : {}),
            },
          })),
        );
        results.forEach((result, index) => {
          const id = request.messages[index]!.altegioId;
          outcomes.set(
            id,
            result.outcome !== 'invalid'
              ? result.message.id
              : result.error.details?.field === 'channelId'
                ? refusedEntry(id, 'WhatsApp is not linked for this business')
                : refusedEntry(id, result.error.publicMessage, 'FIELD_VALIDATION_ERROR'),
          );
        });
      }
      return { status: 200, body: operatorAnswer(request, outcomes) };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const answer = operatorErrorResponse(err);
      return { status: answer.status, body: answer.body };
    }
  }

  /**
   * Why the business cannot send now (undefined: it can): no channel, none linked, or every linked
   * one paused. A link that is only reconnecting still takes messages (they wait in the queue, and
   * ALTEGIO is told the channel is unavailable once it has been down long enough).
   */
  private async cannotSend(tenantId: string): Promise<string | undefined> {
    const linked = (await this.o.channels.list(tenantId)).filter((c) => hasLinkedDevice(c.status));
    if (linked.length === 0) return 'WhatsApp is not linked for this business';
    if (linked.every((c) => c.paused)) return 'WhatsApp sending is paused for this business';
    return undefined;
  }

  // ---- Support -------------------------------------------------------------------------------

  async view(tenantId: string): Promise<AltegioInstallView[]> {
    const calls = await this.o.store.calls.recentCalls(tenantId, 20);
    return (await this.o.store.installsOfTenant(tenantId)).map((i) => ({
      salonId: i.salonId,
      state: i.state,
      installedAt: i.installedAt.toISOString(),
      activation: {
        state: i.activationState,
        attempts: i.activationAttempts,
        error: i.activationError,
        activatedAt: i.activatedAt?.toISOString() ?? null,
        deadline: new Date(i.installedAt.getTime() + ACTIVATION_WINDOW_MS).toISOString(),
      },
      channelReported: i.channelReported,
      recentCalls: calls
        .filter((c) => c.orderingKey === `install:${i.salonId}` || c.kind === 'status_report')
        .map((c) => ({
          kind: c.kind,
          status: c.status,
          attempts: c.attempts,
          lastStatusCode: c.lastStatusCode,
          lastError: c.lastError,
          createdAt: c.createdAt.toISOString(),
        })),
    }));
  }

  /** Is this a known install's webhook token? (record webhooks; the scheduling mode) */
  async installForWebhookToken(token: string): Promise<AltegioInstall | undefined> {
    return this.o.store.installByWebhookToken(hashToken(token));
  }
}
