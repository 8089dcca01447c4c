import type { WASocket } from 'baileys';
import type { Logger } from 'pino';
import { parseNewChatCap, type NewChatCap } from './new-chat-cap.js';
import { classifyRefusal, type Refusal } from './refusal-cause.js';

/** How long a question about the account (timelock, new-chat cap) waits for WhatsApp's answer. */
const ACCOUNT_QUERY_MS = 10_000;

async function withTimeout<T>(answer: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), ACCOUNT_QUERY_MS);
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the account is under WhatsApp's reach-out timelock now, and until when (epoch ms). */
export async function fetchTimelock(sock: WASocket): Promise<{ active: boolean; until?: number }> {
  const state = await withTimeout(sock.fetchAccountReachoutTimelock(), 'timelock query');
  const until = state.timeEnforcementEnds?.getTime();
  return { active: state.isActive === true, ...(until ? { until } : {}) };
}

/** The account's monthly new-chat cap as WhatsApp says it now (undefined: nothing usable). */
export async function fetchNewChatCap(sock: WASocket): Promise<NewChatCap | undefined> {
  return parseNewChatCap(await withTimeout(sock.fetchNewChatMessageCap(), 'capping query'));
}

/** Why a 463 to `address` happened: asks WhatsApp about the timelock, looks up the LID. */
export async function refusalOf(
  sock: WASocket,
  address: string,
  lidForPhone: (phone: string) => Promise<string | undefined>,
  log: Logger,
): Promise<Refusal> {
  const { asked, ...refusal } = await classifyRefusal({
    address,
    lidForPhone,
    fetchTimelock: () => fetchTimelock(sock),
  });
  if (!asked) log.warn({ address }, 'could not ask WhatsApp about a 463; holding back as for a timelock');
  return refusal;
}

/**
 * What WhatsApp tells the device about its account's limits, unasked: the reach-out timelock
 * starting or ending, and the monthly new-chat cap. `isCurrent` drops a replaced socket's events.
 */
export function watchAccountLimits(
  sock: WASocket,
  isCurrent: () => boolean,
  hear: {
    timelock(state: { active: boolean; until?: number }): void;
    cap(cap: NewChatCap): void;
  },
): void {
  sock.ev.on('connection.update', ({ reachoutTimeLock }) => {
    if (!reachoutTimeLock || !isCurrent()) return;
    const { isActive, timeEnforcementEnds } = reachoutTimeLock;
    const until = timeEnforcementEnds?.getTime();
    hear.timelock({ active: isActive === true, ...(isActive && until ? { until } : {}) });
  });
  sock.ev.on('message-capping.update', (info) => {
    const cap = isCurrent() ? parseNewChatCap(info) : undefined;
    if (cap) hear.cap(cap);
  });
}
