import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import QRCode from 'qrcode';
import {
  hasLinkedDevice,
  type ChannelStatus,
  type NewChatCapFacts,
  type NewChatCapState,
  type RestrictionCause,
  type StatusCause,
} from '../domain/channel-status.js';
import { AppError } from '../domain/errors.js';
import { ChannelAuthStore } from '../whatsapp/channel-auth-store.js';
import type {
  Channel,
  ChannelsRepository,
  LinkedDeviceFacts,
  PausedCause,
} from '../store/channels-repository.js';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';
import type { ClientVersionSource } from '../whatsapp/client-version.js';
import { LinkedDeviceSession } from '../whatsapp/linked-device-session.js';
import type { ProtocolServer } from '../whatsapp/protocol-server-trust.js';
import type { InboundMessage, MessageStatusEvent, SessionState } from '../whatsapp/session-events.js';
import type { Metrics } from '../metrics.js';
import type { ChannelChanges } from './channel-changes.js';

/** What the delivery side hears from a channel's session. */
export interface SessionTraffic {
  onOpen(channel: { tenantId: string; channelId: string }): void;
  onMessageStatus(channel: { tenantId: string; channelId: string }, event: MessageStatusEvent): void;
  onInbound(channel: { tenantId: string; channelId: string }, message: InboundMessage): void;
  /** The channel's queue was resumed (by the business, or by a new link after a removal). */
  onResumed(channel: { tenantId: string; channelId: string }): void;
}

/** Why no QR or code has come yet, in words a business can act on. */
export type LinkStallCause =
  /** The gateway's connection to WhatsApp keeps failing (network, firewall, DNS, server down). */
  | 'unreachable'
  /** Connected, but WhatsApp sends nothing back. */
  | 'no_answer'
  /** WhatsApp answered with a server error (5xx). */
  | 'whatsapp_error'
  /** WhatsApp refused this client version (405); the gateway is looking for the current one. */
  | 'version_refused';

/**
 * A link attempt that has waited for its first QR or code: `slow` after `slowLinkMs` ("Still
 * connecting to WhatsApp…"), `stuck` after `stuckLinkMs` (the cause in words, and Retry).
 */
export interface LinkStall {
  stage: 'slow' | 'stuck';
  cause: LinkStallCause;
}

/** A live link attempt: codes are generated only while someone looks, until `windowEndsAt`. */
export interface LinkAttempt {
  qr?: { raw: string; svg: string; expiresAt: number; ttlMs: number; sequence: number };
  pairingCode?: { code: string; expiresAt: number };
  needsPairingPhone: boolean;
  windowEndsAt: number;
  /** When the gateway started waiting for WhatsApp's next QR or code (epoch ms). */
  waitingSince: number;
  stalled?: LinkStall;
}

export interface LiveLinkState {
  readonly link: LinkAttempt | undefined;
  readonly linkWindowEnded: boolean;
}

export interface ChannelRuntimeOptions {
  readonly db: Database;
  readonly channels: ChannelsRepository;
  readonly secrets: SecretBox;
  readonly changes: ChannelChanges;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly server: ProtocolServer | undefined;
  readonly linkWindowMs: number;
  readonly restoreStaggerMs: number;
  /** At most this many restored sessions opening at once. */
  readonly restoreConcurrency: number;
  readonly qrTimeoutMs: number | undefined;
  /** How often a pairing code is renewed (about once a minute, as the seed says). */
  readonly pairingCodeRenewMs?: number;
  /** After a 463 (reach-out timelock), how long the channel writes to no new contacts (default 24 h). */
  readonly restrictionMs?: number;
  /** The WhatsApp Web version sessions announce (resolved at start and after a 405). */
  readonly clientVersion?: ClientVersionSource;
  /** After a 405, how often the version is looked up again (default 30 s). */
  readonly versionCheckMs?: number;
  /** The text of a message a channel sent, by WhatsApp id (for recipients' retry receipts). */
  readonly storedText?: (channelId: string, waMessageId: string) => Promise<string | undefined>;
  /**
   * How long one viewer's heartbeat counts as "still looking" (default 45 s: two missed 20 s
   * heartbeats and some slack). Linking stops only when no viewer holds a lease.
   */
  readonly viewerLeaseMs?: number;
  /**
   * After the last viewer leaves, how long linking goes on anyway (default 15 s): a reload, or a
   * window closed and opened again, finds the same attempt, and a code being typed on the phone lives.
   */
  readonly viewerGraceMs?: number;
  /** Waiting this long for the first QR or code says "Still connecting to WhatsApp…" (default 10 s). */
  readonly slowLinkMs?: number;
  /** Waiting this long names the cause and offers Retry (default 30 s). */
  readonly stuckLinkMs?: number;
  /**
   * The name a newly linked device gets on the phone's Linked devices list, for a business (e.g.
   * "Zapgate · Salon Bella"); Baileys' "Chrome (Mac OS)" when unset. Fixed by WhatsApp at linking.
   */
  readonly deviceName?: (tenantId: string) => Promise<string>;
  readonly now?: () => number;
}

