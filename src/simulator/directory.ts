import { randomBytes } from 'node:crypto';
import type { BinaryNode } from 'baileys';
import { generateKeyPair, type KeyPair } from './certificate-authority.js';
import { SimulatorError } from './errors.js';
import { decodeNodes, encodeNodes, type SavedAccount } from './saved-account.js';
import { SignalParty, type PreKeyBundle } from './signal-party.js';

/** A device linked to a simulated account (a companion such as a gateway session). */
export interface CompanionDevice {
  readonly device: number;
  readonly keyIndex: number;
  /** The companion's Noise static key: a login must present the same key. */
  readonly noiseKey: Buffer;
  readonly identityKey: Buffer;
  readonly platform: string;
  readonly linkedAt: number;
  registrationId?: number;
  signedPreKey?: { keyId: number; publicKey: Buffer; signature: Buffer };
  /** One-time pre-keys uploaded by the companion, handed out one per key fetch. */
  readonly preKeys: Map<number, Buffer>;
  /** Stanzas that arrived while the companion was offline, delivered after its next login. */
  readonly offlineQueue: BinaryNode[];
}

export interface InboxMessage {
  readonly id: string;
  readonly fromPhone: string;
  readonly text: string;
  readonly at: number;
  readonly encType: string;
}

export interface SentMessage {
  readonly id: string;
  readonly toPhone: string;
  readonly text: string;
  readonly at: number;
}

export type PhoneOs = 'android' | 'ios';

export interface NewPhone {
  phone: string;
  name?: string | undefined;
  business?: boolean | undefined;
  hasWhatsApp?: boolean | undefined;
  os?: PhoneOs | undefined;
  /**
   * WhatsApp addresses this contact by LID only (privacy-minded accounts, 2026): in strict mode a
   * message sent to its phone-number address is refused with 463.
   */
  lidAddressed?: boolean | undefined;
  /**
   * Chats this phone already has (opt-in): a device that links gets their metadata (phone↔LID,
   * the contact's trusted-contact token) and last message in WhatsApp's history sync.
   */
  chats?: readonly ExistingChat[] | undefined;
  /** Whether a newly linked device gets the history sync of `chats` (default true). */
  historySync?: boolean | undefined;
}

/** A chat that exists before a device links (see NewPhone.chats). */
export interface ExistingChat {
  /** The contact's phone number. */
  phone: string;
  /** The contact's LID user part; the contact's own when it is a simulated phone. */
  lid?: string | undefined;
  /** The trusted-contact token the contact issued to this account (base64); random when unset. */
  tcToken?: string | undefined;
  /** The chat's last message, as the history sync carries it (a gateway must not keep it). */
  text?: string | undefined;
}

/** A person's simulated WhatsApp Web / Desktop device. */
export interface WebDevice {
  readonly keyIndex: number;
  readonly party: SignalParty;
  readonly inbox: InboxMessage[];
  readonly arrivals: Map<string, number>;
}

