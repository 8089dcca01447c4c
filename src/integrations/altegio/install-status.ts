import type { AltegioConfig } from '../../config.js';
import { AppError } from '../../domain/errors.js';
import {
  installStatusUrl,
  parseInstallStatus,
  partnerHeaders,
  type InstallStatus,
} from './domain/partner-api.js';

/**
 * ALTEGIO's install status of our app at a salon (`data.connection_status.status`); undefined when
 * ALTEGIO says the salon has not installed it. Throws `not_ready` when ALTEGIO cannot be asked.
 */
export async function fetchInstallStatus(
  config: AltegioConfig,
  salonId: string,
): Promise<InstallStatus | undefined> {
  let response: Response;
  try {
    response = await fetch(installStatusUrl(config.marketplaceUrl, salonId, config.applicationId), {
      headers: partnerHeaders(config.partnerToken, undefined, config.accept),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new AppError('not_ready', 'ALTEGIO could not be reached to confirm the install; try again.', {
      cause,
    });
  }
  if (response.status === 404 || response.status === 422) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AppError('not_ready', 'ALTEGIO could not confirm the install; try again.', {
      internalMessage: `install status of salon ${salonId}: HTTP ${response.status}`,
    });
  }
  return parseInstallStatus(await response.json().catch(() => undefined));
}
