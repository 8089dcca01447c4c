import { randomBytes } from 'node:crypto';
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode } from 'baileys';
import { node, unixSeconds, type ClientConnection } from './client-connection.js';
import { bigEndian } from './directory-queries.js';
import type { Directory, SimulatedAccount } from './directory.js';
import { SimulatorError } from './errors.js';
import { newChatCapRefusal, strictRefusal, type RefusalCause } from './send-refusals.js';
import { messageText, type SignalMessageType } from './signal-party.js';
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

/** How many retry receipts a phone sends for one message before it gives up. */
const MAX_RETRY_ASKS = 3;

/** Message relay with receipts and retries, and messages from phones to companions. */
export class MessageRelay {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly ctx: RelayContext) {}

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
        : strictRefusal(this.ctx.strict(), this.ctx.now(), sender, recipient, target?.server, stanza);
    const capped = refusal
      ? undefined
      : newChatCapRefusal(sender, recipient, (account) => this.ctx.cappingChanged(account));
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