/** A simulated WhatsApp account: its primary phone (device 0) and the companions linked to it. */
export class SimulatedAccount {
  readonly phone: string;
  readonly lidUser: string;
  readonly name: string;
  readonly business: boolean;
  readonly hasWhatsApp: boolean;
  readonly os: PhoneOs;
  /** The account key that signs each companion's device identity (ADV). */
  readonly accountKey: KeyPair;
  private signal: SignalParty | undefined;
  readonly companions = new Map<number, CompanionDevice>();
  readonly inbox: InboxMessage[] = [];
  readonly sent: SentMessage[] = [];
  /** Every arrival of a message id, duplicates included (what crash tests count). */
  readonly rawArrivals = new Map<string, number>();
  /** See NewPhone.lidAddressed. */
  lidAddressed: boolean;
  /** Until when (epoch ms) this account may not start new chats (reach-out timelock), if at all. */
  reachoutTimelockUntil: number | undefined;
  /** WhatsApp does not always say when a timelock ends (an injected 463's does not). */
  reachoutTimelockEndSaid = true;
  /**
   * WhatsApp Web / Desktop sessions the person linked to this account (simulated: each has its own
   * Signal identity and decrypts what reaches it), by device number.
   */
  readonly webDevices = new Map<number, WebDevice>();
  /** Web devices logged out, kept so what they received can still be looked at. */
  readonly loggedOutWebDevices = new Map<number, WebDevice>();
  /**
   * WhatsApp's monthly cap on new chats (opt-in per account; none by default): how many first
   * contacts the account may start this cycle, how many it started, and when the cycle ends.
   */
  newChatCap: { total: number; used: Set<string>; cycleEnd: number } | undefined;
  /**
   * WhatsApp answers this account's QR scans with a companion_reg_refresh first (the code must be
   * shown again with a new secret before a scan links). Opt-in per account; off by default.
   */
  companionRegRefresh = false;
  /** WhatsApp asks this account for a passkey check before linking a device (off by default). */
  passkeyRequired = false;
  /** The primary phone has a connection (offline: what arrives for it waits on the server). */
  online = true;
  /** Deliveries to the primary phone that wait until it is online again, in arrival order. */
  readonly pendingDeliveries: Array<() => Promise<void>> = [];
  /** Retry receipts sent per message id (a real phone asks a few times, then gives up). */
  readonly retriesAsked = new Map<string, number>();
  /** Phones this account has a chat with (either side wrote and it arrived): warm contacts. */
  readonly chats = new Set<string>();
  /** See NewPhone.chats: each with its token (issued by the contact to this account). */
  readonly existingChats: ReadonlyArray<{ phone: string; lid?: string; tcToken: Buffer; text?: string }>;
  /** See NewPhone.historySync. */
  historySync: boolean;
  /** Companion devices already sent the history sync. */
  readonly historySent = new Set<number>();
  private nextDevice = 1;
  private nextKeyIndex = 1;

  constructor(spec: NewPhone, lidUser: string, accountKey: KeyPair = generateKeyPair()) {
    this.accountKey = accountKey;
    this.phone = spec.phone;
    this.lidUser = lidUser;
    this.name = spec.name ?? `User ${spec.phone.slice(-4)}`;
    this.business = spec.business ?? false;
    this.hasWhatsApp = spec.hasWhatsApp ?? true;
    this.os = spec.os ?? 'android';
    this.lidAddressed = spec.lidAddressed ?? false;
    this.existingChats = (spec.chats ?? []).map((c) => ({
      phone: normalisePhone(c.phone),
      ...(c.lid !== undefined ? { lid: c.lid } : {}),
      tcToken: c.tcToken !== undefined ? Buffer.from(c.tcToken, 'base64') : randomBytes(16),
      ...(c.text !== undefined ? { text: c.text } : {}),
    }));
    for (const c of this.existingChats) this.chats.add(c.phone);
    this.historySync = spec.historySync ?? true;
  }

  /**
   * WhatsApp reinstalled (or the phone lost its Signal state): a new identity and registration id;
   * messages encrypted for the old sessions no longer decrypt, so the phone asks for retries.
   */
  reinstall(): void {
    this.signal = new SignalParty();
  }

  /** Is the reach-out timelock in force at `now`? */
  timelocked(now: number): boolean {
    return this.reachoutTimelockUntil !== undefined && this.reachoutTimelockUntil > now;
  }

  /** The primary phone's Signal identity, created on first use (most accounts never need one). */
  get signalParty(): SignalParty {
    this.signal ??= new SignalParty();
    return this.signal;
  }

  get jid(): string {
    return `${this.phone}@s.whatsapp.net`;
  }

  get lid(): string {
    return `${this.lidUser}@lid`;
  }

  /** The app's platform name as pair-success reports it: Business apps are smba / smbi. */
  get platform(): string {
    if (this.business) return this.os === 'ios' ? 'smbi' : 'smba';
    return this.os === 'ios' ? 'iphone' : 'android';
  }

