import { randomInt } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Queryable } from '../../store/database.js';
import {
  activationBody,
  activationOutcome,
  attendanceUpdateBody,
  type Attendance,
  businessHeaders,
  decideChannelReport,
  expandPartnerToken,
  nextActivationAttempt,
  partnerHeaders,
  storedActivationBody,
  updateChannelBody,
  ACTIVATION_WINDOW_MS,
} from './domain/partner-api.js';
import type { PartnerCall } from './altegio-store.js';
import type { AltegioServiceOptions } from './altegio-service.js';
import { fetchInstallStatus } from './install-status.js';
import { CallNotSent, PartnerCallSender, defaultRetryAt, defaultVerdict } from './partner-call-sender.js';

/** The contexts the install's secrets are sealed under (one per salon). */
export const apiKeyContext = (salonId: string) => `altegio-api-key:${salonId}`;
export const webhookTokenContext = (salonId: string) => `altegio-webhook:${salonId}`;

/**
 * Activation once the WhatsApp link is up (retried within the 12-hour window) and channel
 * availability (update_channel, debounced): the partner-call outbox's sender and what it asks of
 * the install (sealed secrets filled in when sent, the outcome recorded on the install).
 */
export class AltegioActivation {
  readonly sender: PartnerCallSender;
  private readonly linkTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly o: AltegioServiceOptions,
    private readonly clock: Clock,
  ) {
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

  /** Stops the debounce timers and the sender. */
  async stop(): Promise<void> {
    for (const timer of this.linkTimers.values()) clearTimeout(timer);
    this.linkTimers.clear();
    await this.sender.stop();
  }

  // ---- Activation and channel availability ---------------------------------------------------

  async linkUp(tenantId: string): Promise<boolean> {
    const channels = await this.o.channels.list(tenantId);
    return channels.some((c) => c.status === 'connected' || c.status === 'restricted');
  }

  async enqueueActivation(tenantId: string, salonId: string, at: Date, tx: Queryable): Promise<void> {
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
  async linkChanged(tenantId: string): Promise<void> {
    const installs = (await this.o.store.installsOfTenant(tenantId)).filter((i) => i.state !== 'uninstalled');
    if (!installs.length) return;
    const up = await this.linkUp(tenantId);
    const at = this.clock.now();
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
        this.clock.now(),
        { upAfterMs: this.o.config.channelUpAfterMs, downAfterMs: this.o.config.channelDownAfterMs },
      );
      if (decision.action === 'wait') {
        if (!nextCheck || decision.until < nextCheck) nextCheck = decision.until;
        continue;
      }
      if (decision.action !== 'report') continue;
      const at = this.clock.now();
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
      const wait = Math.max(0, nextCheck.getTime() - this.clock.now().getTime()) + 10;
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
      return (await fetchInstallStatus(this.o.config, salonId)) === 'active';
    } catch {
      return false;
    }
  }

  private async callDelivered(call: PartnerCall, statusCode: number | null): Promise<void> {
    const salonId = this.salonOf(call);
    if (call.kind !== 'activation' || !salonId) return;
    const at = this.clock.now();
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
    const at = this.clock.now();
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
}
