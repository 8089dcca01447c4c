import pino, { type Logger } from 'pino';
import { ChannelChanges } from './channels/channel-changes.js';
import { everyLinkedChannel } from './channels/channel-placement.js';
import { ClusterLinkWindow } from './cluster/cluster-link-window.js';
import { ClusterChannelChanges, ClusterNode } from './cluster/cluster-node.js';
import { LinkWindow } from './channels/link-window.js';
import { QueueGates } from './channels/queue-gates.js';
import { ConnectGate } from './channels/connect-gate.js';
import { SessionHost } from './channels/session-host.js';
import { WhatsAppDrivers, sealedAuthStores } from './channels/whatsapp-driver.js';
import { SessionThreads } from './channels/session-threads.js';
import { ResolvedClientVersion } from './whatsapp/client-version.js';
import { ChannelService } from './channels/channel-service.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { Metrics } from './metrics.js';
import { gatewayEdge } from './http/edge.js';
import { gatewayLifecycle, type Gateway } from './gateway-lifecycle.js';
import type { GatewayContext } from './http/gateway-context.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { StatusRecorder } from './dispatch/status-recorder.js';
import { MessageService } from './messages/message-service.js';
import { PolicyPacingGate } from './messages/pacing-gate.js';
import { PacingService } from './messages/pacing-service.js';
import { MessageWaitingService } from './messages/message-waiting-service.js';
import { countryOfTimeZone } from './domain/time-zone-country.js';
import { TemplateService } from './messages/template-service.js';
import { webhookMessageSink } from './messages/webhook-message-sink.js';
import { combineSinks } from './messages/message-event-sink.js';
import { Integrations } from './integrations/integration.js';
import { altegioIntegration } from './integrations/altegio/index.js';
import { InboundMessagesRepository } from './store/inbound-messages-repository.js';
import { MessagesRepository } from './store/messages-repository.js';
import { MessageQueueRepository } from './store/message-queue-repository.js';
import { PacingRepository } from './store/pacing-repository.js';
import { RecipientChecksRepository } from './store/recipient-checks-repository.js';
import { TemplatesRepository } from './store/templates-repository.js';
import { systemResolver } from './webhooks/webhook-destinations.js';
import { webhookChannelStatusSink } from './webhooks/webhook-channel-sink.js';
import { createWebhooks } from './webhooks/webhooks.js';
import { AccessRepository } from './store/access-repository.js';
import { ChannelsRepository } from './store/channels-repository.js';
import type { Database } from './store/database.js';
import { openGatewayStore } from './store/gateway-store.js';
import { QrLinksRepository } from './store/qr-links-repository.js';
import { TenantsRepository } from './store/tenants-repository.js';
import { deviceName } from './domain/device-name.js';
import { TenantService } from './tenants/tenant-service.js';

export type { Gateway } from './gateway-lifecycle.js';

/**
 * The gateway's services over an open database, nothing running yet: no port, no loop, no WhatsApp
 * session. The CLI's admin commands stop here; `start` makes it a running Gateway.
 */
export interface BuiltGateway {
  readonly db: Database;
  readonly tenants: TenantService;
  readonly channels: ChannelService;
  readonly sessions: SessionHost;
  readonly logger: Logger;
  /** Serves HTTP, starts the dispatchers and the integrations' loops and restores the channels (once). */
  start(): Promise<Gateway>;
  /** Closes the database and frees the data folder (stops the gateway if it was started). */
  close(): Promise<void>;
}

export interface GatewayOverrides {
  readonly logger?: Logger;
  /** Use this database instead of opening the configured one (tests). */
  readonly db?: Database;
  /** The schedulers' clock (a ManualClock in tests: reminders due tomorrow can be tried now). */
  readonly clock?: Clock;
  /**
   * A session thread stopped by itself, its sessions with it. Default: SIGTERM to this process, so
   * it stops in order and exits with 1, and its supervisor starts it again (the sessions restore
   * without a scan).
   */
  readonly onSessionThreadLost?: (error: Error) => void;
}

