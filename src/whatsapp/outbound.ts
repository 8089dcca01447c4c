import type { WASocket } from 'baileys';
import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import type { CachedSignalKeyStore } from './cached-signal-key-store.js';
import { normalizePhone, parsePhoneJid, phoneToJid } from './jids.js';
import { errorMessage } from './socket-errors.js';

const MESSAGE_ID = /^[0-9A-Za-z]{6,64}$/;

/** The LID user part stored for a phone number (Baileys' lid-mapping keys), if any; no network. */
export async function knownLid(
  keys: CachedSignalKeyStore | undefined,
  phone: string,
  log: Logger,
): Promise<string | undefined> {
  if (!keys) return undefined;
  try {
    const found = await keys.get('lid-mapping', [phone]);
    const lid: unknown = found[phone];
    return typeof lid === 'string' && lid.length > 0 ? lid.split(':')[0] : undefined;
  } catch (err) {
    log.debug({ err }, 'could not read the LID mapping');
    return undefined;
  }
}

/** Sends a text with the caller's message id (resending the same id is harmless for recipients). */
export async function sendTextOn(
  sock: WASocket,
  keys: CachedSignalKeyStore | undefined,
  log: Logger,
  message: { toPhone: string; text: string; messageId: string },
): Promise<void> {
  const { toPhone, text, messageId } = message;
  // WhatsApp addresses more and more contacts by LID and refuses (463) a phone-number address for
  // those: once the LID is known (learnt from a device query, a receipt, an inbound message) the
  // message goes there, as WhatsApp Web does.
  const lid = await knownLid(keys, normalizePhone(toPhone), log);
  const jid = lid ? `${lid}@lid` : phoneToJid(toPhone);
  if (!MESSAGE_ID.test(messageId)) {
    throw new AppError('invalid_input', 'The message id must be 6 to 64 letters or digits.', {
      details: { messageId },
    });
  }
  if (text.length === 0) throw new AppError('invalid_input', 'The message text is empty.');
  try {
    // linkPreview null: never fetch link previews (network I/O, memory, slower sends).
    await sock.sendMessage(jid, { text, linkPreview: null }, { messageId });
  } catch (err) {
    throw new AppError('whatsapp_send_failed', 'WhatsApp did not accept the message.', {
      cause: err,
      details: { messageId },
      internalMessage: `send failed: ${errorMessage(err)}`,
    });
  }
}

/**
 * Shows "typing…" to the recipient for `durationMs`, then clears it, as a person would before
 * writing. Best effort: a failed presence update never blocks the message.
 */
export async function showTypingOn(
  sock: WASocket,
  log: Logger,
  toPhone: string,
  durationMs: number,
): Promise<void> {
  const jid = phoneToJid(toPhone);
  try {
    await sock.sendPresenceUpdate('composing', jid);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    await sock.sendPresenceUpdate('paused', jid);
  } catch (err) {
    log.debug({ err }, 'typing indicator failed');
  }
}

/** Which of these phone numbers have WhatsApp (in the input order). */
export async function onWhatsAppOn(
  sock: WASocket,
  phones: string[],
): Promise<Array<{ phone: string; exists: boolean; jid?: string }>> {
  const digits = phones.map((p) => normalizePhone(p));
  if (digits.length === 0) return [];
  let results: Array<{ jid: string; exists: boolean }> | undefined;
  try {
    results = await sock.onWhatsApp(...new Set(digits));
  } catch (err) {
    throw new AppError('whatsapp_query_failed', 'Could not ask WhatsApp about these numbers.', {
      cause: err,
    });
  }
  // Baileys drops numbers without WhatsApp from the result, so absence means "no".
  const found = new Map<string, string>();
  for (const r of results ?? []) {
    const user = parsePhoneJid(r.jid)?.phone;
    if (user && r.exists) found.set(user, r.jid);
  }
  return phones.map((phone, i) => {
    const jid = found.get(digits[i] ?? '');
    return jid ? { phone, exists: true, jid } : { phone, exists: false };
  });
}

/**
 * A recipient asked for `id` again (retry receipt): its content from the store, if this channel
 * sent it (so the retry works on any socket, after any restart). `asked` hears every such request.
 */
export async function retryContent(
  id: string | undefined,
  storedText: ((messageId: string) => Promise<string | undefined>) | undefined,
  log: Logger,
  asked: (messageId: string, found: boolean) => void,
): Promise<{ extendedTextMessage: { text: string } } | undefined> {
  if (!id || !storedText) return undefined;
  let text: string | undefined;
  try {
    text = await storedText(id);
  } catch (err) {
    log.warn({ err, waMessageId: id }, 'could not read a message a recipient asked for again');
  }
  log.info(
    { waMessageId: id, found: text !== undefined },
    'a recipient asked for a message again (retry receipt)',
  );
  asked(id, text !== undefined);
  return text === undefined ? undefined : { extendedTextMessage: { text } };
}
