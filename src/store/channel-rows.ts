import {
  NEW_CHAT_CAP_STATES,
  type ChannelStatus,
  type LinkMode,
  type NewChatCapFacts,
  type RestrictionCause,
  type StatusCause,
} from '../domain/channel-status.js';

/**
 * A channel as the repository hands it out, and its row in the channels table: the mapping between
 * the two (dates, the stored new-chat cap, the restriction's cause), apart from the SQL that reads
 * and writes the rows (channels-repository.ts).
 */

export interface Channel {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly linkMode: LinkMode;
  readonly status: ChannelStatus;
  readonly statusCause: StatusCause | null;
  readonly statusChangedAt: Date;
  readonly phone: string | null;
  readonly pairingPhone: string | null;
  readonly platform: string | null;
  readonly business: boolean | null;
  readonly linkedAt: Date | null;
  readonly createdAt: Date;
  /** A paused channel keeps its queue but sends nothing. */
  readonly paused: boolean;
  readonly pausedCause: PausedCause | null;
  readonly pausedAt: Date | null;
  /** After a 463 (reach-out timelock): no messages to new contacts until then. */
  readonly restrictedUntil: Date | null;
  /** What the restriction is (null: none, or one stored before migration 013: the timelock). */
  readonly restrictedBy: RestrictionCause | null;
  /** WhatsApp's monthly new-chat cap as it last said (null: it never said). */
  readonly newChatCap: NewChatCapFacts | null;
}

/** Who paused a channel's queue: the business, or the phone removing the linked device. */
export type PausedCause = 'manual' | 'removed';

export interface ChannelRow {
  id: string;
  tenant_id: string;
  name: string;
  link_mode: LinkMode;
  status: ChannelStatus;
  status_cause: StatusCause | null;
  status_changed_at: Date;
  phone: string | null;
  pairing_phone: string | null;
  platform: string | null;
  business: boolean | null;
  linked_at: Date | null;
  created_at: Date;
  paused: boolean;
  paused_cause: PausedCause | null;
  paused_at: Date | null;
  restricted_until: Date | null;
  /** Absent on rows read before migration 013. */
  restricted_by?: string | null;
  new_chat_cap?: StoredNewChatCap | string | null;
}

/** new_chat_cap as stored (jsonb): times in ISO 8601. */
interface StoredNewChatCap {
  state: string;
  used: number | null;
  quota: number | null;
  resetsAt: string | null;
  updatedAt: string;
}

export const toStoredCap = (cap: NewChatCapFacts): string =>
  JSON.stringify({
    state: cap.state,
    used: cap.used,
    quota: cap.quota,
    resetsAt: cap.resetsAt?.toISOString() ?? null,
    updatedAt: cap.updatedAt.toISOString(),
  } satisfies StoredNewChatCap);

function fromStoredCap(value: StoredNewChatCap | string | null | undefined): NewChatCapFacts | null {
  const cap = typeof value === 'string' ? (JSON.parse(value) as StoredNewChatCap) : value;
  if (!cap || !(NEW_CHAT_CAP_STATES as readonly string[]).includes(cap.state)) return null;
  return {
    state: cap.state as NewChatCapFacts['state'],
    used: typeof cap.used === 'number' ? cap.used : null,
    quota: typeof cap.quota === 'number' ? cap.quota : null,
    resetsAt: cap.resetsAt ? new Date(cap.resetsAt) : null,
    updatedAt: new Date(cap.updatedAt),
  };
}

const RESTRICTION_CAUSES: readonly string[] = ['reach_out_timelock', 'new_chats_capped'];

/** What a stored restriction is: none without an end, and only the causes this version knows. */
export const restrictionOf = (
  row: Pick<ChannelRow, 'restricted_until' | 'restricted_by'>,
): RestrictionCause | null =>
  row.restricted_until && RESTRICTION_CAUSES.includes(row.restricted_by ?? '')
    ? (row.restricted_by as RestrictionCause)
    : null;

export const toChannel = (row: ChannelRow): Channel => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  linkMode: row.link_mode,
  status: row.status,
  statusCause: row.status_cause,
  statusChangedAt: new Date(row.status_changed_at),
  phone: row.phone,
  pairingPhone: row.pairing_phone,
  platform: row.platform,
  business: row.business,
  linkedAt: row.linked_at ? new Date(row.linked_at) : null,
  createdAt: new Date(row.created_at),
  paused: row.paused,
  pausedCause: row.paused_cause,
  pausedAt: row.paused_at ? new Date(row.paused_at) : null,
  restrictedUntil: row.restricted_until ? new Date(row.restricted_until) : null,
  restrictedBy: restrictionOf(row),
  newChatCap: fromStoredCap(row.new_chat_cap),
});

export interface ChannelEvent {
  readonly id: number;
  readonly status: ChannelStatus;
  readonly cause: StatusCause | null;
  readonly at: Date;
}

/** A channel_events row (or the same fields as JSON, where `at` arrives as text). */
export interface ChannelEventRow {
  id: string | number;
  status: ChannelStatus;
  cause: StatusCause | null;
  at: Date | string;
}

export const toChannelEvent = (row: ChannelEventRow): ChannelEvent => ({
  id: Number(row.id),
  status: row.status,
  cause: row.cause,
  at: new Date(row.at),
});
