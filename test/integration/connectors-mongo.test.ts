import { Long, ObjectId } from 'mongodb';
import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import type { EntityConnector } from '../../lib/connectors/types';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { expectBalanced } from './split-balance';
import { comparedSource } from '../../lib/connectors/compared';

/** MongoDB (FerretDB) as target and source: embed/unwind, version guard, quarantine. */
let fx: DataFixture;

beforeAll(async () => {
  fx = await createDataFixture('conn_mongo');
  await fx.pg.query(`create table users (id int primary key, full_name text, email text, legacy_flag bool, updated_at timestamptz not null)`);
  await fx.pg.query(`create table orders (id int primary key, user_id int not null references users, amount numeric(12,2), note text)`);
  await fx.pg.query(
    `insert into users select g, 'User Number ' || g, 'u' || g || '@x.io', true, '2024-01-01 00:00:00.000123+00' from generate_series(1, 60) g`,
  );
  await fx.pg.query(`insert into orders select g, 1 + g % 40, g * 1.25, null from generate_series(1, 100) g`);
  await fx.pg.query(`create table people (id text primary key, age int, born timestamptz, tags text[], profile jsonb, score numeric, rev bigint not null)`);
  await fx.pg.query(`create table people_orders (id int primary key, person_id text not null, total numeric)`);
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function parse(json: Record<string, unknown>): MigrationSpec {
  const parsed = parseSpec({ id: 'mongo', control: { connection: fx.pgConnection }, ...json });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

const toMongo = () =>
  parse({
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    entities: [
      {
        name: 'users',
        from: { table: 'users', key: ['id'], version: 'updated_at' },
        to: { collection: 'users' },
        fields: { id: '_id', legacy_flag: null },
        transforms: [{ split: 'full_name', into: ['first_name', 'last_name'], separator: ' ' }],
        defaults: { metadata: {} },
        embed: [{ table: 'orders', key: ['id'], foreignKey: 'user_id', as: 'orders', fields: { user_id: null } }],
      },
    ],
  });

async function copy(from: EntityConnector, to: EntityConnector, limit = 25) {
  const totals = { written: 0, skipped: 0, quarantined: 0 };
  let after;
  do {
    const page = await from.readRange({ after, limit });
    if (page.rejected.length) totals.quarantined += await to.quarantine(page.rejected);
    const r = await to.writeBatch(page.records);
    totals.written += r.written;
    totals.skipped += r.skipped;
    totals.quarantined += r.quarantined;
    after = page.lastKey;
  } while (after);
  return totals;
}

test('PostgreSQL users + orders → one document per user with orders[]; re-run is a no-op; stale batch loses', async () => {
  const spec = toMongo();
  const source = openSource(spec, 'users');
  const target = openTarget(spec, 'users');
  expect(await copy(source, target)).toEqual({ written: 60, skipped: 0, quarantined: 0 });
  const doc = await fx.mongo.collection('users').findOne({ _id: 2 } as never);
  expect(doc).toMatchObject({ first_name: 'User', last_name: 'Number 2', metadata: {}, updated_at__us: 123 });
  expect(doc!.legacy_flag).toBeUndefined();
  expect(doc!.orders.map((o: { id: number }) => o.id)).toEqual([1, 41, 81]);
  expect(doc!.orders[0]).toEqual({ id: 1, amount: '1.25', note: null });
  expect(await target.hashRange({})).toEqual(await comparedSource(source, target).hashRange({}));

  expect(await copy(source, target)).toEqual({ written: 0, skipped: 60, quarantined: 0 });

  const [stale] = (await source.fetchByKeys([[5]])).records;
  await fx.mongo.collection('users').updateOne({ _id: 5 } as never, { $set: { email: 'fresh@x.io', updated_at: new Date('2030-01-01') } });
  expect(await target.writeBatch([stale])).toMatchObject({ written: 0, skipped: 1 });
  expect(await fx.mongo.collection('users').findOne({ _id: 5 } as never)).toMatchObject({ email: 'fresh@x.io' });
  await fx.mongo.collection('users').updateOne({ _id: 6 } as never, { $set: { updated_at: new Date('2000-01-01') } });
  expect(await target.writeBatch([(await source.fetchByKeys([[6]])).records[0]])).toMatchObject({ written: 1 });

  expect((await target.deleteKeys([[7], [8]])).deleted).toBe(2);
  expect(await target.count()).toBe(58);
  expect(await expectBalanced(target, await target.splitRanges(3), 58)).toHaveLength(3);
});

test('MongoDB → PostgreSQL: ObjectId, Long, Date, nested, missing fields; misfits are quarantined; orders unwound', async () => {
  const oid = new ObjectId();
  await fx.mongo.collection('people').insertMany([
    {
      _id: 'ann',
      age: 41,
      born: new Date('1983-04-05T06:07:08.009Z'),
      tags: ['a', 'b'],
      profile: { ref: oid, n: { deep: [1, { x: 'y' }] } },
      rev: Long.fromString('9007199254740993'),
      orders: [
        { id: 1, total: '10.50' },
        { id: 2, total: 3 },
      ],
    },
    { _id: 'bob', rev: 2, orders: [] },
    { _id: 'cid', age: 'forty', rev: 3 },
    { _id: 'dan', age: 2 ** 40, rev: 4 },
    { _id: 'eve', rev: 5, extra: true },
  ] as never[]);
  const spec = parse({
    source: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    target: { connection: fx.pgConnection },
    entities: [
      {
        name: 'people',
        from: { collection: 'people', version: 'rev' },
        to: { table: 'people' },
        fields: { _id: 'id' },
        embed: [{ table: 'people_orders', key: ['id'], foreignKey: 'person_id', as: 'orders' }],
      },
    ],
  });
  const source = openSource(spec, 'people');
  const target = openTarget(spec, 'people');
  expect(await copy(source, target, 2)).toEqual({ written: 2, skipped: 0, quarantined: 3 });
  const { rows } = await fx.pg.query(`select id, age, born, tags, profile::text, rev::text from people order by id`);
  expect(rows).toEqual([
    {
      id: 'ann',
      age: 41,
      born: new Date('1983-04-05T06:07:08.009Z'),
      tags: ['a', 'b'],
      profile: `{"n": {"deep": [1, {"x": "y"}]}, "ref": "${oid.toHexString()}"}`,
      rev: '9007199254740993',
    },
    { id: 'bob', age: null, born: null, tags: null, profile: null, rev: '2' },
  ]);
  const { rows: orders } = await fx.pg.query(`select id, person_id, total::text from people_orders order by id`);
  expect(orders).toEqual([
    { id: 1, person_id: 'ann', total: '10.50' },
    { id: 2, person_id: 'ann', total: '3' },
  ]);
  const { rows: q } = await fx.pg.query(`select entity, key::text, reason, document->>'id' as id from switchyard_quarantine order by key`);
  expect(q).toEqual([
    { entity: 'people', key: '["cid"]', reason: expect.stringContaining('column age (integer) expects an integer in int4 range, got string'), id: 'cid' },
    { entity: 'people', key: '["dan"]', reason: expect.stringContaining('int4 range'), id: 'dan' },
    { entity: 'people', key: '["eve"]', reason: expect.stringContaining('has no column extra'), id: 'eve' },
  ]);
  expect(await copy(source, target, 2)).toEqual({ written: 0, skipped: 2, quarantined: 3 });
});

test('MongoDB → PostgreSQL: values beyond numeric(p,s), varchar(n), char(n), timestamptz(p), varchar(n)[] are quarantined with the limit, the rest of the batch is written', async () => {
  await fx.pg.query(
    `create table priced (id text primary key, amount numeric(10,2), code varchar(5), initials char(2), at timestamptz(3), tags varchar(3)[], rev bigint not null)`,
  );
  const at = new Date('2024-05-01T10:00:00.123Z');
  await fx.mongo.collection('priced').insertMany([
    { _id: 'ok1', amount: '12.50', code: '😀bcde', initials: 'AB', at, tags: ['ab', 'abc'], rev: 1 },
    { _id: 'ok2', amount: 1.5, code: 'ab', rev: 2 },
    { _id: 'ok3', amount: '99999999.99', at, at__us: 0, rev: 3 },
    { _id: 'scale', amount: '1.005', rev: 4 },
    { _id: 'scale-double', amount: 2.125, rev: 5 },
    { _id: 'overflow', amount: '123456789.5', rev: 6 },
    { _id: 'long', code: 'abcdef', rev: 7 },
    { _id: 'spaces', code: 'abc   ', rev: 8 },
    { _id: 'initials', initials: 'ABC', rev: 9 },
    { _id: 'micros', at, at__us: 400, rev: 10 },
    { _id: 'tags', tags: ['ab', 'abcd'], rev: 11 },
  ] as never[]);
  const spec = parse({
    source: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    target: { connection: fx.pgConnection },
    entities: [{ name: 'priced', from: { collection: 'priced', version: 'rev' }, to: { table: 'priced' }, fields: { _id: 'id' } }],
  });
  const source = openSource(spec, 'priced');
  const target = openTarget(spec, 'priced');
  expect(await copy(source, target)).toEqual({ written: 3, skipped: 0, quarantined: 8 });
  const { rows } = await fx.pg.query(`select id, amount::text, code, initials, at, tags from priced order by id`);
  expect(rows).toEqual([
    { id: 'ok1', amount: '12.50', code: '😀bcde', initials: 'AB', at, tags: ['ab', 'abc'] },
    { id: 'ok2', amount: '1.50', code: 'ab', initials: null, at: null, tags: null },
    { id: 'ok3', amount: '99999999.99', code: null, initials: null, at, tags: null },
  ]);
  const quarantined = `select key::text, reason from switchyard_quarantine where entity = 'priced' order by key`;
  const expected = [
    { key: '["initials"]', reason: 'initials: 3 characters; char(2) holds at most 2' },
    { key: '["long"]', reason: 'code: 6 characters; varchar(5) holds at most 5' },
    { key: '["micros"]', reason: 'at: 2024-05-01T10:00:00.123400Z has 4 fractional second digits; timestamptz(3) keeps 3' },
    { key: '["overflow"]', reason: 'amount: 123456789.5 has 9 integer digits; numeric(10,2) holds 8' },
    { key: '["scale"]', reason: 'amount: 1.005 has 3 decimal places; numeric(10,2) keeps 2' },
    { key: '["scale-double"]', reason: 'amount: 2.125 has 3 decimal places; numeric(10,2) keeps 2' },
    { key: '["spaces"]', reason: 'code: 6 characters; varchar(5) holds at most 5' },
    { key: '["tags"]', reason: 'tags: 4 characters; varchar(3) holds at most 3' },
  ];
  expect((await fx.pg.query(quarantined)).rows).toEqual(expected);

  expect(await copy(source, target)).toEqual({ written: 0, skipped: 3, quarantined: 8 });
  expect((await fx.pg.query(quarantined)).rows).toEqual(expected);
});

test("MongoDB → PostgreSQL: a record replaces its row — a removed field clears its column whatever else the batch holds; defaults, generated and identity columns are the database's", async () => {
  await fx.pg.query(`create table replaced (id text primary key, a text, b text, n bigint generated always as identity,
                       stamp text not null default 'preset', twice int generated always as (coalesce(length(a), 0) * 2) stored, rev bigint not null)`);
  await fx.pg.query(`create table replaced_items (id int primary key, owner text not null, label text, size int)`);
  const coll = fx.mongo.collection('replaced');
  await coll.insertMany([
    { _id: 'alone', a: 'x', b: 'y', rev: 1, items: [{ id: 1, label: 'l1', size: 1 }] },
    { _id: 'mixed', a: 'x', b: 'y', rev: 1, items: [{ id: 2, label: 'l2', size: 2 }] },
    { _id: 'other', a: 'x', b: 'y', stamp: 'own', rev: 1, items: [{ id: 3, label: 'l3', size: 3 }] },
  ] as never[]);
  const spec = parse({
    source: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    target: { connection: fx.pgConnection },
    entities: [
      {
        name: 'replaced',
        from: { collection: 'replaced', version: 'rev' },
        to: { table: 'replaced' },
        fields: { _id: 'id' },
        embed: [{ table: 'replaced_items', key: ['id'], foreignKey: 'owner', as: 'items' }],
      },
    ],
  });
  const source = openSource(spec, 'replaced');
  const target = openTarget(spec, 'replaced');
  expect(await copy(source, target)).toEqual({ written: 3, skipped: 0, quarantined: 0 });

  // 'alone' loses b (and an item's size) in a batch of its own; 'mixed' loses b beside a record that still has it.
  await coll.replaceOne({ _id: 'alone' as never }, { a: 'x2', rev: 2, items: [{ id: 1, label: 'l1' }] });
  await coll.replaceOne({ _id: 'mixed' as never }, { a: 'x2', rev: 2, items: [{ id: 2, label: 'l2' }] });
  await coll.replaceOne({ _id: 'other' as never }, { a: 'x2', b: 'y2', stamp: 'own', rev: 2, items: [{ id: 3, label: 'l3', size: 4 }] });
  const read = async (ids: string[]) => (await source.fetchByKeys(ids.map((id) => [id]))).records;
  expect(await target.writeBatch(await read(['alone']))).toMatchObject({ written: 1 });
  expect(await target.writeBatch(await read(['mixed', 'other']))).toMatchObject({ written: 2 });

  const { rows } = await fx.pg.query(`select id, a, b, stamp, twice, n is not null as numbered, rev::int from replaced order by id`);
  expect(rows).toEqual([
    { id: 'alone', a: 'x2', b: null, stamp: 'preset', twice: 4, numbered: true, rev: 2 },
    { id: 'mixed', a: 'x2', b: null, stamp: 'preset', twice: 4, numbered: true, rev: 2 },
    { id: 'other', a: 'x2', b: 'y2', stamp: 'own', twice: 4, numbered: true, rev: 2 },
  ]);
  const { rows: items } = await fx.pg.query(`select id, owner, label, size from replaced_items order by id`);
  expect(items).toEqual([
    { id: 1, owner: 'alone', label: 'l1', size: null },
    { id: 2, owner: 'mixed', label: 'l2', size: null },
    { id: 3, owner: 'other', label: 'l3', size: 4 },
  ]);
});

test('a source row rejected on read is quarantined in the target with only the fields the spec maps: a dropped column never leaves the source', async () => {
  await fx.pg.query(`create table patients (id int primary key, name text, ssn text, born timestamptz, version int not null)`);
  await fx.pg.query(`insert into patients values (1, 'ok', '111-11-1111', '1980-01-01', 1), (2, 'bad', '222-22-2222', 'infinity', 1)`);
  const spec = parse({
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    entities: [
      { name: 'patients', from: { table: 'patients', key: ['id'], version: 'version' }, to: { collection: 'patients' }, fields: { id: '_id', ssn: null } },
    ],
  });
  expect(await copy(openSource(spec, 'patients'), openTarget(spec, 'patients'))).toEqual({ written: 1, skipped: 0, quarantined: 1 });
  const entry = await fx.mongo.collection('switchyard_quarantine').findOne({ entity: 'patients' });
  expect(entry).toMatchObject({ key: '[2]', reason: expect.stringContaining('infinity') });
  expect(entry!.document).toContain('"name":"bad"');
  expect(entry!.document).not.toContain('222-22-2222');
  expect(entry!.document).not.toContain('ssn');
  expect(JSON.stringify(await fx.mongo.collection('patients').findOne({ _id: 1 as never }))).not.toContain('ssn');
});

test('FerretDB version guard by _id point writes: older replaced, newer/equal kept, unguarded overwrites, racing writers keep the newest', async () => {
  await fx.pg.query(`create table if not exists guarded (id int primary key, qty int, version bigint not null)`);
  const target = openTarget(
    parse({
      source: { connection: fx.pgConnection },
      target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
      entities: [{ name: 'guarded', from: { table: 'guarded', key: ['id'], version: 'version' }, to: { collection: 'guarded' }, fields: { id: '_id' } }],
    }),
    'guarded',
  );
  const coll = fx.mongo.collection('guarded');
  const rec = (id: number, version: number, qty = version) => ({ _id: id, qty, version: BigInt(version) });
  const stored = async () => (await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => [d._id, d.version === undefined ? null : Number(d.version)]);

  expect(await target.writeBatch([rec(1, 5), rec(2, 5), rec(3, 5)])).toMatchObject({ written: 3, skipped: 0 });
  await coll.insertOne({ _id: 4, qty: 0 } as never);
  expect(await target.writeBatch([rec(1, 6), rec(2, 5), rec(3, 4), rec(4, 1)])).toMatchObject({ written: 2, skipped: 2 });
  expect(await stored()).toEqual([
    [1, 6],
    [2, 5],
    [3, 5],
    [4, 1],
  ]);
  expect(await target.writeBatch([rec(3, 1)], { versionGuard: false })).toMatchObject({ written: 1 });
  expect(await stored()).toEqual([
    [1, 6],
    [2, 5],
    [3, 1],
    [4, 1],
  ]);

  // Writers of the same absent documents race: inserts collide (duplicate _id) and fall back to
  // guarded replaces; whatever the interleaving, each document ends at the highest version written.
  const ids = Array.from({ length: 30 }, (_, i) => 100 + i);
  const versions = Array.from({ length: 6 }, (_, w) => ids.map((id) => 1 + ((id * 7 + w * 13) % 17)));
  await Promise.all(versions.map((vs) => target.writeBatch(ids.map((id, i) => rec(id, vs[i])))));
  const highest = ids.map((id, i) => [id, Math.max(...versions.map((vs) => vs[i]))]);
  expect((await stored()).slice(4)).toEqual(highest);
  expect((await target.deleteKeys([[1], [100], [999]])).deleted).toBe(2);
  expect(await target.count()).toBe(32);
});

test('version guard with timestamptz microseconds: a later µs in the same millisecond wins, an earlier or equal one loses', async () => {
  await fx.pg.query(`create table stamped (id int primary key, note text, updated_at timestamptz not null)`);
  const spec = parse({
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    entities: [{ name: 'stamped', from: { table: 'stamped', key: ['id'], version: 'updated_at' }, to: { collection: 'stamped' }, fields: { id: '_id' } }],
  });
  const source = openSource(spec, 'stamped');
  const target = openTarget(spec, 'stamped');
  /** The source row as of this version, mapped: what a backfill page or a dual write carries. */
  const at = async (updatedAt: string, note: string) => {
    await fx.pg.query(`insert into stamped values (1, $2, $1) on conflict (id) do update set updated_at = $1, note = $2`, [
      `2024-05-01 12:00:${updatedAt}+00`,
      note,
    ]);
    return (await source.fetchByKeys([[1]])).records;
  };
  const stored = async () => {
    const doc = await fx.mongo.collection('stamped').findOne({ _id: 1 } as never);
    return { note: doc!.note, ms: doc!.updated_at.getUTCMilliseconds(), us: doc!.updated_at__us };
  };

  expect(await target.writeBatch(await at('00.123456', 'first'))).toMatchObject({ written: 1 });
  expect(await target.writeBatch(await at('00.123789', 'later µs'))).toMatchObject({ written: 1, skipped: 0 });
  expect(await stored()).toEqual({ note: 'later µs', ms: 123, us: 789 });
  expect(await target.writeBatch(await at('00.123100', 'earlier µs'))).toMatchObject({ written: 0, skipped: 1 });
  expect(await target.writeBatch(await at('00.123789', 'same µs'))).toMatchObject({ written: 0, skipped: 1 });
  expect(await target.writeBatch(await at('00.123000', 'whole ms, earlier'))).toMatchObject({ written: 0, skipped: 1 });
  expect(await stored()).toEqual({ note: 'later µs', ms: 123, us: 789 });

  // The next millisecond wins whatever its µs; stored without a __us sibling (0 µs), any later µs wins.
  expect(await target.writeBatch(await at('00.124000', 'next ms'))).toMatchObject({ written: 1 });
  expect(await stored()).toEqual({ note: 'next ms', ms: 124, us: undefined });
  expect(await target.writeBatch(await at('00.124001', 'one µs later'))).toMatchObject({ written: 1 });
  expect(await stored()).toEqual({ note: 'one µs later', ms: 124, us: 1 });
  expect(await target.hashRange({})).toEqual(await comparedSource(source, target).hashRange({}));
});

test("a parent whose embedded children exceed MongoDB's 16 MiB document limit is quarantined, its batch still written", async () => {
  await fx.pg.query(`create table big_users (id int primary key, name text, updated_at timestamptz not null)`);
  await fx.pg.query(`create table big_orders (id int primary key, user_id int not null references big_users, note text)`);
  await fx.pg.query(`insert into big_users values (1, 'huge', now()), (2, 'small', now()), (3, 'small too', now())`);
  // 18 orders of 1 MiB: about 18 MiB once embedded, over the limit; users 2 and 3 have one small order each.
  await fx.pg.query(`insert into big_orders select g, 1, repeat('n', 1024 * 1024) from generate_series(1, 18) g`);
  await fx.pg.query(`insert into big_orders values (100, 2, 'x'), (101, 3, 'y')`);
  const spec = parse({
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    entities: [
      {
        name: 'big',
        from: { table: 'big_users', key: ['id'], version: 'updated_at' },
        to: { collection: 'big_users' },
        fields: { id: '_id' },
        embed: [{ table: 'big_orders', key: ['id'], foreignKey: 'user_id', as: 'orders', fields: { user_id: null } }],
      },
    ],
  });
  const from = openSource(spec, 'big');
  const to = openTarget(spec, 'big');
  // One batch holding all three: the driver refuses such a batch whole, yet users 2 and 3 must land.
  const page = await from.readRange({ limit: 25, maxBytes: 64 * 1024 * 1024 });
  expect(page.records).toHaveLength(3);
  expect(await to.writeBatch(page.records)).toEqual({ written: 2, skipped: 0, quarantined: 1 });
  const users = fx.mongo.client.db(fx.mongoDatabase).collection('big_users');
  expect(
    (
      await users
        .find({}, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .toArray()
    ).map((d) => d._id),
  ).toEqual([2, 3]);
  const quarantine = fx.mongo.client.db(fx.mongoDatabase).collection('switchyard_quarantine');
  const [entry] = await quarantine.find({ entity: 'big' }).toArray();
  expect(entry.reason).toMatch(/^\(whole document\): \d+ bytes; MongoDB stores at most 16777216 bytes per document$/);
  expect(Number(/(\d+) bytes/.exec(entry.reason)![1])).toBeGreaterThan(18 * 1024 * 1024);
  // The entry keeps the record's start (its key included), cut so the entry itself fits.
  expect(entry.document.length).toBeLessThan(1.1 * 1024 * 1024);
  expect(entry.document).toMatch(/characters in all; cut to fit\)$/);
  expect(await copy(from, to)).toEqual({ written: 0, skipped: 2, quarantined: 1 });
  expect(await quarantine.countDocuments({ entity: 'big' })).toBe(1);
});
