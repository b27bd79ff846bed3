import type { Socket } from 'node:net';
import type { Client, PoolClient } from 'pg';
import { pgPool } from '../../lib/connectors/clients';

/**
 * Bytes the connectors' PostgreSQL sessions on this connection received from the server while
 * `work` ran: what a read really pulled into the process, whatever it kept afterwards.
 */
export async function bytesFromPostgres(connection: string, work: () => Promise<unknown>): Promise<number> {
  const pool = pgPool(connection);
  const socket = (c: PoolClient) => (c as unknown as Client).connection.stream as Socket;
  const atAcquire = new Map<PoolClient, number>();
  let received = 0;
  const onAcquire = (c: PoolClient) => atAcquire.set(c, socket(c).bytesRead);
  const onRelease = (_err: Error, c: PoolClient) => {
    received += socket(c).bytesRead - (atAcquire.get(c) ?? 0);
  };
  pool.on('acquire', onAcquire);
  pool.on('release', onRelease);
  try {
    await work();
  } finally {
    pool.off('acquire', onAcquire);
    pool.off('release', onRelease);
  }
  return received;
}
