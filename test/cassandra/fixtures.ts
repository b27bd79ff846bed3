import type { Client } from 'cassandra-driver';
import { cassandraClient } from '../../lib/connectors/cassandra/client';
import { closeAllClients } from '../../lib/connectors/clients';
import { cassandraEntity } from '../../lib/connectors/cassandra/entity';
import type { Microseconds } from '../../lib/connectors/cassandra/row';
import { resolveConnection } from '../../lib/connectors/engines';
import { uniqueName } from '../support/temporal';

/**
 * A keyspace of its own per test file on the stack's Cassandra (SWITCHYARD_CONN_CASSANDRA, started
 * by `stack.sh up cassandra`), reached through a connection name registered in this process's
 * environment; dropped at close.
 */
export interface CassandraFixture {
  client: Client;
  keyspace: string;
  /** Connection name of the keyspace (SWITCHYARD_CONN_<connection>). */
  connection: string;
  /** Runs CQL in the keyspace (`%s` stands for the keyspace name). */
  cql(text: string): Promise<void>;
  entity(table: string, key: string[], version?: string, microseconds?: Microseconds): ReturnType<typeof cassandraEntity>;
  close(): Promise<void>;
}

export async function cassandraFixture(prefix: string): Promise<CassandraFixture> {
  const keyspace = uniqueName(prefix).toLowerCase();
  const connection = keyspace.toUpperCase();
  const base = process.env.SWITCHYARD_CONN_CASSANDRA as string;
  process.env[`SWITCHYARD_CONN_${connection}`] = base.replace(/\/[A-Za-z0-9_]+(\?|$)/, `/${keyspace}$1`);
  const conn = resolveConnection(connection);
  const client = await cassandraClient(conn);
  await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  const same = <T>(r: T) => r;
  return {
    client,
    keyspace,
    connection,
    cql: async (text) => void (await client.execute(text.replace(/%s/g, keyspace))),
    entity: (table, key, version, microseconds = 'keep') =>
      cassandraEntity({
        entity: table,
        side: 'target',
        conn,
        table,
        key,
        recordKey: key,
        version,
        microseconds,
        toRecord: same,
        fromRecord: same,
        quarantined: same,
      }),
    close: async () => {
      // The worker may have closed every client already (closeAllClients): a new one drops the keyspace.
      await (await cassandraClient(conn)).execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await closeAllClients();
    },
  };
}
