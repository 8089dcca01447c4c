import { getBinaryNodeChild, type BinaryNode } from 'baileys';
import type { SimulatedAccount } from './directory.js';

/** Why the service refused a message (the simulator's own record; the client sees only the code). */
export type RefusalCause = 'injected' | 'misaddressed' | 'timelock' | 'capped' | 'no_token';

/**
 * What WhatsApp refuses in 2026 (strict mode only): a contact it addresses by LID written to at
 * its phone-number address, and a first contact from an account under a reach-out timelock.
 */
export function strictRefusal(
  strict: boolean,
  now: number,
  sender: SimulatedAccount,
  recipient: SimulatedAccount | undefined,
  server: string | undefined,
  stanza: BinaryNode,
): { code: number; cause: RefusalCause } | undefined {
  if (!strict || !recipient || recipient === sender || !recipient.hasWhatsApp) return undefined;
  if (recipient.lidAddressed && server === 's.whatsapp.net') return { code: 463, cause: 'misaddressed' };
  // A contact that issued this account a trusted-contact token (delivered in the history sync)
  // expects it on every 1:1 message: without it WhatsApp answers 463.
  const issued = sender.existingChats.find((c) => c.phone === recipient.phone)?.tcToken;
  const carried = getBinaryNodeChild(stanza, 'tctoken')?.content;
  if (issued && !(carried instanceof Uint8Array && Buffer.from(carried).equals(issued)))
    return { code: 463, cause: 'no_token' };
  if (sender.timelocked(now) && !sender.chats.has(recipient.phone)) return { code: 463, cause: 'timelock' };
  return undefined;
}

/**
 * WhatsApp's new-chat cap: a first contact counts against the cycle's quota; beyond it, the send
 * is refused (463). Crossing 80 %, 90 % and the cap is announced to the account's devices.
 */
export function newChatCapRefusal(
  sender: SimulatedAccount,
  recipient: SimulatedAccount | undefined,
  cappingChanged: (account: SimulatedAccount) => void,
): { code: number; cause: RefusalCause } | undefined {
  const cap = sender.newChatCap;
  if (!cap || !recipient || recipient === sender || !recipient.hasWhatsApp) return undefined;
  if (sender.chats.has(recipient.phone) || cap.used.has(recipient.phone)) return undefined;
  if (cap.used.size >= cap.total) return { code: 463, cause: 'capped' };
  const before = cappingStatus(cap.used.size, cap.total);
  cap.used.add(recipient.phone);
  if (cappingStatus(cap.used.size, cap.total) !== before) cappingChanged(sender);
  return undefined;
}

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
