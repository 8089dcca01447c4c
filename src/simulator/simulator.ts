import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { CertificateAuthority } from './certificate-authority.js';
import { controlApi } from './control-api.js';
import type { QrTiming } from './device-linking.js';
import type { NewPhone } from './directory.js';
import type { ReceiptTiming } from './message-relay.js';
import { SimulatedNetwork, type Fault } from './simulated-network.js';
import type { SimulatorEvents } from './simulator-events.js';
import { VirtualPhone } from './virtual-phone.js';

export interface SimulatorOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** A saved root private key keeps the simulator's identity across restarts. */
  rootPrivateKey?: Buffer;
  qr?: Partial<QrTiming>;
  receipts?: Partial<ReceiptTiming>;
}

/** The real service's QR timing: the first ref lives 60 s, each later one 20 s, six in all. */
export const REAL_QR_TIMING: QrTiming = { firstRefTtlMs: 60_000, laterRefTtlMs: 20_000, refCount: 6 };

/** A running simulator: the protocol endpoint, the control API, and in-process access to both. */
export class Simulator {
  private readonly phonesByNumber = new Map<string, VirtualPhone>();

  constructor(
    readonly network: SimulatedNetwork,
    readonly authority: CertificateAuthority,
    private readonly server: Server,
    private readonly sockets: WebSocketServer,
    readonly protocolUrl: string,
    readonly controlUrl: string,
  ) {}

  get rootPublicKey(): Uint8Array {
    return this.authority.root.public;
  }

  get events(): SimulatorEvents {
    return this.network.events;
  }

  createPhone(spec: NewPhone): VirtualPhone {
    const phone = new VirtualPhone(this.network, this.network.directory.create(spec));
    this.phonesByNumber.set(phone.phone, phone);
    return phone;
  }

  phone(number: string): VirtualPhone {
    const account = this.network.directory.get(number);
    return this.phonesByNumber.get(account.phone)!;
  }

  phones(): VirtualPhone[] {
    return [...this.phonesByNumber.values()];
  }

  injectFault(fault: Fault): void {
    this.network.injectFault(fault);
  }

  async stop(): Promise<void> {
    this.network.shutdown();
    // ws does not end open clients on close(): sockets still in their closing handshake would linger.
    for (const client of this.sockets.clients) client.terminate();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts the WhatsApp network simulator on 127.0.0.1: WebSocket protocol at /ws/chat, control API at /. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const authority = options.rootPrivateKey
    ? CertificateAuthority.fromRootPrivateKey(options.rootPrivateKey)
    : new CertificateAuthority();
  const network = new SimulatedNetwork(authority, {
    qr: { ...REAL_QR_TIMING, ...options.qr },
    receipts: { deliveryDelayMs: 20, readDelayMs: null, ...options.receipts },
    offlineQueueLimit: 10_000,
  });
  const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  sockets.on('connection', (socket) => network.accept(socket));
  const holder: { simulator?: Simulator } = {};
  const listener = getRequestListener((request) => controlApi(holder.simulator!).fetch(request));
  const server = createServer((request, response) => void listener(request, response));
  server.on('upgrade', (request: IncomingMessage, socket, head) => {
    if (!request.url?.startsWith('/ws/chat')) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const simulator = new Simulator(
    network,
    authority,
    server,
    sockets,
    `ws://${host}:${port}/ws/chat`,
    `http://${host}:${port}`,
  );
  holder.simulator = simulator;
  return simulator;
}
