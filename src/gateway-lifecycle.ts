import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import type { ChannelService } from './channels/channel-service.js';
import type { SessionHost } from './channels/session-host.js';
import type { Database } from './store/database.js';
import type { TenantService } from './tenants/tenant-service.js';

/** A running gateway. */
export interface Gateway {
  readonly url: string;
  readonly db: Database;
  readonly tenants: TenantService;
  readonly channels: ChannelService;
  /** Which channels this process holds, and their drivers. */
  readonly sessions: SessionHost;
  readonly logger: Logger;
  /** Resolves once every linked channel has been asked to reconnect after start. */
  readonly restored: Promise<number>;
  stop(): Promise<void>;
}

/** Something that runs in the background once started. */
interface Runs {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What app.ts built, as start and stop need it. */
export interface BuiltParts {
  readonly listen: { readonly port: number; readonly host: string };
  /** The HTTP edge (http/edge.ts). */
  readonly fetch: Parameters<typeof serve>[0]['fetch'];
  /** Called once listening, with the port; answers the gateway's URL (PUBLIC_URL when set). */
  readonly listening: (port: number) => string;
  readonly db: Database;
  readonly tenants: TenantService;
  readonly channels: ChannelService;
  readonly sessions: SessionHost;
  readonly logger: Logger;
  readonly dispatcher: Runs;
  /** Several nodes only. */
  readonly cluster:
    { start(): Promise<void>; stop(options?: { abrupt?: boolean }): Promise<void> } | undefined;
  readonly webhookDispatcher: { start(): void; stop(): Promise<void> };
  readonly integrations: Runs;
  /** Closes the database and frees the data folder. */
  readonly release: () => Promise<void>;
}

/**
 * Start and stop, apart from the wiring that builds: the order things start (no channel reads
 * "connected" before its session here is open; interrupted sends requeued before any session
 * opens) and stop in (HTTP first, the loops, every channel handed over, the database last).
 */
export function gatewayLifecycle(p: BuiltParts): { start(): Promise<Gateway>; close(): Promise<void> } {
  let running: Gateway | undefined;
  const start = async (): Promise<Gateway> => {
    if (running) throw new Error('this gateway is already started');
    // Before anyone is answered: no channel reads "connected" until its session here is open.
    await p.sessions.markRestoring();
    const server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: p.fetch, port: p.listen.port, hostname: p.listen.host }, () =>
        resolve(s),
      ) as Server;
      s.once('error', reject);
    });
    const url = p.listening((server.address() as AddressInfo).port);
    p.logger.info({ url }, 'gateway listening');

    // Interrupted sends go back to the queue (same ids) before any session opens.
    await p.dispatcher.start();
    // This node's share of the channels, under leases (several nodes only).
    await p.cluster?.start();
    p.webhookDispatcher.start();
    await p.integrations.start();
    const restored = p.sessions.restoreAll().catch((err: unknown) => {
      p.logger.error({ err }, 'restoring sessions failed');
      return 0;
    });
    running = {
      url,
      db: p.db,
      tenants: p.tenants,
      channels: p.channels,
      sessions: p.sessions,
      logger: p.logger,
      restored,
      async stop() {
        try {
          p.sessions.stopRestoring();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await restored;
          await p.dispatcher.stop();
          // Several nodes: every channel is handed over (others open it at once) before the rest stops.
          await p.cluster?.stop();
          await p.sessions.stopAll();
          await p.webhookDispatcher.stop();
          await p.integrations.stop();
        } finally {
          await p.release();
        }
      },
    };
    return running;
  };
  const close = async (): Promise<void> => {
    if (running) return running.stop();
    // Nothing was started; a start that failed half-way may have started some of these.
    try {
      await p.dispatcher.stop();
      await p.cluster?.stop({ abrupt: true });
      await p.sessions.stopAll();
      await p.webhookDispatcher.stop();
      await p.integrations.stop();
    } finally {
      await p.release();
    }
  };
  return { start, close };
}
