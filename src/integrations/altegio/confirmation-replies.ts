import type { AltegioSchedulerOptions, StoredAltegioSettings } from './altegio-scheduler.js';
import {
  attendanceForReply,
  appointmentForReply,
  classifyReply,
  resolveReplyWords,
} from './domain/confirmation-reply.js';
import { recordUrl } from './domain/partner-api.js';
import type { InboundReply } from '../../messages/message-event-sink.js';
import type { Queryable } from '../../store/database.js';

/**
 * In the transaction that stores a client's text: a "+" or "-" to a prompted visit becomes a
 * stored reply and an attendance update in the partner-call outbox (the sender is woken); anything
 * else stays an ordinary inbound message.
 */
export async function recordConfirmationReply(
  o: AltegioSchedulerOptions,
  tx: Queryable,
  reply: InboundReply,
): Promise<void> {
  const installs = await o.store.installsOfTenant(reply.tenantId, tx);
  if (!installs.some((i) => i.state === 'active' || i.state === 'pending')) return;
  const stored = (await o.schedule.settings(reply.tenantId, tx)) as StoredAltegioSettings;
  const words = resolveReplyWords(stored.replies ?? {});
  const intent = classifyReply(reply.text, words);
  if (intent === 'other') return;
  const now = o.clock.now();
  const candidates = await o.schedule.promptedAppointments(reply.tenantId, reply.fromPhone, now, tx);
  const recordId = appointmentForReply(candidates, now);
  const target = candidates.find((c) => c.recordId === recordId);
  if (!target) return;
  await o.schedule.addReply(
    { inboundId: reply.inboundId, tenantId: reply.tenantId, recordId: target.recordId, intent },
    now,
    tx,
  );
  const attendance = attendanceForReply(intent, stored.replies?.cancelAction ?? 'no_show');
  if (attendance !== undefined) {
    await o.store.calls.enqueueCall(
      {
        tenantId: reply.tenantId,
        kind: 'attendance',
        orderingKey: `record:${target.recordId}`,
        method: 'PUT',
        url: recordUrl(o.config.restUrl, target.companyId, target.recordId),
        body: { attendance },
        at: now,
        retryUntil: new Date(Math.max(target.startsAt.getTime(), now.getTime() + 3_600_000)),
      },
      tx,
    );
    o.wakeSender();
  }
}
