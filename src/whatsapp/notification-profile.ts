import type {
  AuthenticationCreds,
  SignalKeyStore,
  UserFacingSocketConfig,
  WAMessageKey,
  WAVersion,
} from 'baileys';
import { proto } from 'baileys';
import type { ILogger } from 'baileys/lib/Utils/logger.js';
import { isIgnoredJid } from './jids.js';
import type { SocketCaches } from './socket-caches.js';

/** What varies between sessions in the socket configuration. */
export interface SocketProfileInput {
  readonly creds: AuthenticationCreds;
  readonly keys: SignalKeyStore;
  readonly logger: ILogger;
  /** A compatible protocol server's WebSocket URL; undefined means WhatsApp. */
  readonly serverUrl?: string | undefined;
  readonly browser?: [string, string, string] | undefined;
  readonly qrTimeoutMs?: number | undefined;
  readonly keepAliveIntervalMs?: number | undefined;
  /** The WhatsApp Web version to announce (see client-version.ts); Baileys' own when unset. */
  readonly version?: WAVersion | undefined;
  /**
   * A message we sent, for a recipient's retry receipt (it could not decrypt): re-encrypted and sent
   * again with the same id. Undefined: not ours, or no longer kept.
   */
  readonly getMessage?: ((key: WAMessageKey) => Promise<proto.IMessage | undefined>) | undefined;
  /** The socket's caches, made on first use (socket-caches.ts); Baileys makes its own when unset. */
  readonly caches?: SocketCaches | undefined;
}

/**
 * The history sync chunks a notification gateway accepts: the ones that carry what sending needs
 * (phone↔LID mappings, the contacts' trusted-contact tokens, push names). INITIAL_BOOTSTRAP also
 * carries recent messages: Baileys hands them to `messaging-history.set`, which the gateway never
 * listens to, so no message body is kept. RECENT / FULL / ON_DEMAND (the message history itself)
 * and status stay off; RECENT off also keeps Baileys from holding events back for 20 s after a link
 * while it waits for a history that never comes.
 */
const METADATA_SYNC_TYPES: ReadonlySet<proto.HistorySync.HistorySyncType | null | undefined> = new Set([
  proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
  proto.HistorySync.HistorySyncType.PUSH_NAME,
  proto.HistorySync.HistorySyncType.NON_BLOCKING_DATA,
]);

/** Whether Baileys should process a history sync notification (metadata-bearing types only). */
export function shouldSyncHistoryMessage(notification: { syncType?: unknown }): boolean {
  return METADATA_SYNC_TYPES.has(notification.syncType as proto.HistorySync.HistorySyncType);
}

/**
 * Baileys configuration for a notification gateway: history sync for metadata only (see
 * METADATA_SYNC_TYPES), no presence, no echo of our
 * own sends, no link-preview fetching, groups/status/broadcasts/channels dropped before decryption,
 * and the client version the gateway resolved (Baileys itself never fetches one from the network).
 */
export function notificationSocketConfig(input: SocketProfileInput): UserFacingSocketConfig {
  return {
    auth: { creds: input.creds, keys: input.keys },
    logger: input.logger,
    ...(input.serverUrl !== undefined ? { waWebSocketUrl: input.serverUrl } : {}),
    ...(input.browser ? { browser: input.browser } : {}),
    ...(input.qrTimeoutMs !== undefined ? { qrTimeout: input.qrTimeoutMs } : {}),
    ...(input.keepAliveIntervalMs !== undefined ? { keepAliveIntervalMs: input.keepAliveIntervalMs } : {}),
    ...(input.version ? { version: input.version } : {}),
    shouldSyncHistoryMessage,
    syncFullHistory: false,
    markOnlineOnConnect: false,
    // Skips the abt props / blocklist / privacy queries on open; Baileys' defaults for the props
    // that matter to sending (privacy tokens on 1:1 messages) are the safe ones.
    fireInitQueries: false,
    emitOwnEvents: false,
    generateHighQualityLinkPreview: false,
    shouldIgnoreJid: isIgnoredJid,
    getMessage: input.getMessage ?? (() => Promise.resolve(undefined)),
    ...(input.caches
      ? {
          msgRetryCounterCache: input.caches.msgRetryCounterCache,
          callOfferCache: input.caches.callOfferCache,
          userDevicesCache: input.caches.userDevicesCache,
          placeholderResendCache: input.caches.placeholderResendCache,
        }
      : {}),
  };
}
