import { DEFAULT_CONNECTION_CONFIG, type WAVersion } from 'baileys';
import type { Logger } from 'pino';

/**
 * Which WhatsApp Web version the gateway's sockets announce. WhatsApp refuses versions it no
 * longer accepts (405 at login), and a pinned version takes a whole fleet down the day it moves,
 * so the version is resolved at start and again after a 405: a configured pin, or `auto` from the
 * text WhatsApp Web's service worker carries (`"client_revision":N` in web.whatsapp.com/sw.js).
 * The answer is cached and never goes below a built-in floor (the version this Baileys ships).
 */

/** The version this Baileys release was built against: never announce an older one. */
export const CLIENT_VERSION_FLOOR: WAVersion = [...DEFAULT_CONNECTION_CONFIG.version] as WAVersion;

/** WhatsApp Web's service worker, which carries the current client revision. */
export const WHATSAPP_VERSION_URL = 'https://web.whatsapp.com/sw.js';

export type ClientVersionSetting =
  { readonly kind: 'pin'; readonly version: WAVersion } | { readonly kind: 'auto'; readonly url: string };

export interface ClientVersionSource {
  /** The version to announce now (no I/O). */
  current(): WAVersion;
  /** Looks the version up again (auto) and returns the resolved one; concurrent calls share one fetch. */
  refresh(): Promise<WAVersion>;
  /** A pinned version never changes by itself: a refused pin needs the operator. */
  readonly pinned: boolean;
}

export interface ClientVersionOptions {
  readonly setting: ClientVersionSetting;
  readonly logger: Logger;
  readonly floor?: WAVersion;
  /** HTTP GET returning the body text (injectable; global fetch by default). */
  readonly fetchText?: (url: string, signal: AbortSignal) => Promise<string>;
  readonly timeoutMs?: number;
  /** Two lookups are at least this far apart (a fleet's 405s do not hammer the URL). */
  readonly minIntervalMs?: number;
  /**
   * Milliseconds for that spacing (tests pass their own). Real time by default, not the gateway's
   * Clock: the spacing protects the URL from real load, which a jump of a test clock does not make.
   */
  readonly now?: () => number;
}

/** "2.3000.1043857760" → [2, 3000, 1043857760]; undefined when it is not such a version. */
export function parseClientVersion(text: string): WAVersion | undefined {
  const match = /^(\d{1,4})\.(\d{1,6})\.(\d{1,12})$/.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The client revision in WhatsApp Web's sw.js text (as Baileys' fetchLatestWaWebVersion reads it). */
export function clientRevisionIn(text: string): number | undefined {
  const match = /\\?"client_revision\\?":\s*(\d+)/.exec(text);
  const revision = match?.[1] ? Number(match[1]) : undefined;
  return revision !== undefined && Number.isSafeInteger(revision) && revision > 0 ? revision : undefined;
}

export function compareVersions(a: WAVersion, b: WAVersion): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

const atLeast = (version: WAVersion, floor: WAVersion): WAVersion =>
  compareVersions(version, floor) < 0 ? floor : version;

/** The resolver the gateway uses: one per process, shared by every session. */
export class ResolvedClientVersion implements ClientVersionSource {
  readonly pinned: boolean;
  readonly #o: ClientVersionOptions;
  readonly #floor: WAVersion;
  readonly #now: () => number;
  #cached: WAVersion;
  #inFlight: Promise<WAVersion> | undefined;
  #lastLookup = -Infinity;

  constructor(options: ClientVersionOptions) {
    this.#o = options;
    this.#floor = options.floor ?? CLIENT_VERSION_FLOOR;
    this.#now = options.now ?? Date.now;
    this.pinned = options.setting.kind === 'pin';
    this.#cached = atLeast(
      options.setting.kind === 'pin' ? options.setting.version : this.#floor,
      this.#floor,
    );
    if (options.setting.kind === 'pin' && compareVersions(options.setting.version, this.#floor) < 0)
      options.logger.warn(
        { pinned: options.setting.version.join('.'), floor: this.#floor.join('.') },
        'WA_VERSION is older than this build supports; using the built-in floor',
      );
  }

  current(): WAVersion {
    return this.#cached;
  }

  refresh(): Promise<WAVersion> {
    const setting = this.#o.setting;
    if (setting.kind === 'pin') return Promise.resolve(this.#cached);
    if (this.#inFlight) return this.#inFlight;
    if (this.#now() - this.#lastLookup < (this.#o.minIntervalMs ?? 5_000))
      return Promise.resolve(this.#cached);
    this.#lastLookup = this.#now();
    this.#inFlight = this.#lookup(setting.url).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #lookup(url: string): Promise<WAVersion> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#o.timeoutMs ?? 10_000);
    try {
      const text = await (this.#o.fetchText ?? defaultFetchText)(url, controller.signal);
      const revision = clientRevisionIn(text);
      if (revision === undefined) {
        this.#o.logger.warn(
          { url: safeUrl(url) },
          'no client_revision in the WhatsApp version text; keeping the last version',
        );
        return this.#cached;
      }
      const next = atLeast([2, 3000, revision], this.#floor);
      if (compareVersions(next, this.#cached) !== 0)
        this.#o.logger.info(
          { from: this.#cached.join('.'), to: next.join('.') },
          'WhatsApp Web client version updated',
        );
      // Never back down: an older answer (a stale cache on the way) would only be refused again.
      if (compareVersions(next, this.#cached) > 0) this.#cached = next;
      return this.#cached;
    } catch (err) {
      this.#o.logger.warn(
        { err, url: safeUrl(url) },
        'could not look up the WhatsApp Web version; keeping the last one',
      );
      return this.#cached;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function defaultFetchText(url: string, signal: AbortSignal): Promise<string> {
  const response = await fetch(url, { signal, headers: { 'sec-fetch-site': 'none' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

/** A URL fit for a log line (no query string, which could carry a token). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'invalid URL';
  }
}
