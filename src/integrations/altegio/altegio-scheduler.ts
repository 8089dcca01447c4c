import type { Logger } from 'pino';
import { BackgroundLoop } from '../../background-loop.js';
import type { Clock } from '../../clock.js';
import type { AltegioConfig } from '../../config.js';
import {
  attendanceForReply,
  appointmentForReply,
  classifyReply,
  resolveReplyWords,
  type CancelAction,
  type ReplyWords,
} from './domain/confirmation-reply.js';
import {
  parseRecordWebhook,
  type Appointment,
  type RecordChange,
  type RecordWebhook,
} from './domain/record-webhook.js';
import { applyRecordChange } from './domain/record-ordering.js';
import { businessHeaders, recordUrl } from './domain/partner-api.js';
import {
  diffPlans,
  eventNotification,
  planNotifications,
  resolveScheduleSettings,
  type PlannedNotification,
  type ScheduleSettings,
} from './domain/reminder-plan.js';
import {
  appointmentTimeZone,
  checkAltegioTemplate,
  defaultTemplate,
  renderForSending,
  templateLanguage,
  templateValues,
  type TemplateKind,
} from './domain/templates.js';
import { AppError } from '../../domain/errors.js';
import { normalisePhoneNumber } from '../../domain/phone-numbers.js';
import { countryOfTimeZone } from '../../domain/time-zone-country.js';
import type { InboundReply, MessageEventSink } from '../../messages/message-event-sink.js';
import type { MessageService } from '../../messages/message-service.js';
import type { Database, Queryable } from '../../store/database.js';
import type { TenantService } from '../../tenants/tenant-service.js';
import type { AltegioInstall, AltegioStore } from './altegio-store.js';
import { SalonTimeZones } from './salon-time-zones.js';
import type { AltegioScheduleStore } from './schedule-store.js';

/** What a record webhook's envelope got: applied or not, and why (record-webhook.ts's reasons). */
export interface RecordWebhookAnswer {
  readonly accepted: boolean;
  readonly reason: string;
}

/** A list delivery is bounded (each envelope may read ALTEGIO's API once). */
const MAX_WEBHOOKS_PER_BODY = 100;

/** A business's scheduling settings as stored (every part optional; defaults in the domain). */
export interface StoredAltegioSettings {
  readonly schedule?: Parameters<typeof resolveScheduleSettings>[0];
  readonly replies?: Partial<ReplyWords> & { readonly cancelAction?: CancelAction };
  /** Test mode: every message of the business goes to this number (E.164 digits) instead. */
  readonly testPhone?: string | null;
}

/** The settings in effect: defaults filled in, the business's time zone applied. */
export interface EffectiveAltegioSettings {
  readonly schedule: ScheduleSettings;
  readonly replyWords: ReplyWords;
  readonly cancelAction: CancelAction;
  readonly testPhone: string | null;
}

export interface AltegioSchedulerOptions {
  readonly config: AltegioConfig;
  readonly db: Database;
  readonly store: AltegioStore;
  readonly schedule: AltegioScheduleStore;
  readonly tenants: TenantService;
  readonly messages: MessageService;
  /** Wakes the partner-call sender (an attendance update was written). */
  readonly wakeSender: () => void;
  readonly logger: Logger;
  readonly now: () => Date;
  /** The gateway's clock, whose jumps wake the loop (a reminder due "tomorrow" in a test). */
  readonly clock?: Clock;
}

/**
 * Zapgate's own reminders for ALTEGIO businesses: record webhooks (deduplicated, ordered by
 * last_change_date) → appointments → planned notifications (reminders, booking notices, review
 * requests) → messages in the queue, re-planned when a visit moves and cancelled when it goes; and
 * confirmation by reply ("+" / "-") written back to ALTEGIO, with an answer to the client.
 */
export class AltegioScheduler {
  private readonly loop: BackgroundLoop;

  /** The salon's time zone: the business takes it; until then records' offsets write the times. */
  readonly zones: SalonTimeZones;

