import type { BinaryNode } from 'baileys';
import type { ClientConnection } from './client-connection.js';

/**
 * Receipts and messages sent to a companion stay here until it acknowledges them; if the socket
 * dies first they go back to its offline queue, as the real service re-delivers unacked stanzas.
 */
export class UnackedStanzas {
  private readonly byConnection = new Map<
    ClientConnection,
    { companion: { offlineQueue: BinaryNode[] }; stanzas: Map<string, BinaryNode> }
  >();

  /** Sends `stanza` and, for a receipt or a message, keeps it until the companion acknowledges it. */
  send(connection: ClientConnection, companion: { offlineQueue: BinaryNode[] }, stanza: BinaryNode): void {
    if (stanza.tag === 'receipt' || stanza.tag === 'message') {
      let pending = this.byConnection.get(connection);
      if (!pending) {
        pending = { companion, stanzas: new Map() };
        this.byConnection.set(connection, pending);
      }
      // Kept without the offline flag: a re-delivery adds it again.
      const attrs = Object.fromEntries(Object.entries(stanza.attrs).filter(([key]) => key !== 'offline'));
      pending.stanzas.set(
        ackKey(stanza.tag, stanza.attrs.id, stanza.tag === 'receipt' ? stanza.attrs.type : undefined),
        { ...stanza, attrs },
      );
    }
    connection.send(stanza);
  }

  /** What the companion sent back: an ack of a receipt, or its own receipt for a message. */
  acknowledged(connection: ClientConnection, stanza: BinaryNode): void {
    const pending = this.byConnection.get(connection)?.stanzas;
    if (stanza.tag === 'ack' && stanza.attrs.class === 'receipt')
      pending?.delete(ackKey('receipt', stanza.attrs.id, stanza.attrs.type));
    else if (stanza.tag === 'receipt') pending?.delete(ackKey('message', stanza.attrs.id, undefined));
  }

  /** The socket closed: what it had not acknowledged goes back to the front of the offline queue. */
  requeue(connection: ClientConnection): void {
    const pending = this.byConnection.get(connection);
    if (!pending) return;
    this.byConnection.delete(connection);
    pending.companion.offlineQueue.unshift(...pending.stanzas.values());
  }
}

function ackKey(tag: string, id: string | undefined, type: string | undefined): string {
  return `${tag}:${id ?? ''}:${type ?? ''}`;
}
