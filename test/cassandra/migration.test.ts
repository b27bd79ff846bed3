import { useDataStack } from '../integration/backfill-fixtures';
import { RETIRED_MARK } from '../../lib/connectors/retired-name';
import { migrateToPostgres } from '../integration/widecol-reverse';
import { migrateWithDualWrites, verifyInjectedDifferences, WideTarget } from '../integration/widecol-scenarios';
import { cassandraFixture, CassandraFixture } from './fixtures';

/** PostgreSQL ↔ Cassandra through the workflow: backfill, verification, router writes and reads, every phase. */
const h = useDataStack('mig_cass');
let cass: CassandraFixture;
const target: WideTarget = {
  get connection() {
    return cass.connection;
  },
  table: async (name) => {
    // jsonb into JSON text; the timestamp's microseconds into at__us.
    await cass.cql(`CREATE TABLE %s.${name} (id int PRIMARY KEY, name text, qty int, price decimal, at timestamp, at__us int, attrs text, version bigint)`);
    return name;
  },
};

beforeAll(async () => {
  cass = await cassandraFixture('mig_cass');
});

afterAll(async () => {
  await cass.close();
});

const where = (id: number) => `WHERE id = ${id}`;

test('a migration walks every phase into Cassandra; dual writes through the router land on both sides', () => migrateWithDualWrites(h, target));

test('Cassandra → PostgreSQL: misfits quarantined by column, router reads, decommission marks the table and a rollback unmarks it', () =>
  migrateToPostgres(h, {
    get connection() {
      return cass.connection;
    },
    table: async (name) => {
      await cass.cql(`CREATE TABLE %s.${name} (id int PRIMARY KEY, name text, qty varint, version bigint)`);
      return name;
    },
    mark: async (table) => {
      const row = (
        await cass.client.execute('SELECT comment FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [cass.keyspace, table], {
          prepare: true,
        })
      ).first();
      return new RegExp(`^\\[${RETIRED_MARK}=([^\\]]*)\\]`).exec((row.comment as string | null) ?? '')?.[1];
    },
  }));

test('verification names injected differences by key and field; reconcile repairs all but the row a tombstone hides', () =>
  verifyInjectedDifferences(h, target, {
    // Behind switchyard's back, at the server's time: newer than any version timestamp.
    setQty: (table, id, qty) => cass.cql(`UPDATE %s.${table} SET qty = ${qty} ${where(id)}`),
    setNameAndAttrs: (table, id) => cass.cql(`UPDATE %s.${table} SET name = 'tampered', attrs = '{"color":"red"}' ${where(id)}`),
    remove: (table, id) => cass.cql(`DELETE FROM %s.${table} USING TIMESTAMP 1 ${where(id)}`),
    removalIsTombstoned: true,
    addGhost: (table) => cass.cql(`INSERT INTO %s.${table} (id, name, qty, version) VALUES (5000, 'ghost', 1, 1) USING TIMESTAMP 1`),
  }));
