import type { FailureDetail, FailureReason } from '../domain/message-status.js';

export type { FailureDetail, FailureReason };

export interface MessageFailure {
  readonly reason: FailureReason;
  /** What the reason alone does not say (a 463's cause, why a first contact was held back). */
  readonly detail?: FailureDetail;
  readonly errorCode?: number;
  /** Stored with the failure event (e.g. until when a restriction lasts). */
  readonly details?: Record<string, unknown>;
}
