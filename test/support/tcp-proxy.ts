import { createServer, Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP relay to a real server that a test can turn into a black hole and back, to make
 * a database unreachable for one client without touching the shared stack. A black hole (accepts,
 * never answers) is the harsher outage: a client waits on it until its own timeout.
 */
export interface TcpProxy {
  port: number;
  /** Drops every relayed connection; new ones are accepted and never answered. */
  blackhole(): void;
  /** Relays new connections again. */
  restore(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let relaying = true;
  const track = (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  };
  const server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    if (!relaying) return;
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = () => { for (const sock of sockets) sock.destroy(); };
  return {
    port: (server.address() as AddressInfo).port,
    blackhole() {
      relaying = false;
      destroyAll();
    },
    restore() {
      relaying = true;
      destroyAll();
    },
    close: () => {
      destroyAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
