import type { WASocket } from 'baileys';
import type { Logger } from 'pino';

/** Status code of a Baileys close error (a Boom: `output.statusCode`), if any. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('output' in error)) return undefined;
  const output: unknown = error.output;
  if (typeof output !== 'object' || output === null || !('statusCode' in output)) return undefined;
  return typeof output.statusCode === 'number' ? output.statusCode : undefined;
}

/** A loggable message for any thrown or close value. */
export function errorMessage(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? error.message : typeof error === 'string' ? error : 'non-error value';
}

/** Closes a socket on purpose; failures while closing are only worth a debug line. */
export async function endQuietly(sock: WASocket, log: Logger): Promise<void> {
  try {
    await sock.end(undefined);
  } catch (err) {
    log.debug({ err }, 'error while closing a WhatsApp socket');
  }
}
