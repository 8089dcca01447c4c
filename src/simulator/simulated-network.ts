import { proto, type BinaryNode, type WAVersion } from 'baileys';
import type { CertificateAuthority } from './certificate-authority.js';
import {
  ClientConnection,
  SERVER_JID,
  node,
  unixSeconds,
  type ConnectionHandlers,
} from './client-connection.js';
import { AccountNotices } from './account-notices.js';
import { ClientVersions } from './client-versions.js';
import { DeviceLinking, registrationOf, type QrTiming, type Registration } from './device-linking.js';
import { DirectoryQueries } from './directory-queries.js';
import { Directory, type SimulatedAccount } from './directory.js';
import { DeviceIqs } from './device-iqs.js';
import { MessageRelay, type ReceiptTiming } from './message-relay.js';
import { SimulatorError } from './errors.js';
import { SignalParty } from './signal-party.js';
import type { ClientHandshakeResult } from './noise-responder.js';
import { SimulatorEvents } from './simulator-events.js';
import { InjectedRefusals, type Fault } from './injected-refusals.js';
import { UnackedStanzas } from './unacked-stanzas.js';

export type { Fault } from './injected-refusals.js';
import type { WebSocket } from 'ws';

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
  private readonly notices: AccountNotices;
  /** The answers to a logged-in device's queries. */
  private readonly iqs: DeviceIqs;
  /** The WhatsApp Web versions the service calls current and accepts. */
  private readonly versions = new ClientVersions();
  private readonly online = new Map<string, ClientConnection>();
  private readonly registrations = new Map<ClientConnection, Registration>();
  private readonly connections = new Set<ClientConnection>();
  private readonly unacked = new UnackedStanzas();
  private readonly refusals: InjectedRefusals;
  /** Strict mode (off by default): see MessageRelay.strictRefusal. */
  private strictMode = false;
  constructor(
    private readonly authority: CertificateAuthority,
    private readonly options: NetworkOptions,
    /** WhatsApp's time (epoch ms): real time, as the service's own; the gateway's Clock is not its. */
    readonly now: () => number = Date.now,
  ) {
    this.linking = new DeviceLinking(options.qr, now);
    this.refusals = new InjectedRefusals(this.directory, now);
    this.notices = new AccountNotices({
      directory: this.directory,
      events: this.events,
      now,
      deviceConnections: (phone) => this.deviceConnections(phone),
    });
    this.iqs = new DeviceIqs({
      directory: this.directory,
      events: this.events,
      now,
      queries: new DirectoryQueries(this.directory, this.events),
      notices: this.notices,
      deliverToCompanion: (account, device, stanza) => this.deliverToCompanion(account, device, stanza),
      unlink: (account, device, reason) => this.unlink(account, device, reason),
    });
    this.relay = new MessageRelay({
      directory: this.directory,
      receipts: options.receipts,
      events: this.events,
      now,
      deliverToCompanion: (account, device, stanza) => this.deliverToCompanion(account, device, stanza),
      takeErrorAck: (phone) => this.refusals.takeErrorAck(phone),
      strict: () => this.strictMode,
      cappingChanged: (account) => this.notices.announceCapping(account),
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
    const refusal = this.versions.refusal(payload);
    if (refusal) {
      this.events.emit('version-refused', refusal);
      connection.endWithStreamError(node('failure', { reason: '405', location: 'sim' }));
      return;
    }
    if (payload.devicePairingData) {
      const registration = registrationOf(connection, clientStaticKey, payload);
      connection.role = { kind: 'registration', id: registration.id };
      this.registrations.set(connection, registration);
      this.events.emit('handshake', { kind: 'register' });
      this.linking.begin(registration);
    } else {
      this.login(connection, clientStaticKey, payload);
    }
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
    const refusal = this.refusals.loginRefusal(phone);
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
      this.unacked.send(connection, companion, { ...stanza, attrs: { ...stanza.attrs, offline: '1' } });
    connection.send(node('ib', { from: SERVER_JID }, [node('offline', { count: String(queued.length) })]));
    this.events.emit('online', { phone, device });
  }

  onNode(connection: ClientConnection, stanza: BinaryNode): void {
    const role = connection.role;
    if (role.kind === 'registration') {
      const registration = this.registrations.get(connection);
      if (registration) this.linking.onRegistrationNode(registration, stanza);
      return;
    }
    if (role.kind !== 'device') return;
    const [user, rest] = role.jid.split(':');
    const account = this.directory.find(user!);
    const device = Number(rest!.split('@')[0]);
    if (!account) return;
    this.unacked.acknowledged(connection, stanza);
    if (stanza.tag === 'ack' && stanza.attrs.class === 'notification') {
      const { id = '', type } = stanza.attrs;
      this.events.emit('notification-acked', { phone: account.phone, device, id, type });
    }
    if (stanza.tag === 'iq') this.iqs.answer(connection, account, device, stanza);
    else if (stanza.tag === 'message') this.relay.clientMessage(connection, account, device, stanza);
    // receipt, ack, presence, ib: nothing for the service to do in this simulation.
  }

  onClose(connection: ClientConnection): void {
    this.connections.delete(connection);
    this.unacked.requeue(connection);
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
      this.unacked.send(connection, companion, stanza);
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

  /** How many times clients read the version text (tests see a gateway's lookups without sleeping). */
  get serviceWorkerFetches(): number {
    return this.versions.fetches;
  }

  get clientVersions(): { current: WAVersion; minimum: WAVersion | undefined } {
    return this.versions.current;
  }

  /** See ClientVersions.set. */
  setClientVersions(next: { current?: WAVersion; minimum?: WAVersion | null }): void {
    this.versions.set(next);
  }

  /** The text WhatsApp Web's service worker (web.whatsapp.com/sw.js) carries. */
  serviceWorkerText(): string {
    return this.versions.serviceWorkerText();
  }

  /** See AccountNotices.setReachoutTimelock. */
  setReachoutTimelock(phone: string, until: number | undefined): void {
    this.notices.setReachoutTimelock(phone, until);
  }

  /** See AccountNotices.setNewChatCap. */
  setNewChatCap(phone: string, cap: { total: number; cycleEnd: number } | undefined): void {
    this.notices.setNewChatCap(phone, cap);
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
    this.notices.announceDevices(account, device, 'add');
    return device;
  }

  unlinkWebDevice(phone: string, device: number): void {
    const account = this.directory.get(phone);
    const web = account.webDevices.get(device);
    if (!web) throw new SimulatorError('unknown_device', String(device));
    account.webDevices.delete(device);
    account.loggedOutWebDevices.set(device, web);
    this.notices.announceDevices(account, device, 'remove');
  }

  /** Strict mode on or off (off by default): sends WhatsApp would refuse get a 463. */
  setStrict(on: boolean): void {
    this.strictMode = on;
  }

  get strict(): boolean {
    return this.strictMode;
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
      case 'refuse-logins':
        this.refusals.inject(fault);
        return;
    }
  }

  /** Closes every socket and stops timers. */
  shutdown(): void {
    this.relay.stop();
    for (const connection of [...this.connections]) connection.terminate();
  }
}
