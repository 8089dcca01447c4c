/**
 * ALTEGIO's SMS-provider protocol, outbound side: the delivery status reports we POST to the
 * request's `delivery_callback_url`. Maps our message statuses to ALTEGIO's codes, decides which
 * reports to send (never backwards), and builds the bodies.
 */
import type { FailureReason, MessageStatus } from '../../../domain/message-status.js';

/** ALTEGIO's status codes. */
export const ALTEGIO_STATUS = Object.freeze({
  DELIVERED: 1,
  NOT_DELIVERED: 2,
  SENT: 4,
  TRANSFERRED: 8,
  REJECTED: 16,
  NO_FUNDS: 52,
});

export type AltegioStatusCode = (typeof ALTEGIO_STATUS)[keyof typeof ALTEGIO_STATUS];

/**
 * Failures reported as 16 "rejected by operator" rather than 2 "not delivered": the message was
 * refused by a rule — WhatsApp's 463 (`restricted`) or another WhatsApp refusal (`rejected`), or a
 * cancellation on our side (`cancelled`). Everything else (`not_on_whatsapp`, `invalid_number`,
 * `expired`, `channel_removed`) is 2: the message simply did not get through.
 */
export const POLICY_FAILURES: readonly FailureReason[] = ['restricted', 'rejected', 'cancelled'];

/**
 * The ALTEGIO code for one of our statuses: queued → 8 (accepted), sent → 4 (server ack), delivered
 * and read → 1, failed → 2 or 16 (see POLICY_FAILURES). `sending` has no code of its own (8 has been
 * reported at acceptance).
 */
export function altegioStatusFor(
  status: MessageStatus,
  reason?: FailureReason,
): AltegioStatusCode | undefined {
  switch (status) {
    case 'queued':
      return ALTEGIO_STATUS.TRANSFERRED;
    case 'sending':
      return undefined;
    case 'sent':
      return ALTEGIO_STATUS.SENT;
    case 'delivered':
    case 'read':
      return ALTEGIO_STATUS.DELIVERED;
    case 'failed':
      return reason !== undefined && POLICY_FAILURES.includes(reason)
        ? ALTEGIO_STATUS.REJECTED
        : ALTEGIO_STATUS.NOT_DELIVERED;
  }
}

/** 8 → 4 → final (1, 2, 16, 52): a report is sent only when it moves forward. */
function stage(code: AltegioStatusCode): number {
  if (code === ALTEGIO_STATUS.TRANSFERRED) return 0;
  if (code === ALTEGIO_STATUS.SENT) return 1;
  return 2;
}

/** True for the codes after which nothing more is reported. */
export function isFinalAltegioStatus(code: AltegioStatusCode): boolean {
  return stage(code) === 2;
}

/**
 * The report to send when our message reaches `status`, given the last code ALTEGIO was sent
 * (undefined: none yet), or undefined to send nothing. Reports only move forward: never 8 after 4,
 * nothing after a final code (1, 2, 16, 52), no repeats; a skipped stage is not back-filled (a
 * message reported 8 that is delivered before its ack is reported 1 directly).
 */
export function nextStatusReport(
  lastReported: AltegioStatusCode | undefined,
  status: MessageStatus,
  reason?: FailureReason,
): AltegioStatusCode | undefined {
  const code = altegioStatusFor(status, reason);
  if (code === undefined) return undefined;
  if (lastReported === undefined) return code;
  return stage(code) > stage(lastReported) ? code : undefined;
}

/** How reports are shaped (altegio.md: the documented body is a JSON array, the id ALTEGIO's). */
export interface StatusReportOptions {
  /** `altegio`: ALTEGIO's own message id (default, as documented); `ours`: the `ext_id` we answered with. */
  readonly reportId: 'altegio' | 'ours';
  /**
   * `list`: a JSON array of reports, as ALTEGIO documents (default); `object`: one bare object per
   * POST, kept only for a receiver that wants it (ALTEGIO's documented endpoint does not).
   */
  readonly body: 'object' | 'list';
  /** ISO 4217 code sent with the (always zero) price. */
  readonly currencyIso: string;
  /** `sms`: parts counted as an SMS of the same text would be (default); `one`: always 1. */
  readonly parts: 'sms' | 'one';
}

export const DEFAULT_STATUS_REPORT_OPTIONS: StatusReportOptions = Object.freeze({
  reportId: 'altegio',
  body: 'list',
  currencyIso: 'USD',
  parts: 'sms',
});

/** One status report as ALTEGIO reads it. */
export interface StatusReport {
  readonly id: string;
  readonly status: AltegioStatusCode;
  readonly payment_sum: number;
  readonly currency_iso: string;
  readonly parts_amount: number;
}

// The GSM 03.38 default alphabet, and its extension table (each extension character costs two septets).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

/**
 * How many SMS parts the text would take: GSM-7 when every character is in the GSM alphabet (160 per
 * single message, 153 per part when split; extension characters count twice), otherwise UCS-2 (70,
 * or 67 per part, counted in UTF-16 code units). An empty text is one part.
 */
export function smsParts(text: string): number {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (GSM_BASIC.includes(char)) septets += 1;
    else if (GSM_EXTENDED.includes(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  const units = text.length;
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

/** The message a report is about. */
export interface ReportedMessage {
  readonly altegioId: string;
  /** Our message id (the `ext_id` in the answer). */
  readonly extId: string;
  /** The text, or its SMS parts counted already (at accept time, when the report comes later). */
  readonly text?: string;
  readonly parts?: number;
}

/** One report body; the price is always 0 (WhatsApp costs the business nothing per message). */
export function buildStatusReport(
  message: ReportedMessage,
  code: AltegioStatusCode,
  options: StatusReportOptions = DEFAULT_STATUS_REPORT_OPTIONS,
): StatusReport {
  return {
    id: options.reportId === 'altegio' ? message.altegioId : message.extId,
    status: code,
    payment_sum: 0,
    currency_iso: options.currencyIso,
    parts_amount: options.parts === 'one' ? 1 : (message.parts ?? smsParts(message.text ?? '')),
  };
}

/**
 * The POST bodies for a set of reports bound for the same callback URL: one list with all of them
 * (the default), or one bare object each (an empty set: no bodies).
 */
export function statusReportBodies(
  reports: readonly StatusReport[],
  options: Pick<StatusReportOptions, 'body'> = DEFAULT_STATUS_REPORT_OPTIONS,
): Array<StatusReport | StatusReport[]> {
  if (reports.length === 0) return [];
  return options.body === 'list' ? [[...reports]] : [...reports];
}
