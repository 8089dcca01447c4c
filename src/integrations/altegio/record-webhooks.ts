import type { AltegioSchedulerOptions, EffectiveAltegioSettings } from './altegio-scheduler.js';
import type { AltegioInstall } from './altegio-store.js';
import { parseRecordWebhook, type RecordChange, type RecordWebhook } from './domain/record-webhook.js';
import { applyRecordChange } from './domain/record-ordering.js';
import { businessHeaders, recordUrl } from './domain/partner-api.js';
import { diffPlans, eventNotification, planNotifications } from './domain/reminder-plan.js';
import { AppError } from '../../domain/errors.js';
import type { SalonTimeZones } from './salon-time-zones.js';

/** What a record webhook's envelope got: applied or not, and why (record-webhook.ts's reasons). */
export interface RecordWebhookAnswer {
  readonly accepted: boolean;
  readonly reason: string;
}

/** A list delivery is bounded (each envelope may read ALTEGIO's API once). */
const MAX_WEBHOOKS_PER_BODY = 100;

/** What record webhooks need of the scheduler. */
export interface RecordWebhookDeps {
  readonly settings: (tenantId: string) => Promise<EffectiveAltegioSettings>;
  readonly zones: SalonTimeZones;
  readonly cancelMessage: (tenantId: string, messageId: string) => Promise<void>;
  /** Accept the planned notifications now (after a commit that added some). */
  readonly kick: () => void;
}

/** ALTEGIO's record webhooks → stored appointments → the notification plan (re-planned, cancelled). */
export class RecordWebhooks {
  constructor(
    private readonly o: AltegioSchedulerOptions,
    private readonly d: RecordWebhookDeps,
  ) {}

  /**
   * A record webhook body from ALTEGIO for this install's salon: one envelope, or a list of them
   * (seen in integrators' handlers). Every envelope of a list is checked before any is applied, so a
   * bad one refuses the whole delivery (its index in the field) and changes nothing; then each is
   * applied in order. Replays and out-of-order deliveries are acknowledged and change nothing
   * (`accepted: false` with the reason). A list is answered with a list, in the same order.
   */
  async receive(
    install: AltegioInstall,
    body: unknown,
  ): Promise<RecordWebhookAnswer | RecordWebhookAnswer[]> {
    if (install.state === 'uninstalled')
      throw new AppError('forbidden', 'This install was removed; its webhooks are no longer taken.');
    const settings = await this.d.settings(install.tenantId);
    const timeZone = settings.schedule.timeZone;
    if (!Array.isArray(body))
      return this.applyWebhook(install, this.checkWebhook(install, body, timeZone), settings);
    if (body.length === 0)
      throw new AppError('invalid_input', 'body: an empty list; send an envelope or a list of envelopes.', {
        details: { field: 'body' },
      });
    if (body.length > MAX_WEBHOOKS_PER_BODY)
      throw new AppError('invalid_input', `body: at most ${MAX_WEBHOOKS_PER_BODY} envelopes per delivery.`, {
        details: { field: 'body' },
      });
    const checked = body.map((envelope, index) => {
      try {
        return this.checkWebhook(install, envelope, timeZone);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const inner = err.details?.field;
        const field = `${index}.${typeof inner === 'string' ? inner : 'body'}`;
        throw new AppError(err.code, `${index}: ${err.publicMessage}`, {
          details: { ...err.details, field },
        });
      }
    });
    const answers: RecordWebhookAnswer[] = [];
    for (const parsed of checked) answers.push(await this.applyWebhook(install, parsed, settings));
    return answers;
  }

  /** Parses one envelope and checks it is this salon's; throws `invalid_input` / `forbidden`. */
  private checkWebhook(install: AltegioInstall, body: unknown, timeZone: string): RecordWebhook {
    const parsed = parseRecordWebhook(body, { timeZone });
    if (parsed.kind === 'record' && parsed.change.companyId !== install.salonId)
      throw new AppError('forbidden', 'company_id: not the salon this webhook URL was issued for.', {
        details: { field: 'company_id' },
      });
    return parsed;
  }

