// @ts-check
// Where an outbound notification stands: one list for the server (src/domain/message-status.ts
// re-exports it) and the browser (the message log's filter and rows), served as-is under /shared/.

/** Every message status, in the order the message log's filter lists them. */
export const MESSAGE_STATUSES = /** @type {const} */ ([
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
]);

/**
 * Where an outbound notification stands. The happy path is queued → sending → sent (the server
 * acked it) → delivered (the recipient's phone got it) → read; `failed` carries a typed reason.
 * @typedef {(typeof MESSAGE_STATUSES)[number]} MessageStatus
 */
