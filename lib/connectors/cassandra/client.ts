import { auth, Client } from 'cassandra-driver';
import type { ResolvedConnection } from '../../connections';
import { onCloseAllClients } from '../clients';
import { parseCassandraUrl } from './url';

const clients = new Map<string, Promise<Client>>();
const CONNECT_TIMEOUT_MS = Number(process.env.SWITCHYARD_CONNECT_TIMEOUT_MS || 5000);

/**
 * One connected client per connection URL per process, bigint and varint as JS bigint so an int64
 * never passes through a double. A failed connect is not cached: the next call dials again.
 */
export function cassandraClient(conn: ResolvedConnection): Promise<Client> {
  let client = clients.get(conn.url);
  if (!client) {
    const where = parseCassandraUrl(conn.url);
    const c = new Client({
      contactPoints: where.contactPoints,
      localDataCenter: where.localDataCenter,
      socketOptions: { connectTimeout: CONNECT_TIMEOUT_MS },
      encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
      ...(where.username ? { authProvider: new auth.PlainTextAuthProvider(where.username, where.password ?? '') } : {}),
    });
    client = c.connect().then(() => c);
    client.catch(() => clients.delete(conn.url));
    clients.set(conn.url, client);
  }
  return client;
}

onCloseAllClients(async () => {
  const all = [...clients.values()];
  clients.clear();
  await Promise.allSettled(all.map(async (c) => (await c).shutdown()));
});
