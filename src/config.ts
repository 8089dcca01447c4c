import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import {
  altegioConfigFrom,
  altegioEnvShape,
  refineAltegioEnv,
  type AltegioConfig,
} from './integrations/altegio/config.js';

export type { AltegioConfig } from './integrations/altegio/config.js';

const base64Key32 = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded');

const WA_VERSION_PATTERN = /^(\d{1,4})\.(\d{1,6})\.(\d{1,12})$/;

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    /** The address businesses reach the gateway at (QR-page and login links are built from it). */
    PUBLIC_URL: z.string().url().optional(),
    /** PostgreSQL server; without it the embedded PGlite database under DATA_DIR is used. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    /**
     * Bounds on a database that does not answer: waiting for a connection, one statement on the
     * server, and an answer from a silent server (default: the statement timeout plus 2 s).
     */
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    /**
     * Connections this process keeps to PostgreSQL at most. With several nodes on one server, every
     * node's pool (plus one LISTEN connection each) must fit under the server's max_connections.
     */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(1_000).default(20),
    DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
    /** Largest request body in bytes (1 MB), and for the batch routes (8 MB). */
    MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(1_073_741_824).default(1_048_576),
    MAX_BATCH_BODY_BYTES: z.coerce.number().int().min(1_024).max(1_073_741_824).default(8_388_608),
    DATA_DIR: z.string().default('./data'),
    /** Master key sealing linked-device secrets; without it a 0600 key file is created in DATA_DIR. */
    MASTER_KEY: base64Key32.optional(),
    /** A WhatsApp-compatible protocol server instead of WhatsApp (e.g. the simulator): URL and root key. */
    WA_SERVER_URL: z
      .string()
      .regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL')
      .optional(),
    WA_SERVER_ROOT_KEY: base64Key32.optional(),
    /**
     * The WhatsApp Web version to announce: `auto` (looked up at start and after a 405 at
     * WA_VERSION_URL, never below this build's floor) or a pin such as `2.3000.1043857760`.
     */
    WA_VERSION: z
      .string()
      .default('auto')
      .refine((value) => value === 'auto' || WA_VERSION_PATTERN.test(value), 'must be auto or 2.3000.N'),
    /**
     * Where `auto` reads the version (text carrying `"client_revision":N`): WhatsApp's sw.js, or
     * the protocol server's /sw.js when WA_SERVER_URL names one (nothing goes to the internet then).
     */
    WA_VERSION_URL: z.string().url().optional(),
    /** After WhatsApp refuses the version (405), how often it is looked up again. */
    WA_VERSION_CHECK_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
    /** Where the Support button sends a business (mailto:, https:, wa.me link...). */
    SUPPORT_URL: z.string().min(1).default('mailto:support@example.com'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How long QR/code generation runs after the last viewer heartbeat. */
    LINK_WINDOW_SECONDS: z.coerce.number().int().min(10).max(3600).default(180),
    /** After the last viewer closes the QR or code, how long linking goes on (a reload comes back). */
    LINK_GRACE_SECONDS: z.coerce.number().min(0).max(300).default(15),
    /** No QR or code from WhatsApp after this long: "Still connecting to WhatsApp…". */
    LINK_SLOW_SECONDS: z.coerce.number().min(0.1).max(600).default(10),
    /** No QR or code after this long: the cause in words, and Retry. */
    LINK_STUCK_SECONDS: z.coerce.number().min(0.2).max(600).default(30),
    /**
     * The name the phone lists this gateway under in Linked devices; `{business}` is the business's
     * name. WhatsApp keeps the name given at linking time.
     */
    DEVICE_NAME: z.string().trim().min(1).max(80).default('Zapgate · {business}'),
    /** Lifetime of a QR-page link. */
    QR_LINK_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24 * 7),
    /** Spacing between session restores at start, so a restart does not reconnect everything at once. */
    RESTORE_STAGGER_MS: z.coerce.number().int().min(0).max(60_000).default(20),
    /** How many restored sessions may be opening at once (a restart paces itself by WhatsApp's answers). */
    RESTORE_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(32),
    /**
     * At most this many WhatsApp connections in their handshake at once, restores, reconnects and
     * links together (a reconnect storm runs the pure-JS certificate checks a few at a time).
     */
    CONNECT_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(8),
    /**
     * How many worker threads run the WhatsApp sessions (0: in the API's own thread). Each isolate
     * collects its own garbage, so the sockets' heap no longer stops the API (issue 9).
     */
    SESSION_THREADS: z.coerce.number().int().min(0).max(64).default(1),
    /**
     * Several gateway nodes on one PostgreSQL (docs/operations.md): this node's unique name. Set, the
     * node holds only the channels its leases give it; unset, one process holds every channel.
     */
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore; at most 64')
      .optional(),
    /** A channel lease's lifetime: a dead node's channels move after at most this (plus a round). */
    LEASE_TTL_SECONDS: z.coerce.number().min(1).max(600).default(15),
    /** How many channels a node takes per placement round (the pace of a takeover's reconnects). */
    LEASE_TAKES_PER_ROUND: z.coerce.number().int().min(1).max(10_000).default(50),
    /**
     * How long a stop (SIGTERM) may take before the process exits anyway. Safe: an accepted message
     * is in the database before it is acknowledged, and a send cut off is sent again with its id.
     */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(8_000),
    /** QR ref lifetime override (tests and the sandbox); WhatsApp's own 60 s / 20 s when unset. */
    QR_TIMEOUT_MS: z.coerce.number().int().min(1000).optional(),
    /**
     * After WhatsApp answers a send with 463 (reach-out timelock), how long the channel writes to no
     * new contacts. WhatsApp does not say; a day is the cautious default learned from the field.
     */
    RESTRICTION_MINUTES: z.coerce
      .number()
      .min(0.01)
      .max(60 * 24 * 30)
      .default(60 * 24),
    /**
     * Webhooks may go to private, loopback, link-local and other reserved addresses (self-hosters
     * whose receivers live on their own network). Off by default: a business key must not make the
     * gateway reach the operator's network (SSRF).
     */
    WEBHOOK_ALLOW_PRIVATE: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((value) => value === 'true'),
    ...altegioEnvShape,
    /** When set, /metrics requires `Authorization: Bearer <token>`. */
    METRICS_TOKEN: z.string().min(16).optional(),
    /**
     * Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs, e.g.
     * `127.0.0.1,10.0.0.0/8`). Empty: the peer address is the client (rate limits key on it).
     */
    TRUSTED_PROXIES: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const items = value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
        const bad = items.filter((item) => !isAddressOrCidr(item));
        if (bad.length)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: `not an IP address or CIDR: ${bad.join(', ')}`,
          });
        return items;
      }),
    /** WhatsApp channels one business may have (creating one more answers 409). */
    MAX_CHANNELS_PER_BUSINESS: z.coerce.number().int().min(1).max(10_000).default(20),
    /** Channels of one business showing a QR or code at once (each holds a WhatsApp socket; 429 beyond). */
    MAX_LINKING_PER_BUSINESS: z.coerce.number().int().min(1).max(1_000).default(5),
    /** Live event streams (SSE) open at once per panel session, QR-page link or support session. */
    MAX_EVENT_STREAMS: z.coerce.number().int().min(1).max(1_000).default(10),
  })
  .superRefine((value, ctx) => {
    if (value.NODE_ID && !value.DATABASE_URL) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['NODE_ID'],
        message: 'needs DATABASE_URL: the embedded database serves one process only',
      });
    }
    if (value.DATABASE_URL && !value.MASTER_KEY) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['MASTER_KEY'],
        message: 'is required with DATABASE_URL: every node must seal secrets with the same key',
      });
    }
    refineAltegioEnv(value, ctx);
    if (Boolean(value.WA_SERVER_URL) !== Boolean(value.WA_SERVER_ROOT_KEY)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['WA_SERVER_ROOT_KEY'],
        message: 'WA_SERVER_URL and WA_SERVER_ROOT_KEY go together',
      });
    }
  });

