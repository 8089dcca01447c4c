import type { InboxMessage, SentMessage, SimulatedAccount } from './directory.js';
import { SimulatorError } from './errors.js';
import type { SimulatedNetwork } from './simulated-network.js';

export interface LinkedDeviceView {
  readonly device: number;
  readonly platform: string;
  readonly linkedAt: number;
  readonly online: boolean;
}

/**
 * A simulated person's phone: what its owner can do in WhatsApp (scan a QR under Linked devices,
 * type a pairing code, log devices out, read chats, write messages).
 */
export class VirtualPhone {
  constructor(
    private readonly network: SimulatedNetwork,
    private readonly account: SimulatedAccount,
  ) {}

  get phone(): string {
    return this.account.phone;
  }

  describe(): {
    phone: string;
    name: string;
    business: boolean;
    hasWhatsApp: boolean;
    platform: string;
    lidAddressed: boolean;
    reachoutTimelockUntil: number | null;
    linkedDevices: LinkedDeviceView[];
  } {
    const a = this.account;
    return {
      phone: a.phone,
      name: a.name,
      business: a.business,
      hasWhatsApp: a.hasWhatsApp,
      platform: a.platform,
      lidAddressed: a.lidAddressed,
      reachoutTimelockUntil: a.timelocked(this.network.now()) ? (a.reachoutTimelockUntil ?? null) : null,
      linkedDevices: this.linkedDevices(),
    };
  }

  /** The account's LID, as WhatsApp addresses it ("90001@lid"). */
  get lid(): string {
    return this.account.lid;
  }

  /** WhatsApp addresses this account by LID only (strict mode refuses its phone-number address). */
  setLidAddressed(on: boolean): void {
    this.account.lidAddressed = on;
  }

  /** Starts (until `until`, epoch ms) or lifts (undefined) the account's reach-out timelock. */
  setReachoutTimelock(until: number | undefined): void {
    this.network.setReachoutTimelock(this.phone, until);
  }

  /**
   * The phone loses (false) or regains (true) its connection. Messages for it wait on the server
   * meanwhile and arrive, in order, when it is back. On by default.
   */
  async setOnline(online: boolean): Promise<void> {
    if (!online) {
      this.account.online = false;
      return;
    }
    await this.network.relay.phoneOnline(this.account);
  }

  /** WhatsApp asks this account for a passkey before it links a device (off by default). */
  setPasskeyRequired(on: boolean): void {
    this.account.passkeyRequired = on;
  }

  /** WhatsApp answers this phone's QR scans with a companion_reg_refresh first (off by default). */
  setCompanionRegRefresh(on: boolean): void {
    this.account.companionRegRefresh = on;
  }

  /** The person links WhatsApp Web / Desktop to this phone; returns the new device's number. */
  linkWebDevice(): number {
    return this.network.linkWebDevice(this.phone);
  }

  /** Linked devices → that WhatsApp Web → Log out. */
  unlinkWebDevice(device: number): void {
    this.network.unlinkWebDevice(this.phone, device);
  }

  /** Messages a WhatsApp Web device of this phone received, first arrival of each id only. */
  webInbox(device: number): readonly InboxMessage[] {
    return (this.account.webDevices.get(device) ?? this.account.loggedOutWebDevices.get(device))?.inbox ?? [];
  }

  /** How many times a message id reached a WhatsApp Web device, duplicates included. */
  webArrivals(device: number, id: string): number {
    const web = this.account.webDevices.get(device) ?? this.account.loggedOutWebDevices.get(device);
    return web?.arrivals.get(id) ?? 0;
  }

  /** WhatsApp caps this account's new chats: `total` first contacts until `cycleEnd` (undefined lifts it). */
  setNewChatCap(cap: { total: number; cycleEnd: number } | undefined): void {
    this.network.setNewChatCap(this.phone, cap);
  }

  /** WhatsApp reinstalled: a new Signal identity, so messages for the old one ask for a retry. */
  reinstall(): void {
    this.account.reinstall();
  }

  /** Settings → Linked devices → Link a device, camera pointed at `qr` (the decoded QR text). */
  async scan(qr: string): Promise<{ device: number }> {
    if (!this.account.hasWhatsApp) throw new SimulatorError('no_whatsapp', this.phone);
    const { companion } = await this.network.linking.scan(this.account, qr);
    this.network.events.emit('linked', { phone: this.phone, device: companion.device, method: 'qr' });
    return { device: companion.device };
  }

  /** "Link with phone number instead": the user types the code the device shows. */
  async enterPairingCode(code: string): Promise<{ device: number }> {
    if (!this.account.hasWhatsApp) throw new SimulatorError('no_whatsapp', this.phone);
    const { companion } = await this.network.linking.enterCode(this.account, code);
    this.network.events.emit('linked', { phone: this.phone, device: companion.device, method: 'code' });
    return { device: companion.device };
  }

  linkedDevices(): LinkedDeviceView[] {
    return [...this.account.companions.values()].map((c) => ({
      device: c.device,
      platform: c.platform,
      linkedAt: c.linkedAt,
      online: this.network.isOnline(this.phone, c.device),
    }));
  }

  /** Linked devices → a device → Log out. */
  removeDevice(device: number): void {
    if (!this.account.companions.has(device)) throw new SimulatorError('unknown_device', String(device));
    this.network.unlink(this.account, device, 'removed_on_phone');
  }

  /** Messages this phone received, first arrival of each id only (as the chat shows them). */
  inbox(): readonly InboxMessage[] {
    return this.account.inbox;
  }

  sent(): readonly SentMessage[] {
    return this.account.sent;
  }

  /** How many times a message id reached this phone, duplicates included. */
  rawArrivals(id: string): number {
    return this.account.rawArrivals.get(id) ?? 0;
  }

  /** Writes `text` to `toPhone`; it reaches that number's linked devices (e.g. a gateway). */
  async sendMessage(toPhone: string, text: string): Promise<{ id: string }> {
    if (!this.account.hasWhatsApp) throw new SimulatorError('no_whatsapp', this.phone);
    if (!text) throw new SimulatorError('invalid_request', 'text is empty');
    return this.network.relay.phoneMessage(this.account, this.network.directory.get(toPhone), text);
  }
}
