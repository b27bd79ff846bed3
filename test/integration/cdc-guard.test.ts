import { closeAllClients } from '../../lib/connectors/clients';
import { openTarget } from '../../lib/connectors';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { cdcCleanup, copyAll, copySpec, createUsersAndOrders, drain, usersSpec } from './cdc-fixtures';

/**
 * The stream is not always the new database's only writer: from the write switch on, routers write
 * it first, and a stream resumed after a rollback (or one still draining) re-reads the old
 * database, which may be behind. Every change the stream applies is version-guarded: a child
 * change or a re-insert replaces only an equal or older version, and a delete removes nothing
 * newer than the version it deleted.
 */
let f: DataFixture;
const cdc = cdcCleanup();

beforeAll(async () => {
  f = await createDataFixture('cdcguard');
});

afterAll(async () => {
  await cdc.dropAll();
  await closeAllClients();
  await f.close();
});

it('PostgreSQL → FerretDB: a stale child change and a stale delete leave the newer versions a router wrote', async () => {
  const spec = usersSpec(f, 'cdc-guard-mongo', 'users', 'orders');
  await createUsersAndOrders(f, 'users', 'orders');
  await cdc.prepare(spec);
  await copyAll(spec, 'users');
  const stream = await cdc.open(spec);
  // On the old database: an order of user 1 (its version stays 1), user 2 deleted at version 1,
  // user 3's order changed and user 4 deleted, neither of which the new database has passed.
  await f.pg.query(`insert into orders values (100, 1, 5)`);
  await f.pg.query(`delete from orders where user_id = 2; delete from users where id = 2`);
  await f.pg.query(`update orders set amount = 7 where id = 2`);
  await f.pg.query(`delete from orders where user_id = 4; delete from users where id = 4`);
  // Meanwhile a router wrote users 1 and 2 on the new database at version 2.
  const target = openTarget(spec, 'users');
  await target.writeBatch([
    { _id: 1, name: 'router', bio: null, version: 2, orders: [] },
    { _id: 2, name: 'router', bio: null, version: 2, orders: [] },
  ]);
  await drain(stream);

  const users = f.mongo.collection<{ _id: number; orders?: unknown[] }>('users');
  expect(await users.findOne({ _id: 1 })).toMatchObject({ name: 'router', version: 2, orders: [] });
  expect(await users.findOne({ _id: 2 })).toMatchObject({ name: 'router', version: 2 });
  // What no router wrote still follows the old database.
  expect((await users.findOne({ _id: 3 }))?.orders).toEqual([
    { id: 2, user_id: 3, amount: 7 },
    { id: 8, user_id: 3, amount: 80 },
  ]);
  expect(await users.findOne({ _id: 4 })).toBeNull();
});

it('PostgreSQL → PostgreSQL: a stale delete, key change and re-insert leave the newer versions a router wrote', async () => {
  await f.pg.query(`create table items (id integer primary key, qty integer not null, version bigint not null)`);
  await f.pg.query(`create table items_copy (id integer primary key, qty integer not null, version bigint not null)`);
  await f.pg.query(`insert into items select g, g, 1 from generate_series(1, 8) g`);
  const spec = copySpec(f, 'cdc-guard-pg', ['items']);
  await cdc.prepare(spec);
  await copyAll(spec, 'items');
  const stream = await cdc.open(spec);
  await f.pg.query(`delete from items where id = 2`);
  await f.pg.query(`update items set id = 30, version = 2 where id = 3`);
  await f.pg.query(`begin; delete from items where id = 4; insert into items values (4, 40, 2); commit`);
  await f.pg.query(`delete from items where id = 5`);
  await f.pg.query(`begin; delete from items where id = 6; insert into items values (6, 60, 2); commit`);
  // A router wrote keys 2, 3 and 4 on the new database at version 5.
  await openTarget(spec, 'items').writeBatch([2, 3, 4].map((id) => ({ id, qty: -id, version: 5 })));
  await drain(stream);

  const { rows } = await f.pg.query<{ id: number; qty: number; version: string }>('select id, qty, version from items_copy order by id');
  expect(rows).toEqual([
    { id: 1, qty: 1, version: '1' },
    { id: 2, qty: -2, version: '5' },
    { id: 3, qty: -3, version: '5' },
    { id: 4, qty: -4, version: '5' },
    { id: 6, qty: 60, version: '2' },
    { id: 7, qty: 7, version: '1' },
    { id: 8, qty: 8, version: '1' },
    { id: 30, qty: 3, version: '2' },
  ]);
});
