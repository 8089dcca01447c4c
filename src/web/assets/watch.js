// @ts-check
/* global document, window, EventSource, sessionStorage, crypto */
// Staying live while someone looks: the viewer key, the watch heartbeat that keeps a link attempt
// (QR or code) going, and Server-Sent Events with resync after a reconnection.
import { hasLinkedDevice } from '../../shared/channel-status.js';

/**
 * @import { ChannelView } from '../channel-view.js'
 */

/** What a watch or unwatch call sends. @typedef {{ viewer: string, retry?: boolean }} WatchBody */

const HEARTBEAT_MS = 20_000;
// After a watch the server may need a moment to produce the first QR or code: "Preparing…" until then.
const STARTING_GRACE_MS = 15_000;

/**
 * This page's viewer key: the server counts each open window or page as one viewer (a lease renewed
 * by every heartbeat), so one viewer leaving does not stop linking for the others. A reload keeps
 * its key: the page hands it back to sessionStorage when it goes and takes it when it loads, so a
 * duplicated tab (which copies sessionStorage while the original still holds the key) gets its own.
 * @param {string} scope
 * @returns {string}
 */
export function viewerKey(scope) {
  const slot = `zg.viewer.${scope}`;
  let key = '';
  try {
    key = sessionStorage.getItem(slot) || '';
    sessionStorage.removeItem(slot);
  } catch {
    key = '';
  }
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(key)) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    key = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  window.addEventListener('pagehide', () => {
    try {
      sessionStorage.setItem(slot, key);
    } catch {
      // private mode without storage: a reload is a new viewer, and the server's grace covers it
    }
  });
  window.addEventListener('pageshow', (e) => {
    if (!e.persisted) return;
    try {
      sessionStorage.removeItem(slot);
    } catch {
      // nothing to take back
    }
  });
  return key;
}

/**
 * Keeps a link attempt alive while someone looks: watch now, again every 20 s while the page is
 * visible, unwatch on stop. When the link window ends (no link and not just started) it pauses
 * until the person asks for a new code (`again()`), so codes are made only for someone present.
 * `watch(body)` and `unwatch(keepalive, body)` get `{viewer, retry?}` to send.
 * @param {object} opts
 * @param {(body: WatchBody) => Promise<ChannelView | null | undefined>} opts.watch
 * @param {(keepalive: boolean, body: WatchBody) => void} opts.unwatch
 * @param {(view: ChannelView) => void} opts.onView
 * @param {(err: unknown) => void} opts.onError
 * @param {() => void} opts.onChange
 * @param {string} opts.viewer
 */
export function createWatcher({ watch, unwatch, onView, onError, onChange, viewer }) {
  let active = false;
  let timer = 0;
  let graceTimer = 0;
  let inflight = false;
  let startingUntil = 0;
  /** @type {ChannelView | null} */
  let lastView = null;

  const starting = () => Date.now() < startingUntil;
  const paused = () =>
    lastView !== null && !lastView.link && !hasLinkedDevice(lastView.status) && !starting();

  /**
   * @param {boolean} userAsked
   * @param {boolean} [retry]
   */
  async function beat(userAsked, retry) {
    if (userAsked) {
      startingUntil = Date.now() + STARTING_GRACE_MS;
      clearTimeout(graceTimer);
      graceTimer = setTimeout(onChange, STARTING_GRACE_MS + 100);
    }
    if (inflight) return;
    inflight = true;
    try {
      const view = await watch(retry ? { viewer, retry: true } : { viewer });
      if (active && view) onView(view);
    } catch (err) {
      startingUntil = 0;
      if (active) {
        onError(err);
        onChange();
      }
    } finally {
      inflight = false;
    }
  }

  function tick() {
    if (active && !paused() && document.visibilityState === 'visible') void beat(false);
  }
  document.addEventListener('visibilitychange', tick);

  return {
    get active() {
      return active;
    },
    get starting() {
      return starting();
    },
    start() {
      if (active) return;
      active = true;
      lastView = null;
      void beat(true);
      timer = setInterval(tick, HEARTBEAT_MS);
    },
    /** "Show a new code", or a new attempt after Reset. */
    again() {
      if (!active) {
        this.start();
        return;
      }
      void beat(true);
    },
    /** @param {boolean} [keepalive] */
    stop(keepalive) {
      if (!active) return;
      active = false;
      clearInterval(timer);
      clearTimeout(graceTimer);
      startingUntil = 0;
      lastView = null;
      unwatch(Boolean(keepalive), { viewer });
    },
    /** Retry: starts an attempt stuck waiting on WhatsApp again at once. */
    retry() {
      if (!active) {
        this.start();
        return;
      }
      void beat(true, true);
    },
    /** Feed every view of the watched channel (from watch answers and from events). */
    /** @param {ChannelView} view */
    observe(view) {
      if (view.link || hasLinkedDevice(view.status)) startingUntil = 0;
      lastView = view;
    },
  };
}

/**
 * Listens to `event: channel` Server-Sent Events. EventSource reconnects by itself; after any
 * (re)connection `onResync` reloads the state, since events sent while disconnected are lost.
 * @param {string} url
 * @param {(data: any) => void} onData the event's JSON (its shape is the stream's own)
 * @param {{ onResync: () => void, onLive: (live: boolean) => void, onClosed?: () => void }} handlers
 */
export function subscribe(url, onData, { onResync, onLive, onClosed }) {
  /** @type {EventSource | null} */
  let es = null;
  let retry = 0;
  let lostTimer = 0;
  let lost = false;
  let stopped = false;

  function connect() {
    if (stopped) return;
    const source = new EventSource(url);
    es = source;
    source.addEventListener('channel', (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      onData(data);
    });
    source.addEventListener('open', () => {
      clearTimeout(lostTimer);
      if (lost) {
        lost = false;
        onLive(true);
      }
      onResync();
    });
    source.addEventListener('error', () => {
      // Brief drops (a proxy recycling the stream) are not worth a banner.
      clearTimeout(lostTimer);
      lostTimer = setTimeout(() => {
        lost = true;
        onLive(false);
      }, 3_000);
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        clearTimeout(retry);
        retry = setTimeout(() => {
          if (onClosed) onClosed();
          connect();
        }, 5_000);
      }
    });
  }

  connect();
  window.addEventListener('pagehide', () => {
    clearTimeout(retry);
    clearTimeout(lostTimer);
    if (es) es.close();
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) connect();
  });
  return {
    close() {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(lostTimer);
      if (es) es.close();
    },
  };
}
