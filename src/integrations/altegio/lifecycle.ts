import { parseLifecycleCallback } from './domain/partner-api.js';
import type { AltegioServiceOptions } from './altegio-service.js';

/** ALTEGIO's uninstall / freeze / payment callback. */
export async function applyLifecycleCallback(
  o: AltegioServiceOptions,
  body: unknown,
): Promise<{ event: string; salonId: string; known: boolean }> {
  const callback = parseLifecycleCallback(body, {
    partnerToken: o.config.partnerToken,
    applicationId: o.config.applicationId,
  });
  const install = await o.store.install(callback.salonId);
  if (!install) {
    // ALTEGIO's callbacks must get a 2xx; a salon we never served has nothing to change.
    o.logger.info(
      { salonId: callback.salonId, event: callback.rawEvent },
      'ALTEGIO lifecycle event for a salon we do not serve: acknowledged, nothing changed',
    );
    return { event: callback.event, salonId: callback.salonId, known: false };
  }
  const at = o.clock.now();
  const tenantId = install.tenantId;
  switch (callback.event) {
    case 'uninstall': {
      await o.store.setState(install.salonId, 'uninstalled', at);
      if (install.apiKeyId) await o.tenants.revokeApiKey(tenantId, install.apiKeyId);
      for (const keyId of await o.store.retiredKeys(install.salonId))
        await o.tenants.revokeApiKey(tenantId, keyId);
      await o.store.clearSuperseded(install.salonId);
      const stillInstalled = (await o.store.installsOfTenant(tenantId)).some(
        (i) => i.state !== 'uninstalled',
      );
      if (!stillInstalled) {
        // Unlink, stop sending and delete the credentials: the business leaves nothing running.
        for (const channel of await o.channels.list(tenantId)) {
          await o.channels.pause(tenantId, channel.id);
          await o.failWaiting(tenantId, channel.id);
          await o.channels.reset(tenantId, channel.id);
        }
      }
      break;
    }
    case 'freeze':
      await o.store.setState(install.salonId, 'frozen', at);
      for (const channel of await o.channels.list(tenantId)) await o.channels.pause(tenantId, channel.id);
      break;
    case 'payment':
      await o.store.recordPayment(tenantId, install.salonId, callback.raw, at);
      if (install.state === 'frozen') {
        await o.store.setState(install.salonId, 'active', at);
        for (const channel of await o.channels.list(tenantId))
          if (channel.pausedCause === 'manual') await o.channels.resume(tenantId, channel.id);
      }
      break;
    case 'other':
      break;
  }
  o.logger.info({ tenantId, salonId: install.salonId, event: callback.rawEvent }, 'ALTEGIO lifecycle event');
  return { event: callback.event, salonId: install.salonId, known: true };
}
