import type { Logger } from 'pino';
import type { ChannelChanges } from '../channels/channel-changes.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { Integrations } from '../integrations/integration.js';
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
  /** The booking-system integrations: their API, panel tabs and what support sees (none: no CRM). */
  readonly integrations?: Integrations | undefined;
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
