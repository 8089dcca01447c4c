import {
  DEFAULT_CONNECTION_CONFIG,
  initAuthCreds,
  type AuthenticationCreds,
  type WASocket,
  type WAVersion,
} from 'baileys';
import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import { DEFAULT_RECONNECT_POLICY, assertValidPolicy } from '../domain/reconnect-policy.js';
import { decideOnClose, type RemovalReason } from '../domain/session-close.js';
import { CachedSignalKeyStore } from './cached-signal-key-store.js';
import { ConnectTurn } from './connect-turn.js';
import { detachBuffers } from './detach-buffers.js';
import { CredsWriter } from './creds-writer.js';
import { DeviceLinking } from './device-linking.js';
import { routeLibsignalConsole } from './libsignal-console.js';
import { onWhatsAppOn, sendTextOn, showTypingOn } from './outbound.js';
import type { LinkedDeviceSessionOptions } from './session-options.js';
import { Reconnector } from './reconnector.js';
import type { SessionEventMap, SessionState } from './session-events.js';
import { openSessionSocket, openedState } from './session-socket.js';
import { endQuietly, errorMessage, statusCodeOf } from './socket-errors.js';
import { TypedEmitter } from './typed-emitter.js';

export type { LinkedDeviceSessionOptions };

/**
 * One WhatsApp linked device over unmodified Baileys: links it (QR or pairing code), keeps it
 * connected (515 restart, backoff reconnects, never after 401/440; every socket waits for its turn
 * at the process's connection gate), sends texts with caller-chosen ids, and reports message
 * statuses and inbound texts. A notification-only profile: no history sync, no presence,
 * groups/status/channels ignored. The socket itself and its events: session-socket.ts.
 */
export class LinkedDeviceSession extends TypedEmitter<SessionEventMap> {
  readonly channelId: string;
  readonly #opts: LinkedDeviceSessionOptions;
  readonly #log: Logger;
  readonly #reconnector: Reconnector;
  /** This session's place at the connection gate while a socket is waiting or in its handshake. */
  readonly #turn: ConnectTurn;
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
  #restartsWithoutOpen = 0;
  /** The version the current socket announced (a 405 refers to it). */
  #announcedVersion: WAVersion = DEFAULT_CONNECTION_CONFIG.version;
  readonly #linking: DeviceLinking;
  readonly #credsWriter: CredsWriter;

