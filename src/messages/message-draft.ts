import type { CountryCode } from 'libphonenumber-js';
import { AppError } from '../domain/errors.js';
import { MESSAGE_TEXT_MAX_LENGTH, type Priority } from '../domain/message-status.js';
import { normalisePhoneNumber } from '../domain/phone-numbers.js';
import { canonicalLanguage, renderTemplate, type TemplateValues } from '../domain/templates.js';
import type { NewMessage } from '../store/messages-repository.js';
import type { MessageTemplate } from '../store/templates-repository.js';
import { requestFingerprint } from './request-fingerprint.js';

/** A notification to accept: a text, or a template rendered with variables. */
export interface AcceptInput {
  /** The recipient, in any common format (normalised to E.164). */
  readonly to: string;
  /** Omitted: the business's first channel. */
  readonly channelId?: string | undefined;
  readonly text?: string | undefined;
  /** A template name; with `variables` and optionally `language`. */
  readonly template?: string | undefined;
  readonly language?: string | undefined;
  readonly variables?: TemplateValues | undefined;
  /** A repeat with the same key returns the first message (see `keyReuse` for a different one). */
  readonly idempotencyKey?: string | undefined;
  /**
   * The key repeated with a different message: 'conflict' refuses it (409, Stripe's rule: what the
   * API does); 'first' (the default) returns the first message, for internal callers whose keys
   * are their own ids and whose retry may render differently (an edited template) but must not fail.
   */
  readonly keyReuse?: 'conflict' | 'first' | undefined;
  readonly sendAfter?: Date | undefined;
  readonly expiresAt?: Date | undefined;
  readonly priority?: Priority | undefined;
  /** May go outside the sending window (at night). */
  readonly urgent?: boolean | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
}

const invalid = (field: string, message: string): AppError =>
  new AppError('invalid_input', `${field}: ${message}`, { details: { field } });

/**
 * Checks and renders what a business asked to send into the message accept stores: the phone
 * normalised (a national number in the business's country), text or template (rendered now), times,
 * and the fingerprint that tells a repeated idempotency key from a reused one. A bad input throws
 * `invalid_input` naming its field, before anything is written.
 */
export async function draftMessage(
  input: AcceptInput,
  now: Date,
  from: {
    /** The business's country, for numbers written without a country code. */
    readonly country: () => Promise<CountryCode | undefined>;
    readonly template: (name: string, language: string | undefined) => Promise<MessageTemplate | undefined>;
  },
): Promise<NewMessage> {
  // A number without '+' may be national ("(11) 98765-4321" for a São Paulo business).
  const country = input.to.trim().startsWith('+') ? undefined : await from.country();
  const toPhone = normalisePhoneNumber(input.to, 'to', country);
  const hasText = input.text !== undefined;
  const hasTemplate = input.template !== undefined;
  if (hasText && hasTemplate) throw invalid('template', 'give either text or a template, not both.');
  if (!hasText && !hasTemplate) throw invalid('text', 'give the text, or a template and its variables.');

  const sendAfter = input.sendAfter ?? now;
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) throw invalid('expiresAt', 'must be in the future.');
  if (expiresAt && expiresAt.getTime() <= sendAfter.getTime())
    throw invalid('expiresAt', 'must be after sendAfter.');

  let body: string;
  let templateName: string | null = null;
  let templateLanguage: string | null = null;
  if (hasTemplate) {
    const language = input.language === undefined ? undefined : canonicalLanguage(input.language);
    if (input.language !== undefined && !language)
      throw invalid('language', 'not a language tag such as pt-BR.');
    const template = await from.template(input.template, language);
    if (!template) {
      throw invalid(
        'template',
        `no template "${input.template}"${input.language ? ` in ${input.language}` : ''}.`,
      );
    }
    body = renderTemplate(template.body, input.variables ?? {});
    templateName = template.name;
    templateLanguage = template.language;
  } else {
    body = input.text!;
  }
  if (body.trim() === '') throw invalid(hasTemplate ? 'template' : 'text', 'the message would be empty.');
  if (body.length > MESSAGE_TEXT_MAX_LENGTH)
    throw invalid(hasTemplate ? 'variables' : 'text', `at most ${MESSAGE_TEXT_MAX_LENGTH} characters.`);

  const key = input.idempotencyKey?.trim();
  const priority = input.priority ?? 'transactional';
  const urgent = input.urgent ?? false;
  const metadata = input.metadata ?? {};
  return {
    channelId: input.channelId ?? null,
    toPhone,
    body,
    templateName,
    templateLanguage,
    priority,
    urgent,
    sendAfter,
    expiresAt,
    idempotencyKey: key ? key : null,
    // What was asked, normalised (not what it rendered to: an edited template is not a new request).
    requestFingerprint: key
      ? requestFingerprint({
          to: toPhone,
          channelId: input.channelId ?? null,
          text: input.text ?? null,
          template: input.template ?? null,
          language: input.language === undefined ? null : canonicalLanguage(input.language),
          variables: input.variables ?? null,
          sendAfter: input.sendAfter ?? null,
          expiresAt,
          priority,
          urgent,
          metadata,
        })
      : null,
    metadata,
  };
}