  allocateDevice(): { device: number; keyIndex: number } {
    return { device: this.nextDevice++, keyIndex: this.nextKeyIndex++ };
  }

  companionBundle(device: number): PreKeyBundle | undefined {
    const companion = this.companions.get(device);
    if (!companion?.signedPreKey || companion.registrationId === undefined) return undefined;
    const first = companion.preKeys.entries().next();
    let preKey: PreKeyBundle['preKey'];
    if (!first.done) {
      const [keyId, publicKey] = first.value;
      companion.preKeys.delete(keyId);
      preKey = { keyId, publicKey };
    }
    return {
      registrationId: companion.registrationId,
      identityKey: companion.identityKey,
      signedPreKey: companion.signedPreKey,
      preKey,
    };
  }

  /**
   * What a state file keeps so that a restarted simulator is the same network for the devices
   * linked to it: identities, keys, devices, pre-keys, what waits for offline devices. What was
   * observed (inboxes, arrivals) is not kept.
   */
  saved(): SavedAccount {
    const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
    return {
      spec: {
        phone: this.phone,
        name: this.name,
        business: this.business,
        hasWhatsApp: this.hasWhatsApp,
        os: this.os,
        lidAddressed: this.lidAddressed,
        historySync: this.historySync,
      },
      lidUser: this.lidUser,
      accountKey: { public: b64(this.accountKey.public), private: b64(this.accountKey.private) },
      signal: this.signal?.saved(),
      companions: [...this.companions.values()].map((c) => ({
        device: c.device,
        keyIndex: c.keyIndex,
        noiseKey: b64(c.noiseKey),
        identityKey: b64(c.identityKey),
        platform: c.platform,
        linkedAt: c.linkedAt,
        registrationId: c.registrationId,
        signedPreKey: c.signedPreKey && {
          keyId: c.signedPreKey.keyId,
          publicKey: b64(c.signedPreKey.publicKey),
          signature: b64(c.signedPreKey.signature),
        },
        preKeys: [...c.preKeys].map(([id, key]) => [id, b64(key)] as const),
        offlineQueue: encodeNodes(c.offlineQueue),
      })),
      webDevices: [...this.webDevices].map(([device, web]) => ({
        device,
        keyIndex: web.keyIndex,
        party: web.party.saved(),
      })),
      existingChats: this.existingChats.map((c) => ({ ...c, tcToken: b64(c.tcToken) })),
      chats: [...this.chats],
      historySent: [...this.historySent],
      reachoutTimelockUntil: this.reachoutTimelockUntil,
      reachoutTimelockEndSaid: this.reachoutTimelockEndSaid,
      newChatCap: this.newChatCap && {
        total: this.newChatCap.total,
        used: [...this.newChatCap.used],
        cycleEnd: this.newChatCap.cycleEnd,
      },
      companionRegRefresh: this.companionRegRefresh,
      passkeyRequired: this.passkeyRequired,
      online: this.online,
      nextDevice: this.nextDevice,
      nextKeyIndex: this.nextKeyIndex,
    };
  }

