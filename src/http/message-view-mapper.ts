import type { Message, MessageEvent } from '../store/messages-repository.js';
import type { TemplateDetails } from '../messages/template-service.js';
import type { TenantPacing } from '../messages/pacing-service.js';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** A message as the API shows it: phones with '+', times in ISO 8601. */
export function toMessageView(m: Message) {
  return {
    id: m.id,
    channelId: m.channelId,
    to: `+${m.toPhone}`,
    status: m.status,
    failureReason: m.failureReason,
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
  };
}

export function toMessageEventView(e: MessageEvent) {
  return {
    status: e.status,
    reason: e.reason,
    errorCode: e.errorCode,
    details: e.details,
    at: e.at.toISOString(),
  };
}

export function toTemplateView({ template, variables }: TemplateDetails) {
  return {
    name: template.name,
    language: template.language,
    body: template.body,
    variables,
    createdAt: template.createdAt.toISOString(),
    updatedAt: template.updatedAt.toISOString(),
  };
}

export function toPacingView(p: TenantPacing) {
  return { settings: p.settings, overrides: p.overrides, timeZone: p.timeZone };
}
