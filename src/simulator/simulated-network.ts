import { randomBytes } from 'node:crypto';
import {
  DEFAULT_CONNECTION_CONFIG,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  proto,
  type BinaryNode,
  type WAVersion,
} from 'baileys';
import type { CertificateAuthority } from './certificate-authority.js';
import { ClientConnection, SERVER_JID, node, type ConnectionHandlers } from './client-connection.js';
import { DeviceLinking, Registration, unixSeconds, type QrTiming } from './device-linking.js';
import { Directory, type SimulatedAccount } from './directory.js';
import { MessageRelay, cappingStatus, type ReceiptTiming } from './message-relay.js';
import { SimulatorError } from './errors.js';
import { SignalParty } from './signal-party.js';
import type { ClientHandshakeResult } from './noise-responder.js';
import { SimulatorEvents } from './simulator-events.js';
import type { WebSocket } from 'ws';

/** Faults an operator or a test can inject into the running network. */
export type Fault =
  | { kind: 'drop'; phone?: string | undefined }
  | { kind: 'silence'; phone: string }
  | { kind: 'replace'; phone: string }
  /**
   * The next `count` messages from `phone` are refused with `code`. A 463 is a reach-out timelock
   * unless `timelock` is false (then it stands for a missing trusted-contact token): the account's
   * timelock is set, as WhatsApp's timelock query then reports it.
   */
  | {
      kind: 'error-ack';
      phone: string;
      code: 463 | 479;
      count?: number | undefined;
      timelock?: boolean | undefined;
    }
  | { kind: 'refuse-logins'; phone: string; enabled: boolean; reason?: number | undefined };

export interface NetworkOptions {
  readonly qr: QrTiming;
  readonly receipts: ReceiptTiming;
  /** How many stanzas a companion may have waiting while offline before the oldest are dropped. */
  readonly offlineQueueLimit: number;
}

const deviceKey = (phone: string, device: number): string => `${phone}:${device}`;

/**
 * The simulated WhatsApp service: accepts client sockets, decides registration vs login, answers
 * the queries a linked device makes, relays messages, and applies injected faults.
 */
export class SimulatedNetwork implements ConnectionHandlers {
  readonly directory = new Directory();
  readonly events = new SimulatorEvents();
  readonly linking: DeviceLinking;
  readonly relay: MessageRelay;
  private readonly online = new Map<string, ClientConnection>();
  private readonly registrations = new Map<ClientConnection, Registration>();
  private readonly connections = new Set<ClientConnection>();
  private readonly errorAcks = new Map<string, { code: number; remaining: number; timelock: boolean }>();
  /** Strict mode (off by default): see MessageRelay.strictRefusal. */
  private strictMode = false;
  /**
   * The WhatsApp Web version the service calls current (served as sw.js text) and the oldest it
   * accepts (none by default): a client announcing an older one is refused with 405.
   */
  private versions: { current: WAVersion; minimum: WAVersion | undefined } = {
    current: [...DEFAULT_CONNECTION_CONFIG.version] as WAVersion,
    minimum: undefined,
  };
  private readonly refusedLogins = new Map<string, number>();
  /**
   * Receipts and messages sent to a companion stay here until it acknowledges them; if the socket
   * dies first they go back to its offline queue, as the real service re-delivers unacked stanzas.
   */
  private readonly unacked = new Map<
    ClientConnection,
    { companion: { offlineQueue: BinaryNode[] }; stanzas: Map<string, BinaryNode> }
  >();

  constructor(
    private readonly authority: CertificateAuthority,
    private readonly options: NetworkOptions,
    readonly now: () => number = Date.now,
  ) {
    this.linking = new DeviceLinking(options.qr, now);
    this.relay = new MessageRelay({
      directory: this.directory,
      receipts: options.receipts,
      events: this.events,
      now,
      deliverToCompanion: (account, device, stanza) => this.deliverToCompanion(account, device, stanza),
      takeErrorAck: (phone) => this.takeErrorAck(phone),
      strict: () => this.strictMode,
      cappingChanged: (account) => this.announceCapping(account),
    });
  }

