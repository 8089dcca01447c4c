import { isJidBroadcast, isJidGroup, isJidNewsletter, isJidStatusBroadcast, jidDecode } from 'baileys';
import { AppError } from '../domain/errors.js';

const PN_SERVER = 's.whatsapp.net';

/**
 * Digits-only phone number (E.164 without '+') from user input such as "+1 (555) 000-1111".
 * Throws AppError invalid_phone for anything that is not 6 to 15 digits.
 */
export function normalizePhone(input: string): string {
  const digits = input.replace(/[\s().-]/g, '').replace(/^\+/, '');
  if (!/^[1-9][0-9]{5,14}$/.test(digits)) {
    throw new AppError('invalid_phone', 'The phone number is not valid.', { details: { phone: input } });
  }
  return digits;
}

/** The user JID WhatsApp routes a phone number's chats to. */
export function phoneToJid(phone: string): string {
  return `${normalizePhone(phone)}@${PN_SERVER}`;
}

/** The user and device of a phone-number JID ("15550001111:3@s.whatsapp.net"), if it is one. */
export function parsePhoneJid(jid: string | null | undefined): { phone: string; device: number } | undefined {
  if (!jid) return undefined;
  const decoded = jidDecode(jid);
  if (!decoded || decoded.server !== PN_SERVER || !decoded.user) return undefined;
  return { phone: decoded.user, device: decoded.device ?? 0 };
}

/** The LID user part of a "@lid" JID, if it is one. */
export function parseLidUser(jid: string | null | undefined): string | undefined {
  if (!jid) return undefined;
  const decoded = jidDecode(jid);
  return decoded?.server === 'lid' && decoded.user ? decoded.user : undefined;
}

/**
 * Chats a notification-only session never processes: groups, status updates, broadcast lists and
 * channels. Baileys acks and drops their stanzas before decrypting anything.
 */
export function isIgnoredJid(jid: string): boolean {
  return Boolean(isJidGroup(jid) || isJidStatusBroadcast(jid) || isJidBroadcast(jid) || isJidNewsletter(jid));
}
