// @ts-check
// The markup of everything that changes live (a channel's status, the QR window, a support row, the
// message log). One implementation for both sides: the server renders the first paint with it
// (pages.ts) and the browser re-renders with it on every update, so a live change looks exactly like
// a reload. Pure functions of their arguments only: no DOM, no globals. Types come from the JSDoc
// of each module (tsconfig.browser.json checks them; the server's tsc reads them).
export { CHANNEL_STATUSES, hasLinkedDevice, isEstablished, statusTone } from '../../shared/channel-status.js';
export * from './markup.js';
export * from './channel-views.js';
export * from './support-views.js';
export * from './message-views.js';