/** Builds and starts: config in, a listening gateway out. */
export async function startGateway(config: Config, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const built = await buildGateway(config, overrides);
  try {
    return await built.start();
  } catch (error) {
    await built.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The only place that builds everything: config in, services out, nothing started. With the
 * embedded database it holds DATA_DIR's lock until `close`/`stop` (a second process is refused
 * with DataDirLockedError).
 */
export async function buildGateway(config: Config, overrides: GatewayOverrides = {}): Promise<BuiltGateway> {
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  const clock = overrides.clock ?? systemClock;
  // The database, migrated, and the master key (DATA_DIR locked with the embedded database).
  const metrics = new Metrics();
  const { db, secrets, release } = await openGatewayStore(
    config,
    logger,
    overrides.db,
    metrics.databaseTimings,
  );
  metrics.watchPool(db.poolCounts);
  // The signed outbox before the channels: a status change is written with its channel.status webhook.
  const webhooks = createWebhooks({
    db,
    secrets,
    logger,
    metrics,
    clock,
    destinations: { allowPrivate: config.webhookAllowPrivate, resolve: systemResolver },
  });
  const channelsRepo = new ChannelsRepository(db, webhookChannelStatusSink(webhooks.outbox));
  const qrLinks = new QrLinksRepository(db, secrets);
  // Several nodes on one PostgreSQL (NODE_ID): leases place the channels and changes cross nodes.
  const changes = config.cluster ? new ClusterChannelChanges(logger) : new ChannelChanges();
  const cluster =
    config.cluster && config.databaseUrl && changes instanceof ClusterChannelChanges
      ? new ClusterNode({
          nodeId: config.cluster.nodeId,
          address: config.publicUrl ?? null,
          databaseUrl: config.databaseUrl,
          db,
          secrets,
          channels: channelsRepo,
          changes,
          leaseTtlMs: config.cluster.leaseTtlMs,
          takesPerRound: config.cluster.takesPerRound,
          logger,
          metrics,
          clock,
        })
      : undefined;
  // The channel rooms: the WhatsApp driver kind, the stored queue gates, the session host (which
  // channels this process holds: all of them on one node) and the link window.
  // Every WhatsApp socket (restore, reconnect, takeover, link) first takes a turn here, so a storm
  // after an outage runs a few handshakes at a time instead of taking the event loop (issue 9).
  const connectGate = new ConnectGate({
    concurrency: config.connectConcurrency,
    clock,
    logger,
    onChange: ({ waiting, inHandshake }) => {
      metrics.connectAttemptsWaiting.set(waiting);
      metrics.connectAttemptsInHandshake.set(inHandshake);
    },
  });
  // A recipient's retry receipt on any socket, after any restart: the text comes from the store.
  const storedText = async (channelId: string, waMessageId: string) => {
    const message = await new MessagesRepository(db).findByWaId(waMessageId);
    return message?.channelId === channelId ? message.body : undefined;
  };
  // One resolver for the process: every session, in whichever thread, asks it.
  const clientVersion = new ResolvedClientVersion({
    setting: config.clientVersion.setting,
    minIntervalMs: Math.min(5_000, config.clientVersion.checkMs / 2),
    logger,
  });
  // The sockets run in session threads (SESSION_THREADS): their garbage is not the API's (issue 9).
  const drivers =
    config.sessionThreads > 0
      ? new SessionThreads({
          threads: config.sessionThreads,
          db,
          secrets,
          logger,
          metrics,
          settings: {
            server: config.protocolServer,
            qrTimeoutMs: config.qrTimeoutMs,
            versionCheckMs: config.clientVersion.checkMs,
          },
          clientVersion,
          storedText,
          connectGate,
          onThreadLost:
            overrides.onSessionThreadLost ??
            (() => {
              // A stop in order, then exit code 1: a supervisor's "restart on failure" starts it again.
              process.exitCode = 1;
              process.kill(process.pid, 'SIGTERM');
            }),
        })
      : new WhatsAppDrivers({
          authStores: sealedAuthStores(db, secrets),
          logger,
          metrics,
          server: config.protocolServer,
          qrTimeoutMs: config.qrTimeoutMs,
          clientVersion,
          versionCheckMs: config.clientVersion.checkMs,
          storedText,
          connectGate,
        });
  const gates = new QueueGates({ channels: channelsRepo, changes, clock });
  const sessions = new SessionHost({
    channels: channelsRepo,
    gates,
    drivers,
    placement: cluster ?? everyLinkedChannel,
    changes,
    logger,
    metrics,
    clock,
    restoreStaggerMs: config.restoreStaggerMs,
    restoreConcurrency: config.restoreConcurrency,
    connectGate,
    restrictionMs: config.restrictionMs,
    // The phone lists the device as "Zapgate · Salon Bella", not Baileys' "Chrome (Mac OS)".
    deviceName: async (tenantId) =>
      deviceName(config.deviceName, (await new TenantsRepository(db).get(tenantId))?.name ?? ''),
  });
  const linkWindowOptions = {
    host: sessions,
    channels: channelsRepo,
    logger,
    clock,
    linkWindowMs: config.linkWindowMs,
    viewerGraceMs: config.linking.graceMs,
    slowLinkMs: config.linking.slowMs,
    stuckLinkMs: config.linking.stuckMs,
  };
  // Several nodes: a channel held elsewhere is linked (reset, deleted) there; its codes are relayed here.
  const clusterLinkWindow = cluster
    ? new ClusterLinkWindow({ ...linkWindowOptions, coordinator: cluster })
    : undefined;
  const linkWindow = clusterLinkWindow ?? new LinkWindow(linkWindowOptions);
  const access = new AccessRepository(db);
  const tenants = new TenantService({
    db,
    tenants: new TenantsRepository(db),
    channels: channelsRepo,
    access,
    qrLinks,
    qrLinkTtlMs: config.qrLinkTtlMs,
    panelLoginTtlMs: 7 * 24 * 3_600_000,
    panelSessionTtlMs: 30 * 24 * 3_600_000,
  });

  // Delivery: the queue and the paced dispatcher fed by every session's traffic.
  // Integrations (booking systems) hear of changes in the same transactions as the webhooks; they
  // are added once the services they use exist (below), and the sink reads the list when called.
  const integrations = new Integrations();
  const messageSink = combineSinks(webhookMessageSink(webhooks.outbox), integrations.messageSink);
  const messagesRepo = new MessagesRepository(db);
  const templatesRepo = new TemplatesRepository(db);
  const pacing = new PacingService({ pacing: new PacingRepository(db) });
  const queue = new MessageQueueRepository(db);
  // The one path of status changes (receipts, claims, expiry, cancel) and inbound texts.
  const recorder = new StatusRecorder({
    db,
    queue,
    inbound: new InboundMessagesRepository(db),
    recipientChecks: new RecipientChecksRepository(db),
    sink: messageSink,
    clock,
    afterInbound: () => integrations.afterInbound(),
  });
  const channels = new ChannelService({
    db,
    channels: channelsRepo,
    qrLinks,
    host: sessions,
    linkWindow,
    gates,
    qrLinkTtlMs: config.qrLinkTtlMs,
    failWaitingMessages: (tenantId, channelId, tx) =>
      recorder.failQueued(tenantId, channelId, 'channel_removed', tx),
    limits: config.limits,
    ...(cluster ? { heldElsewhere: (channelId: string) => cluster.heldElsewhere(channelId) } : {}),
  });
  const dispatcher = new Dispatcher({
    // Several nodes: acks and receipts are written only under a lease this node still holds.
    store: cluster ? cluster.fenceStatuses(recorder) : recorder,
    channel: (channelId) => sessions.sendingChannel(channelId),
    // Several nodes: the stale-send sweep requeues only the channels held here.
    ...(cluster ? { heldChannelIds: () => sessions.held().map((h) => h.channelId) } : {}),
    gates,
    pacing: new PolicyPacingGate({ pacing, queue, channels: channelsRepo }),
    logger,
    metrics,
    clock,
    // WhatsApp's end time for the timelock when it said one (its answer to the timelock query).
    onRestricted: (channel, until) => sessions.restrict(channel, until),
  });
  sessions.listen(dispatcher);
  cluster?.attach({
    sessions,
    wakeDispatcher: (channelId) => dispatcher.notify(channelId),
    localLinkState: (channelId) => linkWindow.localLinkState(channelId),
    runLinkCommand: async ({ tenantId, channelId }, command) => {
      const channel = await channelsRepo.get(tenantId, channelId);
      if (channel) await clusterLinkWindow?.run(channel, command);
    },
  });
  gates.onResumed((channel) => dispatcher.notify(channel.channelId));
  const messages = new MessageService({
    db,
    messages: messagesRepo,
    templates: templatesRepo,
    sink: messageSink,
    recorder,
    clock,
    countryOf: async (tenantId) => countryOfTimeZone((await tenants.get(tenantId)).timeZone),
    onAccepted: (message) => {
      metrics.messagesAccepted.inc();
      dispatcher.notify(message.channelId);
      cluster?.messageAccepted({ tenantId: message.tenantId, channelId: message.channelId });
    },
  });
  const templates = new TemplateService({ templates: templatesRepo, clock });

  let baseUrl = config.publicUrl ?? '';
  // The booking systems this gateway serves, each one call (see src/integrations/integration.ts).
  integrations.add(
    altegioIntegration(config, {
      db,
      secrets,
      tenants,
      access,
      channels,
      changes,
      messages,
      failWaiting: (tenantId, channelId) => recorder.failQueued(tenantId, channelId, 'cancelled'),
      logger,
      clock,
      baseUrl: () => baseUrl,
      supportUrl: config.supportUrl,
    }),
  );
  const ctx: GatewayContext & {
    messages: MessageService;
    templates: TemplateService;
    pacing: PacingService;
  } = {
    messages,
    templates,
    pacing,
    waiting: new MessageWaitingService({
      pacing,
      queue,
      channels: channelsRepo,
      clock,
      notificationKind: (metadata) => integrations.notificationKind(metadata),
    }),
    tenants,
    channels,
    changes,
    logger,
    supportUrl: config.supportUrl,
    maxEventStreams: config.limits.eventStreams,
    baseUrl: () => baseUrl,
    queueDepth: async (tenantId, channelId) => queue.queueDepth((await channels.get(tenantId, channelId)).id),
    integrations,
  };
  const app = gatewayEdge({
    config,
    logger,
    db,
    ctx,
    webhooks: webhooks.service,
    integrations,
    metrics,
    sessions,
    sessionThreads: drivers instanceof SessionThreads ? drivers : undefined,
    cluster,
  });

  // Start and stop in their order (gateway-lifecycle.ts); nothing has run so far.
  const lifecycle = gatewayLifecycle({
    listen: { port: config.port, host: config.host },
    fetch: app.fetch,
    listening: (port) => (baseUrl ||= `http://${config.host}:${port}`),
    db,
    tenants,
    channels,
    sessions,
    logger,
    dispatcher,
    cluster,
    webhookDispatcher: webhooks.dispatcher,
    integrations,
    release,
  });
  return { db, tenants, channels, sessions, logger, ...lifecycle };
}
