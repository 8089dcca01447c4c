/**
 * Message-status writes under the fence of the channel that reported them (several nodes): a batch
 * of acks and receipts is recorded in one transaction that first share-locks the lease rows this
 * node holds with the fences it holds them under; a report about a message whose channel is not
 * among them (the lease moved to another node, or this node never held it) is dropped, never
 * written over the new holder's record. The new holder hears the same receipts itself.
 */
import type { Logger } from 'pino';
import type { InboundToRecord, ReportedStatus } from '../dispatch/dispatch-store.js';
import type { WriteFence } from '../store/channels-repository.js';
import type { Database, Queryable } from '../store/database.js';
import type { HeldLease } from './channel-leases.js';

/** The recorder's write (dispatch/status-recorder.ts), taking the caller's transaction. */
export interface StatusWrites {
  markStatuses(reports: readonly ReportedStatus[], tx?: Queryable): Promise<unknown>;
  /** An inbound text, written only while `fence` is still the channel's lease (checked in its transaction). */
  recordInbound(input: InboundToRecord, fence?: WriteFence): Promise<unknown>;
}

/** Reports kept and dropped by one fenced write. */
export interface FencedOutcome {
  readonly written: number;
  readonly refused: readonly string[];
}

export async function markStatusesFenced(
  db: Database,
  recorder: StatusWrites,
  reports: readonly ReportedStatus[],
  held: readonly HeldLease[],
  logger?: Logger,
): Promise<FencedOutcome> {
  if (reports.length === 0) return { written: 0, refused: [] };
  return db.transaction(async (tx) => {
    const stale = await tx.query<{ wa_message_id: string }>(
      `with current_leases as (
         select l.channel_id from channel_leases l
           join unnest($2::text[], $3::bigint[]) as h(channel_id, fence)
             on h.channel_id = l.channel_id and h.fence = l.fence
           for share of l)
       select m.wa_message_id from messages m
        where m.wa_message_id = any($1::text[])
          and m.channel_id not in (select channel_id from current_leases)`,
      [reports.map((r) => r.waMessageId), held.map((h) => h.channelId), held.map((h) => h.fence.toString())],
    );
    const refused = new Set(stale.map((row) => row.wa_message_id));
    const kept = reports.filter((r) => !refused.has(r.waMessageId));
    if (refused.size)
      logger?.warn(
        { refused: refused.size },
        'status reports under a lease no longer held here: not written',
      );
    await recorder.markStatuses(kept, tx);
    return { written: kept.length, refused: [...refused] };
  });
}
