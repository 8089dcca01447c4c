import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { bearerToken } from './http/auth.js';

/**
 * The gateway's Prometheus metrics, one registry per gateway (tests run several in one process).
 * Components get the instruments they update; gauges that reflect state are collected on scrape.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly channelStatusChanges = new Counter({
    name: 'zapgate_channel_status_changes_total',
    help: 'Channel status changes, by new status and cause',
    labelNames: ['status', 'cause'] as const,
    registers: [this.registry],
  });
  readonly reconnects = new Counter({
    name: 'zapgate_session_reconnects_total',
    help: 'Reconnect attempts of linked-device sessions, by cause',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });
  readonly sessions = new Gauge({
    name: 'zapgate_sessions',
    help: 'Live WhatsApp sessions on this node, by session status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly messagesAccepted = new Counter({
    name: 'zapgate_messages_accepted_total',
    help: 'Messages accepted into the queue',
    registers: [this.registry],
  });
  readonly sends = new Counter({
    name: 'zapgate_message_outcomes_total',
    help: 'Message outcomes, by status and failure reason',
    labelNames: ['status', 'reason'] as const,
    registers: [this.registry],
  });
  readonly sendLatency = new Histogram({
    name: 'zapgate_send_latency_seconds',
    help: 'From a message being claimed for sending to the server ack',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'zapgate_queue_depth',
    help: 'Messages waiting to be sent (queued or sending)',
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'zapgate_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'zapgate_message_refusals_total',
    help: 'Sends WhatsApp refused with 463, by cause (timelock, misaddressed, no_token)',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });
  readonly resends = new Counter({
    name: 'zapgate_message_resends_total',
    help: 'Retry receipts (a recipient could not decrypt): resent from the store, or unknown',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly newChatCap = new Counter({
    name: 'zapgate_new_chat_cap_updates_total',
    help: 'What WhatsApp said about the monthly new-chat cap, by status (none, warnings, capped)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly newChatCapChannels = new Gauge({
    name: 'zapgate_new_chat_cap_channels',
    help: 'Channels on this node by what WhatsApp last said of their monthly new-chat cap (none, first_warning, second_warning, capped)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly versionRefusals = new Counter({
    name: 'zapgate_client_version_refusals_total',
    help: 'Logins WhatsApp refused (405) because it no longer accepts the client version',
    registers: [this.registry],
  });
  readonly clusterHeldSessions = new Gauge({
    name: 'zapgate_cluster_held_channels',
    help: 'Channels this node holds under a lease (several nodes on one PostgreSQL)',
    registers: [this.registry],
  });
  readonly clusterLeasesLost = new Counter({
    name: 'zapgate_cluster_leases_lost_total',
    help: 'Leases this node could not renew in time: their sessions were stopped before expiry',
    registers: [this.registry],
  });
  readonly clusterHandoffs = new Counter({
    name: 'zapgate_cluster_handoffs_total',
    help: 'Channels handed over (out: released by this node; in: taken from another node)',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  readonly clusterTakeover = new Histogram({
    name: 'zapgate_cluster_takeover_seconds',
    help: "From acquiring a channel's lease to its session being open on this node",
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly backgroundErrors = new Counter({
    name: 'zapgate_background_errors_total',
    help: 'Errors caught in background loops, by loop',
    labelNames: ['loop'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'zapgate_' });
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether an `Authorization` header carries the metrics token as its Bearer (parsed like an API
 * key, by `bearerToken`). Compared in constant time over
 * fixed-length digests, so neither the token's characters nor its length leak through timing.
 */
export function metricsTokenMatches(authorization: string | undefined, token: string): boolean {
  return timingSafeEqual(digest(bearerToken(authorization) ?? ''), digest(token));
}
