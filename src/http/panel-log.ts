import { AppError } from '../domain/errors.js';
import { MESSAGE_STATUSES, type MessageStatus } from '../domain/message-status.js';
import { normalisePhoneNumber } from '../domain/phone-numbers.js';
import { countryOfTimeZone } from '../domain/time-zone-country.js';
import type { MessagePage } from '../messages/message-service.js';
import type { WaitingView } from '../messages/message-waiting-service.js';
import type { Message } from '../store/messages-repository.js';
import type { MessageRowView } from '../web/assets/views.js';
import type { GatewayContext } from './gateway-context.js';
import { iso } from './message-view-mapper.js';

/** The log's status filter: a message status, or `scheduled` (queued for a later time). */
export const LOG_FILTERS = [...MESSAGE_STATUSES, 'scheduled'] as const;

export interface LogQuery {
  phone?: string | undefined;
  status?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** One page of a channel's log; empty filters are no filters, an unknown status is a 400 naming it. */
export async function logPage(
  ctx: GatewayContext,
  tenantId: string,
  channelId: string,
  q: LogQuery,
): Promise<MessagePage> {
  if (q.status && !(LOG_FILTERS as readonly string[]).includes(q.status))
    throw new AppError('invalid_input', `status: one of ${LOG_FILTERS.join(', ')}.`, {
      details: { field: 'status' },
    });
  const scheduled = q.status === 'scheduled';
  const typed = q.phone?.trim() || undefined;
  // A number written as it is dialled at home ("(11) 98765-4321") is the business's country's.
  const phone =
    typed &&
    normalisePhoneNumber(typed, 'phone', countryOfTimeZone((await ctx.tenants.get(tenantId)).timeZone));
  return ctx.messages.list(tenantId, {
    channelId,
    phone,
    status: (scheduled ? undefined : q.status || undefined) as MessageStatus | undefined,
    scheduled,
    cursor: q.cursor || undefined,
    limit: q.limit,
  });
}

/** The log's rows, each queued one with why it waits and until when. */
export async function logRows(
  ctx: GatewayContext,
  tenantId: string,
  messages: Message[],
): Promise<MessageRowView[]> {
  const waiting = await ctx.waiting?.of(tenantId, messages);
  return messages.map((m) => toMessageRow(m, waiting?.get(m.id)));
}

/** A message as the panel's log shows it: no metadata, ids or idempotency keys it does not need. */
export function toMessageRow(m: Message, waiting: WaitingView | undefined): MessageRowView {
  return {
    waiting: waiting
      ? {
          reason: waiting.reason,
          until: iso(waiting.until),
          timeZone: waiting.timeZone,
          timeOnly: waiting.timeOnly,
        }
      : null,
    id: m.id,
    to: `+${m.toPhone}`,
    text: m.body,
    status: m.status,
    failureReason: m.failureReason,
    failureDetail: m.failureDetail,
    errorCode: m.errorCode,
    createdAt: m.createdAt.toISOString(),
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
    readAt: iso(m.readAt),
    failedAt: iso(m.failedAt),
  };
}