interface LiveChannel {
  readonly tenantId: string;
  readonly channelId: string;
  readonly session: LinkedDeviceSession;
  link: LinkAttempt | undefined;
  linkWindowEnded: boolean;
  windowTimer: NodeJS.Timeout | undefined;
  codeTimer: NodeJS.Timeout | undefined;
  /** Who is looking: viewer key → lease end (epoch ms). A reload keeps its key (sessionStorage). */
  viewers: Map<string, number>;
  /** Runs after the last viewer left; a viewer coming back within it cancels it. */
  graceTimer: NodeJS.Timeout | undefined;
  stallTimers: NodeJS.Timeout[];
  /** The session's last reconnect cause while linking: what a stall is put down to. */
  linkTrouble: string | undefined;
  qrSequence: number;
  linkedFacts: LinkedDeviceFacts | undefined;
  /** Status writes in order, one after the other. */
  writes: Promise<unknown>;
  lastStatus: ChannelStatus | undefined;
  /** After a 463: no new contacts until then (epoch ms). */
  restrictedUntil: number | undefined;
  /** What holds new contacts back: the reach-out timelock or the new-chat cap (undefined: unknown). */
  restrictedBy: RestrictionCause | undefined;
  restrictionTimer: NodeJS.Timeout | undefined;
  /** WhatsApp's monthly new-chat cap as it last said (stored; undefined: never said). */
  newChatCap: NewChatCapState | undefined;
}

/** Why a channel may not write to new contacts for now. */
export type { RestrictionCause };

/**
 * Holds the WhatsApp session of every channel this node serves: links (QR or code) while someone
 * looks, keeps linked channels connected, restores them after a restart, and records every status
 * change with its cause.
 */
export class ChannelRuntime {
  private readonly live = new Map<string, LiveChannel>();
  private readonly ended = new Set<string>();
  /** Channels whose queue is paused, and why (loaded at restore, kept with every change). */
  private readonly paused = new Map<string, PausedCause>();
  private readonly now: () => number;
  private stopping = false;
  private versionLookup: Promise<unknown> | undefined;
  private readonly restoreAbort = new AbortController();

  private traffic: SessionTraffic | undefined;

  constructor(private readonly o: ChannelRuntimeOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The delivery side listens to every session's statuses and inbound messages (set once by the wiring). */
  listen(traffic: SessionTraffic): void {
    this.traffic = traffic;
  }

  /** The runtime's clock (injected in tests). */
  currentTime(): Date {
    return new Date(this.now());
  }

  linkState(channelId: string): LiveLinkState {
    const live = this.live.get(channelId);
    return { link: live?.link, linkWindowEnded: live ? live.linkWindowEnded : this.ended.has(channelId) };
  }

  /** The business's channels on this node that are linking now (a socket showing a QR or code). */
  linkingChannelIds(tenantId: string): Set<string> {
    const ids = new Set<string>();
    for (const live of this.live.values())
      if (live.tenantId === tenantId && live.link) ids.add(live.channelId);
    return ids;
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** Channels on this node by WhatsApp's last word on their new-chat cap (for /metrics). */
  newChatCapCounts(): Map<NewChatCapState, number> {
    const counts = new Map<NewChatCapState, number>();
    for (const live of this.live.values())
      if (live.newChatCap) counts.set(live.newChatCap, (counts.get(live.newChatCap) ?? 0) + 1);
    return counts;
  }

  /** How many live sessions are in each driver status (for the metrics gauge). */
  sessionCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const live of this.live.values())
      counts.set(live.session.state.status, (counts.get(live.session.state.status) ?? 0) + 1);
    return counts;
  }

  /**
   * At start, before the gateway answers anyone: every channel whose session the previous process
   * held says "reconnecting" at once, not only when its turn in the restore's stagger comes (1,000
   * channels × 150 ms would leave the last one "connected" on a dead process's word for minutes).
   */
  async markRestoring(): Promise<number> {
    const all = await this.o.channels.listAllForSupport();
    const marked = await this.o.channels.markRestoring(
      all.filter((c) => c.status === 'connected' || c.status === 'restricted').map((c) => c.id),
    );
    for (const ref of marked) this.o.changes.publish(ref);
    return marked.length;
  }

