import type { AuthenticationCreds, BinaryNode, WASocket } from 'baileys';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import { DeadlineWaiters } from './deadline-waiters.js';
import { normalizePhone, parsePhoneJid } from './jids.js';
import { BUSINESS_PLATFORMS, passkeyRequestKind, withAdvSecret } from './link-codes.js';
import type { SessionEventMap, SessionState } from './session-events.js';

/** What linking needs of its LinkedDeviceSession. */
export interface LinkingHost {
  readonly log: Logger;
  /** Lifetime of every QR ref; WhatsApp's defaults (60 s, then 20 s) when unset. */
  readonly qrTimeoutMs: number | undefined;
  /** How long requestPairingCode waits for a registration socket. */
  readonly pairingCodeTimeoutMs: number | undefined;
  /** The current socket's number (events of an older socket are ignored). */
  generation(): number;
  creds(): AuthenticationCreds | undefined;
  saveCreds(): void;
  setState(state: SessionState): void;
  emit<K extends keyof SessionEventMap>(event: K, payload: SessionEventMap[K]): void;
  isRunning(): boolean;
  isOpen(): boolean;
  start(): Promise<void>;
  socket(): WASocket | undefined;
  /** A fresh socket (a new registration window) in place of the current one. */
  recycleSocket(): Promise<void>;
}

/**
 * Linking a device: QR codes (shown again with a new ADV secret after WhatsApp's
 * companion_reg_refresh), pairing codes by phone number, a passkey request said as such, and the
 * phone that linked.
 */
export class DeviceLinking {
  /** The code on offer now (with the ADV secret it carries), to show again after a refresh. */
  private lastQr: { qr: string; ttlMs: number; at: number } | undefined;
  private qrsOnSocket = 0;
  private mode: 'qr' | 'code' = 'qr';
  private pairingPhone: string | undefined;
  private codeRequestedOnGeneration: number | undefined;
  private readonly codeWaiters = new DeadlineWaiters<string>();

  constructor(private readonly host: LinkingHost) {}

  /** A new socket opens: its QR refs are counted afresh. */
  socketOpened(): void {
    this.qrsOnSocket = 0;
    this.lastQr = undefined;
  }

  /** The run ended: back to QR mode, pending pairing-code requests fail with `reason`. */
  halt(reason: AppError): void {
    this.mode = 'qr';
    this.pairingPhone = undefined;
    this.codeRequestedOnGeneration = undefined;
    this.codeWaiters.rejectAll(reason);
  }

  /**
   * A pairing code for linking by phone number instead of QR. Starts a registration socket when
   * needed; calling it again issues a new code on a fresh socket (a full pairing window).
   */
  async requestPairingCode(phone: string): Promise<string> {
    const host = this.host;
    const digits = normalizePhone(phone);
    if (host.isOpen() || host.creds()?.account) throw alreadyLinked();
    this.mode = 'code';
    this.pairingPhone = digits;
    const code = this.codeWaiters.wait(
      host.pairingCodeTimeoutMs ?? 30_000,
      () =>
        new AppError('whatsapp_unavailable', 'WhatsApp did not get ready for linking in time. Try again.'),
    );
    const sock = host.socket();
    if (!host.isRunning()) {
      try {
        await host.start();
      } catch (err) {
        code.catch(() => undefined); // the caller gets `err`; the waiter's rejection is moot
        this.codeWaiters.rejectAll(err instanceof AppError ? err : new AppError('internal', 'Failed.'));
        throw err;
      }
      if (host.creds()?.account) this.codeWaiters.rejectAll(alreadyLinked());
    } else if (sock && this.qrsOnSocket > 0) {
      // Reuse the socket only while its first QR ref is live; otherwise the code would expire with
      // the few refs left, so a fresh socket gives it the full window.
      const reusable = this.codeRequestedOnGeneration !== host.generation() && this.qrsOnSocket === 1;
      if (reusable) void this.issuePairingCode(host.generation(), sock);
      else await host.recycleSocket();
    }
    // Otherwise a socket is connecting or a reconnect is pending: its first QR triggers the code.
    return code;
  }

