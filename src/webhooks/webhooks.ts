import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { Metrics } from '../metrics.js';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';
import type { RetryPolicy } from './retry-schedule.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries-repository.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
import { WebhookEndpointsRepository } from './webhook-endpoints-repository.js';
import { WebhookOutbox } from './webhook-outbox.js';
import { WebhookService } from './webhook-service.js';
import { publicOnly, type WebhookDestinationPolicy } from './webhook-destinations.js';
import { httpTransport, type WebhookTransport } from './webhook-transport.js';

export interface WebhooksOptions {
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly logger: Logger;
  readonly metrics?: Pick<Metrics, 'webhookDeliveries' | 'backgroundErrors'>;
  /** Every webhook time (enqueue, attempts, leases, rotation); the gateway passes its one clock. */
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly retry?: RetryPolicy;
  /**
   * Where webhooks may go, checked at registration and at connect time. Default: public addresses
   * only, through the system resolver.
   */
  readonly destinations?: WebhookDestinationPolicy;
  /** Replaces the HTTP transport (and its connect-time check) entirely; tests use fakes. */
  readonly transport?: WebhookTransport;
  /** Dispatcher tunables (timeout, poll interval, concurrency, lease, retention). */
  readonly dispatcher?: Pick<
    WebhookDispatcherOptions,
    'timeoutMs' | 'pollIntervalMs' | 'concurrency' | 'leaseMs' | 'retentionMs' | 'userAgent'
  >;
}

/** The webhook parts, built together: the outbox for writers, the service for the API, the worker. */
export interface Webhooks {
  readonly outbox: WebhookOutbox;
  readonly service: WebhookService;
  readonly dispatcher: WebhookDispatcher;
}

/** Builds the outbox, service and dispatcher over one database (start the dispatcher yourself). */
export function createWebhooks(o: WebhooksOptions): Webhooks {
  const clock = o.clock ?? systemClock;
  const outbox = new WebhookOutbox(clock);
  const deliveries = new WebhookDeliveriesRepository(o.db);
  const destinations = o.destinations ?? publicOnly();
  const service = new WebhookService({
    db: o.db,
    endpoints: new WebhookEndpointsRepository(o.db, o.secrets),
    deliveries,
    outbox,
    destinations,
    clock,
  });
  const dispatcher = new WebhookDispatcher({
    ...o.dispatcher,
    deliveries,
    outbox,
    secrets: o.secrets,
    logger: o.logger,
    clock,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.random ? { random: o.random } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    transport: o.transport ?? httpTransport(destinations),
  });
  return { outbox, service, dispatcher };
}
