import type { Clock } from '../clock.js';
import { AppError } from '../domain/errors.js';
import type { Database } from '../store/database.js';
import type {
  DeliveryStatus,
  WebhookDeliveriesRepository,
  WebhookDeliveryWithAttempts,
} from './webhook-deliveries-repository.js';
import type {
  WebhookEndpoint,
  WebhookEndpointPatch,
  WebhookEndpointsRepository,
} from './webhook-endpoints-repository.js';
import type { WebhookEventType } from './webhook-events.js';
import type { WebhookOutbox } from './webhook-outbox.js';
import { newWebhookSecret } from './webhook-signature.js';
import { destinationProblem, type WebhookDestinationPolicy } from './webhook-destinations.js';
import { webhookUrlProblem } from './webhook-url.js';

export interface WebhookServiceOptions {
  readonly db: Database;
  readonly endpoints: WebhookEndpointsRepository;
  readonly deliveries: WebhookDeliveriesRepository;
  readonly outbox: WebhookOutbox;
  /** Where endpoints may point (their host is resolved and checked at registration). */
  readonly destinations: WebhookDestinationPolicy;
  readonly clock: Clock;
  /** After a rotation the old secret keeps signing (alongside the new) this long. Default 24 h. */
  readonly rotationGraceMs?: number;
  /** Endpoints one business may have. Default 20. */
  readonly maxEndpointsPerTenant?: number;
}

/** An endpoint with its secret, returned only at creation and rotation. */
export interface WebhookEndpointWithSecret {
  readonly endpoint: WebhookEndpoint;
  readonly secret: string;
}

const notFound = (): AppError => new AppError('not_found', 'No such webhook endpoint.');

/** Refuses a malformed URL or one whose host is (or resolves to) an address the policy forbids. */
const checkUrl = async (url: string, destinations: WebhookDestinationPolicy): Promise<void> => {
  const problem = webhookUrlProblem(url) ?? (await destinationProblem(new URL(url), destinations));
  if (problem) throw new AppError('invalid_input', `url: ${problem}`, { details: { field: 'url' } });
};

/** A business's webhook endpoints and their delivery log: the named operations behind /v1/webhooks. */
export class WebhookService {
  private readonly clock: Clock;

  constructor(private readonly o: WebhookServiceOptions) {
    this.clock = o.clock;
  }

  async create(
    tenantId: string,
    input: { url: string; events?: readonly WebhookEventType[] | null },
  ): Promise<WebhookEndpointWithSecret> {
    await checkUrl(input.url, this.o.destinations);
    const max = this.o.maxEndpointsPerTenant ?? 20;
    if ((await this.o.endpoints.count(tenantId)) >= max)
      throw new AppError('conflict', `A business may have at most ${max} webhook endpoints.`);
    const secret = newWebhookSecret();
    const endpoint = await this.o.endpoints.create(
      tenantId,
      { url: input.url, events: input.events ?? null },
      secret,
      this.clock.now(),
    );
    return { endpoint, secret };
  }

  list(tenantId: string): Promise<WebhookEndpoint[]> {
    return this.o.endpoints.list(tenantId);
  }

  async get(tenantId: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await this.o.endpoints.get(tenantId, endpointId);
    if (!endpoint) throw notFound();
    return endpoint;
  }

  async update(tenantId: string, endpointId: string, patch: WebhookEndpointPatch): Promise<WebhookEndpoint> {
    if (patch.url !== undefined) await checkUrl(patch.url, this.o.destinations);
    const endpoint = await this.o.endpoints.update(tenantId, endpointId, patch, this.clock.now());
    if (!endpoint) throw notFound();
    return endpoint;
  }

  async remove(tenantId: string, endpointId: string): Promise<void> {
    if (!(await this.o.endpoints.remove(tenantId, endpointId))) throw notFound();
  }

  /** A new secret (shown once); the previous one keeps signing too during the grace period. */
  async rotateSecret(tenantId: string, endpointId: string): Promise<WebhookEndpointWithSecret> {
    const secret = newWebhookSecret();
    const now = this.clock.now();
    const endpoint = await this.o.endpoints.rotateSecret(
      tenantId,
      endpointId,
      secret,
      now,
      new Date(now.getTime() + (this.o.rotationGraceMs ?? 24 * 3_600_000)),
    );
    if (!endpoint) throw notFound();
    return { endpoint, secret };
  }

  /** An endpoint's delivery log, newest first, with every attempt. */
  async deliveries(
    tenantId: string,
    endpointId: string,
    filter: { status?: DeliveryStatus | undefined; limit?: number | undefined; before?: string | undefined },
  ): Promise<WebhookDeliveryWithAttempts[]> {
    await this.get(tenantId, endpointId);
    return this.o.deliveries.list(tenantId, endpointId, { ...filter, limit: filter.limit ?? 50 });
  }

  /** Sends a dead (or delivered) delivery again, now, with a fresh retry window. */
  async replay(tenantId: string, deliveryId: string): Promise<WebhookDeliveryWithAttempts> {
    const result = await this.o.deliveries.replay(tenantId, deliveryId, this.clock.now());
    if (result === undefined) throw new AppError('not_found', 'No such webhook delivery.');
    if (result === 'pending')
      throw new AppError('conflict', 'This delivery is still pending; it is retried automatically.');
    this.o.outbox.notify();
    return (await this.o.deliveries.get(tenantId, deliveryId)) ?? { ...result, attemptLog: [] };
  }

  /** Queues a `webhook.test` event for one endpoint (whatever its filter); returns the delivery id. */
  async sendTest(tenantId: string, endpointId: string): Promise<{ deliveryId: string }> {
    const endpoint = await this.get(tenantId, endpointId);
    if (!endpoint.enabled) throw new AppError('conflict', 'This endpoint is disabled; enable it first.');
    const deliveryId = await this.o.outbox.enqueueTest(this.o.db, tenantId, endpointId, {
      endpointId,
      message: 'A test event from Zapgate: your endpoint received and can verify our webhooks.',
    });
    return { deliveryId };
  }
}
