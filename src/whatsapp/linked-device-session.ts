import makeWASocket, {
  DEFAULT_CONNECTION_CONFIG,
  initAuthCreds,
  type AuthenticationCreds,
  type BinaryNode,
  type WASocket,
  type WAVersion,
} from 'baileys';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import {
  DEFAULT_RECONNECT_POLICY,
  assertValidPolicy,
  planReconnect,
  type ReconnectPolicy,
} from '../domain/reconnect-policy.js';
import { decideOnClose, type ReconnectCause, type RemovalReason } from '../domain/session-close.js';
import type { AuthStateStore } from './auth-state-store.js';
import { makeBaileysLogger } from './baileys-logger.js';
import { CachedSignalKeyStore } from './cached-signal-key-store.js';
import { detachBuffers } from './detach-buffers.js';
import { CredsWriter } from './creds-writer.js';
import { DeadlineWaiters } from './deadline-waiters.js';
import { normalizePhone, parseLidUser, parsePhoneJid, phoneToJid } from './jids.js';
import { routeLibsignalConsole } from './libsignal-console.js';
import { attachMessageTraffic } from './message-traffic.js';
import { notificationSocketConfig } from './notification-profile.js';
import { classifyRefusal, type Refusal } from './refusal-cause.js';
import { compareVersions, type ClientVersionSource } from './client-version.js';
import { parseNewChatCap } from './new-chat-cap.js';
import { trustProtocolServer, type ProtocolServer } from './protocol-server-trust.js';
import type { SessionEventMap, SessionState } from './session-events.js';
import { endQuietly, errorMessage, statusCodeOf } from './socket-errors.js';
import { TypedEmitter } from './typed-emitter.js';

export interface LinkedDeviceSessionOptions {
  readonly channelId: string;
  readonly authStore: AuthStateStore;
  /** A compatible protocol server (the simulator); undefined means the real WhatsApp. */
  readonly server?: ProtocolServer;
  readonly logger: Logger;
  /** Lifetime of every QR ref; WhatsApp's defaults (60 s, then 20 s) when unset. */
  readonly qrTimeoutMs?: number;
  readonly reconnect?: ReconnectPolicy;
  /** Randomness for the reconnect jitter, in [0, 1). */
  readonly random?: () => number;
  /** [os, browser, version] shown on the phone's "Linked devices" list. */
  readonly browser?: [string, string, string];
  /** Keep-alive ping interval; the connection counts as lost after interval + 5 s of silence. */
  readonly keepAliveIntervalMs?: number;
  /** How long requestPairingCode waits for a registration socket before giving up. */
  readonly pairingCodeTimeoutMs?: number;
  /** Which WhatsApp Web version to announce, re-resolved after a 405; Baileys' own when unset. */
  readonly clientVersion?: ClientVersionSource;
  /** After a 405, how often the version is looked up again until WhatsApp takes it (default 30 s). */
  readonly versionCheckMs?: number;
  /**
   * The text of a message this channel sent, by its id, for a recipient's retry receipt (so the
   * retry works on any socket, after any restart). Undefined: not this channel's, or not kept.
   */
  readonly storedText?: (messageId: string) => Promise<string | undefined>;
  /** Cap on Baileys' own log level (never above the given logger's level). */
  readonly baileysLogLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

const BUSINESS_PLATFORMS = new Set(['smba', 'smbi']);
const MESSAGE_ID = /^[0-9A-Za-z]{6,64}$/;
/** How long a 463's classification waits for WhatsApp's timelock answer. */
const TIMELOCK_QUERY_MS = 10_000;

/**
 * One WhatsApp linked device over unmodified Baileys: links it (QR or pairing code), keeps it
 * connected (515 restart, backoff reconnects, never after 401/440), sends texts with caller-chosen
 * ids, and reports message statuses and inbound texts. A notification-only profile: no history
 * sync, no presence, groups/status/channels ignored.
 */
export class LinkedDeviceSession extends TypedEmitter<SessionEventMap> {
  readonly channelId: string;
  readonly #opts: LinkedDeviceSessionOptions;
  readonly #log: Logger;
  readonly #policy: ReconnectPolicy;
  readonly #random: () => number;
  #state: SessionState = { status: 'idle' };
  #creds: AuthenticationCreds | undefined;
  #sock: WASocket | undefined;
  /** The current socket's Signal keys, cached in front of the store (dropped with the socket). */
  #keys: CachedSignalKeyStore | undefined;
  /** Incremented for every socket; events of an older socket are ignored. */
  #generation = 0;
  /** Incremented by start/stop/logout, so a start that was overtaken does not open a socket. */
  #run = 0;
  #running = false;
  #failures = 0;
  #restartsWithoutOpen = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** The version the current socket announced (a 405 refers to it). */
  #announcedVersion: WAVersion = DEFAULT_CONNECTION_CONFIG.version;
  #versionChecks = 0;
  /** The code on offer now (with the ADV secret it carries), to show again after a refresh. */
  #lastQr: { qr: string; ttlMs: number; at: number } | undefined;
  #qrsOnSocket = 0;
  #mode: 'qr' | 'code' = 'qr';
  #pairingPhone: string | undefined;
  #codeRequestedOnGeneration: number | undefined;
  readonly #codeWaiters = new DeadlineWaiters<string>();
  readonly #credsWriter: CredsWriter;

