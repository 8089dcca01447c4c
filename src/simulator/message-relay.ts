import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, proto, type BinaryNode } from 'baileys';
import { SERVER_JID, node, type ClientConnection } from './client-connection.js';
import { unixSeconds } from './device-linking.js';
import type { Directory, SimulatedAccount } from './directory.js';
import { SimulatorError } from './errors.js';
import { messageText, type PreKeyBundle, type SignalMessageType } from './signal-party.js';
import type { SimulatorEvents } from './simulator-events.js';

export interface ReceiptTiming {
  /** Delay between the server ack and the recipient's delivery receipt. */
  readonly deliveryDelayMs: number;
  /** Delay before the read receipt, or null when recipients never read. */
  readonly readDelayMs: number | null;
}

/** What the relay needs from the network around it. */
export interface RelayContext {
  readonly directory: Directory;
  readonly receipts: ReceiptTiming;
  readonly events: SimulatorEvents;
  now(): number;
  /** Sends to a companion now, or keeps it for its next login. */
  deliverToCompanion(account: SimulatedAccount, device: number, stanza: BinaryNode): void;
  /** An injected error ack for the next message from this phone, if any (463, 479). */
  takeErrorAck(phone: string): number | undefined;
  /** Strict mode: sends WhatsApp would refuse (misaddressed, timelocked first contact) get 463. */
  strict(): boolean;
  /** The account's new-chat capping state changed: tell its devices (a mex notification). */
  cappingChanged(account: SimulatedAccount): void;
}

/** Why the service refused a message (the simulator's own record; the client sees only the code). */
export type RefusalCause = 'injected' | 'misaddressed' | 'timelock' | 'capped' | 'no_token';

/** How many retry receipts a phone sends for one message before it gives up. */
const MAX_RETRY_ASKS = 3;

const bigEndian = (value: number, bytes: number): Buffer => {
  const out = Buffer.alloc(bytes);
  out.writeUIntBE(value, 0, bytes);
  return out;
};

