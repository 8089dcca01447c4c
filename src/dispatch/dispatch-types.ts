import type { FailureReason } from '../domain/message-status.js';

export type { FailureReason };

export interface MessageFailure {
  readonly reason: FailureReason;
  readonly errorCode?: number;
}
