import type { NewChatMessageCapInfo } from 'baileys';

/**
 * WhatsApp's monthly cap on new chats (2026): a quota of first contacts per cycle, announced to
 * the device (`MessageCappingInfoNotification`) and queryable. Warm contacts are not counted.
 */
export interface NewChatCap {
  readonly status: 'none' | 'first_warning' | 'second_warning' | 'capped';
  readonly total?: number;
  readonly used?: number;
  /** When the cycle ends and the quota starts again (epoch ms), if WhatsApp said. */
  readonly cycleEndsAt?: number;
}

const STATUSES: Record<string, NewChatCap['status']> = {
  NONE: 'none',
  FIRST_WARNING: 'first_warning',
  SECOND_WARNING: 'second_warning',
  CAPPED: 'capped',
};

/** WhatsApp's capping payload as the driver reports it; undefined when it says nothing usable. */
export function parseNewChatCap(info: NewChatMessageCapInfo | undefined): NewChatCap | undefined {
  if (!info) return undefined;
  const total = wholeNumber(info.total_quota);
  const used = wholeNumber(info.used_quota);
  const ends = wholeNumber(Number(info.cycle_end_timestamp));
  let status = info.capping_status ? STATUSES[info.capping_status] : undefined;
  // A count at or beyond the quota is the cap, whatever the status field says (or if it is absent).
  if (total !== undefined && used !== undefined && used >= total) status = 'capped';
  if (!status) return undefined;
  return {
    status,
    ...(total !== undefined ? { total } : {}),
    ...(used !== undefined ? { used } : {}),
    ...(ends ? { cycleEndsAt: ends * 1000 } : {}),
  };
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