  /**
   * Paces a restore by what WhatsApp answers as well as by the clock: while `restoreConcurrency`
   * restored sessions are still opening, the next waits. One that has not opened within 30 s (it
   * keeps retrying by itself) no longer holds a place, so a few dead numbers cannot stall the rest.
   */
  private async whileManyOpening(opening: Map<LiveChannel, number>): Promise<void> {
    for (;;) {
      const stale = this.now() - 30_000;
      for (const [live, startedAt] of opening)
        if (
          live.session.state.status === 'open' ||
          this.live.get(live.channelId) !== live ||
          startedAt < stale
        )
          opening.delete(live);
      if (opening.size < this.o.restoreConcurrency || this.stopping) return;
      await sleep(25, undefined, { signal: this.restoreAbort.signal }).catch(() => undefined);
    }
  }

  /** Ends a restore still under way (its stagger wait too): a stop must not wait for it. */
  stopRestoring(): void {
    this.stopping = true;
    this.restoreAbort.abort();
  }

  /** Reconnects every linked channel after a start, spaced out so they do not all hit WhatsApp at once. */
  async restoreAll(): Promise<number> {
    const all = await this.o.channels.listAllForSupport();
    for (const channel of all) if (channel.pausedCause) this.paused.set(channel.id, channel.pausedCause);
    let restored = 0;
    const opening = new Map<LiveChannel, number>();
    for (const channel of all) {
      if (this.stopping) break;
      if (channel.status === 'showing_qr' || channel.status === 'showing_code') {
        // A link attempt cut off by the restart: nobody is looking now, so no QR loop starts.
        await this.o.channels.changeStatus(channel.tenantId, channel.id, 'not_linked', 'restored');
        continue;
      }
      if (!hasLinkedDevice(channel.status) && channel.status !== 'pairing') continue;
      const creds = await new ChannelAuthStore(this.o.db, this.o.secrets, channel.id).loadCreds();
      if (!creds?.me) {
        await this.o.channels.changeStatus(channel.tenantId, channel.id, 'not_linked', 'restored');
        continue;
      }
      if (restored > 0 && this.o.restoreStaggerMs > 0)
        await sleep(this.o.restoreStaggerMs * (0.5 + Math.random()), undefined, {
          signal: this.restoreAbort.signal,
        }).catch(() => undefined);
      await this.whileManyOpening(opening);
      if (this.stopping) break;
      await this.versionResolved();
      const live = this.openSession(channel);
      // Honest until proven: a restored channel is "reconnecting" until its socket is really open
      // (already so when markRestoring ran at start; then this writes nothing).
      await this.record(live, 'reconnecting', 'restored');
      opening.set(live, this.now());
      void live.session
        .start()
        .catch((err: unknown) => this.o.logger.error({ err, channelId: channel.id }, 'restore failed'));
      restored++;
    }
    return restored;
  }

  /**
   * A viewer opened the QR window or page (or is still looking): link now, or keep the attempt
   * going. `viewer` keys the viewer's lease (one per open window or page); `retry` starts a stalled
   * attempt again at once.
   */
  async watch(channel: Channel, viewer = 'api', options: { retry?: boolean } = {}): Promise<void> {
    if (hasLinkedDevice(channel.status)) return;
    this.ended.delete(channel.id);
    const existing = this.live.get(channel.id);
    if (existing?.link) {
      this.lease(existing, viewer);
      const waiting = !existing.link.qr && !existing.link.pairingCode && !existing.link.needsPairingPhone;
      if (options.retry && waiting) await this.startLinking(channel);
      else this.armWindow(existing);
      return;
    }
    await this.startLinking(channel, new Map([[viewer, this.now() + this.leaseMs]]));
  }

  /**
   * A viewer left (closed the window, reloaded, navigated away). Linking goes on while another
   * viewer holds a lease; after the last one, it stops after a short grace (a reload comes back).
   */
  async unwatch(channel: Channel, viewer = 'api'): Promise<void> {
    const live = this.live.get(channel.id);
    if (!live?.link) return;
    live.viewers.delete(viewer);
    if (this.watching(live)) return;
    clearTimeout(live.graceTimer);
    live.graceTimer = setTimeout(() => {
      live.graceTimer = undefined;
      if (!this.watching(live)) void this.endWindow(live, 'viewers_left');
    }, this.o.viewerGraceMs ?? 15_000);
  }

  private get leaseMs(): number {
    return this.o.viewerLeaseMs ?? 45_000;
  }

  private lease(live: LiveChannel, viewer: string): void {
    const now = this.now();
    // Lapsed leases go first; then a bound, so a flood of made-up viewer keys cannot grow the map.
    for (const [key, until] of live.viewers) if (until <= now) live.viewers.delete(key);
    if (!live.viewers.has(viewer) && live.viewers.size >= 100) return;
    live.viewers.set(viewer, now + this.leaseMs);
    clearTimeout(live.graceTimer);
    live.graceTimer = undefined;
  }

