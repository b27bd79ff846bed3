import { Double } from 'mongodb';
import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import { comparedSource } from '../../lib/connectors/compared';
import { writeDocuments } from '../../lib/connectors/mongo/write';
import type { EntityConnector, MappedRecord } from '../../lib/connectors/types';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';

/**
 * Values FerretDB cannot hold as they are (docs/types.md): nested arrays are quarantined with the
 * reason while the rest of the batch is written; float4, float8 -0 and int64 inside jsonb follow
 * the table's rule through PostgreSQL → FerretDB → PostgreSQL and verification hashes.
 */
let fx: DataFixture;

beforeAll(async () => {
  fx = await createDataFixture('ferret_fidelity');
  await fx.pg.query(`create table nested (id int primary key, arr int[], j jsonb, version bigint not null)`);
  await fx.pg.query(`insert into nested select g, array[g, g + 1], jsonb_build_object('n', g), 1 from generate_series(1, 50) g`);
  await fx.pg.query(`update nested set arr = '{{1,2},{3,4}}' where id = 7`);
  await fx.pg.query(`update nested set j = '{"m": [[1, 2], [3]]}' where id = 20`);
  for (const t of ['floats', 'floats_back']) {
    await fx.pg.query(`create table ${t} (id int primary key, r real, r_arr real[], d float8, j jsonb, version bigint not null)`);
  }
  await fx.pg.query(`insert into floats values
    (1, 0.1, '{0.1,1.5}', '-0', '{"big": 9007199254740993, "neg": -9223372036854775808}', 1),
    (2, 3.4028235e38, '{-0.25}', 0, '{}', 1),
    (3, -0.25, null, '-0', null, 1),
    (4, '-0', null, 1.5, null, 1)`);
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function spec(table: string, back?: string): MigrationSpec {
  const mongo = { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' };
  const parsed = parseSpec({
    id: 'ferret-fidelity',
    source: back ? mongo : { connection: fx.pgConnection },
    target: back ? { connection: fx.pgConnection } : mongo,
    control: { connection: fx.pgConnection },
    entities: [
      back
        ? { name: table, from: { collection: table, version: 'version' }, to: { table: back }, fields: { _id: 'id' } }
        : { name: table, from: { table, key: ['id'], version: 'version' }, to: { collection: table }, fields: { id: '_id' } },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

async function readAll(connector: EntityConnector): Promise<MappedRecord[]> {
  const page = await connector.readRange({ limit: 1000 });
  expect(page.rejected).toEqual([]);
  return page.records;
}

const quarantined = () =>
  fx.mongo
    .collection('switchyard_quarantine')
    .find({}, { sort: { _id: 1 } })
    .toArray();

test('a nested array FerretDB cannot store is quarantined with its reason; the rest of the batch is written, and a retry is idempotent', async () => {
  const s = spec('nested');
  const records = await readAll(openSource(s, 'nested'));
  expect(records).toHaveLength(50);
  const target = openTarget(s, 'nested');

  expect(await target.writeBatch(records)).toEqual({ written: 48, skipped: 0, quarantined: 2 });
  expect(await fx.mongo.collection('nested').countDocuments()).toBe(48);
  const entries = await quarantined();
  expect(entries.map((e) => [e.key, e.reason])).toEqual([
    ['[20]', expect.stringMatching(/^j\.m: FerretDB cannot store an array inside an array/)],
    ['[7]', expect.stringMatching(/^arr: FerretDB cannot store an array inside an array/)],
  ]);

  // The same batch again (an activity retried after a partial write): nothing duplicated, nothing fails.
  expect(await target.writeBatch(records)).toEqual({ written: 0, skipped: 48, quarantined: 2 });
  expect(await fx.mongo.collection('nested').countDocuments()).toBe(48);
  expect(await quarantined()).toHaveLength(2);
});

test('a document the server itself refuses inside a partially applied insertMany is reported, the others written', async () => {
  const coll = fx.mongo.collection<{ _id: unknown; [f: string]: unknown }>('refused');
  await coll.insertOne({ _id: 1, v: 1n });
  const docs = [
    { _id: 1, v: 2n },
    { _id: 2, v: 2n },
    { _id: 3, a: [[1]], v: 2n },
    { _id: 4, v: 2n },
  ];
  const result = await writeDocuments(coll as never, docs, 'v', { versionGuard: true }, 'ferretdb');
  expect(result).toEqual({ written: 3, skipped: 0, refused: [{ index: 2, reason: expect.stringContaining('nested arrays are not supported') }] });
  expect((await coll.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id)).toEqual([1, 2, 4]);
  const again = await writeDocuments(coll as never, docs, 'v', { versionGuard: true }, 'ferretdb');
  expect(again).toEqual({ written: 0, skipped: 3, refused: [{ index: 2, reason: expect.stringContaining('nested arrays are not supported') }] });
});

test('real carries the exact double it holds; float8 -0 and int64 inside jsonb survive PostgreSQL → FerretDB → PostgreSQL', async () => {
  const there = spec('floats');
  const source = openSource(there, 'floats');
  const mongo = openTarget(there, 'floats');
  expect(await mongo.writeBatch(await readAll(source))).toMatchObject({ written: 4, quarantined: 0 });

  const stored = await fx.mongo
    .collection('floats')
    .find({}, { sort: { _id: 1 }, promoteValues: false })
    .toArray();
  // float4 0.1 holds 0.100000001490116119384765625: that double is stored, not the decimal 0.1.
  expect(stored[0].r).toEqual(new Double(Math.fround(0.1)));
  expect(stored[0].r_arr).toEqual([new Double(Math.fround(0.1)), new Double(1.5)]);
  expect(stored[1].r).toEqual(new Double(Math.fround(3.4028235e38)));
  // FerretDB turns the double -0 into 0; -0 travels as the string "-0", like NaN and ±Infinity.
  expect(stored[0].d).toBe('-0');
  expect(stored[3].r).toBe('-0');
  // Integers beyond 2^53 inside jsonb are Int64, exact, on FerretDB as on MongoDB.
  expect(stored[0].j.big.toString()).toBe('9007199254740993');
  expect(stored[0].j.big._bsontype).toBe('Long');

  expect(await mongo.hashRange({})).toEqual(await comparedSource(source, mongo).hashRange({}));

  const back = spec('floats', 'floats_back');
  const fromMongo = openSource(back, 'floats');
  const pgBack = openTarget(back, 'floats');
  expect(await pgBack.writeBatch(await readAll(fromMongo))).toMatchObject({ written: 4, quarantined: 0 });
  const text = `select id, r::text, r_arr::text, d::text, j::text from`;
  expect((await fx.pg.query(`${text} floats_back order by id`)).rows).toEqual((await fx.pg.query(`${text} floats order by id`)).rows);
  expect(await pgBack.hashRange({})).toEqual(await comparedSource(fromMongo, pgBack).hashRange({}));
});

test('a real column accepts a double iff float4 holds it exactly', async () => {
  await fx.pg.query(`create table reals_back (id int primary key, r real, version bigint not null)`);
  await fx.mongo.collection<{ _id: number; r: number; version: number }>('reals').insertMany([
    { _id: 1, r: Math.fround(0.1), version: 1 },
    { _id: 2, r: 0.1, version: 1 },
    { _id: 3, r: 16777217, version: 1 },
    { _id: 4, r: Math.fround(3.4028235e38), version: 1 },
  ]);
  const back = spec('reals', 'reals_back');
  const fromMongo = openSource(back, 'reals');
  const pgBack = openTarget(back, 'reals');
  expect(await pgBack.writeBatch(await readAll(fromMongo))).toMatchObject({ written: 2, quarantined: 2 });
  const { rows } = await fx.pg.query(`select key, reason from switchyard_quarantine where entity = 'reals' order by key::text`);
  expect(rows).toEqual([
    { key: [2], reason: 'r: column r (real) expects a number that float4 holds exactly, got Double' },
    { key: [3], reason: 'r: column r (real) expects a number that float4 holds exactly, got number' },
  ]);
  expect((await fx.pg.query(`select id, r::text from reals_back order by id`)).rows).toEqual([
    { id: 1, r: '0.1' },
    { id: 4, r: '3.4028235e+38' },
  ]);
  // Verification of what was written: the stored real and the document's double hash alike.
  await fx.mongo.collection<{ _id: number }>('reals').deleteMany({ _id: { $in: [2, 3] } });
  expect(await pgBack.hashRange({})).toEqual(await comparedSource(fromMongo, pgBack).hashRange({}));
});
