import type { PoolClient } from 'pg';
import type { ResolvedConnection } from '../../connections';
import { quoteIdent } from '../../sql/identifiers';
import { pgPool } from '../clients';
import type { ProbeFacts } from '../engine';
import { errorOf, uniqueProbeName } from '../probe-steps';

const NO_SCHEMA = 'no existing schema on the search_path';

export async function probePostgres(conn: ResolvedConnection): Promise<ProbeFacts> {
  const client = await pgPool(conn).connect();
  try {
    const {
      rows: [row],
    } = await client.query<{ version: string; user: string; database: string; schema: string | null; usage: boolean | null }>(
      `select current_setting('server_version') as version, current_user as "user", current_database() as database,
              current_schema() as schema, has_schema_privilege(current_schema(), 'USAGE') as usage`,
    );
    const readError = !row.schema ? NO_SCHEMA : row.usage ? undefined : `no USAGE privilege on schema ${row.schema}`;
    const writeError = row.schema ? await createTableError(client, row.schema) : NO_SCHEMA;
    return {
      product: 'PostgreSQL',
      serverVersion: row.version,
      user: row.user,
      database: row.database,
      ...(row.schema ? { schema: row.schema } : {}),
      readError,
      writeError,
    };
  } finally {
    client.release();
  }
}

/**
 * Writing is proven by doing it: a real table in the schema, created and filled inside a
 * transaction that is rolled back. Privileges alone would not show a read-only replica or a
 * full disk, and a TEMP table needs only the TEMP privilege, not the right to create in a schema.
 */
async function createTableError(client: PoolClient, schema: string): Promise<string | undefined> {
  const table = `${quoteIdent(schema)}.${quoteIdent(uniqueProbeName('switchyard_preflight_'))}`;
  try {
    return await errorOf(async () => {
      await client.query('begin');
      await client.query("set local lock_timeout = '5s'");
      await client.query(`create table ${table} (x int)`);
      await client.query(`insert into ${table} values (1)`);
    });
  } finally {
    await client.query('rollback').catch(() => undefined);
  }
}