  private watching(live: LiveChannel): boolean {
    const now = this.now();
    for (const until of live.viewers.values()) if (until > now) return true;
    return false;
  }

  /**
   * The version WhatsApp takes today, looked up once before the first session connects (bounded
   * by the lookup's timeout; the built-in floor otherwise). Later lookups follow 405s.
   */
  private versionResolved(): Promise<unknown> {
    this.versionLookup ??= this.o.clientVersion?.refresh() ?? Promise.resolve();
    return this.versionLookup;
  }

  private async startLinking(channel: Channel, viewers?: Map<string, number>): Promise<void> {
    await this.versionResolved();
    const existing = this.live.get(channel.id);
    // A restart (Retry, Reset, a mode change) keeps whoever is looking.
    const kept = viewers ?? existing?.viewers ?? new Map<string, number>();
    const browser = await this.linkingBrowser(channel);
    if (existing) await this.dispose(existing);
    const live = this.openSession(channel, browser);
    live.viewers = kept;
    live.link = { needsPairingPhone: false, windowEndsAt: 0, waitingSince: this.now() };
    this.armWindow(live);
    if (channel.linkMode === 'code') {
      if (!channel.pairingPhone) {
        live.link.needsPairingPhone = true;
        await this.record(live, 'showing_code', 'viewer_opened');
        return;
      }
      await this.record(live, 'showing_code', 'viewer_opened');
      this.requestCode(live, channel.pairingPhone);
      return;
    }
    await this.record(live, 'showing_qr', 'viewer_opened');
    this.armStall(live);
    await live.session.start();
  }

  /**
   * What a linking socket tells WhatsApp about itself: the phone lists the device by the first
   * element (the "os") and draws the second's icon. A lookup failure falls back to Baileys' default
   * rather than stopping the link.
   */
  private async linkingBrowser(channel: Channel): Promise<[string, string, string] | undefined> {
    if (!this.o.deviceName) return undefined;
    try {
      const name = (await this.o.deviceName(channel.tenantId)).trim();
      return name ? [name, 'Chrome', '1.0.0'] : undefined;
    } catch (err) {
      this.o.logger.warn({ err, channelId: channel.id }, 'could not name the linked device');
      return undefined;
    }
  }

  /** Times "Still connecting…" and then the named cause, until the next QR or code arrives. */
  private armStall(live: LiveChannel): void {
    this.clearStall(live);
    if (!live.link) return;
    live.link.waitingSince = this.now();
    const mark = (stage: LinkStall['stage']) => () => {
      if (this.live.get(live.channelId) !== live || !live.link) return;
      if (live.link.qr || live.link.pairingCode) return;
      live.link.stalled = { stage, cause: this.stallCause(live) };
      if (stage === 'stuck')
        this.o.logger.warn(
          { channelId: live.channelId, cause: live.link.stalled.cause, trouble: live.linkTrouble },
          'no QR or code from WhatsApp yet',
        );
      this.publish(live);
    };
    live.stallTimers = [
      setTimeout(mark('slow'), this.o.slowLinkMs ?? 10_000),
      setTimeout(mark('stuck'), this.o.stuckLinkMs ?? 30_000),
    ];
  }

  private clearStall(live: LiveChannel): void {
    for (const timer of live.stallTimers) clearTimeout(timer);
    live.stallTimers = [];
    if (live.link) delete live.link.stalled;
  }

  private stallCause(live: LiveChannel): LinkStallCause {
    switch (live.linkTrouble) {
      case undefined:
        return 'no_answer';
      case 'version_refused':
        return 'version_refused';
      case 'service_unavailable':
      case 'server_error':
        return 'whatsapp_error';
      default:
        return 'unreachable';
    }
  }

  private requestCode(live: LiveChannel, phone: string): void {
    clearTimeout(live.codeTimer);
    if (!live.link?.pairingCode) this.armStall(live);
    live.session.requestPairingCode(phone).then(
      (code) => {
        if (!live.link) return;
        const renewMs = this.o.pairingCodeRenewMs ?? 60_000;
        this.clearStall(live);
        live.link.pairingCode = { code, expiresAt: this.now() + renewMs };
        live.link.needsPairingPhone = false;
        this.publish(live);
        // The code changes about once a minute while the window is open.
        live.codeTimer = setTimeout(() => {
          if (live.link && this.live.get(live.channelId) === live && live.session.state.status !== 'open')
            this.requestCode(live, phone);
        }, renewMs);
      },
      (err: unknown) => this.o.logger.warn({ err, channelId: live.channelId }, 'pairing code request failed'),
    );
  }

