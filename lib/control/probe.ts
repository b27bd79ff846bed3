import type { ResolvedConnection } from '../connections';
import { pgPool } from '../connectors/clients';
import { createTableError } from '../connectors/pg/probe';
import { errorOf } from '../connectors/probe-steps';

/**
 * What keeps the worker from writing the control store (always PostgreSQL): creating a table in
 * schema switchyard, or the schema itself when it is missing; proven by doing it, rolled back.
 */
export async function controlStoreWriteError(conn: ResolvedConnection): Promise<string | undefined> {
  const client = await pgPool(conn).connect();
  try {
    const { rows } = await client.query<{ exists: boolean }>(`select exists (select from pg_namespace where nspname = 'switchyard') as exists`);
    if (rows[0].exists) return await createTableError(client, 'switchyard');
    try {
      return await errorOf(async () => {
        await client.query('begin');
        await client.query('create schema switchyard');
      });
    } finally {
      await client.query('rollback').catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