  /** Adopts a new client WebSocket. */
  accept(socket: WebSocket): void {
    this.connections.add(new ClientConnection(socket, this.authority, this));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  onHandshake(connection: ClientConnection, hello: ClientHandshakeResult): void {
    const { payload, clientStaticKey } = hello;
    const announced = announcedVersion(payload);
    const minimum = this.versions.minimum;
    if (minimum && (!announced || compareVersions(announced, minimum) < 0)) {
      this.events.emit('version-refused', {
        version: announced?.join('.') ?? 'none',
        minimum: minimum.join('.'),
      });
      connection.endWithStreamError(node('failure', { reason: '405', location: 'sim' }));
      return;
    }
    if (payload.devicePairingData) {
      this.startRegistration(connection, clientStaticKey, payload);
    } else {
      this.login(connection, clientStaticKey, payload);
    }
  }

  private startRegistration(
    connection: ClientConnection,
    noiseKey: Buffer,
    payload: proto.ClientPayload,
  ): void {
    const pairing = payload.devicePairingData!;
    let display = 'Browser';
    if (pairing.deviceProps) {
      const props = proto.DeviceProps.decode(pairing.deviceProps);
      const type =
        props.platformType !== null && props.platformType !== undefined
          ? proto.DeviceProps.PlatformType[props.platformType]
          : undefined;
      display = `${titleCase(type ?? 'browser')} (${props.os ?? 'unknown'})`;
    }
    const registration = new Registration(
      randomBytes(8).toString('hex'),
      connection,
      noiseKey,
      Buffer.from(pairing.eIdent ?? []),
      display,
    );
    connection.role = { kind: 'registration', id: registration.id };
    this.registrations.set(connection, registration);
    this.events.emit('handshake', { kind: 'register' });
    this.linking.begin(registration);
  }

  private login(connection: ClientConnection, noiseKey: Buffer, payload: proto.ClientPayload): void {
    const phone = String(payload.username ?? '');
    const device = Number(payload.device ?? 0);
    this.events.emit('handshake', { kind: 'login', phone, device });
    const account = this.directory.find(phone.length >= 6 ? phone : '000000');
    const companion = account?.companions.get(device);
    if (!account || !companion || !companion.noiseKey.equals(noiseKey)) {
      this.events.emit('login-refused', { phone, device, reason: 'unknown device' });
      connection.endWithStreamError(node('failure', { reason: '401', location: 'sim' }));
      return;
    }
    const refusal = this.refusedLogins.get(phone);
    if (refusal !== undefined) {
      this.events.emit('login-refused', { phone, device, reason: `refused (${refusal})` });
      connection.endWithStreamError(node('failure', { reason: String(refusal), location: 'sim' }));
      return;
    }
    const key = deviceKey(phone, device);
    const previous = this.online.get(key);
    if (previous) {
      this.online.delete(key);
      // A second connection of one device: WhatsApp closes the first with 440 "replaced".
      this.events.emit('replaced', { phone, device });
      previous.endWithStreamError(node('stream:error', {}, [node('conflict', { type: 'replaced' })]));
    }
    connection.role = { kind: 'device', jid: `${phone}:${device}@s.whatsapp.net` };
    this.online.set(key, connection);
    connection.send(
      node('success', {
        t: unixSeconds(this.now()),
        lid: `${account.lidUser}:${device}@lid`,
        props: '1',
        abprops: '1',
        location: 'sim',
        creation: '0',
      }),
    );
    const queued = companion.offlineQueue.splice(0);
    for (const stanza of queued)
      this.sendTracked(connection, companion, { ...stanza, attrs: { ...stanza.attrs, offline: '1' } });
    connection.send(node('ib', { from: SERVER_JID }, [node('offline', { count: String(queued.length) })]));
    this.events.emit('online', { phone, device });
  }

  onNode(connection: ClientConnection, stanza: BinaryNode): void {
    const role = connection.role;
    if (role.kind === 'registration') {
      const registration = this.registrations.get(connection);
      if (registration) this.registrationNode(registration, stanza);
      return;
    }
    if (role.kind !== 'device') return;
    const [user, rest] = role.jid.split(':');
    const account = this.directory.find(user!);
    const device = Number(rest!.split('@')[0]);
    if (!account) return;
    if (stanza.tag === 'ack' && stanza.attrs.class === 'receipt') {
      this.unacked.get(connection)?.stanzas.delete(ackKey('receipt', stanza.attrs.id, stanza.attrs.type));
      return;
    }
    if (stanza.tag === 'receipt')
      this.unacked.get(connection)?.stanzas.delete(ackKey('message', stanza.attrs.id, undefined));
    if (stanza.tag === 'iq') this.deviceIq(connection, account, device, stanza);
    else if (stanza.tag === 'message') this.relay.clientMessage(connection, account, device, stanza);
    // receipt, ack, presence, ib: nothing for the service to do in this simulation.
  }

  private registrationNode(registration: Registration, stanza: BinaryNode): void {
    if (stanza.tag !== 'iq') return;
    const child = firstChild(stanza);
    if (stanza.attrs.xmlns === 'w:p') return registration.connection.reply(stanza);
    if (child?.tag === 'link_code_companion_reg') {
      if (child.attrs.stage === 'companion_hello') return this.linking.onCompanionHello(registration, stanza);
      if (child.attrs.stage === 'companion_finish')
        return this.linking.onCompanionFinish(registration, stanza);
    }
    notImplemented(registration.connection, stanza);
  }

  private deviceIq(
    connection: ClientConnection,
    account: SimulatedAccount,
    device: number,
    stanza: BinaryNode,
  ): void {
    const xmlns = stanza.attrs.xmlns;
    const type = stanza.attrs.type;
    const child = firstChild(stanza);
    const companion = account.companions.get(device);
    if (!companion) return;
    switch (xmlns ?? '') {
      case 'w:p':
        return connection.reply(stanza);
      case 'passive':
        return connection.reply(stanza);
      case 'encrypt':
        if (type === 'get' && child?.tag === 'count') {
          return connection.reply(stanza, [node('count', { value: String(companion.preKeys.size) })]);
        }
        if (type === 'get' && child?.tag === 'digest') return connection.reply(stanza, [node('digest', {})]);
        if (type === 'get' && child?.tag === 'key') return this.relay.keyFetch(connection, stanza);
        if (type === 'set' && getBinaryNodeChild(stanza, 'list'))
          return this.uploadPreKeys(connection, account, device, stanza);
        if (type === 'set' && child?.tag === 'rotate')
          return this.rotateSignedPreKey(connection, account, device, stanza);
        return notImplemented(connection, stanza);
      case 'usync':
        return this.relay.usync(connection, stanza);
      case 'abt':
        return connection.reply(stanza, [node('props', { protocol: '1', hash: 'sim' })]);
      case 'blocklist':
        return connection.reply(stanza, [node('list', {})]);
      case 'privacy':
        if (type === 'get') {
          return connection.reply(stanza, [
            node('privacy', {}, [
              node('category', { name: 'readreceipts', value: 'all' }),
              node('category', { name: 'last', value: 'all' }),
            ]),
          ]);
        }
        return connection.reply(stanza, [node('tokens', {})]);
      case 'w:mex':
        return this.mexQuery(connection, account, stanza);
      case 'md':
        if (child?.tag === 'remove-companion-device') {
          connection.reply(stanza);
          this.unlink(account, device, 'logout');
          return;
        }
        return notImplemented(connection, stanza);
      default:
        return notImplemented(connection, stanza);
    }
  }

  private uploadPreKeys(
    connection: ClientConnection,
    account: SimulatedAccount,
    device: number,
    stanza: BinaryNode,
  ): void {
    const companion = account.companions.get(device)!;
    const registration = getBinaryNodeChild(stanza, 'registration')?.content;
    const skey = getBinaryNodeChild(stanza, 'skey');
    if (registration instanceof Uint8Array)
      companion.registrationId = Buffer.from(registration).readUIntBE(0, registration.length);
    if (skey) companion.signedPreKey = parseSignedKey(skey);
    let count = 0;
    for (const key of getBinaryNodeChildren(getBinaryNodeChild(stanza, 'list'), 'key')) {
      const id = getBinaryNodeChild(key, 'id')?.content;
      const value = getBinaryNodeChild(key, 'value')?.content;
      if (id instanceof Uint8Array && value instanceof Uint8Array) {
        companion.preKeys.set(Buffer.from(id).readUIntBE(0, id.length), Buffer.from(value));
        count++;
      }
    }
    connection.reply(stanza);
    this.events.emit('prekeys-uploaded', { phone: account.phone, device, count });
    this.sendHistorySync(account, device);
  }

  private rotateSignedPreKey(
    connection: ClientConnection,
    account: SimulatedAccount,
    device: number,
    stanza: BinaryNode,
  ): void {
    const skey = getBinaryNodeChild(getBinaryNodeChild(stanza, 'rotate'), 'skey');
    const companion = account.companions.get(device)!;
    if (skey) companion.signedPreKey = parseSignedKey(skey);
    connection.reply(stanza);
  }

  private sendTracked(
    connection: ClientConnection,
    companion: { offlineQueue: BinaryNode[] },
    stanza: BinaryNode,
  ): void {
    if (stanza.tag === 'receipt' || stanza.tag === 'message') {
      let pending = this.unacked.get(connection);
      if (!pending) {
        pending = { companion, stanzas: new Map() };
        this.unacked.set(connection, pending);
      }
      // Kept without the offline flag: a re-delivery adds it again.
      const attrs = Object.fromEntries(Object.entries(stanza.attrs).filter(([key]) => key !== 'offline'));
      pending.stanzas.set(
        ackKey(stanza.tag, stanza.attrs.id, stanza.tag === 'receipt' ? stanza.attrs.type : undefined),
        { ...stanza, attrs },
      );
    }
    connection.send(stanza);
  }

  onClose(connection: ClientConnection): void {
    this.connections.delete(connection);
    const pending = this.unacked.get(connection);
    if (pending) {
      this.unacked.delete(connection);
      pending.companion.offlineQueue.unshift(...pending.stanzas.values());
    }
    const registration = this.registrations.get(connection);
    if (registration) {
      this.registrations.delete(connection);
      this.linking.end(registration);
      return;
    }
    if (connection.role.kind === 'device') {
      const [user, rest] = connection.role.jid.split(':');
      const device = Number(rest!.split('@')[0]);
      const key = deviceKey(user!, device);
      if (this.online.get(key) === connection) {
        this.online.delete(key);
        this.events.emit('offline', { phone: user!, device });
      }
    }
  }

  /** Sends a stanza to a companion if it is online, or queues it for its next login. */
  deliverToCompanion(account: SimulatedAccount, device: number, stanza: BinaryNode): void {
    const companion = account.companions.get(device);
    if (!companion) return;
    const connection = this.online.get(deviceKey(account.phone, device));
    if (connection?.isOpen && !connection.silent) {
      this.sendTracked(connection, companion, stanza);
      return;
    }
    companion.offlineQueue.push(stanza);
    if (companion.offlineQueue.length > this.options.offlineQueueLimit) companion.offlineQueue.shift();
  }

  /** The phone removes a linked device (Settings → Linked devices → Log out), or the device logged out. */
  unlink(account: SimulatedAccount, device: number, reason: 'removed_on_phone' | 'logout'): void {
    if (!account.companions.delete(device)) return;
    const key = deviceKey(account.phone, device);
    const connection = this.online.get(key);
    this.online.delete(key);
    if (connection && reason === 'removed_on_phone') {
      connection.endWithStreamError(
        node('stream:error', { code: '401' }, [node('conflict', { type: 'device_removed' })]),
      );
    }
    this.events.emit('unlinked', { phone: account.phone, device, reason });
  }

  isOnline(phone: string, device: number): boolean {
    return this.online.has(deviceKey(phone, device));
  }

  private takeErrorAck(phone: string): number | undefined {
    const pending = this.errorAcks.get(phone);
    if (!pending) return undefined;
    pending.remaining--;
    if (pending.remaining <= 0) this.errorAcks.delete(phone);
    if (pending.code === 463 && pending.timelock) {
      const account = this.directory.find(phone);
      const until = this.now() + TIMELOCK_MS;
      if (account && !account.timelocked(this.now())) {
        account.reachoutTimelockUntil = until;
        account.reachoutTimelockEndSaid = false;
      }
    }
    return pending.code;
  }

  /** The current and minimum accepted WhatsApp Web versions (see `versions`). */
  /** How many times clients read the version text (tests see a gateway's lookups without sleeping). */
  serviceWorkerFetches = 0;

  get clientVersions(): { current: WAVersion; minimum: WAVersion | undefined } {
    return { ...this.versions };
  }

  /**
   * Moves WhatsApp's versions: `current` is what sw.js serves from now on, `minimum` (null: none)
   * the oldest a login may announce. Connected devices stay connected; their next login counts.
   */
  setClientVersions(next: { current?: WAVersion; minimum?: WAVersion | null }): void {
    this.versions = {
      current: next.current ?? this.versions.current,
      minimum: next.minimum === null ? undefined : (next.minimum ?? this.versions.minimum),
    };
  }

  /** The text WhatsApp Web's service worker (web.whatsapp.com/sw.js) carries, reduced to what clients read. */
  serviceWorkerText(): string {
    this.serviceWorkerFetches += 1;
    const revision = this.versions.current[2];
    const data = JSON.stringify({
      dynamic_data: { SiteData: { client_revision: revision, server_revision: revision } },
    });
    return `/* simulated WhatsApp Web service worker */\nself.__swData=JSON.parse(${JSON.stringify(data)});\n`;
  }

  /**
   * The person links WhatsApp Web / Desktop (a simulated device with its own Signal identity) or
   * logs one out. WhatsApp tells the devices of everyone with a chat with this person
   * (`<notification type="devices">`), so senders address the new device list from the next message.
   */
  linkWebDevice(phone: string): number {
    const account = this.directory.get(phone);
    const { device, keyIndex } = account.allocateDevice();
    account.webDevices.set(device, { keyIndex, party: new SignalParty(), inbox: [], arrivals: new Map() });
    this.announceDevices(account, device, 'add');
    return device;
  }

  unlinkWebDevice(phone: string, device: number): void {
    const account = this.directory.get(phone);
    const web = account.webDevices.get(device);
    if (!web) throw new SimulatorError('unknown_device', String(device));
    account.webDevices.delete(device);
    account.loggedOutWebDevices.set(device, web);
    this.announceDevices(account, device, 'remove');
  }

  private announceDevices(account: SimulatedAccount, device: number, change: 'add' | 'remove'): void {
    // Both addressings: a sender keeps its device list under whichever it wrote to.
    const entries = [
      node('device', { jid: `${account.phone}:${device}@s.whatsapp.net` }),
      node('device', { jid: `${account.lidUser}:${device}@lid` }),
    ];
    for (const contact of this.directory.all()) {
      if (contact === account || !contact.chats.has(account.phone)) continue;
      for (const connection of this.deviceConnections(contact.phone)) {
        connection.send(
          node(
            'notification',
            { from: account.jid, type: 'devices', id: connection.nextId(), t: unixSeconds(this.now()) },
            [node(change, { device_hash: `2:${randomBytes(4).toString('base64')}` }, entries)],
          ),
        );
      }
    }
    this.events.emit('web-device', { phone: account.phone, device, change });
  }

  /**
   * A device that just linked (its first pre-key upload) gets the phone's history sync, once, when
   * the phone has chats and sends it (NewPhone.chats, historySync).
   */
  private sendHistorySync(account: SimulatedAccount, device: number): void {
    if (!account.historySync || account.existingChats.length === 0 || account.historySent.has(device)) return;
    if (account.webDevices.has(device)) return;
    account.historySent.add(device);
    this.relay.historySync(account, device).then(
      (chats) => this.events.emit('history-sync-sent', { phone: account.phone, device, chats }),
      // Only when the companion's keys are unusable; reported where tests look for crypto failures.
      (error: unknown) =>
        this.events.emit('decrypt-failed', {
          id: 'history-sync',
          phone: account.phone,
          reason: `history sync not encrypted: ${(error as Error).message}`,
        }),
    );
  }

  /** Strict mode on or off (off by default): sends WhatsApp would refuse get a 463. */
  setStrict(on: boolean): void {
    this.strictMode = on;
  }

  get strict(): boolean {
    return this.strictMode;
  }

  /**
   * Starts (until `until`, epoch ms) or lifts (undefined) an account's reach-out timelock, and
   * tells its online devices, as WhatsApp does with a `NotificationUserReachoutTimelockUpdate`.
   */
  setReachoutTimelock(phone: string, until: number | undefined): void {
    const account = this.directory.get(phone);
    account.reachoutTimelockUntil = until;
    account.reachoutTimelockEndSaid = true;
    const active = account.timelocked(this.now());
    const payload = { xwa2_notify_account_reachout_timelock: timelockJson(account, this.now()) };
    for (const connection of this.deviceConnections(account.phone)) {
      connection.send(
        node(
          'notification',
          { from: SERVER_JID, type: 'mex', id: connection.nextId(), t: unixSeconds(this.now()) },
          [
            node(
              'update',
              { op_name: 'NotificationUserReachoutTimelockUpdate' },
              Buffer.from(JSON.stringify({ data: payload })),
            ),
          ],
        ),
      );
    }
    this.events.emit('reachout-timelock', {
      phone: account.phone,
      active,
      ...(active && until !== undefined ? { until } : {}),
    });
  }

  /** WhatsApp's GraphQL-over-iq queries a sender makes: its reach-out timelock, its new-chat cap. */
  private mexQuery(connection: ClientConnection, account: SimulatedAccount, stanza: BinaryNode): void {
    const query = getBinaryNodeChild(stanza, 'query');
    let data: Record<string, unknown>;
    if (query?.attrs.query_id === REACHOUT_TIMELOCK_QUERY)
      data = { xwa2_fetch_account_reachout_timelock: timelockJson(account, this.now()) };
    else if (query?.attrs.query_id === MESSAGE_CAPPING_QUERY)
      data = { xwa2_message_capping_info: cappingJson(account, this.now()) };
    else return notImplemented(connection, stanza);
    connection.reply(stanza, [node('result', {}, Buffer.from(JSON.stringify({ data })))]);
  }

  /**
   * Puts an account under WhatsApp's monthly new-chat cap (`total` first contacts until
   * `cycleEnd`), or lifts it (undefined), and tells its devices as WhatsApp does.
   */
  setNewChatCap(phone: string, cap: { total: number; cycleEnd: number } | undefined): void {
    const account = this.directory.get(phone);
    account.newChatCap = cap ? { total: cap.total, used: new Set(), cycleEnd: cap.cycleEnd } : undefined;
    this.announceCapping(account);
  }

  /** A `MessageCappingInfoNotification` to the account's online devices. */
  private announceCapping(account: SimulatedAccount): void {
    const info = cappingJson(account, this.now());
    for (const connection of this.deviceConnections(account.phone)) {
      connection.send(
        node(
          'notification',
          { from: SERVER_JID, type: 'mex', id: connection.nextId(), t: unixSeconds(this.now()) },
          [
            node(
              'update',
              { op_name: 'MessageCappingInfoNotification' },
              Buffer.from(
                JSON.stringify({ data: { xwa2_notify_new_chat_messages_capping_info_update: info } }),
              ),
            ),
          ],
        ),
      );
    }
    this.events.emit('new-chat-cap', {
      phone: account.phone,
      total: account.newChatCap?.total ?? null,
      used: account.newChatCap?.used.size ?? 0,
      status: String(info.capping_status),
    });
  }

  private deviceConnections(phone?: string): ClientConnection[] {
    return [...this.online.entries()]
      .filter(([key]) => !phone || key.startsWith(`${phone}:`))
      .map(([, c]) => c);
  }

  injectFault(fault: Fault): void {
    switch (fault.kind) {
      case 'drop':
        for (const connection of fault.phone ? this.deviceConnections(fault.phone) : [...this.connections])
          connection.terminate();
        return;
      case 'silence':
        for (const connection of this.deviceConnections(fault.phone)) connection.silent = true;
        return;
      case 'replace':
        for (const connection of this.deviceConnections(fault.phone)) {
          connection.endWithStreamError(node('stream:error', {}, [node('conflict', { type: 'replaced' })]));
        }
        return;
      case 'error-ack':
        this.errorAcks.set(fault.phone, {
          code: fault.code,
          remaining: fault.count ?? 1,
          timelock: fault.timelock ?? true,
        });
        return;
      case 'refuse-logins':
        if (fault.enabled) this.refusedLogins.set(fault.phone, fault.reason ?? 503);
        else this.refusedLogins.delete(fault.phone);
        return;
    }
  }

  /** Closes every socket and stops timers. */
  shutdown(): void {
    this.relay.stop();
    for (const connection of [...this.connections]) connection.terminate();
  }
}

/** Baileys' QueryIds.REACHOUT_TIMELOCK (WhatsApp Web's persisted query id). */
const REACHOUT_TIMELOCK_QUERY = '23983697327930364';
/** How long an injected 463's timelock lasts: WhatsApp's usual day. */
const TIMELOCK_MS = 24 * 3_600_000;

/** Baileys' QueryIds.MESSAGE_CAPPING_INFO. */
const MESSAGE_CAPPING_QUERY = '24503548349331633';

function cappingJson(account: SimulatedAccount, now: number): Record<string, unknown> {
  const cap = account.newChatCap;
  if (!cap) return { capping_status: 'NONE', server_sent_timestamp: String(Math.floor(now / 1000)) };
  return {
    total_quota: cap.total,
    used_quota: cap.used.size,
    cycle_end_timestamp: String(Math.floor(cap.cycleEnd / 1000)),
    server_sent_timestamp: String(Math.floor(now / 1000)),
    capping_status: cappingStatus(cap.used.size, cap.total),
  };
}

function timelockJson(account: SimulatedAccount, now: number): Record<string, unknown> {
  return account.timelocked(now)
    ? {
        is_active: true,
        time_enforcement_ends: account.reachoutTimelockEndSaid
          ? String(Math.ceil((account.reachoutTimelockUntil ?? now) / 1000))
          : '0',
        enforcement_type: 'BIZ_QUALITY',
      }
    : { is_active: false, time_enforcement_ends: '0', enforcement_type: 'DEFAULT' };
}

function announcedVersion(payload: proto.ClientPayload): WAVersion | undefined {
  const v = payload.userAgent?.appVersion;
  if (
    !v ||
    typeof v.primary !== 'number' ||
    typeof v.secondary !== 'number' ||
    typeof v.tertiary !== 'number'
  )
    return undefined;
  return [v.primary, v.secondary, v.tertiary];
}

function compareVersions(a: WAVersion, b: WAVersion): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function firstChild(stanza: BinaryNode): BinaryNode | undefined {
  return Array.isArray(stanza.content) ? stanza.content[0] : undefined;
}

function notImplemented(connection: ClientConnection, stanza: BinaryNode): void {
  connection.send(
    node('iq', { from: SERVER_JID, type: 'error', id: stanza.attrs.id ?? '' }, [
      node('error', { code: '501', text: 'feature-not-implemented' }),
    ]),
  );
}

function parseSignedKey(
  skey: BinaryNode,
): { keyId: number; publicKey: Buffer; signature: Buffer } | undefined {
  const id = getBinaryNodeChild(skey, 'id')?.content;
  const value = getBinaryNodeChild(skey, 'value')?.content;
  const signature = getBinaryNodeChild(skey, 'signature')?.content;
  if (!(id instanceof Uint8Array && value instanceof Uint8Array && signature instanceof Uint8Array))
    return undefined;
  return {
    keyId: Buffer.from(id).readUIntBE(0, id.length),
    publicKey: Buffer.from(value),
    signature: Buffer.from(signature),
  };
}

function titleCase(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}

function ackKey(tag: string, id: string | undefined, type: string | undefined): string {
  return `${tag}:${id ?? ''}:${type ?? ''}`;
}
