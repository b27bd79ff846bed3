import { createServer, Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP relay to a real server that a test can turn into a black hole and back, to make
 * a database unreachable for one client without touching the shared stack. A black hole (accepts,
 * never answers) is the harsher outage: a client waits on it until its own timeout. Holding
 * keeps new connections waiting until release, to keep an operation in flight as long as a test needs.
 */
export interface TcpProxy {
  port: number;
  /** Drops every relayed connection; new ones are accepted and never answered. */
  blackhole(): void;
  /** Drops every relayed connection and closes new ones at once, as a server that refuses them. */
  refuse(): void;
  /** Relays new connections again. */
  restore(): void;
  /** New connections are accepted and wait, their bytes buffered, until release(). */
  hold(): void;
  /** Relays the held connections and new ones. */
  release(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: 'relay' | 'blackhole' | 'refuse' | 'hold' = 'relay';
  const held: Socket[] = [];
  const track = (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  };
  const relay = (client: Socket) => {
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  };
  const server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    if (mode === 'relay') relay(client);
    else if (mode === 'hold') held.push(client);
    else if (mode === 'refuse') client.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = () => {
    for (const sock of sockets) sock.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    blackhole() {
      mode = 'blackhole';
      destroyAll();
    },
    refuse() {
      mode = 'refuse';
      destroyAll();
    },
    restore() {
      mode = 'relay';
      destroyAll();
    },
    hold() {
      mode = 'hold';
    },
    release() {
      mode = 'relay';
      for (const client of held.splice(0)) if (!client.destroyed) relay(client);
    },
    close: () => {
      destroyAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
