/**
 * The project's single error type. `code` is stable and machine-readable (the HTTP edge maps it to a
 * status); `publicMessage` may be shown to users; `message` is for logs and may hold internals.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'invalid_phone'
  | 'session_not_open'
  | 'session_stopped'
  | 'already_linked'
  | 'pairing_code_unavailable'
  | 'whatsapp_unavailable'
  | 'whatsapp_send_failed'
  | 'whatsapp_query_failed'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'link_gone'
  | 'not_ready'
  | 'conflict'
  | 'rate_limited'
  | 'payload_too_large'
  | 'database_unavailable'
  | 'internal';

export interface AppErrorOptions {
  /** Structured, non-secret context for logs and API error bodies. */
  details?: Record<string, unknown>;
  /** The underlying error, kept for logs. */
  cause?: unknown;
  /** Internal message for logs; defaults to the public message. */
  internalMessage?: string;
}

/** The one error class services throw; never an HTTP exception. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly publicMessage: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, publicMessage: string, options: AppErrorOptions = {}) {
    super(
      options.internalMessage ?? publicMessage,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.publicMessage = publicMessage;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** True when `err` is an AppError, optionally with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
