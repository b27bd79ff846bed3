import { Pool } from 'pg';
import { closeAllClients } from '../../../lib/connectors/clients';
import { openSource, openTarget } from '../../../lib/connectors';
import { publishRoutingState, routingFor } from '../../../lib/control';
import { createRouter, specRoutes } from '../../../lib/router';
import { parseSpec } from '../../../lib/spec';
import { createDataFixture, DataFixture } from '../backfill-fixtures';

/**
 * PostgreSQL → FerretDB under dual write. An application hands the router plain JavaScript numbers
 * for a bigint and a numeric column; the backfill, reading the same row from PostgreSQL, writes an
 * int64 and the decimal's text. A version past 2^31 sent as it came would be stored as a double,
 * so the new database would hold two types for one column, verification would report every
 * record the router wrote, and reconcile could not repair them (same version). The router's
 * secondary write must store what the backfill stores. Checked on the raw documents.
 */
let fx: DataFixture;
let control: Pool;

beforeAll(async () => {
  fx = await createDataFixture('dwform');
  await fx.pg.query(`create table items (id int primary key, name text not null, price numeric(10,2) not null, version bigint not null)`);
  control = new Pool({ connectionString: fx.pgUrl, max: 2 });
});

afterAll(async () => {
  await control.end();
  await closeAllClients();
  await fx.close();
});

test('a record dual-written by the router is stored in the new database with the types the backfill stores', async () => {
  const parsed = parseSpec({
    id: 'dwform',
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: fx.pgConnection },
    entities: [{ name: 'items', from: { table: 'items', key: ['id'], version: 'version' }, to: { collection: 'items' }, fields: { id: '_id' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const spec = parsed.spec;
  await publishRoutingState(control, { ...routingFor('dual_write'), migrationId: spec.id, version: 1, actor: 'test', reason: 'dual_write' });
  const router = await createRouter({ migrationId: spec.id, control, entities: specRoutes(spec), pollIntervalMs: 100, flushIntervalMs: 200 });
  const version = 1_733_000_000_000_001;
  try {
    await router.entity('items').insert({ _id: 1, name: 'via router', price: 12.5, version });
  } finally {
    await router.close();
  }
  // The same values, copied the backfill's way: read from PostgreSQL, written by the target connector.
  await fx.pg.query(`insert into items values (2, 'via backfill', 12.5, $1)`, [String(version)]);
  const { records } = await openSource(spec, 'items').fetchByKeys([[2]]);
  await openTarget(spec, 'items').writeBatch(records);

  const docs = await fx.mongo.collection('items').find({}, { promoteValues: false }).sort({ _id: 1 }).toArray();
  const bson = (v: unknown) => `${(v as { _bsontype?: string })?._bsontype ?? typeof v} ${String(v)}`;
  const types = (d: Record<string, unknown>) => ({ price: bson(d.price), version: bson(d.version) });
  expect(docs).toHaveLength(2);
  expect(types(docs[1])).toEqual({ price: 'string 12.50', version: `Long ${version}` });
  expect(types(docs[0])).toEqual(types(docs[1]));
  expect(Object.keys(docs[0]).sort()).toEqual(Object.keys(docs[1]).sort());
});