  private armWindow(live: LiveChannel): void {
    if (!live.link) return;
    live.link.windowEndsAt = this.now() + this.o.linkWindowMs;
    clearTimeout(live.windowTimer);
    live.windowTimer = setTimeout(() => void this.endWindow(live), this.o.linkWindowMs);
    live.linkWindowEnded = false;
    this.publish(live);
  }

  private async endWindow(
    live: LiveChannel,
    cause: 'link_window_ended' | 'viewers_left' = 'link_window_ended',
  ): Promise<void> {
    if (this.live.get(live.channelId) !== live || !live.link) return;
    if (live.session.state.status === 'open') return;
    // The status is written first, so no viewer sees "window ended" beside a stale "showing" status.
    this.stopLinkTimers(live);
    await this.record(live, 'not_linked', cause, {}, true);
    this.ended.add(live.channelId);
    await this.dispose(live);
    this.publish(live);
  }

  /** Switches QR ⇄ code; a live link attempt restarts in the new mode. */
  async modeChanged(channel: Channel): Promise<void> {
    const live = this.live.get(channel.id);
    if (live?.link) await this.startLinking(channel);
  }

  async pairingPhoneChanged(channel: Channel): Promise<void> {
    const live = this.live.get(channel.id);
    if (live?.link && channel.linkMode === 'code' && channel.pairingPhone) {
      live.link.needsPairingPhone = false;
      this.requestCode(live, channel.pairingPhone);
      this.publish(live);
    }
  }

  /** Reset: log the device out (the phone drops it), wipe its credentials, start over if someone looks. */
  async reset(channel: Channel): Promise<void> {
    const live = this.live.get(channel.id);
    const watching = Boolean(live?.link);
    if (live) {
      this.live.delete(channel.id);
      this.stopLinkTimers(live);
      live.link = undefined;
      await live.session
        .logout()
        .catch((err: unknown) =>
          this.o.logger.warn({ err, channelId: channel.id }, 'logout during reset failed'),
        );
    }
    await new ChannelAuthStore(this.o.db, this.o.secrets, channel.id).clear();
    this.ended.delete(channel.id);
    const updated = await this.o.channels.changeStatus(channel.tenantId, channel.id, 'not_linked', 'reset', {
      phone: null,
      platform: null,
      business: null,
      linkedAt: null,
      restrictedUntil: null,
      restrictedBy: null,
      newChatCap: null,
    });
    this.o.changes.publish({ tenantId: channel.tenantId, channelId: channel.id });
    if (watching && updated) await this.startLinking(updated, live?.viewers);
  }

