import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { hasLinkedDevice } from '../domain/channel-status.js';
import type { Channel, ChannelsRepository } from '../store/channels-repository.js';
import type { LinkEvent } from './channel-driver.js';
import { atClockTime } from './clock-timer.js';
import {
  NO_LINK_STATE,
  stallCause,
  type LinkAttempt,
  type LinkStall,
  type LiveLinkState,
} from './link-attempt.js';
import type { HostedChannel, LinkObserver, SessionHost } from './session-host.js';

export type { LinkAttempt, LinkStall, LinkStallCause, LiveLinkState } from './link-attempt.js';

export interface LinkWindowOptions {
  readonly host: SessionHost;
  readonly channels: ChannelsRepository;
  readonly logger: Logger;
  /** Every link timer (window, code renewal, grace, stall) runs on this clock. */
  readonly clock: Clock;
  readonly linkWindowMs: number;
  /** How often a pairing code is renewed (about once a minute). */
  readonly pairingCodeRenewMs?: number;
  /** How long one viewer's heartbeat counts as "still looking" (default 45 s: two missed 20 s beats). */
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
}

interface Attempt {
  readonly hosted: HostedChannel;
  readonly link: LinkAttempt;
  /** Who is looking: viewer key → lease end (epoch ms). A reload keeps its key (sessionStorage). */
  viewers: Map<string, number>;
  cancelWindow?: () => void;
  cancelCode?: () => void;
  /** Runs after the last viewer left; a viewer coming back within it cancels it. */
  cancelGrace?: () => void;
  cancelStall: Array<() => void>;
  /** The driver's last reconnect cause while linking: what a stall is put down to. */
  trouble: string | undefined;
  qrSequence: number;
}

/**
 * Linking while someone looks: each open QR window, QR page or code is a viewer with a lease; the
 * attempt (QR or pairing code, renewed) runs while a viewer holds one, for at most the link window,
 * and stops a short grace after the last viewer left. Everything here runs on this node; with
 * several nodes cluster/cluster-link-window.ts sends what a channel held elsewhere needs there.
 */
export class LinkWindow implements LinkObserver {
  private readonly attempts = new Map<string, Attempt>();
  private readonly ended = new Set<string>();

  constructor(private readonly o: LinkWindowOptions) {
    o.host.observeLinking(this);
  }

  private now(): number {
    return this.o.clock.now().getTime();
  }

  /** The channel's link state: this node's attempt (several nodes: else what the linking node relayed). */
  linkState(channelId: string): LiveLinkState {
    return this.localLinkState(channelId) ?? NO_LINK_STATE;
  }

  /** The link state of an attempt on this node (undefined: none here, nor one that ended here). */
  localLinkState(channelId: string): LiveLinkState | undefined {
    const attempt = this.attempts.get(channelId);
    if (attempt) return { link: attempt.link, linkWindowEnded: false };
    return this.ended.has(channelId) ? { link: undefined, linkWindowEnded: true } : undefined;
  }

  /** The business's channels on this node that are linking now (a QR or code on offer). */
  linkingChannelIds(tenantId: string): Set<string> {
    const ids = new Set<string>();
    for (const [id, attempt] of this.attempts) if (attempt.hosted.tenantId === tenantId) ids.add(id);
    return ids;
  }

  isLinking(channelId: string): boolean {
    return this.attempts.has(channelId);
  }

