import { planSend, type PacingSettings } from '../domain/pacing.js';
import { startOfLocalDay } from '../domain/sending-window.js';
import type { ChannelsRepository } from '../store/channels-repository.js';
import type { MessageQueueRepository } from '../store/message-queue-repository.js';
import type { PacingService } from './pacing-service.js';

/** The message fields pacing looks at. */
export interface PacedMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly channelId: string;
  readonly toPhone: string;
  readonly body: string;
  readonly urgent: boolean;
}

export interface PolicyPacingGateOptions {
  readonly pacing: PacingService;
  /** The channel's send history (what pacing counts). */
  readonly queue: Pick<MessageQueueRepository, 'sendHistory'>;
  readonly channels: ChannelsRepository;
  readonly random?: () => number;
  /** How long a business's settings are reused before being read again (default 5 s). */
  readonly settingsTtlMs?: number;
}

interface ChannelMemory {
  lastSentAt: Date | null;
  /** Sends handed to WhatsApp in the last hour, per recipient, before their acks reach the store. */
  readonly recent: Map<string, Array<{ messageId: string; at: Date }>>;
}

const HOUR_MS = 3_600_000;

/**
 * The pacing policy (domain/pacing.ts) fed with the store's send history and the business's
 * settings, in the shape the dispatcher asks: send now after `typingMs`, or not before `sendAt`.
 * It also remembers this node's own sends, which count before their server acks are stored.
 */
export class PolicyPacingGate {
  private readonly memory = new Map<string, ChannelMemory>();
  private readonly settings = new Map<
    string,
    { at: number; value: Promise<{ settings: PacingSettings; timeZone: string }> }
  >();
  private readonly linkedAt = new Map<string, { at: number; value: Promise<Date | null> }>();

  constructor(private readonly o: PolicyPacingGateOptions) {}

  async decide(
    message: PacedMessage,
    now: Date,
  ): Promise<{ sendAt?: Date; typingMs: number; reason?: string }> {
    const { settings, timeZone } = await this.settingsFor(message.tenantId, now);
    if (!settings.enabled) return { typingMs: 0 };
    const [history, linkedAt] = await Promise.all([
      this.o.queue.sendHistory(message.channelId, message.toPhone, now, startOfLocalDay(now, timeZone)),
      this.linkedAtOf(message.tenantId, message.channelId, now),
    ]);
    const mine = this.memory.get(message.channelId);
    const sends = new Map(history.recipientSendsLastHour.map((s) => [s.messageId, s.at]));
    for (const s of mine?.recent.get(message.toPhone) ?? [])
      if (!sends.has(s.messageId)) sends.set(s.messageId, s.at);
    const last = [history.lastSentAt, mine?.lastSentAt ?? null].reduce<Date | null>(
      (a, b) => (!a ? b : !b ? a : a > b ? a : b),
      null,
    );
    const decision = planSend({
      settings,
      timeZone,
      facts: {
        lastSentAt: last,
        sentToday: history.sentSince,
        recipientSendsLastHour: [...sends.values()],
        linkedAt,
      },
      urgent: message.urgent,
      textLength: message.body.length,
      now,
      random: this.o.random ?? Math.random,
    });
    return decision.kind === 'send'
      ? { typingMs: decision.typingMs }
      : { sendAt: decision.until, typingMs: decision.typingMs, reason: decision.reason };
  }

  /** A message was handed to WhatsApp at `at`. */
  sent(message: PacedMessage, at: Date): void {
    let mine = this.memory.get(message.channelId);
    if (!mine) {
      mine = { lastSentAt: null, recent: new Map() };
      this.memory.set(message.channelId, mine);
    }
    mine.lastSentAt = at;
    const cutoff = at.getTime() - HOUR_MS;
    for (const [phone, list] of mine.recent) {
      const kept = list.filter((s) => s.at.getTime() > cutoff);
      if (kept.length) mine.recent.set(phone, kept);
      else mine.recent.delete(phone);
    }
    mine.recent.set(message.toPhone, [
      ...(mine.recent.get(message.toPhone) ?? []),
      { messageId: message.id, at },
    ]);
  }

  private settingsFor(tenantId: string, now: Date): Promise<{ settings: PacingSettings; timeZone: string }> {
    const cached = this.settings.get(tenantId);
    if (cached && now.getTime() - cached.at < (this.o.settingsTtlMs ?? 5_000)) return cached.value;
    const value = this.o.pacing.get(tenantId);
    this.settings.set(tenantId, { at: now.getTime(), value });
    value.catch(() => this.settings.delete(tenantId));
    return value;
  }

  private linkedAtOf(tenantId: string, channelId: string, now: Date): Promise<Date | null> {
    const cached = this.linkedAt.get(channelId);
    if (cached && now.getTime() - cached.at < 60_000) return cached.value;
    const value = this.o.channels.get(tenantId, channelId).then((c) => c?.linkedAt ?? null);
    this.linkedAt.set(channelId, { at: now.getTime(), value });
    value.catch(() => this.linkedAt.delete(channelId));
    return value;
  }
}
