import makeWASocket, {
  type AuthenticationCreds,
  type BinaryNode,
  type WASocket,
  type WAVersion,
} from 'baileys';
import type { Logger } from 'pino';
import { fetchNewChatCap, refusalOf, watchAccountLimits } from './account-queries.js';
import { makeBaileysLogger } from './baileys-logger.js';
import type { CachedSignalKeyStore } from './cached-signal-key-store.js';
import { parseLidUser, parsePhoneJid } from './jids.js';
import { BUSINESS_PLATFORMS } from './link-codes.js';
import { attachMessageTraffic } from './message-traffic.js';
import { notificationSocketConfig } from './notification-profile.js';
import { knownLid, retryContent } from './outbound.js';
import { trustProtocolServer } from './protocol-server-trust.js';
import type { SessionEventMap, SessionState } from './session-events.js';
import type { LinkedDeviceSessionOptions } from './session-options.js';
import { socketCaches } from './socket-caches.js';

/** What one socket of a LinkedDeviceSession is made of. */
export interface SessionSocketInput {
  readonly options: LinkedDeviceSessionOptions;
  readonly creds: AuthenticationCreds;
  readonly keys: CachedSignalKeyStore;
  /** The session's Signal keys now (undefined once its socket is gone), for a 463's LID lookup. */
  readonly currentKeys: () => CachedSignalKeyStore | undefined;
  readonly log: Logger;
  /** The WhatsApp Web version this socket announces. */
  readonly version: WAVersion;
  /** Is this still the session's current socket? Events of an older one are ignored. */
  readonly isCurrent: () => boolean;
}

/** What the socket's events mean to its session (called only while it is the current socket). */
export interface SessionSocketEvents {
  /** A QR ref from the server: the registration handshake is done. */
  qr(sock: WASocket, qr: string): void;
  /** A phone linked this device (the server restarts the stream to log in). */
  linked(): void;
  open(): void;
  close(error: unknown): void;
  /** Baileys changed the credentials (always, even on an older socket: they are the session's). */
  credsChanged(): void;
  /** WhatsApp's companion_reg_refresh: the code on screen carries a retired secret. */
  registrationRefresh(): void;
  notification(stanza: BinaryNode): void;
  emit<K extends keyof SessionEventMap>(event: K, payload: SessionEventMap[K]): void;
}

/**
 * One Baileys socket for a linked-device session, in the notification profile (its credentials
 * made fit to log in or register, the protocol server trusted), with its events
 * wired to the session: connection updates, the account's limits, message traffic, linking
 * notifications, and the new-chat cap asked once it opens. The session decides what they change.
 */
export function openSessionSocket(input: SessionSocketInput, on: SessionSocketEvents): WASocket {
  const { options: o, log, isCurrent, creds } = input;
  // Only an ADV-signed account means "linked" (creds.registered stays false after a QR link).
  // A half-done pairing-code attempt leaves creds.me set, which would make Baileys try to log in.
  if (!creds.account) {
    delete creds.me;
    creds.pairingCode = undefined;
  }
  if (o.server) trustProtocolServer(o.server);
  const caches = socketCaches();
  const sock = makeWASocket(
    notificationSocketConfig({
      creds,
      keys: input.keys,
      logger: makeBaileysLogger(log, o.baileysLogLevel),
      serverUrl: o.server?.url,
      browser: o.browser,
      qrTimeoutMs: o.qrTimeoutMs,
      keepAliveIntervalMs: o.keepAliveIntervalMs,
      version: input.version,
      caches,
      getMessage: (key) =>
        retryContent(key.id ?? undefined, o.storedText, log, (messageId, found) =>
          on.emit('resend_requested', { messageId, found }),
        ),
    }),
  );
  sock.ev.on('connection.update', (update) => {
    // Baileys closes only the caches it made itself; these end with their socket, current or not.
    if (update.connection === 'close') caches.close();
    if (!isCurrent()) return;
    if (typeof update.qr === 'string') on.qr(sock, update.qr);
    if (update.isNewLogin) on.linked();
    if (update.connection === 'open') {
      on.open();
      void askNewChatCap(sock, isCurrent, on, log);
    }
    if (update.connection === 'close') on.close(update.lastDisconnect?.error);
  });
  watchAccountLimits(sock, isCurrent, {
    timelock: (state) => on.emit('reachout_timelock', state),
    cap: (cap) => on.emit('new_chat_cap', cap),
  });
  sock.ev.on('creds.update', () => on.credsChanged());
  sock.ws.on('CB:notification,type:companion_reg_refresh', () => {
    if (isCurrent()) on.registrationRefresh();
  });
  sock.ws.on('CB:notification', (stanza: BinaryNode) => {
    if (isCurrent()) on.notification(stanza);
  });
  attachMessageTraffic(
    sock,
    isCurrent,
    {
      status: (event) => on.emit('message_status', event),
      inbound: (message) => on.emit('inbound', message),
    },
    log,
    (address) => refusalOf(sock, address, (phone) => knownLid(input.currentKeys(), phone, log), log),
  );
  return sock;
}

/** Asks WhatsApp for the account's new-chat cap once the session is open (best effort). */
async function askNewChatCap(
  sock: WASocket,
  isCurrent: () => boolean,
  on: SessionSocketEvents,
  log: Logger,
): Promise<void> {
  try {
    const cap = await fetchNewChatCap(sock);
    if (cap && isCurrent()) on.emit('new_chat_cap', cap);
  } catch (err) {
    log.debug({ err }, 'no new-chat cap information from WhatsApp');
  }
}

/** Who the session is once its socket opened (undefined: the credentials name no phone). */
export function openedState(
  creds: AuthenticationCreds | undefined,
): Extract<SessionState, { status: 'open' }> | undefined {
  const me = parsePhoneJid(creds?.me?.id);
  if (!creds || !me) return undefined;
  const lid = parseLidUser(creds.me?.lid);
  const platform = creds.platform ?? 'unknown';
  return {
    status: 'open',
    me: lid ? { phone: me.phone, device: me.device, lid } : { phone: me.phone, device: me.device },
    platform,
    business: BUSINESS_PLATFORMS.has(platform),
  };
}
