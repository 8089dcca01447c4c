import {
  isWithinWindow,
  nextLocalMidnight,
  nextWindowOpening,
  type SendingWindow,
} from './sending-window.js';

/**
 * How politely a channel sends, per business. WhatsApp bans numbers that behave like bots: bursts,
 * no typing, many messages to one person, a brand-new number sending hundreds a day, messages at
 * 3 a.m. These settings shape a linked number's traffic like a busy receptionist's.
 */
export interface PacingSettings {
  /** false: no pacing at all (benchmarks, tests); every other setting is ignored. */
  readonly enabled: boolean;
  /** Least time between two sends on one channel. */
  readonly minIntervalMs: number;
  /** A random extra in [0, jitterMs) on top of the interval, so sends never tick like a clock. */
  readonly jitterMs: number;
  /** "typing…" shown before each message, per character of its text... */
  readonly typingMsPerChar: number;
  /** ...but never longer than this. */
  readonly typingMaxMs: number;
  /** Most messages to one recipient from one channel in any rolling hour. */
  readonly recipientHourlyCap: number;
  /** Most messages per channel per local day, once warmed up. */
  readonly channelDailyCap: number;
  /** A newly linked number's first days, capped at `warmUpDailyCap`... */
  readonly warmUpDays: number;
  /** ...after which the cap doubles every day until it reaches `channelDailyCap`. */
  readonly warmUpDailyCap: number;
  /** Local opening hours for non-urgent messages; null: any time. */
  readonly sendingWindow: SendingWindow | null;
}

/**
 * Safe defaults, from what operators of unofficial WhatsApp senders report keeps numbers alive:
 * - 4 s between sends plus 0–3 s of jitter: a human pace, about 10 messages a minute at most;
 * - "typing…" at 40 ms per character, capped at 4 s: roughly how long a person types a short note;
 * - 3 messages per recipient per hour: a reminder, a confirmation and a correction, never a flood;
 * - 50 a day during a new number's first week, then doubling daily up to 1,000: fresh numbers that
 *   send hundreds on day one are the ones that get banned;
 * - 08:00–21:00 in the business's time zone: nothing at night unless the message says it is urgent.
 */
export const DEFAULT_PACING: PacingSettings = Object.freeze({
  enabled: true,
  minIntervalMs: 4_000,
  jitterMs: 3_000,
  typingMsPerChar: 40,
  typingMaxMs: 4_000,
  recipientHourlyCap: 3,
  channelDailyCap: 1_000,
  warmUpDays: 7,
  warmUpDailyCap: 50,
  sendingWindow: Object.freeze({ start: '08:00', end: '21:00' }),
});

/** A business's overrides (as stored) on top of the defaults. */
export function resolvePacing(overrides: Partial<PacingSettings> | null | undefined): PacingSettings {
  return { ...DEFAULT_PACING, ...(overrides ?? {}) };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Today's cap for a channel linked at `linkedAt` (unknown: treated as brand new, the safe side). */
export function dailyCapFor(settings: PacingSettings, linkedAt: Date | null, now: Date): number {
  const day = linkedAt ? Math.floor(Math.max(0, now.getTime() - linkedAt.getTime()) / DAY_MS) + 1 : 1;
  if (day <= settings.warmUpDays) return Math.min(settings.warmUpDailyCap, settings.channelDailyCap);
  const doublings = Math.min(day - settings.warmUpDays, 30);
  return Math.min(settings.channelDailyCap, settings.warmUpDailyCap * 2 ** doublings);
}

/** How long to show "typing…" before a text of this length. */
export function typingDelayMs(settings: PacingSettings, textLength: number): number {
  if (!settings.enabled) return 0;
  return Math.min(settings.typingMaxMs, Math.max(0, textLength) * settings.typingMsPerChar);
}

/** What the channel's recent sending looks like (from the store). */
export interface PacingFacts {
  /** When this channel last handed a message to WhatsApp. */
  readonly lastSentAt: Date | null;
  /** Messages this channel sent since local midnight (`startOfLocalDay(now, timeZone)`). */
  readonly sentToday: number;
  /** When this channel sent to this message's recipient within the last hour, any order. */
  readonly recipientSendsLastHour: readonly Date[];
  /** When the channel's number was linked (for warm-up). */
  readonly linkedAt: Date | null;
}

export interface PacingRequest {
  readonly settings: PacingSettings;
  /** The business's IANA time zone (the sending window is local time). */
  readonly timeZone: string;
  readonly facts: PacingFacts;
  /** The message is allowed at night (outside the sending window); caps still apply. */
  readonly urgent: boolean;
  /** Length of the text, for the typing time. */
  readonly textLength: number;
  readonly now: Date;
  /** Uniform in [0, 1). Plan once per send and wait for `until`; re-planning re-rolls the jitter. */
  readonly random: () => number;
}

/** Which limit made the message wait (the last one to push its time). */
export type PacingWaitReason = 'interval' | 'recipient_cap' | 'daily_cap' | 'window';

export type PacingDecision =
  | { readonly kind: 'send'; readonly typingMs: number }
  | {
      readonly kind: 'wait';
      readonly until: Date;
      readonly reason: PacingWaitReason;
      readonly typingMs: number;
    };

/**
 * When the next message on a channel may start (typing first, then the send): now, or a time to
 * wait for and the limit that set it. The caps are checked in time order, so the answer satisfies
 * all of them at once.
 */
export function planSend(request: PacingRequest): PacingDecision {
  const { settings, facts, now, timeZone } = request;
  const typingMs = typingDelayMs(settings, request.textLength);
  if (!settings.enabled) return { kind: 'send', typingMs };

  let at = now.getTime();
  let reason: PacingWaitReason | undefined;
  const push = (candidate: number, why: PacingWaitReason) => {
    if (candidate > at) {
      at = candidate;
      reason = why;
    }
  };

  if (facts.lastSentAt) {
    const gap = settings.minIntervalMs + Math.floor(request.random() * settings.jitterMs);
    push(facts.lastSentAt.getTime() + gap, 'interval');
  }

  // Rolling hour per recipient: with the cap reached, wait until the oldest send that counts
  // against it is an hour old.
  const recent = facts.recipientSendsLastHour
    .map((d) => d.getTime())
    .filter((t) => t > now.getTime() - HOUR_MS)
    .sort((a, b) => a - b);
  if (recent.length >= settings.recipientHourlyCap) {
    push(recent[recent.length - settings.recipientHourlyCap]! + HOUR_MS, 'recipient_cap');
  }

  // The day's count is today's: once `at` has moved into tomorrow it no longer binds.
  const midnight = nextLocalMidnight(now, timeZone).getTime();
  if (facts.sentToday >= dailyCapFor(settings, facts.linkedAt, now) && at < midnight) {
    push(midnight, 'daily_cap');
  }

  const window = settings.sendingWindow;
  if (window && !request.urgent && !isWithinWindow(new Date(at), timeZone, window)) {
    // Jitter the opening too, so a business's channels do not all start at 08:00:00 sharp.
    const opening = nextWindowOpening(new Date(at), timeZone, window).getTime();
    // After a daily-cap wait the window only shifts the time within the new day: the cap is the cause.
    push(
      opening + Math.floor(request.random() * settings.jitterMs),
      reason === 'daily_cap' ? 'daily_cap' : 'window',
    );
  }

  if (at <= now.getTime() || reason === undefined) return { kind: 'send', typingMs };
  return { kind: 'wait', until: new Date(at), reason, typingMs };
}
