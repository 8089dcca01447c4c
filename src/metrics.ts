import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { bearerToken } from './http/auth.js';
import type { DatabaseTimings, PoolCounts } from './store/database.js';

/**
 * The gateway's Prometheus metrics, one registry per gateway (tests run several in one process).
 * Components get the instruments they update; gauges that reflect state are collected on scrape.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly channelStatusChanges = this.counter(
    'zapgate_channel_status_changes_total',
    'Channel status changes, by new status and cause',
    ['status', 'cause'],
  );
  readonly reconnects = this.counter(
    'zapgate_session_reconnects_total',
    'Reconnect attempts of linked-device sessions, by cause',
    ['cause'],
  );
  readonly sessions = this.gauge(
    'zapgate_sessions',
    'Live WhatsApp sessions on this node, by session status',
    ['status'],
  );
  readonly connectAttemptsWaiting = this.gauge(
    'zapgate_connect_attempts_waiting',
    'WhatsApp connection attempts (restores, reconnects, links) waiting for a turn at the connection gate',
  );
  readonly connectAttemptsInHandshake = this.gauge(
    'zapgate_connect_attempts_in_handshake',
    'WhatsApp connection attempts in their handshake now (at most CONNECT_CONCURRENCY)',
  );
  readonly messagesAccepted = this.counter(
    'zapgate_messages_accepted_total',
    'Messages accepted into the queue',
  );
  readonly sends = this.counter(
    'zapgate_message_outcomes_total',
    'Message outcomes, by status and failure reason',
    ['status', 'reason'],
  );
  readonly sendLatency = this.histogram(
    'zapgate_send_latency_seconds',
    'From a message being claimed for sending to the server ack',
    [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  );
  /** Fine buckets from 1 ms: an API request's database share is a few ms, its tail tens. */
  readonly dbConnectionWait = this.histogram(
    'zapgate_db_connection_wait_seconds',
    'Time a transaction waited for a pooled PostgreSQL connection',
    DB_BUCKETS,
  );
  readonly dbTransaction = this.histogram(
    'zapgate_db_transaction_seconds',
    'Committed PostgreSQL transactions, from their connection to the answer to their commit',
    DB_BUCKETS,
  );
  readonly dbStatement = this.histogram(
    'zapgate_db_statement_seconds',
    'PostgreSQL statements answered outside a transaction, waiting for a connection included',
    DB_BUCKETS,
  );
  /** Read at each scrape from the pool `watchPool` was given. */
  private poolCounts: (() => PoolCounts) | undefined;
  readonly dbPool = new Gauge({
    name: 'zapgate_db_pool_connections',
    help: 'PostgreSQL pool connections by state (open, idle), and callers waiting for one',
    labelNames: ['state'],
    registers: [this.registry],
    collect: () => {
      const counts = this.poolCounts?.();
      if (!counts) return;
      this.dbPool.set({ state: 'open' }, counts.open);
      this.dbPool.set({ state: 'idle' }, counts.idle);
      this.dbPool.set({ state: 'waiting' }, counts.waiting);
    },
  });
  readonly queueDepth = this.gauge('zapgate_queue_depth', 'Messages waiting to be sent (queued or sending)');
  readonly webhookDeliveries = this.counter(
    'zapgate_webhook_deliveries_total',
    'Webhook delivery attempts, by outcome',
    ['outcome'],
  );
  readonly refusals = this.counter(
    'zapgate_message_refusals_total',
    'Sends WhatsApp refused with 463, by cause (timelock, misaddressed, no_token)',
    ['cause'],
  );
  readonly resends = this.counter(
    'zapgate_message_resends_total',
    'Retry receipts (a recipient could not decrypt): resent from the store, or unknown',
    ['outcome'],
  );
  readonly newChatCap = this.counter(
    'zapgate_new_chat_cap_updates_total',
    'What WhatsApp said about the monthly new-chat cap, by status (none, warnings, capped)',
    ['status'],
  );
  readonly newChatCapChannels = this.gauge(
    'zapgate_new_chat_cap_channels',
    'Channels on this node by what WhatsApp last said of their monthly new-chat cap (none, first_warning, second_warning, capped)',
    ['state'],
  );
  readonly versionRefusals = this.counter(
    'zapgate_client_version_refusals_total',
    'Logins WhatsApp refused (405) because it no longer accepts the client version',
  );
  readonly clusterHeldSessions = this.gauge(
    'zapgate_cluster_held_channels',
    'Channels this node holds under a lease (several nodes on one PostgreSQL)',
  );
  readonly clusterLeasesLost = this.counter(
    'zapgate_cluster_leases_lost_total',
    'Leases this node could not renew in time: their sessions were stopped before expiry',
  );
  readonly clusterHandoffs = this.counter(
    'zapgate_cluster_handoffs_total',
    'Channels handed over (out: released by this node; in: taken from another node)',
    ['direction'],
  );
  readonly clusterTakeover = this.histogram(
    'zapgate_cluster_takeover_seconds',
    "From acquiring a channel's lease to its session being open on this node",
    [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  );
  /** Per session thread (SESSION_THREADS): the defaults above describe the main thread only. */
  readonly sessionThreadSessions = this.gauge(
    'zapgate_session_thread_sessions',
    'WhatsApp sessions (drivers) each session thread runs',
    ['thread'],
  );
  readonly sessionThreadHeapUsed = this.gauge(
    'zapgate_session_thread_heap_used_bytes',
    "V8 heap used by each session thread's own isolate",
    ['thread'],
  );
  readonly sessionThreadLoopDelayP99 = this.gauge(
    'zapgate_session_thread_event_loop_delay_p99_seconds',
    "Each session thread's event-loop delay p99 since the last scrape",
    ['thread'],
  );
  readonly backgroundErrors = this.counter(
    'zapgate_background_errors_total',
    'Errors caught in background loops, by loop',
    ['loop'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'zapgate_' });
  }

  /** What the database's timings report to (the pool's own figures as histograms). */
  readonly databaseTimings: DatabaseTimings = {
    connectionWait: (seconds) => this.dbConnectionWait.observe(seconds),
    statement: (seconds) => this.dbStatement.observe(seconds),
    transaction: (seconds) => this.dbTransaction.observe(seconds),
  };

  /** The pool whose connections `zapgate_db_pool_connections` reports. */
  watchPool(counts: (() => PoolCounts) | undefined): void {
    this.poolCounts = counts;
  }

  // Every instrument is registered in this gateway's registry, nowhere else.
  private counter<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram(name: string, help: string, buckets: number[]): Histogram {
    return new Histogram({ name, help, buckets, registers: [this.registry] });
  }
}

const DB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether an `Authorization` header carries the metrics token as its Bearer (parsed like an API
 * key, by `bearerToken`). Compared in constant time over
 * fixed-length digests, so neither the token's characters nor its length leak through timing.
 */
export function metricsTokenMatches(authorization: string | undefined, token: string): boolean {
  return timingSafeEqual(digest(bearerToken(authorization) ?? ''), digest(token));
}