  constructor(options: LinkedDeviceSessionOptions) {
    super((event, err) => this.#log.error({ err, event }, 'session event listener threw'));
    this.channelId = options.channelId;
    this.#opts = options;
    this.#log = options.logger.child({ channelId: options.channelId });
    // Before any socket exists: libsignal prints session private keys to the console otherwise.
    routeLibsignalConsole(options.logger);
    this.#policy = options.reconnect ?? DEFAULT_RECONNECT_POLICY;
    assertValidPolicy(this.#policy);
    this.#random = options.random ?? Math.random;
    this.#credsWriter = new CredsWriter(options.authStore, this.#log);
  }

  /** Where the session is now. */
  get state(): SessionState {
    return this.#state;
  }

  /** Connects: logs in with saved credentials, or offers QR codes when the device is not linked. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const run = ++this.#run;
    this.#failures = 0;
    this.#restartsWithoutOpen = 0;
    this.#setState({ status: 'connecting' });
    let saved: AuthenticationCreds | undefined;
    try {
      await this.#credsWriter.settled();
      saved = await this.#opts.authStore.loadCreds();
    } catch (err) {
      if (run === this.#run) {
        this.#running = false;
        this.#setState({ status: 'stopped' });
      }
      throw new AppError('internal', 'Could not load the WhatsApp credentials.', { cause: err });
    }
    if (run !== this.#run || !this.#running) return;
    this.#creds = saved ?? initAuthCreds();
    if (!this.#connect()) throw new AppError('internal', 'Could not open a WhatsApp connection.');
  }

  /** Closes the connection for good (until start() again); never reconnects. */
  async stop(): Promise<void> {
    const wasActive = this.#running || this.#sock !== undefined;
    this.#halt(new AppError('session_stopped', 'The WhatsApp session was stopped.'));
    const sock = this.#detachSocket();
    if (sock) await endQuietly(sock, this.#log);
    await this.#credsWriter.settled();
    if (wasActive) this.#setState({ status: 'stopped' });
  }

  /** Unlinks this device from the phone (when connected) and forgets its credentials. */
  async logout(): Promise<void> {
    const open = this.#state.status === 'open';
    const linked = Boolean(this.#creds?.account);
    this.#halt(new AppError('session_stopped', 'The WhatsApp session was logged out.'));
    const sock = this.#detachSocket();
    if (sock && open) {
      try {
        await sock.logout();
      } catch (err) {
        this.#log.warn({ err }, 'logout request failed; forgetting the device locally');
      }
    } else if (linked) {
      this.#log.warn(
        'logging out while not connected: the phone keeps listing this device until removed there',
      );
    }
    if (sock) await endQuietly(sock, this.#log);
    await this.#wipeCreds();
    this.#setState({ status: 'removed', reason: 'logged_out' });
  }

  /**
   * A pairing code for linking by phone number instead of QR. Starts a registration socket when
   * needed; calling it again issues a new code on a fresh socket (a full pairing window).
   */
  async requestPairingCode(phone: string): Promise<string> {
    const digits = normalizePhone(phone);
    if (this.#state.status === 'open' || this.#creds?.account) throw alreadyLinked();
    this.#mode = 'code';
    this.#pairingPhone = digits;
    const code = this.#codeWaiters.wait(
      this.#opts.pairingCodeTimeoutMs ?? 30_000,
      () =>
        new AppError('whatsapp_unavailable', 'WhatsApp did not get ready for linking in time. Try again.'),
    );
    if (!this.#running) {
      try {
        await this.start();
      } catch (err) {
        code.catch(() => undefined); // the caller gets `err`; the waiter's rejection is moot
        this.#codeWaiters.rejectAll(err instanceof AppError ? err : new AppError('internal', 'Failed.'));
        throw err;
      }
      if (this.#creds?.account) this.#codeWaiters.rejectAll(alreadyLinked());
    } else if (this.#sock && this.#qrsOnSocket > 0) {
      // Reuse the socket only while its first QR ref is live; otherwise the code would expire with
      // the few refs left, so a fresh socket gives it the full window.
      const sock = this.#sock;
      const reusable = this.#codeRequestedOnGeneration !== this.#generation && this.#qrsOnSocket === 1;
      if (reusable) void this.#issuePairingCode(this.#generation, sock);
      else await this.#recycleSocket();
    }
    // Otherwise a socket is connecting or a reconnect is pending: its first QR triggers the code.
    return code;
  }

  /**
   * Shows "typing…" to the recipient for `durationMs`, then clears it, as a person would before
   * writing. Best effort: a failed presence update never blocks the message.
   */
  async showTyping(toPhone: string, durationMs: number): Promise<void> {
    const sock = this.#requireOpen();
    const jid = phoneToJid(toPhone);
    try {
      await sock.sendPresenceUpdate('composing', jid);
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      await sock.sendPresenceUpdate('paused', jid);
    } catch (err) {
      this.#log.debug({ err }, 'typing indicator failed');
    }
  }

  /** Sends a text with the caller's message id (resending the same id is harmless for recipients). */
  async sendText(toPhone: string, text: string, opts: { messageId: string }): Promise<void> {
    const sock = this.#requireOpen();
    // WhatsApp addresses more and more contacts by LID and refuses (463) a phone-number address
    // for those: once the LID is known (learnt from a device query, a receipt, an inbound message)
    // the message goes there, as WhatsApp Web does.
    const lid = await this.#knownLid(normalizePhone(toPhone));
    const jid = lid ? `${lid}@lid` : phoneToJid(toPhone);
    if (!MESSAGE_ID.test(opts.messageId)) {
      throw new AppError('invalid_input', 'The message id must be 6 to 64 letters or digits.', {
        details: { messageId: opts.messageId },
      });
    }
    if (text.length === 0) throw new AppError('invalid_input', 'The message text is empty.');
    try {
      // linkPreview null: never fetch link previews (network I/O, memory, slower sends).
      await sock.sendMessage(jid, { text, linkPreview: null }, { messageId: opts.messageId });
    } catch (err) {
      throw new AppError('whatsapp_send_failed', 'WhatsApp did not accept the message.', {
        cause: err,
        details: { messageId: opts.messageId },
        internalMessage: `send failed: ${errorMessage(err)}`,
      });
    }
  }

  /** The LID user part stored for a phone number (Baileys' lid-mapping keys), if any; no network. */
  async #knownLid(phone: string): Promise<string | undefined> {
    const keys = this.#keys;
    if (!keys) return undefined;
    try {
      const found = await keys.get('lid-mapping', [phone]);
      const lid: unknown = found[phone];
      return typeof lid === 'string' && lid.length > 0 ? lid.split(':')[0] : undefined;
    } catch (err) {
      this.#log.debug({ err }, 'could not read the LID mapping');
      return undefined;
    }
  }

  /** Why a 463 to `address` happened: asks WhatsApp about the timelock, looks up the LID. */
  #classifyRefusal(sock: WASocket, address: string): Promise<Refusal> {
    return classifyRefusal({
      address,
      lidForPhone: (phone) => this.#knownLid(phone),
      fetchTimelock: async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timelock query timed out')), TIMELOCK_QUERY_MS);
        });
        try {
          const state = await Promise.race([sock.fetchAccountReachoutTimelock(), timeout]);
          const until = state.timeEnforcementEnds?.getTime();
          return { active: state.isActive === true, ...(until ? { until } : {}) };
        } finally {
          clearTimeout(timer);
        }
      },
    }).then(({ asked, ...refusal }) => {
      if (!asked)
        this.#log.warn({ address }, 'could not ask WhatsApp about a 463; holding back as for a timelock');
      return refusal;
    });
  }

