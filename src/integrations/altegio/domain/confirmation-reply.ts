/**
 * Confirmation by reply: a client answers a reminder with `+` / `1` (confirm) or `-` / `3` (cancel).
 * Strict about meaning (a sentence is never read as a yes) but forgiving about form (spaces, trailing
 * punctuation, emoji keycaps, typographic dashes, repeats like `++` or `+1`). The lists are a setting.
 */
import { AppError } from '../../../domain/errors.js';
import type { Attendance } from './partner-api.js';

export type ReplyIntent = 'confirm' | 'cancel' | 'other';

/** What counts as a confirmation or a cancellation (compared after normalising, ignoring case). */
export interface ReplyWords {
  readonly confirm: readonly string[];
  readonly cancel: readonly string[];
}

export const DEFAULT_REPLY_WORDS: ReplyWords = Object.freeze({
  confirm: Object.freeze(['+', '1']),
  cancel: Object.freeze(['-', '3']),
});

/** Longer than any answer to "reply + or -": a message this long is a conversation, not a reply. */
const MAX_REPLY_LENGTH = 40;

const PLUS_LIKE = /[\u2795\uFF0B\uFE62\u207A\u208A]/g;
const MINUS_LIKE = /[\u2212\u2010\u2011\u2012\u2013\u2014\u2015\u2796\uFE63\uFF0D\u208B\u207B]/g;
// Variation selectors, the keycap combiner (1️⃣ = "1" U+FE0F U+20E3) and zero-width characters.
const INVISIBLE = /[\uFE0E\uFE0F\u20E3\u200B-\u200D\u2060\uFEFF]/g;
const EDGE_PUNCTUATION = /^[\s.,!?;:'"«»“”‘’()[\]]+|[\s.,!?;:'"«»“”‘’()[\]]+$/g;

/** The reply reduced to what is compared: NFKC, dash and plus variants unified, trimmed, lower case. */
export function normaliseReply(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(PLUS_LIKE, '+')
    .replace(MINUS_LIKE, '-')
    .replace(EDGE_PUNCTUATION, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/**
 * Which intent a reply carries: an exact match of a word from either list, or a reply made only of
 * one list's single-character tokens (`++`, `+1`, `1!`, `- -`). Anything else — mixed (`+-`, `1 3`),
 * other words, long texts — is `other`.
 */
export function classifyReply(text: string, words: ReplyWords = DEFAULT_REPLY_WORDS): ReplyIntent {
  const reply = normaliseReply(text);
  if (reply === '' || reply.length > MAX_REPLY_LENGTH) return 'other';
  const confirm = words.confirm.map(normaliseReply);
  const cancel = words.cancel.map(normaliseReply);
  if (confirm.includes(reply)) return 'confirm';
  if (cancel.includes(reply)) return 'cancel';
  const chars = [...reply.replace(/ /g, '')];
  const only = (tokens: string[]) => {
    const singles = tokens.filter((t) => [...t].length === 1);
    return singles.length > 0 && chars.every((c) => singles.includes(c));
  };
  if (only(confirm)) return 'confirm';
  if (only(cancel)) return 'cancel';
  return 'other';
}

/**
 * Reply words with defaults, checked: each list 1–10 entries of 1–32 characters after normalising,
 * and no entry in both lists. Throws `invalid_input` naming the list.
 */
export function resolveReplyWords(overrides: Partial<ReplyWords> = {}): ReplyWords {
  const check = (field: 'confirm' | 'cancel') => {
    const list = overrides[field] ?? DEFAULT_REPLY_WORDS[field];
    const normalised = [...new Set(list.map(normaliseReply))];
    if (
      normalised.length === 0 ||
      normalised.length > 10 ||
      normalised.some((w) => w === '' || w.length > 32)
    ) {
      throw new AppError('invalid_input', `${field}: 1 to 10 answers, each 1 to 32 characters.`, {
        details: { field },
      });
    }
    return normalised;
  };
  const confirm = check('confirm');
  const cancel = check('cancel');
  const both = confirm.find((w) => cancel.includes(w));
  if (both !== undefined) {
    throw new AppError('invalid_input', `cancel: "${both}" is also a confirmation.`, {
      details: { field: 'cancel' },
    });
  }
  return Object.freeze({ confirm: Object.freeze(confirm), cancel: Object.freeze(cancel) });
}

/**
 * What a client's cancel reply does in ALTEGIO: `no_show` sets attendance −1 (the record stays, the
 * slot shows as not coming; ALTEGIO has no "cancelled by client" attendance), `none` only tells the
 * business (nothing is written to ALTEGIO).
 */
export type CancelAction = 'no_show' | 'none';

/** The attendance to PUT for a reply, or undefined to write nothing (2 = confirmed). */
export function attendanceForReply(
  intent: ReplyIntent,
  cancelAction: CancelAction = 'no_show',
): Attendance | undefined {
  if (intent === 'confirm') return 2;
  if (intent === 'cancel') return cancelAction === 'no_show' ? -1 : undefined;
  return undefined;
}

/** An appointment the client was asked about (a reminder or booking notice went out). */
export interface PromptedAppointment {
  readonly recordId: string;
  readonly startsAt: Date;
  /** When the last reminder or booking notice for it was sent. */
  readonly promptedAt: Date;
}

/**
 * The appointment a reply answers: among the client's visits still ahead that were prompted within
 * `windowHours` (default 48), the most recently prompted (on a tie, the soonest). Undefined when none:
 * the reply is an ordinary message.
 */
export function appointmentForReply(
  candidates: readonly PromptedAppointment[],
  now: Date,
  windowHours = 48,
): string | undefined {
  const since = now.getTime() - windowHours * 3_600_000;
  const open = candidates.filter(
    (c) => c.startsAt > now && c.promptedAt.getTime() >= since && c.promptedAt <= now,
  );
  open.sort(
    (a, b) => b.promptedAt.getTime() - a.promptedAt.getTime() || a.startsAt.getTime() - b.startsAt.getTime(),
  );
  return open[0]?.recordId;
}
