import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode } from 'baileys';
import { node, type ClientConnection } from './client-connection.js';
import type { Directory, SimulatedAccount } from './directory.js';
import type { PreKeyBundle } from './signal-party.js';
import type { SimulatorEvents } from './simulator-events.js';

/** A number as the given count of big-endian bytes (registration ids, key ids). */
export const bigEndian = (value: number, bytes: number): Buffer => {
  const out = Buffer.alloc(bytes);
  out.writeUIntBE(value, 0, bytes);
  return out;
};

/** What a sender asks the service before it writes: who is on WhatsApp with which devices, and their keys. */
export class DirectoryQueries {
  constructor(
    private readonly directory: Directory,
    private readonly events: SimulatorEvents,
  ) {}

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
        account = decoded ? this.directory.findByJidUser(decoded.user, decoded.server) : undefined;
      } else if (phoneFromContact) {
        const digits = phoneFromContact.replace(/\D/g, '');
        account = this.directory.find(digits.length >= 6 ? digits : '0');
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
    this.events.emit('usync', { protocols: [...protocols], users: answers.length });
    connection.reply(request, [node('usync', {}, [node('list', {}, answers)])]);
  }

  /** `encrypt get key`: one pre-key bundle per requested device. */
  keyFetch(connection: ClientConnection, request: BinaryNode): void {
    const users = getBinaryNodeChildren(getBinaryNodeChild(request, 'key'), 'user');
    const list: BinaryNode[] = [];
    for (const user of users) {
      const jid = user.attrs.jid ?? '';
      const decoded = jidDecode(jid);
      const account = decoded ? this.directory.findByJidUser(decoded.user, decoded.server) : undefined;
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
}
