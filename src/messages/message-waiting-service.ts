import { messageWaiting, type Waiting } from '../domain/message-waiting.js';
import type { PacingSettings } from '../domain/pacing.js';
import { localDateTime, startOfLocalDay } from '../domain/sending-window.js';
import type { Channel, ChannelsRepository } from '../store/channels-repository.js';
import type { Clock } from '../clock.js';
import type { Message } from '../domain/message.js';
import type { MessageQueueRepository } from '../store/message-queue-repository.js';
import type { PacingService } from './pacing-service.js';

export interface MessageWaitingServiceOptions {
  readonly pacing: Pick<PacingService, 'get'>;
  readonly queue: Pick<MessageQueueRepository, 'sendHistory'>;
  readonly channels: Pick<ChannelsRepository, 'get'>;
  readonly clock: Clock;
  /** The kind of notification a message is, read from its metadata by whoever wrote it (an integration's reminder…). */
  readonly notificationKind?: (metadata: Record<string, unknown>) => string | null;
}

/** A waiting message's reason with the time zone its time is read in (the business's). */
export interface WaitingView extends Waiting {
  readonly timeZone: string;
  /** The time alone says when ("08:00"): later today, or the next opening within a day. */
  readonly timeOnly: boolean;
}

const DAY_MS = 86_400_000;

/** Whether "08:00" is enough, or the date is needed too ("Dec 7 09:24"). */
export function timeAloneSays(waiting: Waiting, now: Date, timeZone: string): boolean {
  if (!waiting.until) return true;
  const ahead = waiting.until.getTime() - now.getTime();
  if (ahead >= DAY_MS) return false;
  if (waiting.reason === 'quiet_hours' || waiting.reason === 'daily_limit') return true;
  const [a, b] = [localDateTime(now, timeZone), localDateTime(waiting.until, timeZone)];
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

// A channel whose device is linked: it sends (or will on its own after a network blip).
const LINKED = new Set<Channel['status']>(['connected', 'reconnecting', 'restricted']);

/**
 * Why each queued message of a page waits and until when (domain/message-waiting.ts fed with the
 * business's pacing, each channel's state and today's sends). One read per channel per call.
 */
export class MessageWaitingService {
  constructor(private readonly o: MessageWaitingServiceOptions) {}

  async of(tenantId: string, messages: readonly Message[]): Promise<Map<string, WaitingView>> {
    const out = new Map<string, WaitingView>();
    const queued = messages.filter((m) => m.status === 'queued');
    if (queued.length === 0) return out;
    const now = this.o.clock.now();
    const { settings, timeZone } = await this.o.pacing.get(tenantId);
    const channels = new Map<string, Promise<ChannelFacts | undefined>>();
    for (const m of queued) {
      if (!channels.has(m.channelId))
        channels.set(m.channelId, this.channelFacts(tenantId, m.channelId, settings, timeZone, now));
    }
    for (const m of queued) {
      const channel = await channels.get(m.channelId);
      if (!channel) continue;
      const waiting = messageWaiting({
        message: {
          status: m.status,
          sendAfter: m.sendAfter,
          urgent: m.urgent,
          kind: this.o.notificationKind?.(m.metadata) ?? null,
        },
        channel,
        pacing: settings,
        timeZone,
        now,
      });
      if (waiting) out.set(m.id, { ...waiting, timeZone, timeOnly: timeAloneSays(waiting, now, timeZone) });
    }
    return out;
  }

  private async channelFacts(
    tenantId: string,
    channelId: string,
    settings: PacingSettings,
    timeZone: string,
    now: Date,
  ): Promise<ChannelFacts | undefined> {
    const channel = await this.o.channels.get(tenantId, channelId);
    if (!channel) return undefined;
    // Only the day's count matters here; no recipient is asked about.
    const sentToday = settings.enabled
      ? (await this.o.queue.sendHistory(channelId, '', now, startOfLocalDay(now, timeZone))).sentSince
      : 0;
    return {
      pausedCause: channel.paused ? (channel.pausedCause ?? 'manual') : null,
      linked: LINKED.has(channel.status),
      sentToday,
      linkedAt: channel.linkedAt,
    };
  }
}

interface ChannelFacts {
  readonly pausedCause: 'manual' | 'removed' | null;
  readonly linked: boolean;
  readonly sentToday: number;
  readonly linkedAt: Date | null;
}
