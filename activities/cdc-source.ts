import type { PoolClient } from 'pg';
import { resolveConnection } from '../lib/connectors/engines';
import { pgPool } from '../lib/connectors/clients';
import type { MigrationSpec } from '../lib/spec/schema';

/** Runs work on a session of the spec's source PostgreSQL (where the slot and publication live). */
export async function withSourceClient<T>(spec: MigrationSpec, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pgPool(resolveConnection(spec.source.connection)).connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}