/** The gateway's configuration, validated once at boot and frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  /** Timeouts on a PostgreSQL server (see DATABASE_*_TIMEOUT_MS). */
  readonly database: {
    readonly connectTimeoutMs: number;
    readonly statementTimeoutMs: number;
    readonly queryTimeoutMs: number;
    /** Most connections kept to PostgreSQL (DATABASE_POOL_SIZE). */
    readonly poolSize: number;
  };
  /** Request-body limits in bytes: every route, and the batch routes. */
  readonly bodyLimits: { readonly defaultBytes: number; readonly batchBytes: number };
  readonly dataDir: string;
  readonly masterKey: string | undefined;
  readonly protocolServer: { readonly url: string; readonly rootPublicKey: Uint8Array } | undefined;
  readonly supportUrl: string;
  readonly logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  readonly linkWindowMs: number;
  /** Linking while people look: grace after the last viewer, "still connecting" and "stuck" times. */
  readonly linking: { readonly graceMs: number; readonly slowMs: number; readonly stuckMs: number };
  /** The linked device's name on the phone; `{business}` is replaced by the business's name. */
  readonly deviceName: string;
  readonly qrLinkTtlMs: number;
  readonly restoreStaggerMs: number;
  readonly restoreConcurrency: number;
  /** Connection attempts in their handshake at once, process-wide (channels/connect-gate.ts). */
  readonly connectConcurrency: number;
  /** Worker threads the WhatsApp sessions run in; 0 runs them in the main thread (channels/session-threads.ts). */
  readonly sessionThreads: number;
  /** Several nodes on one PostgreSQL (NODE_ID set); undefined: this process holds every channel. */
  readonly cluster:
    { readonly nodeId: string; readonly leaseTtlMs: number; readonly takesPerRound: number } | undefined;
  readonly shutdownTimeoutMs: number;
  readonly qrTimeoutMs: number | undefined;
  readonly restrictionMs: number;
  /** The WhatsApp Web version: a pin, or `auto` from a URL; re-checked every `checkMs` after a 405. */
  readonly clientVersion: {
    readonly setting:
      | { readonly kind: 'pin'; readonly version: [number, number, number] }
      | { readonly kind: 'auto'; readonly url: string };
    readonly checkMs: number;
  };
  /** Webhooks may go to private and reserved addresses (WEBHOOK_ALLOW_PRIVATE). */
  readonly webhookAllowPrivate: boolean;
  /** The ALTEGIO integration; undefined when no partner token is configured. */
  readonly altegio: AltegioConfig | undefined;
  readonly metricsToken: string | undefined;
  /** Addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed. */
  readonly trustedProxies: readonly string[];
  /** Cookies carry `Secure` (PUBLIC_URL is https). */
  readonly secureCookies: boolean;
  readonly limits: Limits;
}

