import type { MessageStatus } from './message-status.js';
import { dailyCapFor, type PacingSettings } from './pacing.js';
import { isWithinWindow, nextLocalMidnight, nextWindowOpening } from './sending-window.js';

/**
 * Why a queued message has not gone yet, in the business's terms (the log and the API say it, so a
 * bare "Queued" never leaves the owner guessing):
 * - `paused`: the business paused the channel's sending (waits for Resume);
 * - `device_removed`: the phone removed the linked device (resumes by itself after linking again);
 * - `not_linked`: the channel's WhatsApp is not connected right now;
 * - `daily_limit`: the channel's daily cap is reached (resumes after local midnight);
 * - `quiet_hours`: outside the business's sending window (goes when it opens);
 * - `reminder` / `scheduled`: asked to go later (a booking reminder, or any other `sendAfter`).
 */
export const WAITING_REASONS = [
  'paused',
  'device_removed',
  'not_linked',
  'daily_limit',
  'quiet_hours',
  'reminder',
  'scheduled',
] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

export interface Waiting {
  readonly reason: WaitingReason;
  /** When it is due to go; null when that depends on someone (Resume, linking again). */
  readonly until: Date | null;
}

export interface WaitingFacts {
  readonly message: {
    readonly status: MessageStatus;
    readonly sendAfter: Date;
    readonly urgent: boolean;
    /** What kind of notification it is (an integration's `reminder`, …), when known. */
    readonly kind?: string | null | undefined;
  };
  readonly channel: {
    readonly pausedCause: 'manual' | 'removed' | null;
    /** The linked device is connected (or reconnecting on its own). */
    readonly linked: boolean;
    /** Messages the channel sent since local midnight. */
    readonly sentToday: number;
    readonly linkedAt: Date | null;
  };
  readonly pacing: PacingSettings;
  readonly timeZone: string;
  readonly now: Date;
}

// The pacing policy pushes a held message to an opening plus a random jitter in [0, jitterMs); a
// little slack on top covers the time the dispatcher took to decide.
const SLACK_MS = 5_000;

/**
 * Why a message waits and until when, or null (not queued, or due now). Derived from the message,
 * the business's pacing and the channel's state, because the queue keeps only the time a message is
 * due: a message the dispatcher held for quiet hours or the daily cap is recognised by its due time
 * sitting at the opening the policy would have chosen.
 */
export function messageWaiting(facts: WaitingFacts): Waiting | null {
  const { message, channel, pacing, timeZone, now } = facts;
  if (message.status !== 'queued') return null;
  if (channel.pausedCause === 'manual') return { reason: 'paused', until: null };
  if (channel.pausedCause === 'removed') return { reason: 'device_removed', until: null };
  if (!channel.linked) return { reason: 'not_linked', until: null };

  const asked: WaitingReason = message.kind === 'reminder' ? 'reminder' : 'scheduled';
  if (!pacing.enabled) {
    const due = message.sendAfter.getTime() > now.getTime() ? message.sendAfter : null;
    return due ? { reason: asked, until: due } : null;
  }
  // Held a few seconds for the pace between two sends (interval plus jitter): next in line, not
  // "scheduled" (a reminder keeps its own time).
  const paceMs = pacing.minIntervalMs + pacing.jitterMs + SLACK_MS;
  const later =
    message.sendAfter.getTime() > now.getTime() &&
    (asked === 'reminder' || message.sendAfter.getTime() - now.getTime() > paceMs)
      ? message.sendAfter
      : null;

  const pushedTo = (opening: Date) =>
    later !== null &&
    later.getTime() >= opening.getTime() &&
    later.getTime() < opening.getTime() + pacing.jitterMs + SLACK_MS;
  const window = message.urgent ? null : pacing.sendingWindow;
  const openingFrom = (at: Date) =>
    window && !isWithinWindow(at, timeZone, window) ? nextWindowOpening(at, timeZone, window) : at;

  const midnight = nextLocalMidnight(now, timeZone);
  if (channel.sentToday >= dailyCapFor(pacing, channel.linkedAt, now)) {
    const resumes = openingFrom(midnight);
    if (!later || later.getTime() < midnight.getTime()) return { reason: 'daily_limit', until: resumes };
    if (pushedTo(resumes) || pushedTo(midnight)) return { reason: 'daily_limit', until: later };
  }

  if (window) {
    const due = later ?? now;
    if (!isWithinWindow(due, timeZone, window))
      return { reason: 'quiet_hours', until: nextWindowOpening(due, timeZone, window) };
    // Held overnight by the dispatcher: now is outside the window and it is due as the window opens.
    if (asked === 'scheduled' && !isWithinWindow(now, timeZone, window) && pushedTo(openingFrom(now)))
      return { reason: 'quiet_hours', until: later };
  }
  return later ? { reason: asked, until: later } : null;
}
