// @ts-check
// Where a WhatsApp channel stands, and the rules the pages draw from it. One module for the server
// (src/domain/channel-status.ts re-exports it) and the browser (served as-is under /shared/): plain
// JavaScript checked from its JSDoc, so both run the same code without a build step.

/** Every status a channel can be in. */
export const CHANNEL_STATUSES = /** @type {const} */ ([
  'not_linked',
  'showing_qr',
  'showing_code',
  'pairing',
  'connected',
  'reconnecting',
  'removed',
  'replaced',
  'restricted',
]);

/** @typedef {(typeof CHANNEL_STATUSES)[number]} ChannelStatus */

/** The colour a status is shown in. @typedef {'green' | 'amber' | 'red'} StatusTone */

/**
 * A device is linked (credentials exist), whether or not the socket is up now.
 * @param {ChannelStatus} status
 * @returns {boolean}
 */
export function hasLinkedDevice(status) {
  return status === 'connected' || status === 'reconnecting' || status === 'restricted';
}

/**
 * Linked and up: "Connection established" (a restriction limits new contacts, not the link).
 * @param {ChannelStatus} status
 * @returns {boolean}
 */
export function isEstablished(status) {
  return status === 'connected' || status === 'restricted';
}

/**
 * The WhatsApp block's colour: green when linked and up, amber while reconnecting, red otherwise.
 * @param {ChannelStatus} status
 * @returns {StatusTone}
 */
export function statusTone(status) {
  switch (status) {
    case 'connected':
    case 'restricted':
      return 'green';
    case 'reconnecting':
    case 'pairing':
      return 'amber';
    case 'not_linked':
    case 'showing_qr':
    case 'showing_code':
    case 'removed':
    case 'replaced':
      return 'red';
  }
}
