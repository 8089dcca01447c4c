import type { Hono } from 'hono';
import type { MessageEventSink } from '../messages/message-event-sink.js';
import type { Queryable } from '../store/database.js';
import type { Principal } from '../store/access-repository.js';
import type { MessageKey } from '../web/i18n.js';

/**
 * The core's one extension point for a booking system (CRM) wired into the gateway. The wiring
 * mounts each integration with one call and knows nothing else about it: its routes, its loops,
 * what it does with message events, and what it adds to the panel, the support console and the
 * OpenAPI document. The core edge, the messages and the wiring name no CRM; everything a CRM needs
 * lives in its own slice under src/integrations/<name>/.
 */
export interface Integration {
  /** Short lower-case name: the URL segment of its routes and the key of what it shows support. */
  readonly name: string;
  /** What the CRM itself calls or opens (install links, callbacks): mounted at `/<name>`. */
  readonly publicRoutes?: Hono;
  /**
   * The business's API (`/v1/<name>` with a business key, `/v1/tenants/{tenantId}/<name>` for
   * support): the core authenticates and sets `tenantId` before these run. A function, as it is
   * mounted twice.
   */
  apiRoutes?(): Hono<IntegrationApiEnv>;
  /** OpenAPI path items of `apiRoutes` under `base` (`/v1/<name>` or `/v1/tenants/{tenantId}/<name>`). */
  openApiPaths?(base: string): Record<string, unknown>;
  /** A panel tab (its routes under /panel, behind the panel session) and when a business sees it. */
  readonly panelTab?: IntegrationPanelTab;
  /** What support's console shows beside a business that uses the integration (JSON, per business). */
  supportFacts?(tenantId: string): Promise<unknown>;
  /** Configuration problems support must see (a missing token…), as catalogue keys. */
  configurationWarnings?(): MessageKey[];
  /** Status changes and inbound texts, in the transaction that stored them (no network I/O). */
  readonly messageSink?: MessageEventSink;
  /** The kind of a notification it queued ('reminder'…), from the message's metadata; null: not one of its own. */
  notificationKind?(metadata: Record<string, unknown>): string | null;
  /** After an inbound text committed (work the sink left for a loop). */
  afterInbound?(): void;
  /** Starts its loops (after the gateway listens); `stop` ends them and waits for work under way. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The environment of an integration's API routes: who asks, for which business. */
export type IntegrationApiEnv = { Variables: { principal: Principal; tenantId: string } };

/** A tab in the business's panel. */
export interface IntegrationPanelTab {
  readonly routes: Hono<{ Variables: { tenantId: string } }>;
  shown(tenantId: string): Promise<boolean>;
}

/**
 * The integrations of one gateway, seen as one: the message sink fans out to each (the wiring builds
 * the message queue before the integrations exist, so the sink reads the list when it is called),
 * loops start in order and stop in reverse.
 */
export class Integrations {
  private readonly list: Integration[] = [];

  /** Adds an integration (undefined: not configured on this gateway). */
  add(integration: Integration | undefined): this {
    if (integration) this.list.push(integration);
    return this;
  }

  all(): readonly Integration[] {
    return this.list;
  }

  readonly messageSink: MessageEventSink = {
    record: async (tx: Queryable, event) => {
      for (const i of this.list) await i.messageSink?.record(tx, event);
    },
    recordMany: async (tx, events) => {
      for (const i of this.list) {
        const sink = i.messageSink;
        if (!sink) continue;
        if (sink.recordMany) await sink.recordMany(tx, events);
        else for (const event of events) await sink.record(tx, event);
      }
    },
    recordInbound: async (tx, reply) => {
      for (const i of this.list) await i.messageSink?.recordInbound(tx, reply);
    },
  };

  notificationKind(metadata: Record<string, unknown>): string | null {
    for (const i of this.list) {
      const kind = i.notificationKind?.(metadata);
      if (kind) return kind;
    }
    return null;
  }

  afterInbound(): void {
    for (const i of this.list) i.afterInbound?.();
  }

  /** Every integration's OpenAPI path items, for the business's key and for support. */
  openApiPaths(): Record<string, unknown> {
    const paths: Record<string, unknown> = {};
    for (const i of this.list) {
      Object.assign(paths, i.openApiPaths?.(`/v1/${i.name}`));
      Object.assign(paths, i.openApiPaths?.(`/v1/tenants/{tenantId}/${i.name}`));
    }
    return paths;
  }

  panelTabs(): IntegrationPanelTab[] {
    return this.list.flatMap((i) => (i.panelTab ? [i.panelTab] : []));
  }

  /** What support sees beside a business, by integration name (only those with something to say). */
  async supportFacts(tenantId: string): Promise<Record<string, unknown>> {
    const facts: Record<string, unknown> = {};
    for (const i of this.list) {
      const fact = await i.supportFacts?.(tenantId);
      if (fact !== undefined) facts[i.name] = fact;
    }
    return facts;
  }

  configurationWarnings(): MessageKey[] {
    return this.list.flatMap((i) => i.configurationWarnings?.() ?? []);
  }

  async start(): Promise<void> {
    for (const i of this.list) await i.start();
  }

  /** Stops every integration, the last started first; one that fails does not keep the others running. */
  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const i of [...this.list].reverse()) await i.stop().catch((err: unknown) => errors.push(err));
    if (errors.length) throw errors[0];
  }
}
