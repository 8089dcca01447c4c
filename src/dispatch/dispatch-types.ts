import type { FailureReason } from '../domain/message-status.js';

export type { FailureReason };

export interface MessageFailure {
  readonly reason: FailureReason;
  readonly errorCode?: number;
  /** Stored with the failure event (e.g. until when a restriction lasts). */
  readonly details?: Record<string, unknown>;
}
