import { parsePhoneJid } from './jids.js';

/**
 * Why WhatsApp answered a 1:1 send with 463. The code alone does not say (Baileys names it both
 * "missing privacy token" and "reach-out timelocked"), and the answers differ:
 * - `timelock`: the account may not start new chats for a while; the whole channel holds back;
 * - `misaddressed`: the contact is one WhatsApp addresses by LID, and we wrote to its phone-number
 *   address; the same message goes again to the LID;
 * - `no_token`: the contact expects a trusted-contact token we do not have; only this message fails.
 */
export type RefusalCause = 'timelock' | 'misaddressed' | 'no_token';

export interface Refusal {
  readonly cause: RefusalCause;
  /** For `timelock`: when WhatsApp says it ends (epoch ms), if it said. */
  readonly until?: number;
  /** For `misaddressed`: the contact's LID user part, to send to instead. */
  readonly lid?: string;
}

export interface RefusalFacts {
  /** The address the refused message went to (the ack's `from`). */
  readonly address: string;
  /** The LID user part known for a phone number, if any (no network: the stored mapping only). */
  lidForPhone(phone: string): Promise<string | undefined>;
  /** Asks WhatsApp whether the account is under a reach-out timelock now. */
  fetchTimelock(): Promise<{ active: boolean; until?: number }>;
}

/**
 * Classifies one 463. WhatsApp's own answer about the timelock comes first; when it cannot be had
 * (an older server, a timeout), a send that went to a phone number whose LID is known counts as
 * misaddressed and anything else as a timelock: holding back is the safe side, as retrying into a
 * timelock deepens it.
 */
export async function classifyRefusal(facts: RefusalFacts): Promise<Refusal & { asked: boolean }> {
  const phone = parsePhoneJid(facts.address)?.phone;
  const lid = phone ? await facts.lidForPhone(phone).catch(() => undefined) : undefined;
  let timelock: { active: boolean; until?: number } | undefined;
  try {
    timelock = await facts.fetchTimelock();
  } catch {
    timelock = undefined;
  }
  if (timelock?.active)
    return { cause: 'timelock', asked: true, ...(timelock.until ? { until: timelock.until } : {}) };
  if (lid) return { cause: 'misaddressed', lid, asked: timelock !== undefined };
  return timelock ? { cause: 'no_token', asked: true } : { cause: 'timelock', asked: false };
}
