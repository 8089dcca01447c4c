import { hasLinkedDevice } from '../../domain/channel-status.js';
import { AppError } from '../../domain/errors.js';
import {
  operatorAnswer,
  operatorErrorResponse,
  parseOperatorBody,
  parseOperatorRequest,
  refusedEntry,
  type OperatorEntryError,
} from './domain/operator-request.js';
import { bearerToken, redactPartnerToken } from './domain/partner-api.js';
import { smsParts } from './domain/status-report.js';
import type { AltegioServiceOptions } from './altegio-service.js';

/** ALTEGIO as an SMS provider's client: its message requests into our queue. */
export class OperatorRequests {
  constructor(private readonly o: AltegioServiceOptions) {}

  /**
   * ALTEGIO's SMS-provider request (JSON or form body, see parseOperatorBody): answered at once with
   * one entry per message (`{id, ext_id}` or a per-message error); each accepted message is in the
   * queue (idempotent on ALTEGIO's id). Nothing is stored for a refused request or entry.
   */
  async deliver(
    authorization: string | undefined,
    /** Called only once the caller is authenticated: a stranger's body is never read. */
    readBody: () => Promise<{ contentType: string | undefined; raw: string }>,
  ): Promise<{ status: number; body: unknown }> {
    try {
      const principal = await this.o.tenants.principalForApiKey(bearerToken(authorization));
      if (principal?.kind !== 'tenant')
        throw new AppError(
          'unauthorized',
          'Send the api_key issued at activation as "Authorization: Bearer <api_key>".',
        );
      const tenantId = principal.tenantId;
      const installs = await this.o.store.installsOfTenant(tenantId);
      if (!installs.some((i) => i.state !== 'uninstalled'))
        throw new AppError('forbidden', 'This business has no active ALTEGIO install.');
      const { contentType, raw } = await readBody();
      const request = parseOperatorRequest(parseOperatorBody(contentType, raw), {
        allowedCallbackHosts: this.o.config.callbackHosts,
      });
      const outcomes = new Map<string, string | OperatorEntryError>();
      const refusal = installs.every((i) => i.state === 'frozen')
        ? 'the app is frozen in the marketplace for this business'
        : await this.cannotSend(tenantId);
      if (refusal !== undefined) {
        // 15, not 32: 32 means "insufficient funds" to ALTEGIO, and none of these is about money.
        for (const m of request.messages) outcomes.set(m.altegioId, refusedEntry(m.altegioId, refusal));
      } else if (request.messages.length) {
        if (request.deliveryCallbackUrl)
          await this.o.store.setDeliveryCallbackUrl(
            tenantId,
            // The documented URL carries our partner token: stored with a placeholder instead.
            redactPartnerToken(request.deliveryCallbackUrl, this.o.config.partnerToken),
          );
        const parts = smsParts(request.text);
        // Test mode: everything goes to the owner's test phone; the client it was meant for is noted.
        const { testPhone } = (await this.o.schedule.settings(tenantId)) as { testPhone?: string | null };
        const results = await this.o.messages.acceptBatch(
          tenantId,
          request.messages.map((m) => ({
            to: testPhone || m.phone,
            text: request.text,
            idempotencyKey: `altegio:${m.altegioId}`,
            priority: request.priority,
            metadata: {
              altegio: { id: m.altegioId, parts },
              ...(testPhone ? { testModeFor: `+${m.phone}` } : {}),
            },
          })),
        );
        results.forEach((result, index) => {
          const id = request.messages[index]!.altegioId;
          outcomes.set(
            id,
            result.outcome !== 'invalid'
              ? result.message.id
              : result.error.details?.field === 'channelId'
                ? refusedEntry(id, 'WhatsApp is not linked for this business')
                : refusedEntry(id, result.error.publicMessage, 'FIELD_VALIDATION_ERROR'),
          );
        });
      }
      return { status: 200, body: operatorAnswer(request, outcomes) };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const answer = operatorErrorResponse(err);
      return { status: answer.status, body: answer.body };
    }
  }

  /**
   * Why the business cannot send now (undefined: it can): no channel, none linked, or every linked
   * one paused. A link that is only reconnecting still takes messages (they wait in the queue, and
   * ALTEGIO is told the channel is unavailable once it has been down long enough).
   */
  private async cannotSend(tenantId: string): Promise<string | undefined> {
    const linked = (await this.o.channels.list(tenantId)).filter((c) => hasLinkedDevice(c.status));
    if (linked.length === 0) return 'WhatsApp is not linked for this business';
    if (linked.every((c) => c.paused)) return 'WhatsApp sending is paused for this business';
    return undefined;
  }
}
