// The sandbox's buttons: act as ALTEGIO towards the gateway this fake activated.
import type { Context } from 'hono';
import {
  altegioRecord,
  recordWebhookEnvelope,
  sendOperatorRequest,
  sendRecordWebhook,
  utcOffsetIn,
} from './as-altegio.js';
import { asObject } from './http-answers.js';
import type { FakeApp, FakeAltegioState } from './state.js';
import type { RecordedCall } from './types.js';

export function registerSandboxRoutes(app: FakeApp, s: FakeAltegioState): void {
  // ---- The sandbox's buttons: act as ALTEGIO towards the gateway this fake activated. ----------
  const sandboxForm = async (c: Context): Promise<Record<string, string>> => {
    const raw = c.get('call' as never) as RecordedCall | undefined;
    const b = asObject(raw?.body);
    if (b) return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v)]));
    return Object.fromEntries(new URLSearchParams(raw?.rawBody ?? '').entries());
  };
  const activationFor = (salonId: string | undefined) =>
    salonId ? s.activations.get(salonId) : [...s.activations.values()].at(-1);
  const page = (content: string) =>
    `<!doctype html><meta charset="utf-8"><title>Fake ALTEGIO</title><body style="font-family:sans-serif;max-width:40rem;margin:2rem auto">` +
    `<h1>Fake ALTEGIO (sandbox)</h1>${content}` +
    `<h2>Send a notification as ALTEGIO</h2><form method="post" action="/_sandbox/message">` +
    `<label>Client phone <input name="phone" required></label><br><label>Text <input name="text" size="50" required value="Hello! Your visit is tomorrow at 10:00."></label><br>` +
    `<button>Send</button></form>` +
    `<h2>Book a visit (reminders come from Zapgate)</h2><form method="post" action="/_sandbox/booking">` +
    `<label>Client phone <input name="phone" required></label><br><label>Client name <input name="name" value="Ana"></label><br>` +
    `<label>Starts in hours <input name="inHours" type="number" value="26" min="1"></label><br><button>Book</button></form>` +
    `<p>Activated salons: ${[...s.activations.keys()].join(', ') || 'none yet — link WhatsApp in the panel first'}</p></body>`;
  const escape = (v: string) => v.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  app.get('/', (c) => c.html(page('')));
  app.post('/_sandbox/message', async (c) => {
    const form = await sandboxForm(c);
    const activation = activationFor(form.salonId);
    if (!activation) return c.html(page('<p><b>No activated salon yet.</b></p>'), 409);
    const gateway = new URL(activation.webhookUrls[0] ?? '').origin;
    const answer = await sendOperatorRequest(gateway, '/altegio/operator', activation.apiKey, {
      destination_params: [{ id: s.clock.now().getTime(), phone: form.phone ?? '' }],
      text: form.text ?? '',
      channel: 'whatsapp',
      dispatch_type: 'service',
      delivery_callback_url: `${s.selfUrl}/smsprovider/status/callback/${s.partnerToken}`,
    });
    return c.html(
      page(`<p>Gateway answered ${answer.status}: <code>${escape(JSON.stringify(answer.body))}</code></p>`),
    );
  });
  app.post('/_sandbox/booking', async (c) => {
    const form = await sandboxForm(c);
    const activation = activationFor(form.salonId);
    if (!activation) return c.html(page('<p><b>No activated salon yet.</b></p>'), 409);
    const startsAt = new Date(s.clock.now().getTime() + Number(form.inHours ?? 26) * 3_600_000);
    const record = altegioRecord({
      companyId: Number(activation.salonId),
      startsAt,
      // Like ALTEGIO, in the salon's clock (its zone's offset at that time).
      offsetMinutes: utcOffsetIn(s.salons.get(activation.salonId)?.timezone_name, startsAt),
      lastChangeDate: s.clock.now(),
      clientPhone: form.phone ?? '',
      clientName: form.name || 'Ana',
    });
    s.records.set(s.recordKey(record.company_id, record.id), record);
    const answers = await Promise.all(
      activation.webhookUrls.map((hook) =>
        sendRecordWebhook(hook, recordWebhookEnvelope('create', record), s.webhookBearer),
      ),
    );
    return c.html(
      page(
        `<p>Record ${record.id} created; gateway answered <code>${escape(JSON.stringify(answers.map((a) => a.body)))}</code></p>`,
      ),
    );
  });
}