  /**
   * A viewer opened the QR window or page (or is still looking): link now, or keep the attempt
   * going. `viewer` keys its lease; `retry` starts a stalled attempt again at once.
   */
  async watch(channel: Channel, viewer = 'api', options: { retry?: boolean } = {}): Promise<void> {
    if (hasLinkedDevice(channel.status)) return;
    this.ended.delete(channel.id);
    const existing = this.attempts.get(channel.id);
    if (existing) {
      this.lease(existing, viewer);
      const { link } = existing;
      const waiting = !link.qr && !link.pairingCode && !link.needsPairingPhone;
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
    const attempt = this.attempts.get(channel.id);
    if (!attempt) return;
    attempt.viewers.delete(viewer);
    if (this.watching(attempt)) return;
    attempt.cancelGrace?.();
    attempt.cancelGrace = atClockTime(this.o.clock, this.now() + (this.o.viewerGraceMs ?? 15_000), () => {
      attempt.cancelGrace = undefined;
      if (!this.watching(attempt)) void this.endWindow(attempt, 'viewers_left');
    });
  }

  private get leaseMs(): number {
    return this.o.viewerLeaseMs ?? 45_000;
  }

  private lease(attempt: Attempt, viewer: string): void {
    const now = this.now();
    // Lapsed leases go first; then a bound, so a flood of made-up viewer keys cannot grow the map.
    for (const [key, until] of attempt.viewers) if (until <= now) attempt.viewers.delete(key);
    if (!attempt.viewers.has(viewer) && attempt.viewers.size >= 100) return;
    attempt.viewers.set(viewer, now + this.leaseMs);
    attempt.cancelGrace?.();
    attempt.cancelGrace = undefined;
  }

  private watching(attempt: Attempt): boolean {
    const now = this.now();
    for (const until of attempt.viewers.values()) if (until > now) return true;
    return false;
  }

  private current(attempt: Attempt): boolean {
    return this.attempts.get(attempt.hosted.channelId) === attempt && this.o.host.isCurrent(attempt.hosted);
  }

  private async startLinking(channel: Channel, viewers?: Map<string, number>): Promise<void> {
    // A restart (Retry, Reset, a mode change) keeps whoever is looking.
    const previous = this.drop(channel.id);
    const kept = viewers ?? previous?.viewers ?? new Map<string, number>();
    const hosted = await this.o.host.openForLinking(channel);
    // Settled before the attempt starts, so "Still connecting…" is timed from when WhatsApp is
    // asked, not from a version lookup before it (and the watch's answer does not wait a stall out).
    await hosted.driver.prepare?.();
    const attempt: Attempt = {
      hosted,
      link: { needsPairingPhone: false, windowEndsAt: 0, waitingSince: this.now() },
      viewers: kept,
      cancelStall: [],
      trouble: undefined,
      qrSequence: 0,
    };
    this.attempts.set(channel.id, attempt);
    this.armWindow(attempt);
    if (channel.linkMode === 'code') {
      attempt.link.needsPairingPhone = !channel.pairingPhone;
      await this.o.host.record(hosted, 'showing_code', 'viewer_opened');
      if (channel.pairingPhone) this.requestCode(attempt, channel.pairingPhone);
      return;
    }
    await this.o.host.record(hosted, 'showing_qr', 'viewer_opened');
    this.armStall(attempt);
    await hosted.driver.open();
  }

  onLink(hosted: HostedChannel, event: LinkEvent): void {
    const found = this.attempts.get(hosted.channelId);
    const attempt = found?.hosted === hosted ? found : undefined;
    switch (event.kind) {
      case 'qr': {
        if (!attempt || attempt.link.pairingCode || attempt.link.needsPairingPhone) return;
        this.clearStall(attempt);
        attempt.trouble = undefined;
        attempt.link.qr = {
          raw: event.raw,
          svg: event.svg,
          expiresAt: this.now() + event.ttlMs,
          ttlMs: event.ttlMs,
          sequence: ++attempt.qrSequence,
        };
        this.o.host.publish(hosted);
        return;
      }
      case 'linked':
        hosted.linkedAt = this.o.clock.now();
        void this.o.host.record(hosted, 'pairing', attempt?.link.pairingCode ? 'code_entered' : 'scanned', {
          phone: event.account.phone,
          platform: event.account.platform,
          business: event.account.business,
          linkedAt: hosted.linkedAt,
        });
        return;
      case 'passkey_required': {
        // WhatsApp wants a passkey check a server cannot do: the attempt says so (cause), in words
        // the owner can act on, instead of a QR that seems to work and never links.
        if (!attempt) return;
        const status = hosted.lastStatus === 'showing_code' ? 'showing_code' : 'showing_qr';
        void this.o.host.record(hosted, status, 'passkey_required', {}, true);
        return;
      }
    }
  }

  opened(hosted: HostedChannel): void {
    this.drop(hosted.channelId);
    this.ended.delete(hosted.channelId);
  }

  trouble(hosted: HostedChannel, cause: string): void {
    const attempt = this.attempts.get(hosted.channelId);
    if (!attempt) return;
    attempt.trouble = cause;
    // A stall already shown names what is known now: the failure can be learnt after the mark
    // (a refused connection reported late), and "no answer" would then blame the wrong side.
    const stalled = attempt.link.stalled;
    if (stalled && stalled.cause !== stallCause(cause)) {
      attempt.link.stalled = { ...stalled, cause: stallCause(cause) };
      this.o.host.publish(attempt.hosted);
    }
  }

  /** The driver's QRs ran out; while someone still looks, offer fresh ones. */
  async expired(hosted: HostedChannel): Promise<void> {
    const attempt = this.attempts.get(hosted.channelId);
    if (!attempt || attempt.link.pairingCode || this.now() >= attempt.link.windowEndsAt) return;
    delete attempt.link.qr;
    this.armStall(attempt);
    await hosted.driver.open();
  }

  dropped(channelId: string): void {
    this.drop(channelId);
  }

  private drop(channelId: string): Attempt | undefined {
    const attempt = this.attempts.get(channelId);
    if (!attempt) return undefined;
    this.attempts.delete(channelId);
    this.cancelTimers(attempt);
    return attempt;
  }

  private cancelTimers(attempt: Attempt): void {
    attempt.cancelWindow?.();
    attempt.cancelCode?.();
    attempt.cancelGrace?.();
    this.clearStall(attempt);
  }

  /** Times "Still connecting…" and then the named cause, until the next QR or code arrives. */
  private armStall(attempt: Attempt): void {
    this.clearStall(attempt);
    attempt.link.waitingSince = this.now();
    const mark = (stage: LinkStall['stage']) => () => {
      if (!this.current(attempt) || attempt.link.qr || attempt.link.pairingCode) return;
      attempt.link.stalled = { stage, cause: stallCause(attempt.trouble) };
      if (stage === 'stuck')
        this.o.logger.warn(
          {
            channelId: attempt.hosted.channelId,
            cause: attempt.link.stalled.cause,
            trouble: attempt.trouble,
          },
          'no QR or code from WhatsApp yet',
        );
      this.o.host.publish(attempt.hosted);
    };
    const now = this.now();
    attempt.cancelStall = [
      atClockTime(this.o.clock, now + (this.o.slowLinkMs ?? 10_000), mark('slow')),
      atClockTime(this.o.clock, now + (this.o.stuckLinkMs ?? 30_000), mark('stuck')),
    ];
  }

  private clearStall(attempt: Attempt): void {
    for (const cancel of attempt.cancelStall) cancel();
    attempt.cancelStall = [];
    delete attempt.link.stalled;
  }

  private requestCode(attempt: Attempt, phone: string): void {
    attempt.cancelCode?.();
    if (!attempt.link.pairingCode) this.armStall(attempt);
    attempt.hosted.driver.requestPairingCode(phone).then(
      (code) => {
        if (!this.current(attempt)) return;
        const renewMs = this.o.pairingCodeRenewMs ?? 60_000;
        this.clearStall(attempt);
        attempt.link.pairingCode = { code, expiresAt: this.now() + renewMs };
        attempt.link.needsPairingPhone = false;
        this.o.host.publish(attempt.hosted);
        // The code changes about once a minute while the window is open.
        attempt.cancelCode = atClockTime(this.o.clock, this.now() + renewMs, () => {
          if (this.current(attempt) && attempt.hosted.driver.state.status !== 'open')
            this.requestCode(attempt, phone);
        });
      },
      (err: unknown) =>
        this.o.logger.warn({ err, channelId: attempt.hosted.channelId }, 'pairing code request failed'),
    );
  }

  private armWindow(attempt: Attempt): void {
    attempt.link.windowEndsAt = this.now() + this.o.linkWindowMs;
    attempt.cancelWindow?.();
    attempt.cancelWindow = atClockTime(
      this.o.clock,
      attempt.link.windowEndsAt,
      () => void this.endWindow(attempt),
    );
    this.o.host.publish(attempt.hosted);
  }

  private async endWindow(
    attempt: Attempt,
    cause: 'link_window_ended' | 'viewers_left' = 'link_window_ended',
  ): Promise<void> {
    if (!this.current(attempt) || attempt.hosted.driver.state.status === 'open') return;
    // The status is written first, so no viewer sees "window ended" beside a stale "showing" status.
    this.cancelTimers(attempt);
    await this.o.host.record(attempt.hosted, 'not_linked', cause, {}, true);
    this.ended.add(attempt.hosted.channelId);
    await this.o.host.dispose(attempt.hosted);
    this.o.host.publish(attempt.hosted);
  }

  /** Switches QR ⇄ code; a live link attempt restarts in the new mode. */
  async modeChanged(channel: Channel): Promise<void> {
    if (this.attempts.has(channel.id)) await this.startLinking(channel);
  }

  async pairingPhoneChanged(channel: Channel): Promise<void> {
    const attempt = this.attempts.get(channel.id);
    if (attempt && channel.linkMode === 'code' && channel.pairingPhone) {
      attempt.link.needsPairingPhone = false;
      this.requestCode(attempt, channel.pairingPhone);
      this.o.host.publish(attempt.hosted);
    }
  }

  /** Reset: log the device out (the phone drops it), wipe its credentials, start over if someone looks. */
  async reset(channel: Channel): Promise<void> {
    const viewers = this.attempts.get(channel.id)?.viewers;
    await this.o.host.logoutAndForget(channel.id);
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
    this.o.host.publish({ tenantId: channel.tenantId, channelId: channel.id });
    if (viewers && updated) await this.startLinking(updated, viewers);
  }

  /** A deleted channel: its device logged out, its credentials wiped, nothing of its link attempt kept. */
  async deleted(channel: Channel): Promise<void> {
    await this.o.host.logoutAndForget(channel.id);
    this.drop(channel.id);
    this.ended.delete(channel.id);
  }
}
