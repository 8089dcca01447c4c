import type { AltegioServiceOptions } from './altegio-service.js';
import { Hono } from 'hono';
import type { ChannelService } from '../../channels/channel-service.js';
import type { Config } from '../../config.js';
import { AppError } from '../../domain/errors.js';
import { combineSinks, type MessageEventSink } from '../../messages/message-event-sink.js';
import type { MessageService } from '../../messages/message-service.js';
import type { TenantService } from '../../tenants/tenant-service.js';
import type { Integration, IntegrationApiEnv } from '../integration.js';
import { altegioReportSink } from './altegio-report-sink.js';
import { AltegioScheduler } from './altegio-scheduler.js';
import { AltegioService } from './altegio-service.js';
import { AltegioStore } from './altegio-store.js';
import { altegioRoutes } from './http/altegio-routes.js';
import { altegioSettingsRoutes, type AltegioLookup } from './http/altegio-settings-routes.js';
import { altegioPaths } from './http/openapi-altegio.js';
import { panelNotificationsTab } from './http/panel-notifications-routes.js';
import { AltegioScheduleStore } from './schedule-store.js';

/**
 * What the ALTEGIO slice takes from the gateway: its services and its clock, never its wiring — the
 * service's own options less what the slice builds itself (config, stores).
 */
export interface AltegioDeps extends Omit<AltegioServiceOptions, 'config' | 'store' | 'schedule'> {
  readonly supportUrl: string;
}

/** What the settings API and the panel's Notifications tab are built from. */
export interface AltegioParts extends AltegioLookup {
  readonly altegio: AltegioService;
  readonly altegioScheduler: AltegioScheduler;
  readonly tenants: TenantService;
  readonly channels: ChannelService;
  readonly messages: MessageService;
  readonly supportUrl: string;
}

/**
 * The ALTEGIO (and YCLIENTS) marketplace integration as one plug-in: the registration, SMS-provider,
 * lifecycle and record-webhook routes ALTEGIO calls (`/altegio/…`), the settings API
 * (`/v1/altegio`), the status reports and replies it takes from the message lifecycle, its two loops
 * (partner-call sender, scheduler), the panel's Notifications tab and what support sees.
 *
 * Without ALTEGIO_PARTNER_TOKEN it is only a settings API that answers 404 saying so.
 */
export function altegioIntegration(config: Pick<Config, 'altegio'>, deps: AltegioDeps): Integration {
  const settings = config.altegio;
  if (!settings) return notConfigured();
  const store = new AltegioStore(deps.db);
  const schedule = new AltegioScheduleStore(deps.db);
  const service = new AltegioService({ ...deps, config: settings, store, schedule });
  const scheduler = new AltegioScheduler({
    config: settings,
    db: deps.db,
    store,
    schedule,
    tenants: deps.tenants,
    messages: deps.messages,
    wakeSender: () => service.sender.wake(),
    logger: deps.logger,
    clock: deps.clock,
  });
  const parts: AltegioParts = {
    altegio: service,
    altegioScheduler: scheduler,
    tenants: deps.tenants,
    channels: deps.channels,
    messages: deps.messages,
    supportUrl: deps.supportUrl,
    clock: deps.clock,
  };
  // Replies go to the scheduler (confirmation by reply); status changes become status reports.
  const replies: MessageEventSink = {
    record: async () => undefined,
    recordInbound: (tx, reply) => scheduler.inboundSink().recordInbound(tx, reply),
  };
  const reports = altegioReportSink(
    store,
    { reportId: settings.reportId, body: settings.reportBody, currencyIso: settings.currencyIso },
    () => service.sender.wake(),
  );
  return {
    name: 'altegio',
    publicRoutes: altegioRoutes(service, scheduler, deps.supportUrl),
    apiRoutes: () => altegioSettingsRoutes(parts),
    openApiPaths: altegioPaths,
    panelTab: panelNotificationsTab(parts),
    async supportFacts(tenantId) {
      const installs = await service.view(tenantId);
      if (!installs.length) return undefined;
      return installs.map((i) => ({
        salonId: i.salonId,
        state: i.state,
        activation: i.activation.state,
        error: i.activation.error,
      }));
    },
    configurationWarnings: () =>
      service
        .configurationProblems()
        .map((problem) => ({ user_token_missing: 'support.altegioNoUserToken' as const })[problem]),
    messageSink: combineSinks(replies, reports),
    afterInbound: () => scheduler.kick(),
    notificationKind: altegioNotificationKind,
    async start() {
      await service.start();
      scheduler.start();
    },
    async stop() {
      await scheduler.stop();
      await service.stop();
    },
  };
}

/** A gateway without ALTEGIO: its settings API says so (404), and nothing else is mounted. */
/**
 * The scheduling mode tags what it queues with the record and the kind (altegio-scheduler.ts). Read
 * from the stored metadata alone, so messages queued while ALTEGIO was configured (or tagged the same
 * way by a caller) keep saying "Reminder" when it is not.
 */
function altegioNotificationKind(metadata: Record<string, unknown>): string | null {
  const record = metadata.altegioRecord as { kind?: unknown } | undefined;
  return typeof record?.kind === 'string' ? record.kind : null;
}

function notConfigured(): Integration {
  return {
    notificationKind: altegioNotificationKind,
    name: 'altegio',
    apiRoutes: () =>
      new Hono<IntegrationApiEnv>().all('*', () => {
        throw new AppError('not_found', 'ALTEGIO is not configured on this gateway (ALTEGIO_PARTNER_TOKEN).');
      }),
    // The document describes the API whether or not this gateway serves it.
    openApiPaths: altegioPaths,
    start: async () => undefined,
    stop: async () => undefined,
  };
}
