/**
 * What a linked-device session does when its connection closes. WhatsApp's close codes (as surfaced
 * by Baileys) decide between: restart at once (515 after pairing), retry with backoff (transient
 * losses), or stop for good (unlinked, replaced by another connection, QR codes ran out). Pure.
 */

/** Why the session will retry; reported on the `reconnecting` state. */
export type ReconnectCause =
  | 'connection_closed' // 428: socket closed, TCP drop
  | 'connection_lost' // 408: no frame from the server within the keep-alive window
  | 'timed_out' // 408 for any other reason (e.g. a pre-key upload timed out)
  | 'service_unavailable' // 503
  | 'server_error' // other 5xx, including 500 "bad session"
  | 'restart_loop' // 515 repeated without ever opening: treated as a failure, with backoff
  | 'version_refused' // 405: WhatsApp no longer accepts this client version; updated, then retried
  | 'unknown'; // no status code, or one we do not recognise

/** Why the device is no longer linked; never retried. */
export type RemovalReason =
  | 'device_removed' // the phone unlinked this device (stream error 401)
  | 'login_refused' // the server refused to log the device in (failure 401): unlinked meanwhile
  | 'logged_out' // this side logged out
  | 'forbidden'; // 403 (account banned or blocked) and other unauthorised codes

export type CloseDecision =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'restart' }
  | { readonly kind: 'reconnect'; readonly cause: ReconnectCause }
  | { readonly kind: 'removed'; readonly reason: RemovalReason }
  | { readonly kind: 'replaced' }
  | { readonly kind: 'qr_expired' };

export interface CloseFacts {
  /** Status code of the close error (Baileys' Boom `output.statusCode`), if any. */
  readonly statusCode: number | undefined;
  /** Message of the close error, if any (distinguishes the two kinds of 408). */
  readonly message: string | undefined;
  /** This side asked for the close (stop, logout, socket recycling). */
  readonly requestedByUs: boolean;
  /** 515 restarts in a row since the last successful open. */
  readonly restartsWithoutOpen: number;
}

/** 515 after pairing is expected once; a server that keeps asking is treated as failing. */
export const MAX_RESTARTS_WITHOUT_OPEN = 3;

// Baileys: `new Boom('QR refs attempts ended', { statusCode: 408 })` when every QR ref was shown.
const QR_REFS_ENDED = 'QR refs attempts ended';

/** Decides the session's next step after its connection closed. */
export function decideOnClose(facts: CloseFacts): CloseDecision {
  if (facts.requestedByUs) return { kind: 'stopped' };
  const code = facts.statusCode;
  const message = facts.message ?? '';
  switch (code) {
    case 515:
      return facts.restartsWithoutOpen >= MAX_RESTARTS_WITHOUT_OPEN
        ? { kind: 'reconnect', cause: 'restart_loop' }
        : { kind: 'restart' };
    case 401:
      return { kind: 'removed', reason: removalReasonFor401(message) };
    case 403:
    case 419:
      return { kind: 'removed', reason: 'forbidden' };
    case 440:
      return { kind: 'replaced' };
    case 408:
      if (message.includes(QR_REFS_ENDED)) return { kind: 'qr_expired' };
      return {
        kind: 'reconnect',
        cause: message.includes('Connection was lost') ? 'connection_lost' : 'timed_out',
      };
    case 428:
      return { kind: 'reconnect', cause: 'connection_closed' };
    case 405:
      return { kind: 'reconnect', cause: 'version_refused' };
    case 503:
      return { kind: 'reconnect', cause: 'service_unavailable' };
    case undefined:
      return { kind: 'reconnect', cause: 'unknown' };
    default:
      if (code >= 500 && code <= 599) return { kind: 'reconnect', cause: 'server_error' };
      return { kind: 'reconnect', cause: 'unknown' };
  }
}

function removalReasonFor401(message: string): RemovalReason {
  // Baileys: "Stream Errored (conflict)" for <stream:error code=401>, "Connection Failure" for
  // <failure reason=401>, "Intentional Logout" after sock.logout().
  if (message.startsWith('Connection Failure')) return 'login_refused';
  if (message.startsWith('Intentional Logout')) return 'logged_out';
  return 'device_removed';
}