  /** Asks WhatsApp for the account's new-chat cap once the session is open (best effort). */
  async #askNewChatCap(gen: number, sock: WASocket): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await Promise.race([
        sock.fetchNewChatMessageCap(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('capping query timed out')), TIMELOCK_QUERY_MS);
        }),
      ]);
      const cap = parseNewChatCap(info);
      if (cap && gen === this.#generation) this.emit('new_chat_cap', cap);
    } catch (err) {
      this.#log.debug({ err }, 'no new-chat cap information from WhatsApp');
    } finally {
      clearTimeout(timer);
    }
  }

  /** A recipient asked for `id` again (retry receipt): its content from the store, if we sent it. */
  async #messageForRetry(
    id: string | undefined,
  ): Promise<{ extendedTextMessage: { text: string } } | undefined> {
    if (!id || !this.#opts.storedText) return undefined;
    let text: string | undefined;
    try {
      text = await this.#opts.storedText(id);
    } catch (err) {
      this.#log.warn({ err, waMessageId: id }, 'could not read a message a recipient asked for again');
    }
    this.#log.info(
      { waMessageId: id, found: text !== undefined },
      'a recipient asked for a message again (retry receipt)',
    );
    this.emit('resend_requested', { messageId: id, found: text !== undefined });
    return text === undefined ? undefined : { extendedTextMessage: { text } };
  }

  /** Which of these phone numbers have WhatsApp (in the input order). */
  async onWhatsApp(phones: string[]): Promise<Array<{ phone: string; exists: boolean; jid?: string }>> {
    const sock = this.#requireOpen();
    const digits = phones.map((p) => normalizePhone(p));
    if (digits.length === 0) return [];
    let results: Array<{ jid: string; exists: boolean }> | undefined;
    try {
      results = await sock.onWhatsApp(...new Set(digits));
    } catch (err) {
      throw new AppError('whatsapp_query_failed', 'Could not ask WhatsApp about these numbers.', {
        cause: err,
      });
    }
    // Baileys drops numbers without WhatsApp from the result, so absence means "no".
    const found = new Map<string, string>();
    for (const r of results ?? []) {
      const user = parsePhoneJid(r.jid)?.phone;
      if (user && r.exists) found.set(user, r.jid);
    }
    return phones.map((phone, i) => {
      const jid = found.get(digits[i] ?? '');
      return jid ? { phone, exists: true, jid } : { phone, exists: false };
    });
  }

  /**
   * Opens a socket; a synchronous failure (a misconfiguration, not a network problem) stops the
   * session instead of escaping into Baileys' or a timer's call stack. Returns false on failure.
   */
  #connect(): boolean {
    try {
      this.#openSocket();
      return true;
    } catch (err) {
      this.#log.error({ err }, 'could not open a WhatsApp socket; stopping the session');
      this.#halt(
        new AppError('whatsapp_unavailable', 'Could not open a WhatsApp connection.', { cause: err }),
      );
      this.#setState({ status: 'stopped' });
      return false;
    }
  }

  #openSocket(): void {
    const creds = this.#creds;
    if (!creds) throw new AppError('internal', 'WhatsApp session has no credentials.');
    // Only an ADV-signed account means "linked" (creds.registered stays false after a QR link).
    // A half-done pairing-code attempt leaves creds.me set, which would make Baileys try to log in.
    if (!creds.account) {
      delete creds.me;
      creds.pairingCode = undefined;
    }
    if (this.#opts.server) trustProtocolServer(this.#opts.server);
    const gen = ++this.#generation;
    this.#qrsOnSocket = 0;
    this.#lastQr = undefined;
    this.#log.debug({ gen, registering: !creds.account }, 'opening WhatsApp socket');
    this.#keys?.close();
    const keys = new CachedSignalKeyStore(this.#opts.authStore);
    this.#keys = keys;
    this.#announcedVersion = this.#opts.clientVersion?.current() ?? DEFAULT_CONNECTION_CONFIG.version;
    const sock = makeWASocket(
      notificationSocketConfig({
        creds,
        keys,
        logger: makeBaileysLogger(this.#log, this.#opts.baileysLogLevel),
        serverUrl: this.#opts.server?.url,
        browser: this.#opts.browser,
        qrTimeoutMs: this.#opts.qrTimeoutMs,
        keepAliveIntervalMs: this.#opts.keepAliveIntervalMs,
        version: this.#announcedVersion,
        getMessage: (key) => this.#messageForRetry(key.id ?? undefined),
      }),
    );
    this.#sock = sock;
    sock.ev.on('connection.update', (update) => {
      if (gen !== this.#generation) return;
      if (typeof update.qr === 'string') this.#onQr(gen, sock, update.qr);
      if (update.isNewLogin) this.#onLinked();
      if (update.connection === 'open') {
        this.#onOpen();
        void this.#askNewChatCap(gen, sock);
      }
      if (update.connection === 'close') this.#onClose(update.lastDisconnect?.error);
      if (update.reachoutTimeLock) {
        const { isActive, timeEnforcementEnds } = update.reachoutTimeLock;
        const until = timeEnforcementEnds?.getTime();
        this.emit('reachout_timelock', {
          active: isActive === true,
          ...(isActive && until ? { until } : {}),
        });
      }
    });
    // detachBuffers: creds fields decoded from frames would otherwise keep whole 64 KB socket chunks.
    sock.ev.on('creds.update', () => this.#credsWriter.save(() => detachBuffers(this.#creds)));
    sock.ws.on('CB:notification,type:companion_reg_refresh', () => {
      if (gen === this.#generation) this.#onRegistrationRefresh();
    });
    sock.ws.on('CB:notification', (stanza: BinaryNode) => {
      if (gen === this.#generation && isPasskeyRequest(stanza)) this.#onPasskeyRequested(stanza);
    });
    sock.ev.on('message-capping.update', (info) => {
      if (gen !== this.#generation) return;
      const cap = parseNewChatCap(info);
      if (cap) this.emit('new_chat_cap', cap);
    });
    attachMessageTraffic(
      sock,
      () => gen === this.#generation,
      {
        status: (event) => this.emit('message_status', event),
        inbound: (message) => this.emit('inbound', message),
      },
      this.#log,
      (address) => this.#classifyRefusal(sock, address),
    );
  }

  #onQr(gen: number, sock: WASocket, qr: string): void {
    this.#qrsOnSocket += 1;
    if (this.#mode === 'code') {
      if (this.#codeRequestedOnGeneration !== gen) void this.#issuePairingCode(gen, sock);
      return;
    }
    const ttlMs = this.#opts.qrTimeoutMs ?? (this.#qrsOnSocket === 1 ? 60_000 : 20_000);
    // Baileys reads the ADV secret once per socket; after a companion_reg_refresh the codes must
    // carry the new one (see #onRegistrationRefresh).
    const shown = withAdvSecret(qr, this.#creds?.advSecretKey);
    this.#lastQr = { qr: shown, ttlMs, at: Date.now() };
    this.#setState({ status: 'awaiting_scan' });
    this.emit('qr', { qr: shown, ttlMs });
  }

  /**
   * WhatsApp asked for a passkey (WebAuthn) check to link this device (`passkey_prologue_request`
   * or `crsc_continuation`, since mid-2026 for some accounts). A server cannot answer it: the owner
   * must act on the phone, so the session says so instead of waiting for a pair-success that never
   * comes. The challenge itself is never logged.
   */
  #onPasskeyRequested(stanza: BinaryNode): void {
    if (this.#creds?.account) return;
    const kind = passkeyRequestKind(stanza) ?? 'passkey_prologue_request';
    this.#log.warn({ kind }, 'WhatsApp asks this account for a passkey to link a device');
    this.emit('passkey_required', { kind });
  }

  /**
   * WhatsApp's `<notification type="companion_reg_refresh">` (since mid-2026, after some scans;
   * Baileys 7.0.0-rc14 acks and drops it, #2737): the ADV secret the code advertises is retired.
   * As WhatsApp Web does, a new secret is made and the current code shown again with it; the phone
   * then scans a code that links. Without this every later scan fails until the refs run out.
   */
  #onRegistrationRefresh(): void {
    const creds = this.#creds;
    if (!creds || creds.account) return;
    creds.advSecretKey = randomBytes(32).toString('base64');
    this.#credsWriter.save(() => this.#creds);
    this.#log.info(
      'WhatsApp retired the code on screen (companion_reg_refresh); showing it with a new secret',
    );
    const last = this.#lastQr;
    if (this.#mode !== 'qr' || !last) return;
    const ttlMs = Math.max(1_000, last.ttlMs - (Date.now() - last.at));
    const qr = withAdvSecret(last.qr, creds.advSecretKey);
    this.#lastQr = { qr, ttlMs, at: Date.now() };
    this.emit('qr', { qr, ttlMs });
  }

  async #issuePairingCode(gen: number, sock: WASocket): Promise<void> {
    const phone = this.#pairingPhone;
    if (!phone) return;
    this.#codeRequestedOnGeneration = gen;
    try {
      const code = await sock.requestPairingCode(phone);
      if (gen !== this.#generation) return;
      this.#setState({ status: 'pairing_code', phone, code });
      this.emit('pairing_code', { code });
      this.#codeWaiters.resolveAll(code);
    } catch (err) {
      if (gen !== this.#generation) return;
      this.#log.warn({ err }, 'pairing code request failed');
      this.#codeWaiters.rejectAll(
        new AppError('pairing_code_unavailable', 'WhatsApp did not issue a pairing code. Try again.', {
          cause: err,
        }),
      );
    }
  }

  #onLinked(): void {
    const me = parsePhoneJid(this.#creds?.me?.id);
    const platform = this.#creds?.platform ?? 'unknown';
    this.#mode = 'qr';
    this.#pairingPhone = undefined;
    this.#log.info({ phone: me?.phone, device: me?.device, platform }, 'device linked; restarting to log in');
    if (me) this.emit('linked', { phone: me.phone, platform, business: BUSINESS_PLATFORMS.has(platform) });
  }

  #onOpen(): void {
    this.#failures = 0;
    this.#versionChecks = 0;
    this.#restartsWithoutOpen = 0;
    const creds = this.#creds;
    const me = parsePhoneJid(creds?.me?.id);
    if (!creds || !me) {
      this.#log.error({ me: creds?.me?.id }, 'connection opened without a known identity');
      return;
    }
    const lid = parseLidUser(creds.me?.lid);
    const platform = creds.platform ?? 'unknown';
    this.#log.info({ phone: me.phone, device: me.device }, 'WhatsApp session open');
    this.#setState({
      status: 'open',
      me: lid ? { phone: me.phone, device: me.device, lid } : { phone: me.phone, device: me.device },
      platform,
      business: BUSINESS_PLATFORMS.has(platform),
    });
  }

  #onClose(error: unknown): void {
    this.#sock = undefined;
    this.#dropKeyCache();
    const statusCode = statusCodeOf(error);
    const decision = decideOnClose({
      statusCode,
      message: error instanceof Error ? error.message : undefined,
      requestedByUs: !this.#running,
      restartsWithoutOpen: this.#restartsWithoutOpen,
    });
    this.#log.info(
      { statusCode, reason: errorMessage(error), decision: decision.kind },
      'WhatsApp connection closed',
    );
    switch (decision.kind) {
      case 'stopped':
        this.#halt(new AppError('session_stopped', 'The WhatsApp session was stopped.'));
        this.#setState({ status: 'stopped' });
        return;
      case 'restart':
        // 515 after pairing: log in with the fresh credentials at once; not a failure.
        this.#restartsWithoutOpen += 1;
        this.#setState({ status: 'connecting' });
        this.#connect();
        return;
      case 'reconnect':
        if (decision.cause === 'version_refused') this.#onVersionRefused();
        else this.#scheduleReconnect(decision.cause);
        return;
      case 'removed':
        void this.#onRemoved(decision.reason);
        return;
      case 'replaced':
        this.#halt(new AppError('session_stopped', 'Another connection replaced this WhatsApp session.'));
        this.#setState({ status: 'replaced' });
        return;
      case 'qr_expired':
        this.#halt(
          new AppError('pairing_code_unavailable', 'The linking window expired. Request a new code.'),
        );
        this.#setState({ status: 'qr_expired' });
        return;
    }
  }

  async #onRemoved(reason: RemovalReason): Promise<void> {
    this.#halt(new AppError('session_stopped', 'This device was unlinked from WhatsApp.'));
    // The credentials are dead for good: keeping them would only make every start() fail again.
    const run = this.#run;
    await this.#wipeCreds();
    // A start() during the wipe (it waits for the wipe) owns the state now.
    if (run === this.#run) this.#setState({ status: 'removed', reason });
  }

  #scheduleReconnect(cause: ReconnectCause): void {
    const { attempt, delayMs } = planReconnect(this.#failures, this.#policy, this.#random);
    this.#failures = attempt;
    this.#setState({ status: 'reconnecting', attempt, delayMs, cause });
    const run = this.#run;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#running || run !== this.#run) return;
      this.#setState({ status: 'connecting' });
      this.#connect();
    }, delayMs);
  }

  /**
   * 405: WhatsApp no longer accepts the version this socket announced. Not a connection problem,
   * so no backoff loop: the version is looked up again now and then every `versionCheckMs`, and the
   * session logs in again as soon as there is a different one (a pin is retried at that pace).
   */
  #onVersionRefused(): void {
    const refused = this.#announcedVersion;
    const source = this.#opts.clientVersion;
    const everyMs = this.#opts.versionCheckMs ?? 30_000;
    const run = this.#run;
    this.#log.warn(
      { version: refused.join('.'), pinned: source?.pinned ?? true },
      'WhatsApp refused this client version (405); updating',
    );
    const check = async (): Promise<void> => {
      this.#versionChecks += 1;
      this.#setState({
        status: 'reconnecting',
        attempt: this.#versionChecks,
        delayMs: everyMs,
        cause: 'version_refused',
      });
      const next = source ? await source.refresh() : refused;
      if (!this.#running || run !== this.#run) return;
      const changed = compareVersions(next, refused) !== 0;
      if (changed) {
        this.#setState({ status: 'connecting' });
        this.#connect();
        return;
      }
      this.#reconnectTimer = setTimeout(() => {
        this.#reconnectTimer = undefined;
        if (!this.#running || run !== this.#run) return;
        if (source && !source.pinned) {
          void check();
          return;
        }
        // Nothing to look up: try the same version again (WhatsApp may have changed its mind).
        this.#setState({ status: 'connecting' });
        this.#connect();
      }, everyMs);
    };
    void check();
  }

  /** Replaces the current socket by a fresh one (new registration window) without a state detour. */
  async #recycleSocket(): Promise<void> {
    const run = this.#run;
    const old = this.#detachSocket();
    if (old) await endQuietly(old, this.#log);
    if (!this.#running || run !== this.#run || this.#sock) return;
    this.#setState({ status: 'connecting' });
    this.#connect();
  }

  #requireOpen(): WASocket {
    const sock = this.#sock;
    if (this.#state.status !== 'open' || !sock) {
      throw new AppError('session_not_open', 'The WhatsApp session is not connected.', {
        details: { status: this.#state.status },
      });
    }
    return sock;
  }

  /** Ends the current run: no more reconnects, pending pairing-code requests fail with `reason`. */
  #halt(reason: AppError): void {
    this.#running = false;
    this.#run += 1;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#mode = 'qr';
    this.#pairingPhone = undefined;
    this.#codeRequestedOnGeneration = undefined;
    this.#codeWaiters.rejectAll(reason);
  }

  /** Forgets the current socket (its late events are ignored) and returns it for closing. */
  #detachSocket(): WASocket | undefined {
    const sock = this.#sock;
    this.#sock = undefined;
    this.#generation += 1;
    this.#dropKeyCache();
    return sock;
  }

  #dropKeyCache(): void {
    this.#keys?.close();
    this.#keys = undefined;
  }

  #wipeCreds(): Promise<void> {
    this.#creds = undefined;
    return this.#credsWriter.wipe();
  }

  #setState(next: SessionState): void {
    const prev = this.#state;
    if (prev.status === next.status && JSON.stringify(prev) === JSON.stringify(next)) return;
    this.#state = next;
    this.#log.debug({ from: prev.status, to: next.status }, 'session state');
    this.emit('state', next);
  }
}

function alreadyLinked(): AppError {
  return new AppError('already_linked', 'This WhatsApp channel is already linked.');
}

const PASSKEY_REQUESTS = new Set(['passkey_prologue_request', 'crsc_continuation']);

/** Which passkey request a notification is (by its type or its first child), if it is one. */
function passkeyRequestKind(stanza: BinaryNode): string | undefined {
  const type = stanza.attrs.type;
  if (type && PASSKEY_REQUESTS.has(type)) return type;
  const first = Array.isArray(stanza.content) ? stanza.content[0] : undefined;
  return first && PASSKEY_REQUESTS.has(first.tag) ? first.tag : undefined;
}

function isPasskeyRequest(stanza: BinaryNode): boolean {
  return passkeyRequestKind(stanza) !== undefined;
}

/**
 * A pairing QR (`…#ref,noiseKey,identityKey,advSecret,platform`) with its ADV secret replaced by
 * `secret` (unchanged when there is none or the text is not such a code).
 */
function withAdvSecret(qr: string, secret: string | undefined): string {
  if (!secret) return qr;
  const fields = qr.split(',');
  if (fields.length !== 5) return qr;
  fields[3] = secret;
  return fields.join(',');
}
