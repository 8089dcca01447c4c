/**
 * A TCP proxy that holds everything it passes for `latencyMs` in each direction, in order (data,
 * end and close alike), as a network between the gateway and a distant server would. The
 * in-process simulator answers in microseconds; with a real round trip a handshake spans time, so
 * connections that run at once overlap as they would against WhatsApp.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LatencyProxy {
  readonly port: number;
  /** Where connections go; a connection that comes before it is set is closed. */
  target: { readonly host: string; readonly port: number } | undefined;
  /** How long each chunk is held, each way (0: passes at once). */
  latencyMs: number;
  close(): Promise<void>;
}

export async function startLatencyProxy(): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const target = proxy.target;
    if (!target) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  /** One direction: everything `from` says reaches `to` latencyMs later, never out of order. */
  const relay = (from: Socket, to: Socket): void => {
    let lastDue = 0;
    const later = (act: () => void): void => {
      const due = Math.max(performance.now() + proxy.latencyMs, lastDue);
      lastDue = due;
      const wait = due - performance.now();
      if (wait <= 0) act();
      else setTimeout(act, wait);
    };
    from.on('data', (chunk: Buffer) =>
      later(() => {
        if (!to.destroyed) to.write(chunk);
      }),
    );
    from.on('end', () => later(() => to.end()));
    from.on('close', () => later(() => to.destroy()));
    from.on('error', () => undefined); // the close that follows is relayed
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: LatencyProxy = {
    port: (server.address() as AddressInfo).port,
    target: undefined,
    latencyMs: 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