  /** The account a state file kept (see `saved`). */
  static restore(saved: SavedAccount): SimulatedAccount {
    const buf = (text: string): Buffer => Buffer.from(text, 'base64');
    const account = new SimulatedAccount(
      {
        ...saved.spec,
        chats: saved.existingChats.map((c) => ({
          phone: c.phone,
          tcToken: c.tcToken,
          ...(c.lid !== undefined ? { lid: c.lid } : {}),
          ...(c.text !== undefined ? { text: c.text } : {}),
        })),
      },
      saved.lidUser,
      { public: buf(saved.accountKey.public), private: buf(saved.accountKey.private) },
    );
    if (saved.signal) account.signal = new SignalParty(saved.signal);
    for (const c of saved.companions) {
      account.companions.set(c.device, {
        device: c.device,
        keyIndex: c.keyIndex,
        noiseKey: buf(c.noiseKey),
        identityKey: buf(c.identityKey),
        platform: c.platform,
        linkedAt: c.linkedAt,
        ...(c.registrationId !== undefined ? { registrationId: c.registrationId } : {}),
        ...(c.signedPreKey
          ? {
              signedPreKey: {
                keyId: c.signedPreKey.keyId,
                publicKey: buf(c.signedPreKey.publicKey),
                signature: buf(c.signedPreKey.signature),
              },
            }
          : {}),
        preKeys: new Map(c.preKeys.map(([id, key]) => [id, buf(key)])),
        offlineQueue: decodeNodes(c.offlineQueue),
      });
    }
    for (const web of saved.webDevices)
      account.webDevices.set(web.device, {
        keyIndex: web.keyIndex,
        party: new SignalParty(web.party),
        inbox: [],
        arrivals: new Map(),
      });
    for (const phone of saved.chats) account.chats.add(phone);
    for (const device of saved.historySent) account.historySent.add(device);
    account.reachoutTimelockUntil = saved.reachoutTimelockUntil;
    account.reachoutTimelockEndSaid = saved.reachoutTimelockEndSaid;
    account.newChatCap = saved.newChatCap && {
      total: saved.newChatCap.total,
      used: new Set(saved.newChatCap.used),
      cycleEnd: saved.newChatCap.cycleEnd,
    };
    account.companionRegRefresh = saved.companionRegRefresh;
    account.passkeyRequired = saved.passkeyRequired;
    account.online = saved.online;
    account.nextDevice = saved.nextDevice;
    account.nextKeyIndex = saved.nextKeyIndex;
    return account;
  }

  recordArrival(id: string): number {
    const count = (this.rawArrivals.get(id) ?? 0) + 1;
    this.rawArrivals.set(id, count);
    return count;
  }
}

/** Every simulated account, by phone number and by LID. */
export class Directory {
  private readonly byPhone = new Map<string, SimulatedAccount>();
  private readonly byLid = new Map<string, SimulatedAccount>();
  private nextLid = 90_001;

  create(spec: NewPhone): SimulatedAccount {
    const phone = normalisePhone(spec.phone);
    if (this.byPhone.has(phone)) throw new SimulatorError('phone_exists', phone);
    return this.add(new SimulatedAccount({ ...spec, phone }, String(this.nextLid++)));
  }

  /** Puts back an account a state file kept; later LIDs are allocated after the largest one. */
  add(account: SimulatedAccount): SimulatedAccount {
    if (this.byPhone.has(account.phone)) throw new SimulatorError('phone_exists', account.phone);
    this.byPhone.set(account.phone, account);
    this.byLid.set(account.lidUser, account);
    this.nextLid = Math.max(this.nextLid, Number(account.lidUser) + 1);
    return account;
  }

  find(phone: string): SimulatedAccount | undefined {
    return this.byPhone.get(normalisePhone(phone));
  }

  get(phone: string): SimulatedAccount {
    const account = this.find(phone);
    if (!account) throw new SimulatorError('unknown_phone', phone);
    return account;
  }

  findByLid(lidUser: string): SimulatedAccount | undefined {
    return this.byLid.get(lidUser);
  }

  /** Resolves a user part of a JID on either server (s.whatsapp.net or lid). */
  findByJidUser(user: string, server: string): SimulatedAccount | undefined {
    return server === 'lid' ? this.byLid.get(user) : this.byPhone.get(user);
  }

  all(): SimulatedAccount[] {
    return [...this.byPhone.values()];
  }
}

/** Digits only: the simulator's phone numbers are E.164 without the plus. */
export function normalisePhone(phone: string): string {
  const digits = phone.replace(/[\s+()-]/g, '');
  if (!/^\d{6,15}$/.test(digits)) throw new SimulatorError('invalid_request', `not a phone number: ${phone}`);
  return digits;
}
