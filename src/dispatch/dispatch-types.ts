/** Why a message failed, as the CRM sees it. */
export type FailureReason =
  | 'invalid_number'
  | 'not_on_whatsapp'
  | 'restricted'
  | 'expired'
  | 'cancelled'
  | 'channel_removed'
  | 'rejected';

export interface MessageFailure {
  readonly reason: FailureReason;
  readonly errorCode?: number;
}