  constructor(private readonly o: AltegioSchedulerOptions) {
    this.zones = new SalonTimeZones({
      config: o.config,
      schedule: o.schedule,
      tenants: o.tenants,
      logger: o.logger,
      now: o.now,
    });
    // Every 5 s, and at once after a commit that added work (a webhook, a reply).
    this.loop = new BackgroundLoop({
      name: 'altegio-scheduler',
      run: async () => {
        await this.work();
        return 'idle';
      },
      idleIntervalMs: 5_000,
      ...(o.clock ? { clock: o.clock } : {}),
      onError: (err) => o.logger.error({ err }, 'ALTEGIO scheduler: a pass failed; retrying shortly'),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Accept planned notifications and answer replies now (after a commit that added some). */
  kick(): void {
    this.loop.wake();
  }

  // ---- Settings and templates ----------------------------------------------------------------

  async settings(tenantId: string, tx?: Queryable): Promise<EffectiveAltegioSettings> {
    const tenant = await this.o.tenants.get(tenantId);
    const stored = (await this.o.schedule.settings(tenantId, tx)) as StoredAltegioSettings;
    return {
      schedule: resolveScheduleSettings({ ...stored.schedule, timeZone: tenant.timeZone }),
      replyWords: resolveReplyWords(stored.replies ?? {}),
      cancelAction: stored.replies?.cancelAction ?? 'no_show',
      testPhone: stored.testPhone ?? null,
    };
  }

  /** Validates and stores the settings (every bad value is an `invalid_input` naming its field). */
  async putSettings(tenantId: string, input: StoredAltegioSettings): Promise<EffectiveAltegioSettings> {
    const tenant = await this.o.tenants.get(tenantId);
    resolveScheduleSettings({ ...input.schedule, timeZone: tenant.timeZone });
    resolveReplyWords(input.replies ?? {});
    const testPhone =
      input.testPhone === undefined || input.testPhone === null
        ? null
        : // Typed as dialled at home ("(11) 98765-4321"): the business's country, from its zone.
          normalisePhoneNumber(input.testPhone, 'testPhone', countryOfTimeZone(tenant.timeZone));
    await this.o.schedule.putSettings(tenantId, { ...input, testPhone }, this.o.now());
    return this.settings(tenantId);
  }

  async templateBody(tenantId: string, kind: TemplateKind, language: string): Promise<string> {
    const lang = templateLanguage(language);
    return (await this.o.schedule.template(tenantId, kind, lang)) ?? defaultTemplate(kind, lang);
  }

  async putTemplate(
    tenantId: string,
    kind: TemplateKind,
    language: string,
    body: string | null,
  ): Promise<void> {
    if (body !== null) checkAltegioTemplate(body);
    await this.o.schedule.putTemplate(tenantId, kind, templateLanguage(language), body, this.o.now());
  }

  // ---- Record webhooks -----------------------------------------------------------------------

  /**
   * A record webhook body from ALTEGIO for this install's salon: one envelope, or a list of them
   * (seen in integrators' handlers). Every envelope of a list is checked before any is applied, so a
   * bad one refuses the whole delivery (its index in the field) and changes nothing; then each is
   * applied in order. Replays and out-of-order deliveries are acknowledged and change nothing
   * (`accepted: false` with the reason). A list is answered with a list, in the same order.
   */
  async recordWebhook(
    install: AltegioInstall,
    body: unknown,
  ): Promise<RecordWebhookAnswer | RecordWebhookAnswer[]> {
    if (install.state === 'uninstalled')
      throw new AppError('forbidden', 'This install was removed; its webhooks are no longer taken.');
    const settings = await this.settings(install.tenantId);
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
    void this.zones
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
    const now = this.o.now();
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
    for (const messageId of outcome.cancelled) await this.cancelMessage(tenantId, messageId);
    this.kick();
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

  private async cancelMessage(tenantId: string, messageId: string): Promise<void> {
    await this.o.messages.cancel(tenantId, messageId).catch((err: unknown) => {
      // Already on its way or gone: nothing to cancel.
      if (!(err instanceof AppError)) throw err;
    });
  }

  // ---- Turning plans into messages, and answering replies ------------------------------------

  private async work(): Promise<void> {
    for (const n of await this.o.schedule.unaccepted())
      await this.accept(n).catch(async (err: unknown) => {
        // A notification the queue refuses (no channel any more, a broken template…) is dropped
        // with a log line, not retried forever in front of the others.
        if (!(err instanceof AppError)) throw err;
        this.o.logger.warn(
          { err, tenantId: n.tenantId, key: n.key },
          'ALTEGIO: planned notification dropped',
        );
        await this.o.schedule.drop(n.tenantId, n);
      });
    for (const reply of await this.o.schedule.pendingReplies())
      await this.answer(reply).catch(async (err: unknown) => {
        if (!(err instanceof AppError)) throw err;
        this.o.logger.warn(
          { err, inboundId: reply.inboundId },
          'ALTEGIO: the answer to a reply could not be sent',
        );
        await this.o.schedule.replyHandled(reply.inboundId, this.o.now());
      });
  }

  private async renderFor(tenantId: string, kind: TemplateKind, appointment: Appointment): Promise<string> {
    const tenant = await this.o.tenants.get(tenantId);
    const body = await this.templateBody(tenantId, kind, tenant.language);
    return renderForSending(
      body,
      templateValues(appointment, {
        language: templateLanguage(tenant.language),
        // The salon's clock: the business's zone once it is the salon's, else the record's offset.
        timeZone: appointmentTimeZone(appointment, tenant.timeZone, await this.zones.known(tenantId)),
        companyName: tenant.name,
      }),
    );
  }

  private async accept(n: PlannedNotification & { tenantId: string }): Promise<void> {
    const state = await this.o.schedule.appointment(n.tenantId, n.recordId);
    const appointment = state?.appointment;
    const now = this.o.now();
    if (!appointment?.clientPhone || (n.expiresAt && n.expiresAt <= now)) {
      await this.o.schedule.drop(n.tenantId, n);
      return;
    }
    const settings = await this.settings(n.tenantId);
    const text = await this.renderFor(n.tenantId, n.kind, appointment);
    const { message } = await this.o.messages.accept(n.tenantId, {
      to: settings.testPhone ?? appointment.clientPhone,
      text,
      idempotencyKey: `altegio:${n.key}@${n.sendAt.toISOString()}`,
      sendAfter: n.sendAt,
      ...(n.expiresAt ? { expiresAt: n.expiresAt } : {}),
      priority: n.kind === 'review_request' ? 'marketing' : 'transactional',
      metadata: {
        altegioRecord: { recordId: n.recordId, kind: n.kind },
        ...(settings.testPhone ? { testModeFor: `+${appointment.clientPhone}` } : {}),
      },
    });
    await this.o.schedule.setMessage(n.tenantId, n, message.id);
  }

  private async answer(reply: {
    inboundId: string;
    tenantId: string;
    recordId: string;
    intent: 'confirm' | 'cancel';
  }): Promise<void> {
    const state = await this.o.schedule.appointment(reply.tenantId, reply.recordId);
    const appointment = state?.appointment;
    if (appointment?.clientPhone) {
      if (reply.intent === 'cancel') {
        // The client will not come: the reminders still waiting are withdrawn.
        const pending = await this.o.db.transaction(async (tx) =>
          this.o.schedule.cancelScheduled(
            reply.tenantId,
            (await this.o.schedule.scheduledForRecord(reply.tenantId, reply.recordId, tx)).filter(
              (n) => n.kind === 'reminder',
            ),
            tx,
          ),
        );
        for (const id of pending) await this.cancelMessage(reply.tenantId, id);
      }
      const settings = await this.settings(reply.tenantId);
      const kind: TemplateKind = reply.intent === 'confirm' ? 'reply_confirmed' : 'reply_cancelled';
      await this.o.messages.accept(reply.tenantId, {
        to: settings.testPhone ?? appointment.clientPhone,
        text: await this.renderFor(reply.tenantId, kind, appointment),
        idempotencyKey: `altegio-reply:${reply.inboundId}`,
        metadata: { altegioRecord: { recordId: reply.recordId, kind } },
      });
    }
    await this.o.schedule.replyHandled(reply.inboundId, this.o.now());
  }

  /**
   * The inbound side, in the transaction that stores a client's text: a "+" or "-" to a prompted
   * visit becomes a stored reply and an attendance update in the partner-call outbox; anything else
   * stays an ordinary inbound message.
   */
  inboundSink(): MessageEventSink {
    return {
      record: async () => undefined,
      recordInbound: async (tx, reply) => {
        await this.onReply(tx, reply);
      },
    };
  }

  private async onReply(tx: Queryable, reply: InboundReply): Promise<void> {
    const installs = await this.o.store.installsOfTenant(reply.tenantId, tx);
    if (!installs.some((i) => i.state === 'active' || i.state === 'pending')) return;
    const stored = (await this.o.schedule.settings(reply.tenantId, tx)) as StoredAltegioSettings;
    const words = resolveReplyWords(stored.replies ?? {});
    const intent = classifyReply(reply.text, words);
    if (intent === 'other') return;
    const now = this.o.now();
    const candidates = await this.o.schedule.promptedAppointments(reply.tenantId, reply.fromPhone, now, tx);
    const recordId = appointmentForReply(candidates, now);
    const target = candidates.find((c) => c.recordId === recordId);
    if (!target) return;
    await this.o.schedule.addReply(
      { inboundId: reply.inboundId, tenantId: reply.tenantId, recordId: target.recordId, intent },
      now,
      tx,
    );
    const attendance = attendanceForReply(intent, stored.replies?.cancelAction ?? 'no_show');
    if (attendance !== undefined) {
      await this.o.store.calls.enqueueCall(
        {
          tenantId: reply.tenantId,
          kind: 'attendance',
          orderingKey: `record:${target.recordId}`,
          method: 'PUT',
          url: recordUrl(this.o.config.restUrl, target.companyId, target.recordId),
          body: { attendance },
          at: now,
          retryUntil: new Date(Math.max(target.startsAt.getTime(), now.getTime() + 3_600_000)),
        },
        tx,
      );
      this.o.wakeSender();
    }
  }
}