/** Per-business bounds on what a key or a browser can hold open. */
export interface Limits {
  readonly channelsPerBusiness: number;
  readonly linkingPerBusiness: number;
  readonly eventStreams: number;
}

/** An IPv4/IPv6 address, or one with a /prefix. */
function isAddressOrCidr(value: string): boolean {
  try {
    if (value.includes('/')) ipaddr.parseCIDR(value);
    else ipaddr.parse(value);
    return true;
  } catch {
    return false;
  }
}

/** Thrown when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses configuration from an environment map (process.env at the edge; a plain object in tests). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || 'environment'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const v = parsed.data;
  return Object.freeze({
    host: v.HOST,
    port: v.PORT,
    publicUrl: v.PUBLIC_URL?.replace(/\/$/, ''),
    databaseUrl: v.DATABASE_URL,
    database: Object.freeze({
      connectTimeoutMs: v.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS,
      queryTimeoutMs: v.DATABASE_QUERY_TIMEOUT_MS ?? v.DATABASE_STATEMENT_TIMEOUT_MS + 2_000,
      poolSize: v.DATABASE_POOL_SIZE,
    }),
    bodyLimits: Object.freeze({ defaultBytes: v.MAX_BODY_BYTES, batchBytes: v.MAX_BATCH_BODY_BYTES }),
    dataDir: resolve(v.DATA_DIR),
    masterKey: v.MASTER_KEY,
    protocolServer:
      v.WA_SERVER_URL && v.WA_SERVER_ROOT_KEY
        ? Object.freeze({
            url: v.WA_SERVER_URL,
            rootPublicKey: new Uint8Array(Buffer.from(v.WA_SERVER_ROOT_KEY, 'base64')),
          })
        : undefined,
    supportUrl: v.SUPPORT_URL,
    logLevel: v.LOG_LEVEL,
    linkWindowMs: v.LINK_WINDOW_SECONDS * 1000,
    linking: Object.freeze({
      graceMs: v.LINK_GRACE_SECONDS * 1000,
      slowMs: v.LINK_SLOW_SECONDS * 1000,
      stuckMs: Math.max(v.LINK_STUCK_SECONDS, v.LINK_SLOW_SECONDS) * 1000,
    }),
    deviceName: v.DEVICE_NAME,
    qrLinkTtlMs: v.QR_LINK_TTL_HOURS * 3_600_000,
    restoreStaggerMs: v.RESTORE_STAGGER_MS,
    restoreConcurrency: v.RESTORE_CONCURRENCY,
    connectConcurrency: v.CONNECT_CONCURRENCY,
    sessionThreads: v.SESSION_THREADS,
    cluster: v.NODE_ID
      ? Object.freeze({
          nodeId: v.NODE_ID,
          leaseTtlMs: Math.round(v.LEASE_TTL_SECONDS * 1000),
          takesPerRound: v.LEASE_TAKES_PER_ROUND,
        })
      : undefined,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    qrTimeoutMs: v.QR_TIMEOUT_MS,
    restrictionMs: Math.round(v.RESTRICTION_MINUTES * 60_000),
    clientVersion: {
      setting: clientVersionSetting(v.WA_VERSION, v.WA_VERSION_URL, v.WA_SERVER_URL),
      checkMs: Math.round(v.WA_VERSION_CHECK_SECONDS * 1000),
    },
    webhookAllowPrivate: v.WEBHOOK_ALLOW_PRIVATE,
    altegio: altegioConfigFrom(v),
    metricsToken: v.METRICS_TOKEN,
    trustedProxies: Object.freeze(v.TRUSTED_PROXIES),
    secureCookies: v.PUBLIC_URL?.startsWith('https:') ?? false,
    limits: Object.freeze({
      channelsPerBusiness: v.MAX_CHANNELS_PER_BUSINESS,
      linkingPerBusiness: v.MAX_LINKING_PER_BUSINESS,
      eventStreams: v.MAX_EVENT_STREAMS,
    }),
  });
}

function clientVersionSetting(
  version: string,
  url: string | undefined,
  serverUrl: string | undefined,
): Config['clientVersion']['setting'] {
  const pin = WA_VERSION_PATTERN.exec(version);
  if (pin) return { kind: 'pin', version: [Number(pin[1]), Number(pin[2]), Number(pin[3])] };
  if (url) return { kind: 'auto', url };
  if (serverUrl) {
    // A compatible server (the simulator) serves its version text beside its protocol endpoint.
    const server = new URL(serverUrl);
    return { kind: 'auto', url: `${server.protocol === 'wss:' ? 'https:' : 'http:'}//${server.host}/sw.js` };
  }
  return { kind: 'auto', url: 'https://web.whatsapp.com/sw.js' };
}