  constructor(options: LinkedDeviceSessionOptions) {
    super((event, err) => this.#log.error({ err, event }, 'session event listener threw'));
    this.channelId = options.channelId;
    this.#opts = options;
    this.#log = options.logger.child({ channelId: options.channelId });
    // Before any socket exists: libsignal prints session private keys to the console otherwise.
    routeLibsignalConsole(options.logger);
    const policy = options.reconnect ?? DEFAULT_RECONNECT_POLICY;
    assertValidPolicy(policy);
    this.#reconnector = new Reconnector({
      policy,
      random: options.random ?? Math.random,
      log: this.#log,
      ...(options.clientVersion ? { clientVersion: options.clientVersion } : {}),
      ...(options.versionCheckMs ? { versionCheckMs: options.versionCheckMs } : {}),
      setState: (state) => this.#setState(state),
      connect: () => void this.#connect(),
      stillRunning: (run) => this.#running && run === this.#run,
    });
    this.#turn = new ConnectTurn(options.connectGate);
    this.#credsWriter = new CredsWriter(options.authStore, this.#log);
    this.#linking = new DeviceLinking({
      log: this.#log,
      qrTimeoutMs: options.qrTimeoutMs,
      pairingCodeTimeoutMs: options.pairingCodeTimeoutMs,
      generation: () => this.#generation,
      creds: () => this.#creds,
      saveCreds: () => this.#credsWriter.save(() => this.#creds),
      setState: (state) => this.#setState(state),
      emit: (event, payload) => this.emit(event, payload),
      isRunning: () => this.#running,
      isOpen: () => this.#state.status === 'open',
      start: () => this.start(),
      socket: () => this.#sock,
      recycleSocket: () => this.#recycleSocket(),
    });
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
    this.#reconnector.reset();
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
  requestPairingCode(phone: string): Promise<string> {
    return this.#linking.requestPairingCode(phone);
  }

  /**
   * Shows "typing…" to the recipient for `durationMs`, then clears it, as a person would before
   * writing. Best effort: a failed presence update never blocks the message.
   */
  async showTyping(toPhone: string, durationMs: number): Promise<void> {
    await showTypingOn(this.#requireOpen(), this.#log, toPhone, durationMs);
  }

  /** Sends a text with the caller's message id (resending the same id is harmless for recipients). */
  async sendText(toPhone: string, text: string, opts: { messageId: string }): Promise<void> {
    const sock = this.#requireOpen();
    await sendTextOn(sock, this.#keys, this.#log, { toPhone, text, messageId: opts.messageId });
  }

  /** Which of these phone numbers have WhatsApp (in the input order). */
  async onWhatsApp(phones: string[]): Promise<Array<{ phone: string; exists: boolean; jid?: string }>> {
    return onWhatsAppOn(this.#requireOpen(), phones);
  }

  /**
   * Opens a socket once the connection gate gives this session its turn (at once when a place is
   * free; meanwhile the state stays "connecting" and the channel "reconnecting"). A person linking
   * (a registration socket, or the login right after the scan) goes before restores and reconnects.
   * Returns false when the socket could not be made at once.
   */
  #connect(): boolean {
    const run = this.#run;
    const linking = !this.#creds?.account || this.#restartsWithoutOpen > 0;
    return this.#turn.take(
      linking ? 'linking' : 'background',
      () => this.#openNow(),
      () => this.#running && run === this.#run && !this.#sock,
    );
  }

  /**
   * A synchronous failure to make the socket (a misconfiguration, not a network problem) stops the
   * session instead of escaping into Baileys', a timer's or the gate's call stack.
   */
  #openNow(): boolean {
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
    const gen = ++this.#generation;
    this.#linking.socketOpened();
    this.#log.debug({ gen, registering: !creds.account }, 'opening WhatsApp socket');
    this.#keys?.close();
    const keys = new CachedSignalKeyStore(this.#opts.authStore);
    this.#keys = keys;
    this.#announcedVersion = this.#opts.clientVersion?.current() ?? DEFAULT_CONNECTION_CONFIG.version;
    this.#sock = openSessionSocket(
      {
        options: this.#opts,
        creds,
        keys,
        currentKeys: () => this.#keys,
        log: this.#log,
        version: this.#announcedVersion,
        isCurrent: () => gen === this.#generation,
      },
      {
        qr: (sock, qr) => {
          this.#turn.end(); // the registration handshake is done; the rest waits on a person
          this.#linking.onQr(gen, sock, qr);
        },
        linked: () => this.#linking.onLinked(),
        open: () => this.#onOpen(),
        close: (error) => this.#onClose(error),
        // detachBuffers: creds fields decoded from frames would otherwise keep whole 64 KB chunks.
        credsChanged: () => this.#credsWriter.save(() => detachBuffers(this.#creds)),
        registrationRefresh: () => this.#linking.onRegistrationRefresh(),
        notification: (stanza) => this.#linking.onNotification(stanza),
        emit: (event, payload) => this.emit(event, payload),
      },
    );
  }

  #onOpen(): void {
    this.#turn.end();
    this.#reconnector.reset();
    this.#restartsWithoutOpen = 0;
    const open = openedState(this.#creds);
    if (!open) {
      this.#log.error({ me: this.#creds?.me?.id }, 'connection opened without a known identity');
      return;
    }
    this.#log.info({ phone: open.me.phone, device: open.me.device }, 'WhatsApp session open');
    this.#setState(open);
  }

  #onClose(error: unknown): void {
    this.#turn.end();
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
        if (decision.cause === 'version_refused')
          this.#reconnector.versionRefused(this.#announcedVersion, this.#run);
        else this.#reconnector.schedule(decision.cause, this.#run);
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
    this.#turn.end();
    this.#reconnector.cancel();
    this.#linking.halt(reason);
  }

  /** Forgets the current socket (its late events are ignored) and returns it for closing. */
  #detachSocket(): WASocket | undefined {
    const sock = this.#sock;
    this.#sock = undefined;
    this.#turn.end();
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
