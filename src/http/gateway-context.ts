import type { Logger } from 'pino';
import type { AltegioScheduler } from '../integrations/altegio/altegio-scheduler.js';
import type { AltegioService } from '../integrations/altegio/altegio-service.js';
import type { ChannelChanges } from '../channels/channel-changes.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { MessageService } from '../messages/message-service.js';
import type { MessageWaitingService } from '../messages/message-waiting-service.js';
import type { TenantService } from '../tenants/tenant-service.js';

/** What the HTTP edge may call: named services only, plus the address links are built from. */
export interface GatewayContext {
  readonly tenants: TenantService;
  readonly channels: ChannelService;
  readonly changes: ChannelChanges;
  readonly messages: MessageService;
  /** Why queued messages wait and until when (the log and the API's reads say it). */
  readonly waiting?: MessageWaitingService | undefined;
  /** Messages queued or being sent on one of the business's channels (not_found for another's). */
  queueDepth(tenantId: string, channelId: string): Promise<number>;
  /** The ALTEGIO integration: present only when ALTEGIO is configured (ALTEGIO_PARTNER_TOKEN). */
  readonly altegio?: AltegioService | undefined;
  /** ALTEGIO's scheduling mode (settings, templates); present with `altegio`. */
  readonly altegioScheduler?: AltegioScheduler | undefined;
  readonly logger: Logger;
  readonly supportUrl: string;
  /** Live event streams (SSE) one panel session, QR-page link or support session may hold open (10). */
  readonly maxEventStreams?: number;
  /** The gateway's public base URL, known once it listens. */
  baseUrl(): string;
}

export const qrPageUrl = (ctx: GatewayContext, token: string): string => `${ctx.baseUrl()}/link/${token}`;
export const panelLoginUrl = (ctx: GatewayContext, token: string): string =>
  `${ctx.baseUrl()}/panel/login/${token}`;
export const helpUrl = (lang: string): string => `/help/how-to-scan?lang=${encodeURIComponent(lang)}`;
