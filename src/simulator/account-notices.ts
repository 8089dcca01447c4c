import { randomBytes } from 'node:crypto';
import { getBinaryNodeChild, type BinaryNode } from 'baileys';
import { SERVER_JID, node, notImplemented, unixSeconds, type ClientConnection } from './client-connection.js';
import type { Directory, SimulatedAccount } from './directory.js';
import { cappingStatus } from './send-refusals.js';
import type { SimulatorEvents } from './simulator-events.js';

/** What the notices need from the network around them. */
export interface NoticeContext {
  readonly directory: Directory;
  readonly events: SimulatorEvents;
  now(): number;
  /** The open connections of an account's linked devices. */
  deviceConnections(phone: string): ClientConnection[];
}

/**
 * What WhatsApp tells an account's devices about the account (device list changes, reach-out
 * timelock, new-chat cap) and the queries they make about it (mex).
 */
export class AccountNotices {
  constructor(private readonly ctx: NoticeContext) {}

  /**
   * Tells the devices of everyone with a chat with this person that a device was added or removed
   * (`<notification type="devices">`), so senders address the new device list from the next message.
   */
  announceDevices(account: SimulatedAccount, device: number, change: 'add' | 'remove'): void {
    // Both addressings: a sender keeps its device list under whichever it wrote to.
    const entries = [
      node('device', { jid: `${account.phone}:${device}@s.whatsapp.net` }),
      node('device', { jid: `${account.lidUser}:${device}@lid` }),
    ];
    for (const contact of this.ctx.directory.all()) {
      if (contact === account || !contact.chats.has(account.phone)) continue;
      for (const connection of this.ctx.deviceConnections(contact.phone)) {
        connection.send(
          node(
            'notification',
            { from: account.jid, type: 'devices', id: connection.nextId(), t: unixSeconds(this.ctx.now()) },
            [node(change, { device_hash: `2:${randomBytes(4).toString('base64')}` }, entries)],
          ),
        );
      }
    }
    this.ctx.events.emit('web-device', { phone: account.phone, device, change });
  }

  /**
   * Starts (until `until`, epoch ms) or lifts (undefined) an account's reach-out timelock, and
   * tells its online devices, as WhatsApp does with a `NotificationUserReachoutTimelockUpdate`.
   */
  setReachoutTimelock(phone: string, until: number | undefined): void {
    const account = this.ctx.directory.get(phone);
    account.reachoutTimelockUntil = until;
    account.reachoutTimelockEndSaid = true;
    const active = account.timelocked(this.ctx.now());
    const payload = { xwa2_notify_account_reachout_timelock: timelockJson(account, this.ctx.now()) };
    for (const connection of this.ctx.deviceConnections(account.phone)) {
      connection.send(
        node(
          'notification',
          { from: SERVER_JID, type: 'mex', id: connection.nextId(), t: unixSeconds(this.ctx.now()) },
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
    this.ctx.events.emit('reachout-timelock', {
      phone: account.phone,
      active,
      ...(active && until !== undefined ? { until } : {}),
    });
  }

  /** WhatsApp's GraphQL-over-iq queries a sender makes: its reach-out timelock, its new-chat cap. */
  mexQuery(connection: ClientConnection, account: SimulatedAccount, stanza: BinaryNode): void {
    const query = getBinaryNodeChild(stanza, 'query');
    let data: Record<string, unknown>;
    if (query?.attrs.query_id === REACHOUT_TIMELOCK_QUERY)
      data = { xwa2_fetch_account_reachout_timelock: timelockJson(account, this.ctx.now()) };
    else if (query?.attrs.query_id === MESSAGE_CAPPING_QUERY)
      data = { xwa2_message_capping_info: cappingJson(account, this.ctx.now()) };
    else return notImplemented(connection, stanza);
    connection.reply(stanza, [node('result', {}, Buffer.from(JSON.stringify({ data })))]);
  }

  /**
   * Puts an account under WhatsApp's monthly new-chat cap (`total` first contacts until
   * `cycleEnd`), or lifts it (undefined), and tells its devices as WhatsApp does.
   */
  setNewChatCap(phone: string, cap: { total: number; cycleEnd: number } | undefined): void {
    const account = this.ctx.directory.get(phone);
    account.newChatCap = cap ? { total: cap.total, used: new Set(), cycleEnd: cap.cycleEnd } : undefined;
    this.announceCapping(account);
  }

  /** A `MessageCappingInfoNotification` to the account's online devices. */
  announceCapping(account: SimulatedAccount): void {
    const info = cappingJson(account, this.ctx.now());
    for (const connection of this.ctx.deviceConnections(account.phone)) {
      connection.send(
        node(
          'notification',
          { from: SERVER_JID, type: 'mex', id: connection.nextId(), t: unixSeconds(this.ctx.now()) },
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
    this.ctx.events.emit('new-chat-cap', {
      phone: account.phone,
      total: account.newChatCap?.total ?? null,
      used: account.newChatCap?.used.size ?? 0,
      status: String(info.capping_status),
    });
  }
}

/** Baileys' QueryIds.REACHOUT_TIMELOCK (WhatsApp Web's persisted query id). */
const REACHOUT_TIMELOCK_QUERY = '23983697327930364';
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