/** Directory queries, key bundles, message relay with receipts, and messages from phones to companions. */
export class MessageRelay {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly ctx: RelayContext) {}

  /** `usync`: devices, LIDs and "is on WhatsApp" for a list of users. */
  usync(connection: ClientConnection, request: BinaryNode): void {
    const usync = getBinaryNodeChild(request, 'usync');
    const protocols = new Set(
      (getBinaryNodeChild(usync, 'query')?.content as BinaryNode[] | undefined)?.map((child) => child.tag) ??
        [],
    );
    const users = getBinaryNodeChildren(getBinaryNodeChild(usync, 'list'), 'user');
    const answers: BinaryNode[] = [];
    for (const user of users) {
      const contact = getBinaryNodeChild(user, 'contact');
      const phoneFromContact =
        typeof contact?.content === 'string'
          ? contact.content
          : contact?.content instanceof Uint8Array
            ? Buffer.from(contact.content).toString()
            : undefined;
      let account: SimulatedAccount | undefined;
      let jid = user.attrs.jid;
      if (jid) {
        const decoded = jidDecode(jid);
        account = decoded ? this.ctx.directory.findByJidUser(decoded.user, decoded.server) : undefined;
      } else if (phoneFromContact) {
        const digits = phoneFromContact.replace(/\D/g, '');
        account = this.ctx.directory.find(digits.length >= 6 ? digits : '0');
        jid = `${digits}@s.whatsapp.net`;
      }
      if (!jid) continue;
      const registered = account?.hasWhatsApp === true;
      const content: BinaryNode[] = [];
      if (protocols.has('contact')) content.push(node('contact', { type: registered ? 'in' : 'out' }));
      if (protocols.has('devices')) {
        const devices =
          registered && account
            ? [
                node('device', { id: '0' }),
                ...[...account.companions.values()].map((c) =>
                  node('device', { id: String(c.device), 'key-index': String(c.keyIndex) }),
                ),
                ...[...account.webDevices.entries()].map(([device, web]) =>
                  node('device', { id: String(device), 'key-index': String(web.keyIndex) }),
                ),
              ]
            : [];
        content.push(node('devices', {}, [node('device-list', {}, devices)]));
      }
      if (protocols.has('lid') && registered && account) content.push(node('lid', { val: account.lid }));
      answers.push(
        node('user', { jid: registered && account && !user.attrs.jid ? account.jid : jid }, content),
      );
    }
    this.ctx.events.emit('usync', { protocols: [...protocols], users: answers.length });
    connection.reply(request, [node('usync', {}, [node('list', {}, answers)])]);
  }

  /** `encrypt get key`: one pre-key bundle per requested device. */
  keyFetch(connection: ClientConnection, request: BinaryNode): void {
    const users = getBinaryNodeChildren(getBinaryNodeChild(request, 'key'), 'user');
    const list: BinaryNode[] = [];
    for (const user of users) {
      const jid = user.attrs.jid ?? '';
      const decoded = jidDecode(jid);
      const account = decoded ? this.ctx.directory.findByJidUser(decoded.user, decoded.server) : undefined;
      const device = decoded?.device ?? 0;
      const bundle = account ? this.bundleOf(account, device) : undefined;
      if (!bundle) {
        list.push(node('user', { jid }, [node('error', { code: '404', text: 'item-not-found' })]));
        continue;
      }
      const content: BinaryNode[] = [
        node('registration', {}, bigEndian(bundle.registrationId, 4)),
        node('type', {}, Buffer.from([5])),
        node('identity', {}, bundle.identityKey),
        node('skey', {}, [
          node('id', {}, bigEndian(bundle.signedPreKey.keyId, 3)),
          node('value', {}, bundle.signedPreKey.publicKey),
          node('signature', {}, bundle.signedPreKey.signature),
        ]),
      ];
      if (bundle.preKey) {
        content.push(
          node('key', {}, [
            node('id', {}, bigEndian(bundle.preKey.keyId, 3)),
            node('value', {}, bundle.preKey.publicKey),
          ]),
        );
      }
      list.push(node('user', { jid }, content));
    }
    connection.reply(request, [node('list', {}, list)]);
  }

  private bundleOf(account: SimulatedAccount, device: number): PreKeyBundle | undefined {
    if (!account.hasWhatsApp) return undefined;
    const web = account.webDevices.get(device);
    if (web) return web.party.issueBundle();
    return device === 0 ? account.signalParty.issueBundle() : account.companionBundle(device);
  }

  /** A companion sent a message: ack it, hand each copy to its device, then send receipts back. */
  clientMessage(
    connection: ClientConnection,
    sender: SimulatedAccount,
    senderDevice: number,
    stanza: BinaryNode,
  ): void {
    const id = stanza.attrs.id ?? '';
    const to = stanza.attrs.to ?? '';
    const target = jidDecode(to);
    const recipient = target ? this.ctx.directory.findByJidUser(target.user, target.server) : undefined;
    const injected = this.ctx.takeErrorAck(sender.phone);
    const refusal: { code: number; cause: RefusalCause } | undefined =
      injected !== undefined
        ? { code: injected, cause: 'injected' }
        : this.strictRefusal(sender, recipient, target?.server, stanza);
    const capped = refusal ? undefined : this.newChatCapRefusal(sender, recipient);
    const errorCode = refusal?.code ?? capped?.code;
    const ackAttrs: Record<string, string> = {
      class: 'message',
      id,
      from: to,
      t: unixSeconds(this.ctx.now()),
    };
    if (errorCode !== undefined) {
      connection.send(node('ack', { ...ackAttrs, error: String(errorCode) }));
      this.ctx.events.emit('message-refused', {
        id,
        from: sender.phone,
        to: target?.user ?? to,
        code: errorCode,
        cause: refusal?.cause ?? capped?.cause ?? 'injected',
      });
      return;
    }
    connection.send(node('ack', ackAttrs));
    if (!recipient?.hasWhatsApp) return;

    const copies: Array<{ jid: string; enc: BinaryNode }> = [];
    const direct = getBinaryNodeChild(stanza, 'enc');
    if (direct) copies.push({ jid: to, enc: direct });
    for (const participant of getBinaryNodeChildren(getBinaryNodeChild(stanza, 'participants'), 'to')) {
      const enc = getBinaryNodeChild(participant, 'enc');
      if (enc && participant.attrs.jid) copies.push({ jid: participant.attrs.jid, enc });
    }
    for (const copy of copies) {
      const decoded = jidDecode(copy.jid);
      const owner = decoded ? this.ctx.directory.findByJidUser(decoded.user, decoded.server) : undefined;
      if (!owner || !(copy.enc.content instanceof Uint8Array)) continue;
      const device = decoded?.device ?? 0;
      const type = (copy.enc.attrs.type ?? 'msg') as SignalMessageType;
      if (device !== 0) {
        const web = owner.webDevices.get(device);
        if (web && owner !== sender) {
          void this.deliverToWebDevice(owner, device, sender, senderDevice, id, type, copy.enc.content);
          continue;
        }
        if (!owner.companions.has(device)) {
          // Addressed to a device the person no longer has: the sender's device list is stale.
          this.ctx.events.emit('stale-device-copy', { id, phone: owner.phone, device });
          continue;
        }
        // A copy for another companion: the server forwards it untouched (own companions are skipped).
        if (owner !== sender) {
          this.ctx.deliverToCompanion(owner, device, this.inboundStanza(sender, id, type, copy.enc.content));
        }
        continue;
      }
      void this.deliverToPhone(owner, owner === recipient, sender, senderDevice, id, type, copy.enc.content);
    }
  }

  /**
   * What WhatsApp refuses in 2026 (strict mode only): a contact it addresses by LID written to at
   * its phone-number address, and a first contact from an account under a reach-out timelock.
   */
  private strictRefusal(
    sender: SimulatedAccount,
    recipient: SimulatedAccount | undefined,
    server: string | undefined,
    stanza: BinaryNode,
  ): { code: number; cause: RefusalCause } | undefined {
    if (!this.ctx.strict() || !recipient || recipient === sender || !recipient.hasWhatsApp) return undefined;
    if (recipient.lidAddressed && server === 's.whatsapp.net') return { code: 463, cause: 'misaddressed' };
    // A contact that issued this account a trusted-contact token (delivered in the history sync)
    // expects it on every 1:1 message: without it WhatsApp answers 463.
    const issued = sender.existingChats.find((c) => c.phone === recipient.phone)?.tcToken;
    const carried = getBinaryNodeChild(stanza, 'tctoken')?.content;
    if (issued && !(carried instanceof Uint8Array && Buffer.from(carried).equals(issued)))
      return { code: 463, cause: 'no_token' };
    if (sender.timelocked(this.ctx.now()) && !sender.chats.has(recipient.phone))
      return { code: 463, cause: 'timelock' };
    return undefined;
  }

  /**
   * WhatsApp's new-chat cap: a first contact counts against the cycle's quota; beyond it, the send
   * is refused (463). Crossing 80 %, 90 % and the cap is announced to the account's devices.
   */
  private newChatCapRefusal(
    sender: SimulatedAccount,
    recipient: SimulatedAccount | undefined,
  ): { code: number; cause: RefusalCause } | undefined {
    const cap = sender.newChatCap;
    if (!cap || !recipient || recipient === sender || !recipient.hasWhatsApp) return undefined;
    if (sender.chats.has(recipient.phone) || cap.used.has(recipient.phone)) return undefined;
    if (cap.used.size >= cap.total) return { code: 463, cause: 'capped' };
    const before = cappingStatus(cap.used.size, cap.total);
    cap.used.add(recipient.phone);
    if (cappingStatus(cap.used.size, cap.total) !== before) this.ctx.cappingChanged(sender);
    return undefined;
  }

  private async deliverToPhone(
    owner: SimulatedAccount,
    isRecipient: boolean,
    sender: SimulatedAccount,
    senderDevice: number,
    id: string,
    type: SignalMessageType,
    ciphertext: Uint8Array,
  ): Promise<void> {
    if (!owner.online) {
      // The phone has no connection: the server keeps the copy until it is back.
      owner.pendingDeliveries.push(() =>
        this.deliverToPhone(owner, isRecipient, sender, senderDevice, id, type, ciphertext),
      );
      return;
    }
    let text: string | undefined;
    try {
      text = messageText(await owner.signalParty.decrypt(sender.lidUser, senderDevice, type, ciphertext));
    } catch (error) {
      this.ctx.events.emit('decrypt-failed', { id, phone: owner.phone, reason: (error as Error).message });
      if (isRecipient) this.askForRetry(owner, sender, senderDevice, id);
      return;
    }
    if (!isRecipient) return; // the sender's own phone keeps its copy silently
    const arrivals = owner.recordArrival(id);
    this.ctx.events.emit('message-arrived', {
      id,
      from: sender.phone,
      to: owner.phone,
      text: text ?? '',
      arrivals,
    });
    // Real clients drop a second message with an id they have seen: only the first reaches the chat.
    if (arrivals === 1) {
      owner.inbox.push({ id, fromPhone: sender.phone, text: text ?? '', at: this.ctx.now(), encType: type });
      owner.chats.add(sender.phone);
      sender.chats.add(owner.phone);
    }
    const receiptFrom = owner.jid;
    this.later(this.ctx.receipts.deliveryDelayMs, () => {
      this.ctx.deliverToCompanion(
        sender,
        senderDevice,
        node('receipt', { from: receiptFrom, id, t: unixSeconds(this.ctx.now()) }),
      );
      const readDelay = this.ctx.receipts.readDelayMs;
      if (readDelay !== null) {
        this.later(readDelay, () =>
          this.ctx.deliverToCompanion(
            sender,
            senderDevice,
            node('receipt', { from: receiptFrom, id, t: unixSeconds(this.ctx.now()), type: 'read' }),
          ),
        );
      }
    });
  }

  /** A copy for one of the recipient's WhatsApp Web devices: decrypted there, each id shown once. */
  private async deliverToWebDevice(
    owner: SimulatedAccount,
    device: number,
    sender: SimulatedAccount,
    senderDevice: number,
    id: string,
    type: SignalMessageType,
    ciphertext: Uint8Array,
  ): Promise<void> {
    const web = owner.webDevices.get(device);
    if (!web) return;
    let text: string | undefined;
    try {
      text = messageText(await web.party.decrypt(sender.lidUser, senderDevice, type, ciphertext));
    } catch (error) {
      this.ctx.events.emit('decrypt-failed', { id, phone: owner.phone, reason: (error as Error).message });
      return;
    }
    const arrivals = (web.arrivals.get(id) ?? 0) + 1;
    web.arrivals.set(id, arrivals);
    if (arrivals === 1)
      web.inbox.push({ id, fromPhone: sender.phone, text: text ?? '', at: this.ctx.now(), encType: type });
    this.ctx.events.emit('web-device-arrived', { id, phone: owner.phone, device, arrivals });
  }

  /**
   * A phone that cannot decrypt a message answers with a retry receipt carrying its (new)
   * registration id, as WhatsApp clients do; the sender is expected to re-encrypt and send the same
   * message, same id. A phone asks up to MAX_RETRY_ASKS times per message, then gives up.
   */
  private askForRetry(
    owner: SimulatedAccount,
    sender: SimulatedAccount,
    senderDevice: number,
    id: string,
  ): void {
    const count = (owner.retriesAsked.get(id) ?? 0) + 1;
    if (count > MAX_RETRY_ASKS) return;
    owner.retriesAsked.set(id, count);
    const t = unixSeconds(this.ctx.now());
    this.ctx.events.emit('retry-requested', { id, from: owner.phone, to: sender.phone, count });
    this.ctx.deliverToCompanion(
      sender,
      senderDevice,
      node('receipt', { from: owner.jid, id, t, type: 'retry' }, [
        node('retry', { count: String(count), id, t, v: '1' }),
        node('registration', {}, bigEndian(owner.signalParty.registrationId, 4)),
      ]),
    );
  }

  /** The phone's connection came back: what waited for it is delivered now, in order. */
  async phoneOnline(owner: SimulatedAccount): Promise<void> {
    owner.online = true;
    for (const deliver of owner.pendingDeliveries.splice(0)) await deliver();
  }

  /** A phone's user writes to a number whose companions (e.g. a gateway) should receive it. */
  async phoneMessage(
    sender: SimulatedAccount,
    recipient: SimulatedAccount,
    text: string,
  ): Promise<{ id: string }> {
    const companions = [...recipient.companions.values()].filter((c) => c.signedPreKey);
    if (!recipient.hasWhatsApp || companions.length === 0)
      throw new SimulatorError('not_linked', recipient.phone);
    const id = `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
    for (const companion of companions) {
      const { type, ciphertext } = await sender.signalParty.encrypt(
        recipient.lidUser,
        companion.device,
        { conversation: text },
        () => recipient.companionBundle(companion.device),
      );
      this.ctx.deliverToCompanion(
        recipient,
        companion.device,
        this.inboundStanza(sender, id, type, ciphertext),
      );
    }
    sender.sent.push({ id, toPhone: recipient.phone, text, at: this.ctx.now() });
    sender.chats.add(recipient.phone);
    recipient.chats.add(sender.phone);
    this.ctx.events.emit('phone-sent', { id, from: sender.phone, to: recipient.phone });
    return { id };
  }

  /**
   * The history sync a newly linked device gets from its primary phone, inline as WhatsApp sends
   * the initial bootstrap (no media download): INITIAL_BOOTSTRAP with each existing chat (addressed
   * by LID with its phone number, the contact's trusted-contact token, its last message),
   * NON_BLOCKING_DATA with the phone↔LID mappings, PUSH_NAME with the contacts' names. Sent as
   * peer messages from the phone (device 0), encrypted to the companion.
   */
  async historySync(owner: SimulatedAccount, device: number): Promise<number> {
    const t = Math.floor(this.ctx.now() / 1000);
    const chats = owner.existingChats.map((c) => {
      const contact = this.ctx.directory.find(c.phone);
      return { ...c, lid: c.lid ?? contact?.lidUser, name: contact?.name };
    });
    const conversations = chats.map((c) => ({
      id: c.lid ? `${c.lid}@lid` : `${c.phone}@s.whatsapp.net`,
      ...(c.lid ? { pnJid: `${c.phone}@s.whatsapp.net`, lidJid: `${c.lid}@lid` } : {}),
      tcToken: c.tcToken,
      tcTokenTimestamp: t,
      conversationTimestamp: t,
      ...(c.name ? { displayName: c.name } : {}),
      messages: c.text
        ? [
            {
              message: {
                key: {
                  remoteJid: c.lid ? `${c.lid}@lid` : `${c.phone}@s.whatsapp.net`,
                  fromMe: false,
                  id: `3EB0${randomBytes(9).toString('hex').toUpperCase()}`,
                },
                message: { conversation: c.text },
                messageTimestamp: t,
              },
            },
          ]
        : [],
    }));
    const mappings = chats
      .filter((c) => c.lid)
      .map((c) => ({ pnJid: `${c.phone}@s.whatsapp.net`, lidJid: `${c.lid}@lid` }));
    const pushnames = chats
      .filter((c) => c.name)
      .map((c) => ({ id: `${c.phone}@s.whatsapp.net`, pushname: c.name }));
    const chunks: proto.IHistorySync[] = [
      {
        syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
        conversations,
        chunkOrder: 0,
        progress: 100,
      },
      {
        syncType: proto.HistorySync.HistorySyncType.NON_BLOCKING_DATA,
        phoneNumberToLidMappings: mappings,
        chunkOrder: 1,
      },
      { syncType: proto.HistorySync.HistorySyncType.PUSH_NAME, pushnames, chunkOrder: 2 },
    ];
    for (const chunk of chunks) {
      const payload = deflateSync(proto.HistorySync.encode(chunk).finish());
      const message: proto.IMessage = {
        protocolMessage: {
          type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
          historySyncNotification: {
            syncType: chunk.syncType as unknown as proto.Message.HistorySyncType,
            chunkOrder: chunk.chunkOrder ?? 0,
            progress: chunk.progress ?? 100,
            initialHistBootstrapInlinePayload: payload,
          },
        },
      };
      const { type, ciphertext } = await owner.signalParty.encrypt(owner.lidUser, device, message, () =>
        owner.companionBundle(device),
      );
      const id = `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
      this.ctx.deliverToCompanion(
        owner,
        device,
        node(
          'message',
          {
            from: owner.jid,
            id,
            t: unixSeconds(this.ctx.now()),
            type: 'text',
            category: 'peer',
            sender_lid: owner.lid,
          },
          [node('enc', { v: '2', type }, ciphertext)],
        ),
      );
    }
    return chats.length;
  }

  private inboundStanza(
    sender: SimulatedAccount,
    id: string,
    type: SignalMessageType,
    ciphertext: Uint8Array,
  ): BinaryNode {
    return node(
      'message',
      {
        from: sender.jid,
        id,
        t: unixSeconds(this.ctx.now()),
        type: 'text',
        notify: sender.name,
        sender_lid: sender.lid,
      },
      [node('enc', { v: '2', type }, ciphertext)],
    );
  }

  private later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

export { SERVER_JID };

/** WhatsApp's capping status for `used` of `total` new chats. */
export function cappingStatus(
  used: number,
  total: number,
): 'NONE' | 'FIRST_WARNING' | 'SECOND_WARNING' | 'CAPPED' {
  if (used >= total) return 'CAPPED';
  if (used >= total * 0.9) return 'SECOND_WARNING';
  if (used >= total * 0.8) return 'FIRST_WARNING';
  return 'NONE';
}
