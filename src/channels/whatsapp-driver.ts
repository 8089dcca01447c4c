import type { Logger } from 'pino';
import QRCode from 'qrcode';
import type { FailureDetail } from '../domain/message-status.js';
import type { Database } from '../store/database.js';
import type { WriteFence } from '../store/channels-repository.js';
import { fencedDatabase } from '../cluster/fenced-database.js';
import type { SecretBox } from '../store/secret-box.js';
import type { AuthStateStore } from '../whatsapp/auth-state-store.js';
import { ChannelAuthStore } from '../whatsapp/channel-auth-store.js';
import type { ClientVersionSource } from '../whatsapp/client-version.js';
import { LinkedDeviceSession } from '../whatsapp/linked-device-session.js';
import type { ProtocolServer } from '../whatsapp/protocol-server-trust.js';
import type { RefusalCause } from '../whatsapp/refusal-cause.js';
import type { ConnectAdmission } from '../whatsapp/session-options.js';
import type { MessageStatusEvent, SessionState } from '../whatsapp/session-events.js';
import type {
  ChannelDriver,
  ChannelDriverKind,
  ChannelRef,
  DriverEvents,
  DriverState,
  DeliveryReport,
} from './channel-driver.js';
import { DriverListeners } from './driver-listeners.js';

/** A 463's cause as the business reads it on the failed message (its reason stays rejected/restricted). */
const DETAIL_BY_REFUSAL: Record<RefusalCause, FailureDetail> = {
  timelock: 'reach_out_timelock',
  misaddressed: 'misaddressed',
  no_token: 'recipient_token_missing',
};

/**
 * The counters a driver moves (the gateway's Metrics has them; a session thread forwards them to
 * the main thread's registry).
 */
export interface DriverMetrics {
  readonly resends: { inc(labels: { outcome: 'resent' | 'unknown' }): void };
  readonly refusals: { inc(labels: { cause: RefusalCause }): void };
  readonly newChatCap: { inc(labels: { status: string }): void };
}

/** Where a channel's credentials and Signal keys are kept (fenced when several nodes share them). */
export type AuthStores = (channelId: string, fence?: WriteFence) => AuthStateStore;

/** The credentials sealed with the master key in `db`, every write fenced when a fence is given. */
export function sealedAuthStores(db: Database, secrets: SecretBox): AuthStores {
  return (channelId, fence) =>
    new ChannelAuthStore(fence ? fencedDatabase(db, channelId, fence) : db, secrets, channelId);
}

export interface WhatsAppDriversOptions {
  readonly authStores: AuthStores;
  readonly logger: Logger;
  readonly metrics?: DriverMetrics;
  /** A compatible protocol server (the simulator); undefined means the real WhatsApp. */
  readonly server: ProtocolServer | undefined;
  readonly qrTimeoutMs: number | undefined;
  /** The WhatsApp Web version sessions announce (resolved before the first connects, and after a 405). */
  readonly clientVersion?: ClientVersionSource;
  /** After a 405, how often the version is looked up again (default 30 s). */
  readonly versionCheckMs?: number;
  /** The text of a message a channel sent, by its id (for recipients' retry receipts). */
  readonly storedText?: (channelId: string, messageId: string) => Promise<string | undefined>;
  /** The process-wide bound on handshakes every session's sockets wait for (channels/connect-gate.ts). */
  readonly connectGate?: ConnectAdmission;
}

/**
 * WhatsApp's linked device as a channel kind: each driver is a LinkedDeviceSession behind the port,
 * with the credentials sealed in the database.
 */
export class WhatsAppDrivers implements ChannelDriverKind {
  private versionLookup: Promise<unknown> | undefined;

  constructor(private readonly o: WhatsAppDriversOptions) {}

  create(
    channel: ChannelRef,
    options: { readonly deviceName?: string; readonly fence?: WriteFence } = {},
  ): ChannelDriver {
    // Several nodes: every write of the credentials and Signal keys carries the lease's fence.
    return this.driverWith(channel, this.o.authStores(channel.channelId, options.fence), options.deviceName);
  }

  /** A driver keeping its credentials in `authStore` (a session thread gives one of its own). */
  driverWith(channel: ChannelRef, authStore: AuthStateStore, deviceName?: string): ChannelDriver {
    const o = this.o;
    const session = new LinkedDeviceSession({
      channelId: channel.channelId,
      // The phone lists the device by the first element and draws the second's icon.
      ...(deviceName ? { browser: [deviceName, 'Chrome', '1.0.0'] as const } : {}),
      authStore,
      logger: o.logger,
      ...(o.server ? { server: o.server } : {}),
      ...(o.qrTimeoutMs ? { qrTimeoutMs: o.qrTimeoutMs } : {}),
      ...(o.clientVersion ? { clientVersion: o.clientVersion } : {}),
      ...(o.versionCheckMs ? { versionCheckMs: o.versionCheckMs } : {}),
      ...(o.storedText ? { storedText: (id: string) => o.storedText!(channel.channelId, id) } : {}),
      ...(o.connectGate ? { connectGate: o.connectGate } : {}),
    });
    return new WhatsAppDriver(session, () => this.versionResolved(), o.logger, o.metrics);
  }

  async isLinked(channelId: string): Promise<boolean> {
    return Boolean((await this.o.authStores(channelId).loadCreds())?.me);
  }

  forget(channelId: string): Promise<void> {
    return this.o.authStores(channelId).clear();
  }

  /**
   * The version WhatsApp takes today, looked up once before the first session connects (bounded by
   * the lookup's timeout; the built-in floor otherwise). Later lookups follow 405s.
   */
  private versionResolved(): Promise<unknown> {
    this.versionLookup ??= this.o.clientVersion?.refresh() ?? Promise.resolve();
    return this.versionLookup;
  }
}

