import type { Logger } from 'pino';
import { BackgroundLoop } from '../../background-loop.js';
import type { Clock } from '../../clock.js';
import type { AltegioConfig } from '../../config.js';
import { resolveReplyWords, type CancelAction, type ReplyWords } from './domain/confirmation-reply.js';
import type { Appointment } from './domain/record-webhook.js';
import {
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
import type { MessageEventSink } from '../../messages/message-event-sink.js';
import type { MessageService } from '../../messages/message-service.js';
import type { Database, Queryable } from '../../store/database.js';
import type { TenantService } from '../../tenants/tenant-service.js';
import type { AltegioInstall, AltegioStore } from './altegio-store.js';
import { SalonTimeZones } from './salon-time-zones.js';
import type { AltegioScheduleStore } from './schedule-store.js';
import { recordConfirmationReply } from './confirmation-replies.js';
import { RecordWebhooks, type RecordWebhookAnswer } from './record-webhooks.js';

export type { RecordWebhookAnswer } from './record-webhooks.js';

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
  /**
   * The gateway's clock: plans and replies are timed by it, and its jumps wake the loop (a reminder
   * due "tomorrow" in a test).
   */
  readonly clock: Clock;
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
  private readonly webhooks: RecordWebhooks;

  constructor(private readonly o: AltegioSchedulerOptions) {
    this.zones = new SalonTimeZones({
      config: o.config,
      schedule: o.schedule,
      tenants: o.tenants,
      logger: o.logger,
      clock: o.clock,
    });
    this.webhooks = new RecordWebhooks(o, {
      settings: (tenantId) => this.settings(tenantId),
      zones: this.zones,
      cancelMessage: (tenantId, messageId) => this.cancelMessage(tenantId, messageId),
      kick: () => this.kick(),
    });
    // Every 5 s, and at once after a commit that added work (a webhook, a reply).
    this.loop = new BackgroundLoop({
      name: 'altegio-scheduler',
      run: async () => {
        await this.work();
        return 'idle';
      },
      idleIntervalMs: 5_000,
      clock: o.clock,
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
    await this.o.schedule.putSettings(tenantId, { ...input, testPhone }, this.o.clock.now());
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
    await this.o.schedule.putTemplate(tenantId, kind, templateLanguage(language), body, this.o.clock.now());
  }

  // ---- Record webhooks (record-webhooks.ts) ---------------------------------------------------

  /**
   * A record webhook body from ALTEGIO for this install's salon: one envelope, or a list of them,
   * each checked before any is applied (see record-webhooks.ts).
   */
  recordWebhook(
    install: AltegioInstall,
    body: unknown,
  ): Promise<RecordWebhookAnswer | RecordWebhookAnswer[]> {
    return this.webhooks.receive(install, body);
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
        await this.o.schedule.replyHandled(reply.inboundId, this.o.clock.now());
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
    const now = this.o.clock.now();
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
    await this.o.schedule.replyHandled(reply.inboundId, this.o.clock.now());
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
        await recordConfirmationReply(this.o, tx, reply);
      },
    };
  }
}
