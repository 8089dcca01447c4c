import type { Message, MessageEvent } from '../store/messages-repository.js';
import type { TemplateDetails } from '../messages/template-service.js';
import type { TenantPacing } from '../messages/pacing-service.js';
import type { WaitingView } from '../messages/message-waiting-service.js';
import type { MessageEventView, MessageView, PacingView, TemplateView } from './view-schemas.js';

/** A time as the API and the pages show it (ISO 8601): a stored date or epoch ms, null kept. */
export function iso(value: Date | number): string;
export function iso(value: Date | number | null): string | null;
export function iso(value: Date | number | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** Why a queued message waits and until when (the time in ISO 8601 and the business's zone to read it in). */
export function toWaitingView(w: WaitingView | undefined) {
  return w ? { reason: w.reason, until: iso(w.until), timeZone: w.timeZone } : null;
}

/**
 * A message as the API shows it: phones with '+', times in ISO 8601. `waiting` is given where it
 * was worked out (reads); a queued message with none is due now.
 */
export function toMessageView(m: Message, waiting?: WaitingView | null): MessageView {
  return {
    id: m.id,
    channelId: m.channelId,
    to: `+${m.toPhone}`,
    status: m.status,
    failureReason: m.failureReason,
    failureDetail: m.failureDetail,
    errorCode: m.errorCode,
    text: m.body,
    template: m.templateName ? { name: m.templateName, language: m.templateLanguage } : null,
    priority: m.priority,
    urgent: m.urgent,
    sendAfter: m.sendAfter.toISOString(),
    expiresAt: iso(m.expiresAt),
    attempts: m.attempts,
    idempotencyKey: m.idempotencyKey,
    metadata: m.metadata,
    waMessageId: m.waMessageId,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
    readAt: iso(m.readAt),
    failedAt: iso(m.failedAt),
    ...(waiting === undefined ? {} : { waiting: toWaitingView(waiting ?? undefined) }),
  };
}

export function toMessageEventView(e: MessageEvent): MessageEventView {
  return {
    status: e.status,
    reason: e.reason,
    errorCode: e.errorCode,
    details: e.details,
    at: e.at.toISOString(),
  };
}

export function toTemplateView({ template, variables }: TemplateDetails): TemplateView {
  return {
    name: template.name,
    language: template.language,
    body: template.body,
    variables,
    createdAt: template.createdAt.toISOString(),
    updatedAt: template.updatedAt.toISOString(),
  };
}

export function toPacingView(p: TenantPacing): PacingView {
  return { settings: p.settings, overrides: p.overrides, timeZone: p.timeZone };
}
