/**
 * Unmodified Baileys with the least possible around it: in-memory auth, no driver. It is the
 * baseline the benchmarks compare the driver with, and the client the simulator's own tests use.
 */
import makeWASocket, {
  initAuthCreds,
  WA_CERT_DETAILS,
  type AuthenticationCreds,
  type SignalDataTypeMap,
  type WASocket,
} from 'baileys';
import pino from 'pino';
import { routeLibsignalConsoleUnlessRouted } from '../../src/whatsapp/libsignal-console.js';

// libsignal prints whole session records (private keys) to the console; keep them out of test output.
routeLibsignalConsoleUnlessRouted(() => pino({ level: 'warn' }));

export interface RawAuth {
  creds: AuthenticationCreds;
  keys: Record<string, Record<string, unknown>>;
}

export function newRawAuth(): RawAuth {
  return { creds: initAuthCreds(), keys: {} };
}

const silent = pino({ level: 'silent' });

/** Makes this process's Baileys trust a simulator's root key (the only test-side intervention). */
export function trustSimulator(rootPublicKey: Uint8Array): void {
  (WA_CERT_DETAILS as { PUBLIC_KEY: Buffer }).PUBLIC_KEY = Buffer.from(rootPublicKey);
}

export interface RawSocketOptions {
  url: string;
  auth: RawAuth;
  qrTimeoutMs?: number;
  keepAliveIntervalMs?: number;
}

/** Opens one raw Baileys socket; the caller listens to `sock.ev` itself. */
export function openRawSocket(options: RawSocketOptions): WASocket {
  const { auth } = options;
  const sock = makeWASocket({
    auth: {
      creds: auth.creds,
      keys: {
        get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
          const bucket = auth.keys[type] ?? {};
          const out: Record<string, SignalDataTypeMap[T]> = {};
          for (const id of ids) if (bucket[id] !== undefined) out[id] = bucket[id] as SignalDataTypeMap[T];
          return out;
        },
        set: async (data) => {
          for (const [type, entries] of Object.entries(data)) {
            const bucket = (auth.keys[type] ??= {});
            for (const [id, value] of Object.entries(entries ?? {})) {
              if (value === null || value === undefined) delete bucket[id];
              else bucket[id] = value;
            }
          }
        },
      },
    },
    logger: silent,
    waWebSocketUrl: options.url,
    // A fixed version: fetching the latest one would go to the internet.
    version: [2, 3000, 1027934701],
    shouldSyncHistoryMessage: () => false,
    markOnlineOnConnect: false,
    // With own events on, a delivery receipt that lands while the sent message's upsert is still
    // buffered is folded into that upsert and no messages.update is emitted for it.
    emitOwnEvents: false,
    ...(options.qrTimeoutMs ? { qrTimeout: options.qrTimeoutMs } : {}),
    ...(options.keepAliveIntervalMs ? { keepAliveIntervalMs: options.keepAliveIntervalMs } : {}),
  });
  sock.ev.on('creds.update', (update) => Object.assign(auth.creds, update));
  return sock;
}

export function closeStatus(error: unknown): number | undefined {
  return (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
}

/**
 * Opens sockets until one is `open`, following the 515 restart after linking. `onQr` gets each QR
 * (scan it with a virtual phone). Rejects on any other close.
 */
export function connectRaw(
  options: RawSocketOptions & { onQr?: (qr: string, sock: WASocket) => void },
): Promise<WASocket> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const sock = openRawSocket(options);
      sock.ev.on('connection.update', (update) => {
        if (update.qr && options.onQr) options.onQr(update.qr, sock);
        if (update.connection === 'open') resolve(sock);
        if (update.connection === 'close') {
          const status = closeStatus(update.lastDisconnect?.error);
          if (status === 515) attempt();
          else reject(new Error(`connection closed with ${status ?? 'no status'}`));
        }
      });
    };
    attempt();
  });
}

/** Resolves with the close status of a raw socket, or rejects after `timeoutMs`. */
export function nextClose(sock: WASocket, timeoutMs = 10_000): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`socket did not close within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.ev.on('connection.update', (update) => {
      if (update.connection === 'close') {
        clearTimeout(timer);
        resolve(closeStatus(update.lastDisconnect?.error));
      }
    });
  });
}

/** Resolves with the first QR a socket shows. */
export function nextQr(sock: WASocket, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no QR within ${timeoutMs} ms`)), timeoutMs);
    sock.ev.on('connection.update', (update) => {
      if (update.qr) {
        clearTimeout(timer);
        resolve(update.qr);
      }
    });
  });
}