/** One LinkedDeviceSession in the gateway's words: 463 → restricted, server ack → sent, QR → SVG. */
class WhatsAppDriver implements ChannelDriver {
  private readonly listeners: DriverListeners;

  constructor(
    private readonly session: LinkedDeviceSession,
    private readonly versionResolved: () => Promise<unknown>,
    private readonly logger: Logger,
    private readonly metrics: DriverMetrics | undefined,
  ) {
    this.listeners = new DriverListeners((err, event) =>
      logger.error({ err, event, channelId: session.channelId }, 'channel event listener threw'),
    );
    session.on('state', (state) => this.emit('state', driverState(state)));
    session.on('qr', ({ qr, ttlMs }) => void this.renderQr(qr, ttlMs));
    session.on('linked', (account) => this.emit('link', { kind: 'linked', account }));
    session.on('passkey_required', () => this.emit('link', { kind: 'passkey_required' }));
    session.on('message_status', (event) => this.emit('status', this.statusReport(event)));
    session.on('inbound', ({ id, fromPhone, text, timestamp }) =>
      this.emit('inbound', { id, fromPhone, text, timestamp }),
    );
    session.on('resend_requested', ({ found }) =>
      metrics?.resends.inc({ outcome: found ? 'resent' : 'unknown' }),
    );
    // WhatsApp's own word on the reach-out timelock (a notification, or its answer after a 463).
    session.on('reachout_timelock', ({ active, until }) =>
      this.emit('restriction', {
        cause: 'reach_out_timelock',
        active,
        ...(until !== undefined ? { until } : {}),
      }),
    );
    // WhatsApp's monthly new-chat cap: at the cap, first contacts wait for the next cycle.
    session.on('new_chat_cap', (cap) => {
      metrics?.newChatCap.inc({ status: cap.status });
      if (cap.status !== 'none')
        logger.warn({ channelId: session.channelId, ...cap }, 'WhatsApp new-chat cap');
      this.emit('quota', {
        state: cap.status,
        used: cap.used ?? null,
        quota: cap.total ?? null,
        resetsAt: cap.cycleEndsAt !== undefined ? new Date(cap.cycleEndsAt) : null,
      });
    });
  }

  get state(): DriverState {
    return driverState(this.session.state);
  }

  async prepare(): Promise<void> {
    await this.versionResolved();
  }

  async open(): Promise<void> {
    await this.versionResolved();
    await this.session.start();
  }

  close(): Promise<void> {
    return this.session.stop();
  }

  logout(): Promise<void> {
    return this.session.logout();
  }

  async requestPairingCode(phone: string): Promise<string> {
    await this.versionResolved();
    return this.session.requestPairingCode(phone);
  }

  send(message: { readonly to: string; readonly text: string }, fixedId: string): Promise<void> {
    return this.session.sendText(message.to, message.text, { messageId: fixedId });
  }

  async checkRecipients(phones: readonly string[]): Promise<Array<{ phone: string; exists: boolean }>> {
    return (await this.session.onWhatsApp([...phones])).map(({ phone, exists }) => ({ phone, exists }));
  }

  typing(to: string, durationMs: number): Promise<void> {
    return this.session.showTyping(to, durationMs);
  }

  on<K extends keyof DriverEvents>(event: K, listener: (payload: DriverEvents[K]) => void): () => void {
    return this.listeners.on(event, listener);
  }

  private emit<K extends keyof DriverEvents>(event: K, payload: DriverEvents[K]): void {
    this.listeners.emit(event, payload);
  }

  private async renderQr(raw: string, ttlMs: number): Promise<void> {
    const svg = await QRCode.toString(raw, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    this.emit('link', { kind: 'qr', raw, svg, ttlMs });
  }

  private statusReport(event: MessageStatusEvent): DeliveryReport {
    if (event.status !== 'failed')
      return { messageId: event.messageId, status: event.status === 'server_ack' ? 'sent' : event.status };
    this.logger.warn(
      { waMessageId: event.messageId, reason: event.reason, errorCode: event.errorCode },
      'WhatsApp refused a message',
    );
    const refusal = event.refusal;
    if (refusal) this.metrics?.refusals.inc({ cause: refusal.cause });
    return {
      messageId: event.messageId,
      status: 'failed',
      failure: {
        reason: event.reason === 'restricted' ? 'restricted' : 'rejected',
        ...(refusal ? { detail: DETAIL_BY_REFUSAL[refusal.cause] } : {}),
        ...(event.errorCode ? { errorCode: event.errorCode } : {}),
        ...(refusal ? { details: { refusal: refusal.cause } } : {}),
      },
      // Sent to the phone-number address of a contact WhatsApp addresses by LID, now known.
      ...(event.reason === 'misaddressed' ? { resendable: true } : {}),
      ...(event.reason === 'restricted' && refusal?.until !== undefined
        ? { restrictedUntil: refusal.until }
        : {}),
    };
  }
}

function driverState(state: SessionState): DriverState {
  switch (state.status) {
    case 'open':
      return {
        status: 'open',
        account: { phone: state.me.phone, platform: state.platform, business: state.business },
      };
    case 'reconnecting':
      return { status: 'reconnecting', attempt: state.attempt, cause: state.cause };
    case 'pairing_code':
      return { status: 'pairing_code' };
    case 'idle':
    case 'connecting':
    case 'awaiting_scan':
    case 'removed':
    case 'replaced':
    case 'qr_expired':
    case 'stopped':
      return state;
  }
}
