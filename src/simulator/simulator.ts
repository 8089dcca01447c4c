import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { CertificateAuthority, generateKeyPair } from './certificate-authority.js';
import { controlApi } from './control-api.js';
import type { QrTiming } from './device-linking.js';
import type { NewPhone } from './directory.js';
import type { ReceiptTiming } from './message-relay.js';
import { SimulatedNetwork, type Fault } from './simulated-network.js';
import { SimulatorError } from './errors.js';
import type { SimulatorEvents } from './simulator-events.js';
import { KeepAlivePace } from './keep-alive-pace.js';
import { loadState, saveState, type StateAtStart, type StateCounts } from './state-file.js';
import type { SimulatorControl } from './control-surface.js';
import { VirtualPhone } from './virtual-phone.js';

export interface SimulatorOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** A saved root private key keeps the simulator's identity across restarts. */
  rootPrivateKey?: Buffer;
  qr?: Partial<QrTiming>;
  receipts?: Partial<ReceiptTiming>;
  /**
   * Keeps the registry (root key, accounts, linked devices and their keys) in this file: loaded at
   * start when it exists, written atomically by `saveState()` and at `stop()`. A gateway's linked
   * devices then log in again after a simulator restart, with no new scan.
   */
  stateFile?: string | undefined;
}

/** The real service's QR timing: the first ref lives 60 s, each later one 20 s, six in all. */
export const REAL_QR_TIMING: QrTiming = { firstRefTtlMs: 60_000, laterRefTtlMs: 20_000, refCount: 6 };

/** A running simulator: the protocol endpoint, the control API, and in-process access to both. */
export class Simulator implements SimulatorControl {
  private readonly phonesByNumber = new Map<string, VirtualPhone>();
  readonly keepAlivePace: KeepAlivePace;

  constructor(
    readonly network: SimulatedNetwork,
    readonly authority: CertificateAuthority,
    private readonly server: Server,
    private readonly sockets: WebSocketServer,
    readonly protocolUrl: string,
    readonly controlUrl: string,
    private readonly rootPrivateKey: Buffer,
    readonly stateAtStart: StateAtStart | undefined,
  ) {
    for (const account of network.directory.all())
      this.phonesByNumber.set(account.phone, new VirtualPhone(network, account));
    // On the machine's clock, not the network's: a benchmark compares it with its own windows.
    this.keepAlivePace = new KeepAlivePace(network.events);
  }

  /** Writes the state file (atomically); an error when the simulator was started without one. */
  async saveState(): Promise<StateCounts> {
    if (!this.stateAtStart) throw new SimulatorError('invalid_request', 'the simulator has no state file');
    return saveState(
      this.stateAtStart.file,
      this.rootPrivateKey,
      this.network.directory.all(),
      new Date(this.network.now()),
    );
  }

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
    this.keepAlivePace.stop();
    this.network.shutdown();
    // ws does not end open clients on close(): sockets still in their closing handshake would linger.
    for (const client of this.sockets.clients) client.terminate();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    // After the sockets closed: stanzas they had not acknowledged are back in the offline queues.
    if (this.stateAtStart) await this.saveState();
  }
}

/** Starts the WhatsApp network simulator on 127.0.0.1: WebSocket protocol at /ws/chat, control API at /. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = options.stateFile ? await loadState(options.stateFile) : undefined;
  const rootPrivateKey =
    state?.rootPrivateKey ?? options.rootPrivateKey ?? Buffer.from(generateKeyPair().private);
  const authority = CertificateAuthority.fromRootPrivateKey(rootPrivateKey);
  const network = new SimulatedNetwork(authority, {
    qr: { ...REAL_QR_TIMING, ...options.qr },
    receipts: { deliveryDelayMs: 20, readDelayMs: null, ...options.receipts },
    offlineQueueLimit: 10_000,
  });
  state?.restore(network.directory);
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
    rootPrivateKey,
    options.stateFile
      ? {
          file: options.stateFile,
          loaded: state !== undefined,
          accounts: state?.accounts ?? 0,
          devices: state?.devices ?? 0,
        }
      : undefined,
  );
  holder.simulator = simulator;
  return simulator;
}
