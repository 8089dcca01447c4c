import type { FailureDetail, FailureReason } from '../domain/message-status.js';
import type { MessageFailure } from '../domain/message.js';

// The lifecycle's failure (domain/message.ts), named here for the dispatcher's imports.
export type { FailureDetail, FailureReason, MessageFailure };
