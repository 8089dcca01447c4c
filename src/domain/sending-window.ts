/**
 * Local wall-clock time in a business's time zone, and its sending window ("nothing at night").
 * Pure: the instant is always passed in; time zones come from the platform's Intl data.
 */

/** Opening hours for notifications, local time "HH:MM". `end` is exclusive; it may be "24:00". A
 * window that ends before it starts runs overnight; start = end means always open. */
export interface SendingWindow {
  readonly start: string;
  readonly end: string;
}

/** Wall-clock fields of an instant in a time zone. */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** hour * 60 + minute. */
  readonly minuteOfDay: number;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for an IANA zone the platform knows ("America/Sao_Paulo", "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** True for "HH:MM" (00:00–23:59, or 24:00). */
export function isClockTime(value: string): boolean {
  return CLOCK.test(value);
}

/** "08:30" → 510 minutes after midnight. */
export function minutesOfClock(value: string): number {
  if (!CLOCK.test(value)) throw new RangeError(`not a HH:MM time: ${value}`);
  const [h, m] = value.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** The wall clock in `timeZone` at `at`. */
export function localDateTime(at: Date, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const hour = parts.hour! % 24;
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour,
    minute: parts.minute!,
    second: parts.second!,
    minuteOfDay: hour * 60 + parts.minute!,
  };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instantMs`, in ms. */
function offsetMs(instantMs: number, timeZone: string): number {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  const l = localDateTime(new Date(seconds), timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - seconds;
}

/**
 * The instant when the wall clock in `timeZone` shows the given local date and minute of day.
 * Where DST repeats an hour, the first occurrence; where DST skips it, the moment just after the
 * gap (the same distance past the gap's end as the wanted time was past its start).
 */
export function zonedTime(
  date: { year: number; month: number; day: number },
  minuteOfDay: number,
  timeZone: string,
): Date {
  const naive = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  // Offsets a day and a half either side: no zone changes offset twice within three days.
  const before = naive - offsetMs(naive - 1.5 * DAY_MS, timeZone);
  const after = naive - offsetMs(naive + 1.5 * DAY_MS, timeZone);
  const shows = (instant: number) => {
    const l = localDateTime(new Date(instant), timeZone);
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) === naive;
  };
  if (shows(before) && (!shows(after) || before <= after)) return new Date(before);
  if (shows(after)) return new Date(after);
  // In a gap: read with the offset in force before it, the time lands just past the gap.
  return new Date(before);
}

/** The local calendar date `days` after the local date of `at`. */
function localDatePlus(at: Date, timeZone: string, days: number) {
  const l = localDateTime(at, timeZone);
  const d = new Date(Date.UTC(l.year, l.month - 1, l.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Local midnight starting the day `at` falls in. */
export function startOfLocalDay(at: Date, timeZone: string): Date {
  return zonedTime(localDatePlus(at, timeZone, 0), 0, timeZone);
}

/** The next local midnight after `at`. */
export function nextLocalMidnight(at: Date, timeZone: string): Date {
  return zonedTime(localDatePlus(at, timeZone, 1), 0, timeZone);
}

/** Whether `at` falls inside the window, local time in `timeZone`. */
export function isWithinWindow(at: Date, timeZone: string, window: SendingWindow): boolean {
  const start = minutesOfClock(window.start);
  const end = minutesOfClock(window.end);
  if (start === end) return true;
  const m = localDateTime(at, timeZone).minuteOfDay;
  return start < end ? m >= start && m < end : m >= start || m < end;
}

/** `at` itself when inside the window, otherwise the moment it next opens. */
export function nextWindowOpening(at: Date, timeZone: string, window: SendingWindow): Date {
  if (isWithinWindow(at, timeZone, window)) return at;
  const start = minutesOfClock(window.start);
  const today = zonedTime(localDatePlus(at, timeZone, 0), start, timeZone);
  if (today.getTime() > at.getTime()) return today;
  return zonedTime(localDatePlus(at, timeZone, 1), start, timeZone);
}