  onQr(gen: number, sock: WASocket, qr: string): void {
    this.qrsOnSocket += 1;
    if (this.mode === 'code') {
      if (this.codeRequestedOnGeneration !== gen) void this.issuePairingCode(gen, sock);
      return;
    }
    const ttlMs = this.host.qrTimeoutMs ?? (this.qrsOnSocket === 1 ? 60_000 : 20_000);
    // Baileys reads the ADV secret once per socket; after a companion_reg_refresh the codes must
    // carry the new one (see onRegistrationRefresh).
    const shown = withAdvSecret(qr, this.host.creds()?.advSecretKey);
    // Baileys times a code's life in real time: what is left of it is measured on the monotonic timer.
    this.lastQr = { qr: shown, ttlMs, at: performance.now() };
    this.host.setState({ status: 'awaiting_scan' });
    this.host.emit('qr', { qr: shown, ttlMs });
  }

  /**
   * WhatsApp asked for a passkey (WebAuthn) check to link this device (`passkey_prologue_request`
   * or `crsc_continuation`, since mid-2026 for some accounts). A server cannot answer it: the owner
   * must act on the phone, so the session says so instead of waiting for a pair-success that never
   * comes. The challenge itself is never logged.
   */
  onNotification(stanza: BinaryNode): void {
    const kind = passkeyRequestKind(stanza);
    if (!kind || this.host.creds()?.account) return;
    this.host.log.warn({ kind }, 'WhatsApp asks this account for a passkey to link a device');
    this.host.emit('passkey_required', { kind });
  }

  /**
   * WhatsApp's `<notification type="companion_reg_refresh">` (since mid-2026, after some scans;
   * Baileys 7.0.0-rc14 acks and drops it, #2737): the ADV secret the code advertises is retired.
   * As WhatsApp Web does, a new secret is made and the current code shown again with it; the phone
   * then scans a code that links. Without this every later scan fails until the refs run out.
   */
  onRegistrationRefresh(): void {
    const creds = this.host.creds();
    if (!creds || creds.account) return;
    creds.advSecretKey = randomBytes(32).toString('base64');
    this.host.saveCreds();
    this.host.log.info(
      'WhatsApp retired the code on screen (companion_reg_refresh); showing it with a new secret',
    );
    const last = this.lastQr;
    if (this.mode !== 'qr' || !last) return;
    const ttlMs = Math.max(1_000, Math.round(last.ttlMs - (performance.now() - last.at)));
    const qr = withAdvSecret(last.qr, creds.advSecretKey);
    this.lastQr = { qr, ttlMs, at: performance.now() };
    this.host.emit('qr', { qr, ttlMs });
  }

  /** A phone linked this device (before the restart that opens the session). */
  onLinked(): void {
    const creds = this.host.creds();
    const me = parsePhoneJid(creds?.me?.id);
    const platform = creds?.platform ?? 'unknown';
    this.mode = 'qr';
    this.pairingPhone = undefined;
    this.host.log.info(
      { phone: me?.phone, device: me?.device, platform },
      'device linked; restarting to log in',
    );
    if (me)
      this.host.emit('linked', { phone: me.phone, platform, business: BUSINESS_PLATFORMS.has(platform) });
  }

  private async issuePairingCode(gen: number, sock: WASocket): Promise<void> {
    const phone = this.pairingPhone;
    if (!phone) return;
    this.codeRequestedOnGeneration = gen;
    try {
      const code = await sock.requestPairingCode(phone);
      if (gen !== this.host.generation()) return;
      this.host.setState({ status: 'pairing_code', phone, code });
      this.host.emit('pairing_code', { code });
      this.codeWaiters.resolveAll(code);
    } catch (err) {
      if (gen !== this.host.generation()) return;
      this.host.log.warn({ err }, 'pairing code request failed');
      this.codeWaiters.rejectAll(
        new AppError('pairing_code_unavailable', 'WhatsApp did not issue a pairing code. Try again.', {
          cause: err,
        }),
      );
    }
  }
}

export function alreadyLinked(): AppError {
  return new AppError('already_linked', 'This WhatsApp channel is already linked.');
}
