import { randomBytes } from 'node:crypto';
import { decodeBinaryNode, encodeBinaryNode, type BinaryNode } from 'baileys';
import type { WebSocket } from 'ws';
import type { CertificateAuthority } from './certificate-authority.js';
import { FrameReader, NoiseResponder, frame, type ClientHandshakeResult } from './noise-responder.js';

/** The server's JID, as every stanza from the service carries it. */
export const SERVER_JID = '@s.whatsapp.net';

interface PendingQuery {
  resolve(stanza: BinaryNode): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Builds a binary node (the XML-like stanza of the protocol). */
export function node(
  tag: string,
  attrs: Record<string, string> = {},
  content?: BinaryNode['content'],
): BinaryNode {
  return content === undefined ? { tag, attrs } : { tag, attrs, content };
}

export interface ConnectionHandlers {
  /** Called once the Noise handshake is done; the role (register or login) is decided by the network. */
  onHandshake(connection: ClientConnection, hello: ClientHandshakeResult): void;
  onNode(connection: ClientConnection, stanza: BinaryNode): void;
  onClose(connection: ClientConnection): void;
}

/**
 * One client socket: the Noise handshake, then encrypted binary nodes both ways. It knows nothing
 * of accounts; the network decides what a connection is.
 */
export class ClientConnection {
  private readonly reader = new FrameReader();
  private readonly noise: NoiseResponder;
  private stage: 'hello' | 'finish' | 'transport' = 'hello';
  private readonly pendingQueries = new Map<string, PendingQuery>();
  private closed = false;
  /** While set, the server neither answers nor sends anything on this socket (fault injection). */
  silent = false;
  /** Set by the network once the role is known. */
  role: { kind: 'pending' } | { kind: 'registration'; id: string } | { kind: 'device'; jid: string } = {
    kind: 'pending',
  };
  private stanzaCounter = 0;
  private readonly idPrefix = `srv-${randomBytes(3).toString('hex')}-`;

  constructor(
    private readonly socket: WebSocket,
    authority: CertificateAuthority,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.noise = new NoiseResponder(authority.serverStatic, authority.certChain);
    socket.on('message', (data: Buffer) => this.receive(data));
    socket.on('close', () => this.markClosed());
    socket.on('error', () => this.markClosed());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  nextId(): string {
    return this.idPrefix + (++this.stanzaCounter).toString(36);
  }

  private receive(data: Buffer): void {
    if (this.closed) return;
    for (const body of this.reader.push(data)) {
      try {
        this.receiveFrame(body);
      } catch {
        // A frame we cannot read means the peer speaks something else: drop it as the service would.
        this.terminate();
        return;
      }
    }
  }

  private receiveFrame(body: Buffer): void {
    if (this.stage === 'hello') {
      this.stage = 'finish';
      this.socket.send(frame(this.noise.respondToHello(body)));
      return;
    }
    if (this.stage === 'finish') {
      const hello = this.noise.receiveFinish(body);
      this.stage = 'transport';
      this.handlers.onHandshake(this, hello);
      return;
    }
    const plaintext = this.noise.decrypt(body);
    // Decoding is async (zlib), but frames must be handled in order: chain them.
    this.decodeChain = this.decodeChain
      .then(async () => {
        const stanza = await decodeBinaryNode(plaintext);
        if (this.closed || this.silent) return;
        const id = stanza.attrs.id;
        const waiter = id && stanza.tag === 'iq' ? this.pendingQueries.get(id) : undefined;
        if (waiter && id) {
          this.pendingQueries.delete(id);
          clearTimeout(waiter.timer);
          waiter.resolve(stanza);
          return;
        }
        this.handlers.onNode(this, stanza);
      })
      .catch(() => this.terminate());
  }
  private decodeChain: Promise<void> = Promise.resolve();

  send(stanza: BinaryNode): void {
    if (this.closed || this.silent) return;
    this.socket.send(frame(this.noise.encrypt(encodeBinaryNode(stanza))));
  }

  /** Sends an iq from the server and resolves with the client's answer (or rejects when the socket closes). */
  query(stanza: BinaryNode, timeoutMs = 30_000): Promise<BinaryNode> {
    const id = stanza.attrs.id ?? this.nextId();
    stanza.attrs.id = id;
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error('connection closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.pendingQueries.delete(id);
        reject(new Error(`client did not answer iq ${id}`));
      }, timeoutMs);
      this.pendingQueries.set(id, { resolve, reject, timer });
      this.send(stanza);
    });
  }

  /** Replies `result` to a client iq. */
  reply(request: BinaryNode, content?: BinaryNode['content'], extraAttrs: Record<string, string> = {}): void {
    this.send(
      node('iq', { from: SERVER_JID, type: 'result', id: request.attrs.id ?? '', ...extraAttrs }, content),
    );
  }

  /** Ends the stream with an error stanza, then closes the socket, as the service does. */
  endWithStreamError(content: BinaryNode): void {
    if (this.closed) return;
    this.silent = false;
    this.send(content);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.socket.close();
    this.markClosed();
  }

  /** Drops the TCP connection without a goodbye (fault: network loss). */
  terminate(): void {
    this.socket.terminate();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pendingQueries.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('connection closed'));
    }
    this.pendingQueries.clear();
    this.handlers.onClose(this);
  }
}

/** A stanza's `t` attribute: whole seconds since the epoch. */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/** The first child of a stanza, if it has children. */
export function firstChild(stanza: BinaryNode): BinaryNode | undefined {
  return Array.isArray(stanza.content) ? stanza.content[0] : undefined;
}

/** The service's answer to an iq it does not implement (501). */
export function notImplemented(connection: ClientConnection, stanza: BinaryNode): void {
  connection.send(
    node('iq', { from: SERVER_JID, type: 'error', id: stanza.attrs.id ?? '' }, [
      node('error', { code: '501', text: 'feature-not-implemented' }),
    ]),
  );
}
