import { normalisePhoneNumber } from '../domain/phone-numbers.js';
import { countryOfTimeZone } from '../domain/time-zone-country.js';
import type { Message } from '../domain/message.js';
import type { Tenant } from '../store/tenants-repository.js';
import type { AcceptInput, AcceptResult } from './message-service.js';

export interface TestMessageDeps {
  readonly tenants: { get(tenantId: string): Promise<Tenant> };
  readonly channels: { get(tenantId: string, channelId: string): Promise<{ readonly id: string }> };
  readonly messages: { accept(tenantId: string, input: AcceptInput): Promise<AcceptResult> };
}

/**
 * "Send a test message" from the panel: a short text to the number the owner typed (read as a
 * number of the business's country when written without one), on the chosen channel. Urgent, so a
 * test at night goes now instead of waiting for the sending window; the caps still apply.
 */
export async function sendTestMessage(
  deps: TestMessageDeps,
  tenantId: string,
  input: { channelId: string; phone: string; text: (businessName: string) => string },
): Promise<Message> {
  const [tenant, channel] = await Promise.all([
    deps.tenants.get(tenantId),
    deps.channels.get(tenantId, input.channelId),
  ]);
  const to = normalisePhoneNumber(input.phone, 'phone', countryOfTimeZone(tenant.timeZone));
  const { message } = await deps.messages.accept(tenantId, {
    channelId: channel.id,
    to: `+${to}`,
    text: input.text(tenant.name),
    urgent: true,
    metadata: { panelTest: true },
  });
  return message;
}