  private openSession(channel: Channel, browser?: [string, string, string]): LiveChannel {
    const session = new LinkedDeviceSession({
      channelId: channel.id,
      ...(browser ? { browser } : {}),
      authStore: new ChannelAuthStore(this.o.db, this.o.secrets, channel.id),
      logger: this.o.logger,
      ...(this.o.server ? { server: this.o.server } : {}),
      ...(this.o.qrTimeoutMs ? { qrTimeoutMs: this.o.qrTimeoutMs } : {}),
      ...(this.o.clientVersion ? { clientVersion: this.o.clientVersion } : {}),
      ...(this.o.versionCheckMs ? { versionCheckMs: this.o.versionCheckMs } : {}),
      ...(this.o.storedText ? { storedText: (id: string) => this.o.storedText!(channel.id, id) } : {}),
    });
    const live: LiveChannel = {
      tenantId: channel.tenantId,
      channelId: channel.id,
      session,
      link: undefined,
      linkWindowEnded: false,
      windowTimer: undefined,
      codeTimer: undefined,
      viewers: new Map(),
      graceTimer: undefined,
      stallTimers: [],
      linkTrouble: undefined,
      qrSequence: 0,
      linkedFacts: undefined,
      writes: Promise.resolve(),
      lastStatus: channel.status,
      restrictedUntil: channel.restrictedUntil?.getTime(),
      // Stored with the restriction: after a restart a cap's restriction is still the cap's.
      restrictedBy: channel.restrictedBy ?? undefined,
      restrictionTimer: undefined,
      newChatCap: channel.newChatCap?.state,
    };
    this.live.set(channel.id, live);
    session.on('qr', ({ qr, ttlMs }) => void this.onQr(live, qr, ttlMs));
    // WhatsApp wants a passkey check a server cannot do: the link attempt says so (cause), in words
    // the owner can act on, instead of a QR that seems to work and never links.
    session.on('passkey_required', () => {
      if (!live.link || this.live.get(live.channelId) !== live) return;
      const status = live.lastStatus === 'showing_code' ? 'showing_code' : 'showing_qr';
      void this.record(live, status, 'passkey_required', {}, true);
    });
    session.on('linked', (facts) => {
      live.linkedFacts = {
        phone: facts.phone,
        platform: facts.platform,
        business: facts.business,
        linkedAt: new Date(this.now()),
      };
      void this.record(
        live,
        'pairing',
        live.link?.pairingCode ? 'code_entered' : 'scanned',
        live.linkedFacts,
      );
    });
    session.on('state', (state) => void this.onState(live, state));
    session.on('resend_requested', ({ found }) =>
      this.o.metrics?.resends.inc({ outcome: found ? 'resent' : 'unknown' }),
    );
    // WhatsApp's own word on the reach-out timelock (a notification, or its answer after a 463).
    session.on('reachout_timelock', ({ active, until }) => {
      const ref = { tenantId: channel.tenantId, channelId: channel.id };
      const done = active ? this.restrict(ref, until) : this.liftRestriction(ref, 'reach_out_timelock');
      done.catch((err: unknown) =>
        this.o.logger.error({ err, channelId: channel.id }, 'could not record the reach-out timelock'),
      );
    });
    // WhatsApp's monthly new-chat cap: at the cap, first contacts wait for the next cycle.
    session.on('new_chat_cap', (cap) => {
      const ref = { tenantId: channel.tenantId, channelId: channel.id };
      this.o.metrics?.newChatCap.inc({ status: cap.status });
      if (cap.status !== 'none')
        this.o.logger.warn({ channelId: channel.id, ...cap }, 'WhatsApp new-chat cap');
      live.newChatCap = cap.status;
      const facts: NewChatCapFacts = {
        state: cap.status,
        used: cap.used ?? null,
        quota: cap.total ?? null,
        resetsAt: cap.cycleEndsAt !== undefined ? new Date(cap.cycleEndsAt) : null,
        updatedAt: new Date(this.now()),
      };
      const done = this.o.channels
        .setNewChatCap(channel.tenantId, channel.id, facts)
        .then(() => this.o.changes.publish(ref))
        .then(() =>
          cap.status === 'capped'
            ? this.restrict(ref, cap.cycleEndsAt ?? this.now() + 24 * 3_600_000, 'new_chats_capped')
            : this.liftRestriction(ref, 'new_chats_capped'),
        );
      done.catch((err: unknown) =>
        this.o.logger.error({ err, channelId: channel.id }, 'could not record the new-chat cap'),
      );
    });
    const channelRef = { tenantId: channel.tenantId, channelId: channel.id };
    session.on('message_status', (event) => this.traffic?.onMessageStatus(channelRef, event));
    session.on('inbound', (message) => this.traffic?.onInbound(channelRef, message));
    return live;
  }

