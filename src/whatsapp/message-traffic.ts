import type { BinaryNode, WAMessage, WAMessageUpdate, WASocket } from 'baileys';
import type { Logger } from 'pino';
import { statusFromServerAck, statusFromUpdate, toReceivedText } from './message-events.js';
import type { Refusal } from './refusal-cause.js';
import type { ReceivedText, MessageFailureReason, MessageStatusEvent } from './session-events.js';

/** Where one socket's message traffic goes. */
export interface MessageTrafficSink {
  status(event: MessageStatusEvent): void;
  inbound(message: ReceivedText): void;
}

const RECENT_FAILURES = 16;
const REFUSED_CODE = 463;

const REASON_BY_CAUSE: Record<Refusal['cause'], MessageFailureReason> = {
  timelock: 'restricted',
  misaddressed: 'misaddressed',
  no_token: 'no_token',
};

/**
 * Wires a socket's message signals to the sink: server acks (raw stanza, as Baileys ignores
 * positive acks), receipts and error acks (messages.update), inbound texts (messages.upsert).
 * `isCurrent` turns the wiring off once the session has moved on to another socket.
 */
export function attachMessageTraffic(
  sock: WASocket,
  isCurrent: () => boolean,
  sink: MessageTrafficSink,
  log: Logger,
  /** Works out why a 463 sent to `address` was refused (see classifyRefusal). */
  classify: (address: string) => Promise<Refusal>,
): void {
  // An error ack reaches us twice (Baileys' messages.update ERROR, then the raw ack): report once.
  const recentFailures: string[] = [];
  const report = (status: MessageStatusEvent, address: string | undefined): void => {
    if (status.status === 'failed') {
      // Keyed by address too: a misaddressed send goes again, same id, to the LID, and may fail again.
      const key = `${status.messageId}|${address ?? ''}`;
      if (recentFailures.includes(key)) return;
      recentFailures.push(key);
      if (recentFailures.length > RECENT_FAILURES) recentFailures.shift();
      if (status.errorCode === REFUSED_CODE && address) {
        void classified(status, address);
        return;
      }
    }
    sink.status(status);
  };
  const classified = async (status: MessageStatusEvent, address: string): Promise<void> => {
    const refusal = await classify(address);
    log.warn({ waMessageId: status.messageId, ...refusal }, 'WhatsApp refused a message with 463');
    // Reported even if the socket changed meanwhile: the refusal happened all the same.
    sink.status({ ...status, reason: REASON_BY_CAUSE[refusal.cause], refusal });
  };

  sock.ws.on('CB:ack,class:message', (node: BinaryNode) => {
    if (!isCurrent()) return;
    const status = statusFromServerAck(node);
    if (status) report(status, node.attrs.from);
  });

  sock.ev.on('messages.update', (updates: WAMessageUpdate[]) => {
    if (!isCurrent()) return;
    for (const update of updates) {
      const status = statusFromUpdate(update);
      if (status) report(status, update.key.remoteJid ?? undefined);
    }
  });

  sock.ev.on('messages.upsert', ({ messages }: { messages: WAMessage[] }) => {
    if (isCurrent()) void deliverInbound(sock, messages, isCurrent, sink, log);
  });
}

async function deliverInbound(
  sock: WASocket,
  messages: WAMessage[],
  isCurrent: () => boolean,
  sink: MessageTrafficSink,
  log: Logger,
): Promise<void> {
  const lidMapping = sock.signalRepository.lidMapping;
  for (const msg of messages) {
    try {
      // A text without WhatsApp's timestamp is dated when it arrived: the protocol driver has no
      // Clock (the gateway's clock is the schedulers'), and an arrival is a real-time event.
      const result = await toReceivedText(msg, (lid) => lidMapping.getPNForLID(lid), Date.now());
      if ('message' in result) {
        if (isCurrent()) sink.inbound(result.message);
      } else if (result.skipped === 'unknown_sender') {
        log.warn({ id: msg.key.id }, 'inbound message from a sender whose phone number is unknown');
      } else if (result.skipped === 'no_text') {
        log.debug({ id: msg.key.id, stub: msg.messageStubType }, 'ignoring a non-text inbound message');
      }
    } catch (err) {
      log.error({ err, id: msg.key.id }, 'could not process an inbound message');
    }
  }
}
