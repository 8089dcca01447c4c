import { getBinaryNodeChild, type BinaryNode } from 'baileys';
import { firstChild, node, notImplemented, type ClientConnection } from './client-connection.js';
import type { AccountNotices } from './account-notices.js';
import type { DirectoryQueries } from './directory-queries.js';
import type { SimulatedAccount } from './directory.js';
import { historySyncAfterFirstUpload, type HistorySyncContext } from './history-sync.js';
import type { SimulatorEvents } from './simulator-events.js';
import { storeRotatedSignedPreKey, storeUploadedKeys } from './companion-keys.js';

/** What answering a logged-in device's queries needs from the network around it. */
export interface DeviceIqContext extends HistorySyncContext {
  readonly events: SimulatorEvents;
  readonly queries: DirectoryQueries;
  readonly notices: AccountNotices;
  /** The device logged itself out (`remove-companion-device`). */
  unlink(account: SimulatedAccount, device: number, reason: 'logout'): void;
}

/**
 * The service's answers to the `iq` queries a linked device makes once logged in: keys (pre-key
 * count, upload, rotation, bundles), usync, props, blocklist, privacy, mex, and its own logout.
 */
export class DeviceIqs {
  constructor(private readonly ctx: DeviceIqContext) {}

  answer(connection: ClientConnection, account: SimulatedAccount, device: number, stanza: BinaryNode): void {
    const xmlns = stanza.attrs.xmlns;
    const type = stanza.attrs.type;
    const child = firstChild(stanza);
    const companion = account.companions.get(device);
    if (!companion) return;
    switch (xmlns ?? '') {
      case 'w:p':
        this.ctx.events.emit('keep-alive', { phone: account.phone, device });
        return connection.reply(stanza);
      case 'passive':
        return connection.reply(stanza);
      case 'encrypt':
        if (type === 'get' && child?.tag === 'count') {
          return connection.reply(stanza, [node('count', { value: String(companion.preKeys.size) })]);
        }
        if (type === 'get' && child?.tag === 'digest') return connection.reply(stanza, [node('digest', {})]);
        if (type === 'get' && child?.tag === 'key') return this.ctx.queries.keyFetch(connection, stanza);
        if (type === 'set' && getBinaryNodeChild(stanza, 'list'))
          return this.uploadPreKeys(connection, account, device, stanza);
        if (type === 'set' && child?.tag === 'rotate') {
          storeRotatedSignedPreKey(companion, stanza);
          return connection.reply(stanza);
        }
        return notImplemented(connection, stanza);
      case 'usync':
        return this.ctx.queries.usync(connection, stanza);
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
        return this.ctx.notices.mexQuery(connection, account, stanza);
      case 'md':
        if (child?.tag === 'remove-companion-device') {
          connection.reply(stanza);
          this.ctx.unlink(account, device, 'logout');
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
    const count = storeUploadedKeys(account.companions.get(device)!, stanza);
    connection.reply(stanza);
    this.ctx.events.emit('prekeys-uploaded', { phone: account.phone, device, count });
    historySyncAfterFirstUpload(this.ctx, account, device);
  }
}