  private async onQr(live: LiveChannel, raw: string, ttlMs: number): Promise<void> {
    if (!live.link || live.link.pairingCode || live.link.needsPairingPhone) return;
    const svg = await QRCode.toString(raw, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    if (!live.link) return;
    this.clearStall(live);
    live.linkTrouble = undefined;
    live.link.qr = { raw, svg, expiresAt: this.now() + ttlMs, ttlMs, sequence: ++live.qrSequence };
    this.publish(live);
  }

  private async onState(live: LiveChannel, state: SessionState): Promise<void> {
    if (state.status === 'reconnecting') this.o.metrics?.reconnects.inc({ cause: state.cause });
    if (this.live.get(live.channelId) !== live) return;
    switch (state.status) {
      case 'open': {
        this.stopLinkTimers(live);
        live.link = undefined;
        live.linkWindowEnded = false;
        const restored =
          live.lastStatus === 'connected' ||
          live.lastStatus === 'reconnecting' ||
          live.lastStatus === 'restricted';
        // A new link after the device was removed on the phone resumes the queue it paused.
        const resumes = !restored && this.paused.get(live.channelId) === 'removed';
        if (resumes) this.paused.delete(live.channelId);
        const restricted = live.restrictedUntil !== undefined && live.restrictedUntil > this.now();
        if (!restricted) {
          live.restrictedUntil = undefined;
          live.restrictedBy = undefined;
        }
        const channelRef = { tenantId: live.tenantId, channelId: live.channelId };
        this.traffic?.onOpen(channelRef);
        // Still restricted after a reconnect or a restart: the status says by what (stored with it).
        const cause = restricted
          ? (live.restrictedBy ?? 'reach_out_timelock')
          : restored
            ? 'restored'
            : 'opened';
        await this.record(live, restricted ? 'restricted' : 'connected', cause, {
          phone: state.me.phone,
          platform: state.platform,
          business: state.business,
          ...(live.linkedFacts?.linkedAt ? { linkedAt: live.linkedFacts.linkedAt } : {}),
          ...(resumes ? { paused: null } : {}),
          ...(restricted ? {} : { restrictedUntil: null, restrictedBy: null }),
        });
        if (restricted) this.armRestrictionEnd(live);
        if (resumes) this.traffic?.onResumed(channelRef);
        return;
      }
      case 'reconnecting':
        if (live.link) live.linkTrouble = state.cause;
        if (state.cause === 'version_refused') {
          // Typed, counted and said on the status: "WhatsApp refused this client version — updating".
          if (state.attempt === 1) this.o.metrics?.versionRefusals.inc();
          if (!live.link) await this.record(live, 'reconnecting', 'version_refused', {}, state.attempt === 1);
          return;
        }
        if (!live.link) await this.record(live, 'reconnecting', 'connection_lost');
        return;
      case 'removed': {
        this.stopLinkTimers(live);
        this.live.delete(live.channelId);
        live.link = undefined;
        // Nothing can be sent until the phone links again: the queue waits, paused and flagged.
        const pause = this.paused.has(live.channelId)
          ? {}
          : { paused: { cause: 'removed' as const, at: new Date(this.now()) } };
        if (!this.paused.has(live.channelId)) this.paused.set(live.channelId, 'removed');
        await this.record(
          live,
          'removed',
          state.reason === 'login_refused' ? 'login_refused' : 'device_removed',
          pause,
          true,
        );
        return;
      }
      case 'replaced':
        this.stopLinkTimers(live);
        this.live.delete(live.channelId);
        await this.record(live, 'replaced', 'replaced', {}, true);
        return;
      case 'qr_expired':
        // The socket's refs ran out; while someone still looks, offer fresh ones.
        if (live.link && !live.link.pairingCode && this.now() < live.link.windowEndsAt) {
          live.link.qr = undefined;
          this.armStall(live);
          await live.session.start();
        }
        return;
      case 'awaiting_scan':
      case 'pairing_code':
      case 'connecting':
      case 'idle':
      case 'stopped':
        return;
    }
  }

  /** Persists a status change (in order per channel) and tells viewers. */
  private record(
    live: LiveChannel,
    status: ChannelStatus,
    cause: StatusCause,
    facts: LinkedDeviceFacts = {},
    force = false,
  ): Promise<unknown> {
    live.writes = live.writes
      .then(async () => {
        if (!force && live.lastStatus === status && Object.keys(facts).length === 0) return;
        live.lastStatus = status;
        await this.o.channels.changeStatus(live.tenantId, live.channelId, status, cause, facts);
        this.o.metrics?.channelStatusChanges.inc({ status, cause });
        this.publish(live);
      })
      .catch((err: unknown) =>
        this.o.logger.error(
          { err, channelId: live.channelId, status },
          'could not record the channel status',
        ),
      );
    return live.writes;
  }

  private publish(live: LiveChannel): void {
    this.o.changes.publish({ tenantId: live.tenantId, channelId: live.channelId });
  }

  private stopLinkTimers(live: LiveChannel): void {
    clearTimeout(live.windowTimer);
    clearTimeout(live.codeTimer);
    clearTimeout(live.restrictionTimer);
    clearTimeout(live.graceTimer);
    this.clearStall(live);
    live.graceTimer = undefined;
    live.windowTimer = undefined;
    live.codeTimer = undefined;
    live.restrictionTimer = undefined;
  }

  /**
   * WhatsApp answered a send with 463 (reach-out timelock): the channel writes to no new contacts
   * for a while, says so on its status, and goes back to "connected" by itself afterwards.
   */
  async restrict(
    channel: { tenantId: string; channelId: string },
    whatsappUntil?: number,
    cause: RestrictionCause = 'reach_out_timelock',
  ): Promise<void> {
    const live = this.live.get(channel.channelId);
    // WhatsApp's end time when it said one; otherwise a restriction already running stands.
    if (
      whatsappUntil === undefined &&
      live?.restrictedUntil !== undefined &&
      live.restrictedUntil > this.now()
    )
      return;
    if (whatsappUntil !== undefined && live?.restrictedUntil === whatsappUntil && live.restrictedBy === cause)
      return;
    const until = whatsappUntil ?? this.now() + (this.o.restrictionMs ?? 24 * 3_600_000);
    if (!live) {
      await this.o.channels.setRestrictedUntil(channel.tenantId, channel.channelId, new Date(until), cause);
      return;
    }
    live.restrictedUntil = until;
    live.restrictedBy = cause;
    await this.record(
      live,
      'restricted',
      cause,
      { restrictedUntil: new Date(until), restrictedBy: cause },
      true,
    );
    this.armRestrictionEnd(live);
    this.o.logger.warn(
      { channelId: channel.channelId, restrictedUntil: new Date(until).toISOString(), cause },
      'WhatsApp restricted new chats: no messages to new contacts until the restriction ends',
    );
  }

  /** WhatsApp says the timelock (or the cap) is over: new contacts are written to again. */
  async liftRestriction(
    channel: { tenantId: string; channelId: string },
    cause: RestrictionCause,
  ): Promise<void> {
    const live = this.live.get(channel.channelId);
    if (!live || live.restrictedUntil === undefined) return;
    // The end of one cause does not lift the other (a restored restriction's cause is unknown: the
    // timelock, as before).
    if ((live.restrictedBy ?? 'reach_out_timelock') !== cause) return;
    live.restrictedUntil = undefined;
    live.restrictedBy = undefined;
    clearTimeout(live.restrictionTimer);
    live.restrictionTimer = undefined;
    if (live.lastStatus === 'restricted')
      await this.record(live, 'connected', 'restriction_ended', {
        restrictedUntil: null,
        restrictedBy: null,
      });
    else await this.o.channels.setRestrictedUntil(live.tenantId, live.channelId, null);
  }

  /** What holds the channel's new contacts back (undefined: not restricted, or not known). */
  restrictedBy(channelId: string): RestrictionCause | undefined {
    return this.restrictedUntil(channelId) ? this.live.get(channelId)?.restrictedBy : undefined;
  }

  /** Until when the channel may not write to new contacts (undefined: it may). */
  restrictedUntil(channelId: string): Date | undefined {
    const until = this.live.get(channelId)?.restrictedUntil;
    return until !== undefined && until > this.now() ? new Date(until) : undefined;
  }

  private armRestrictionEnd(live: LiveChannel): void {
    clearTimeout(live.restrictionTimer);
    if (live.restrictedUntil === undefined) return;
    live.restrictionTimer = setTimeout(
      () => {
        if (this.live.get(live.channelId) !== live) return;
        if (live.restrictedUntil !== undefined && live.restrictedUntil > this.now()) {
          this.armRestrictionEnd(live);
          return;
        }
        live.restrictedUntil = undefined;
        live.restrictedBy = undefined;
        if (live.lastStatus === 'restricted')
          void this.record(live, 'connected', 'restriction_ended', {
            restrictedUntil: null,
            restrictedBy: null,
          });
        else
          void this.o.channels
            .setRestrictedUntil(live.tenantId, live.channelId, null)
            .catch((err: unknown) =>
              this.o.logger.error({ err, channelId: live.channelId }, 'could not end the restriction'),
            );
      },
      Math.min(Math.max(0, live.restrictedUntil - this.now()), 2 ** 31 - 1),
    );
  }

  /** Is the channel's queue paused (by the business, or because the device was removed)? */
  isPaused(channelId: string): boolean {
    return this.paused.has(channelId);
  }

  /** Pauses or resumes a channel's queue; the sender stops before its next message, or starts again. */
  async setPaused(channel: Channel, paused: boolean): Promise<Channel> {
    const updated = await this.o.channels.setPaused(
      channel.tenantId,
      channel.id,
      paused ? { cause: 'manual', at: new Date(this.now()) } : null,
    );
    if (!updated) throw new AppError('not_found', 'No such channel.', { details: { channelId: channel.id } });
    if (paused) this.paused.set(channel.id, 'manual');
    else this.paused.delete(channel.id);
    this.o.changes.publish({ tenantId: channel.tenantId, channelId: channel.id });
    if (!paused) this.traffic?.onResumed({ tenantId: channel.tenantId, channelId: channel.id });
    return updated;
  }

  /** A deleted channel: its session is logged out and forgotten. */
  async forget(channel: Channel): Promise<void> {
    const live = this.live.get(channel.id);
    if (live) {
      this.stopLinkTimers(live);
      this.live.delete(channel.id);
      live.link = undefined;
      await live.session
        .logout()
        .catch((err: unknown) =>
          this.o.logger.warn({ err, channelId: channel.id }, 'logout on delete failed'),
        );
    }
    this.paused.delete(channel.id);
    this.ended.delete(channel.id);
    await new ChannelAuthStore(this.o.db, this.o.secrets, channel.id).clear();
  }

  private async dispose(live: LiveChannel): Promise<void> {
    this.stopLinkTimers(live);
    if (this.live.get(live.channelId) === live) this.live.delete(live.channelId);
    live.link = undefined;
    await live.session.stop();
  }

  /** The open session of a channel, for sending (the delivery queue uses it). */
  session(channelId: string): LinkedDeviceSession {
    const live = this.live.get(channelId);
    if (!live || live.session.state.status !== 'open') {
      throw new AppError('session_not_open', 'The WhatsApp channel is not connected.', {
        details: { channelId },
      });
    }
    return live.session;
  }

  async stopAll(): Promise<void> {
    this.stopRestoring();
    await Promise.all([...this.live.values()].map((live) => this.dispose(live)));
    await Promise.all([...this.live.values()].map((live) => live.writes));
  }
}
