/**
 * A TCP proxy in front of a server (PostgreSQL in the outage tests) that a test can make silent
 * (connections stay open, nothing passes, new ones are accepted and never answered) or refuse
 * (every connection dropped, the port closed), and then bring back on the same port.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Nothing passes either way until resume(); the sockets stay open, as in a network stall. */
  silence(): void;
  /** Every connection dropped and the port closed: new connections are refused. */
  refuse(): Promise<void>;
  /** Back to normal on the same port (after silence or refuse). */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let silent = false;
  const pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();
  const held: Socket[] = [];

  const join = (client: Socket): void => {
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined };
    pairs.add(pair);
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  };

  const onConnection = (client: Socket): void => {
    if (silent) {
      client.pause();
      client.on('error', () => client.destroy());
      held.push(client);
      return;
    }
    join(client);
  };

  let server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const dropAll = (): void => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream?.destroy();
    }
    pairs.clear();
    for (const client of held.splice(0)) client.destroy();
  };

  return {
    port,
    silence() {
      silent = true;
      for (const { client, upstream } of pairs) {
        if (!upstream) continue;
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async refuse() {
      silent = false;
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async resume() {
      const wasSilent = silent;
      silent = false;
      if (!server.listening) {
        server = createServer(onConnection);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', resolve);
        });
      }
      for (const { client, upstream } of wasSilent ? pairs : []) {
        if (!upstream) continue;
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const client of held.splice(0)) {
        join(client);
        client.resume();
      }
    },
    async close() {
      dropAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
