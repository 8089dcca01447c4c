import {
  buildStatusReport,
  nextStatusReport,
  statusReportBodies,
  type AltegioStatusCode,
  type StatusReportOptions,
} from './domain/status-report.js';
import type { FailureReason } from '../../domain/message-status.js';
import type { MessageEventSink } from '../../messages/message-event-sink.js';
import type { AltegioStore } from './altegio-store.js';

/** What an ALTEGIO message carries in its metadata (set when ALTEGIO asked us to deliver it). */
export interface AltegioMessageTag {
  /** ALTEGIO's id of the message. */
  readonly id: string;
  /** SMS parts of the text (ALTEGIO bills and reports in parts). */
  readonly parts: number;
}

export const altegioTagOf = (metadata: Record<string, unknown>): AltegioMessageTag | undefined => {
  const tag = metadata.altegio as { id?: unknown; parts?: unknown } | undefined;
  return tag && typeof tag.id === 'string'
    ? { id: tag.id, parts: typeof tag.parts === 'number' ? tag.parts : 1 }
    : undefined;
};

/** Status reports retry for a day, like webhooks. */
const REPORT_HORIZON_MS = 24 * 3_600_000;

/**
 * Turns status changes of ALTEGIO's messages into status reports (8 accepted, 4 server ack, 1
 * delivered, 2/16 failed) in the partner-call outbox, in the transaction of the change. Reports
 * only move forward (the last code per message is kept, locked while deciding).
 */
export function altegioReportSink(
  store: AltegioStore,
  options: Omit<StatusReportOptions, 'parts'>,
  wake: () => void,
): MessageEventSink {
  return {
    async record(tx, event) {
      const tag = altegioTagOf(event.metadata);
      if (!tag) return;
      const last = (await store.lastReported(event.messageId, tx)) as AltegioStatusCode | undefined;
      const code = nextStatusReport(
        last,
        event.status,
        event.status === 'failed' ? (event.reason as FailureReason | undefined) : undefined,
      );
      if (code === undefined) return;
      const url = await store.deliveryCallbackUrl(event.tenantId, tx);
      await store.setLastReported(event.messageId, code, tx);
      if (!url) return;
      const report = buildStatusReport(
        { altegioId: tag.id, extId: event.messageId, parts: tag.parts },
        code,
        {
          ...options,
          parts: 'sms',
        },
      );
      for (const body of statusReportBodies([report], options)) {
        await store.calls.enqueueCall(
          {
            tenantId: event.tenantId,
            kind: 'status_report',
            orderingKey: `report:${event.messageId}`,
            method: 'POST',
            url,
            body,
            at: event.at,
            retryUntil: new Date(event.at.getTime() + REPORT_HORIZON_MS),
          },
          tx,
        );
      }
      wake();
    },
    async recordInbound() {
      // Replies are the scheduling mode's business (confirmation by reply), not the SMS protocol's.
    },
  };
}