  private async applyWebhook(
    install: AltegioInstall,
    parsed: RecordWebhook,
    settings: EffectiveAltegioSettings,
  ): Promise<RecordWebhookAnswer> {
    if (parsed.kind === 'ignored') return { accepted: false, reason: parsed.reason };
    const tenantId = install.tenantId;
    const timeZone = settings.schedule.timeZone;
    let change = parsed.change;
    // While the salon's time zone is unknown, each webhook asks ALTEGIO again (throttled).
    void this.d.zones
      .adoptPending(tenantId)
      .catch((err: unknown) =>
        this.o.logger.warn({ err, tenantId }, 'ALTEGIO: could not adopt the salon’s time zone'),
      );
    // When the order cannot be proved from the webhook (same last_change_date, different content, or
    // no date), the record as ALTEGIO has it now decides — read before any lock is taken. So it does
    // when the webhook has no client phone (integrators report such webhooks): without one nothing
    // could be planned, and ALTEGIO's API has the phone.
    const known = await this.o.schedule.appointment(tenantId, change.recordId);
    if (
      !change.deleted &&
      (applyRecordChange(known, change).reconcile || change.appointment?.clientPhoneRaw === undefined)
    )
      change = (await this.currentRecord(change, timeZone)) ?? change;
    const now = this.o.clock.now();
    const outcome = await this.o.db.transaction(async (tx) => {
      const current = await this.o.schedule.lockAppointment(
        tenantId,
        change.recordId,
        change.companyId,
        now,
        tx,
      );
      const decision = applyRecordChange(current, change);
      if (!decision.accept) return { decision, cancelled: [] as string[] };
      await this.o.schedule.saveAppointment(tenantId, decision.next, now, tx);
      const scheduled = (await this.o.schedule.scheduledForRecord(tenantId, change.recordId, tx)).filter(
        (n) => n.kind === 'reminder' || n.kind === 'review_request',
      );
      const plan = planNotifications(decision.next.appointment, settings.schedule, now);
      const diff = diffPlans(scheduled, plan, now);
      const cancelled = await this.o.schedule.cancelScheduled(tenantId, diff.toCancel, tx);
      for (const n of diff.toSchedule) await this.o.schedule.addScheduled(tenantId, n, now, tx);
      const notice = eventNotification(current, decision.next, change.event, settings.schedule, now);
      if (notice) {
        // A moved or cancelled visit's earlier notice that has not gone yet is superseded.
        const stale = (await this.o.schedule.scheduledForRecord(tenantId, change.recordId, tx)).filter(
          (n) => n.kind !== 'reminder' && n.kind !== 'review_request' && n.key !== notice.key,
        );
        cancelled.push(...(await this.o.schedule.cancelScheduled(tenantId, stale, tx)));
        await this.o.schedule.addScheduled(tenantId, notice, now, tx);
      }
      return { decision, cancelled };
    });
    for (const messageId of outcome.cancelled) await this.d.cancelMessage(tenantId, messageId);
    this.d.kick();
    this.o.logger.info(
      { tenantId, recordId: change.recordId, event: change.event, reason: outcome.decision.reason },
      'ALTEGIO record webhook',
    );
    return { accepted: outcome.decision.accept, reason: outcome.decision.reason };
  }

  /** The record as ALTEGIO's API has it now, as a change; undefined when it cannot be read. */
  private async currentRecord(change: RecordChange, timeZone: string): Promise<RecordChange | undefined> {
    try {
      // A business's data: the REST base and the User token (partner-api.ts, businessHeaders).
      const response = await fetch(recordUrl(this.o.config.restUrl, change.companyId, change.recordId), {
        headers: businessHeaders(this.o.config),
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const json = (await response.json()) as { data?: unknown };
      const parsed = parseRecordWebhook(
        {
          company_id: change.companyId,
          resource: 'record',
          resource_id: change.recordId,
          status: 'update',
          data: json.data ?? json,
        },
        { timeZone },
      );
      return parsed.kind === 'record' ? { ...parsed.change, event: change.event } : undefined;
    } catch (err) {
      this.o.logger.warn(
        { err, recordId: change.recordId },
        'ALTEGIO: could not re-read a record; the webhook decides',
      );
      return undefined;
    }
  }
}
