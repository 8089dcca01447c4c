import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { proto, type BinaryNode } from 'baileys';
import { node, unixSeconds } from './client-connection.js';
import type { Directory, SimulatedAccount } from './directory.js';
import type { SimulatorEvents } from './simulator-events.js';

/** What the history sync needs from the network around it. */
export interface HistorySyncContext {
  readonly directory: Directory;
  now(): number;
  /** Sends to a companion now, or keeps it for its next login. */
  deliverToCompanion(account: SimulatedAccount, device: number, stanza: BinaryNode): void;
}

/**
 * The history sync a newly linked device gets from its primary phone, inline as WhatsApp sends
 * the initial bootstrap (no media download): INITIAL_BOOTSTRAP with each existing chat (addressed
 * by LID with its phone number, the contact's trusted-contact token, its last message),
 * NON_BLOCKING_DATA with the phone↔LID mappings, PUSH_NAME with the contacts' names. Sent as
 * peer messages from the phone (device 0), encrypted to the companion.
 */
export async function sendHistorySync(
  ctx: HistorySyncContext,
  owner: SimulatedAccount,
  device: number,
): Promise<number> {
  const t = Math.floor(ctx.now() / 1000);
  const chats = owner.existingChats.map((c) => {
    const contact = ctx.directory.find(c.phone);
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
    ctx.deliverToCompanion(
      owner,
      device,
      node(
        'message',
        {
          from: owner.jid,
          id,
          t: unixSeconds(ctx.now()),
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

/**
 * A device that just linked (its first pre-key upload) gets the phone's history sync, once, when
 * the phone has chats and sends it (NewPhone.chats, historySync).
 */
export function historySyncAfterFirstUpload(
  ctx: HistorySyncContext & { readonly events: SimulatorEvents },
  account: SimulatedAccount,
  device: number,
): void {
  if (!account.historySync || account.existingChats.length === 0 || account.historySent.has(device)) return;
  if (account.webDevices.has(device)) return;
  account.historySent.add(device);
  sendHistorySync(ctx, account, device).then(
    (chats) => ctx.events.emit('history-sync-sent', { phone: account.phone, device, chats }),
    // Only when the companion's keys are unusable; reported where tests look for crypto failures.
    (error: unknown) =>
      ctx.events.emit('decrypt-failed', {
        id: 'history-sync',
        phone: account.phone,
        reason: `history sync not encrypted: ${(error as Error).message}`,
      }),
  );
}
