import type { ResolvedConnection } from '../../connections';
import type { ProbeFacts } from '../engine';
import { errorOf, uniqueProbeName } from '../probe-steps';
import { cassandraClient } from './client';
import { quarantineRows } from './quarantine';
import { ident } from './schema';
import { parseCassandraUrl } from './url';

/** Reading is proven on the keyspace's schema; writing by writing and deleting a probe row in switchyard's quarantine table (which a target needs anyway). */
export async function probeCassandra(conn: ResolvedConnection): Promise<ProbeFacts> {
  const { keyspace } = parseCassandraUrl(conn.url);
  const client = await cassandraClient(conn);
  const version = (await client.execute('SELECT release_version FROM system.local')).first()?.release_version as string | undefined;
  const id = uniqueProbeName('_switchyard_preflight_');
  const table = `${ident(keyspace)}.switchyard_quarantine`;
  return {
    product: 'Cassandra',
    serverVersion: version,
    database: keyspace,
    readError: await errorOf(async () => {
      const found = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true });
      if (!found.rowLength) throw new Error(`keyspace ${keyspace} does not exist`);
    }),
    writeError: await errorOf(async () => {
      await quarantineRows(client, keyspace, [{ entity: id, key: [id], reason: 'preflight probe', document: '{}' }]);
      await client.execute(`DELETE FROM ${table} WHERE id = ?`, [JSON.stringify([id, [id]])], { prepare: true });
    }),
  };
}
