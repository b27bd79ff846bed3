import { openDirectCopy, openSource, openTarget } from '../../../lib/connectors';
import { readReconcileBatch } from '../../../lib/control';
import { specRoutes } from '../../../lib/router';
import type { EntityAccess, EntityRoute } from '../../../lib/router';
import { parseSpec } from '../../../lib/spec';
import { createRouterFixture, RouterFixture, user, waitFor } from './router-fixture';

/**
 * A delete beats every older write of its key, whichever path that write takes: a racing update
 * through the router, a backfill page read before the delete, a dual write landing late on the
 * secondary (issue #12, item 4). Old side PostgreSQL, new side FerretDB, plus a PostgreSQL target.
 */
let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('rt_deletes');
  await f.fx.pg.query(`create table users_new (id int primary key, name text not null, email text, version bigint not null)`);
});

afterAll(async () => {
  await f.close();
});

const mongoDoc = (id: number) => f.fx.mongo.collection('users').findOne({ _id: id as never });
const pgRow = async (id: number, table = 'users') => (await f.fx.pg.query(`select * from ${table} where id = $1`, [id])).rows[0];

/** users → users_new in the same PostgreSQL database: the PostgreSQL target's side of the rule. */
function pgToPg() {
  const parsed = parseSpec({
    id: f.migrationId,
    source: { connection: f.fx.pgConnection },
    target: { connection: f.fx.pgConnection },
    control: { connection: f.fx.pgConnection },
    entities: [{ name: 'users', from: { table: 'users', key: ['id'], version: 'version' }, to: { table: 'users_new' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

/** A route whose new side holds each call of `op` until `release` is called. */
function heldOnNew(op: 'update' | 'delete', spec = f.spec()) {
  const route = specRoutes(spec).users;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  const held: EntityAccess = {
    ...route.new,
    [op]: async (arg: never, ctx: never) => {
      reached();
      await released;
      return (route.new[op] as (a: never, c: never) => Promise<void>)(arg, ctx);
    },
  };
  const entities: Record<string, EntityRoute> = { users: { ...route, new: held } };
  return { entities, release, arrived };
}

async function dualWriteRouter(options: Parameters<RouterFixture['router']>[0] = {}, spec = f.spec()) {
  const router = await f.router(options, spec);
  const version = await f.publish('dual_write');
  await waitFor(() => router.routing().version === version);
  return router.entity('users');
}

test('an update after a delete does not re-create the row on either side', async () => {
  const users = await dualWriteRouter();
  await users.insert(user(1));
  await users.delete([1]);
  await expect(users.update(user(1, 2, 'late@x.io'))).rejects.toThrow(/users \[1\].*(does not exist|deleted)/);
  expect(await pgRow(1)).toBeUndefined();
  expect(await mongoDoc(1)).toBeNull();
});

test('a backfill page read before a delete does not bring the row back (MongoDB and PostgreSQL targets)', async () => {
  const users = await dualWriteRouter();
  await f.fx.pg.query(`insert into users values (2, 'user 2', 'u2@x.io', 1)`);
  const page = await openSource(f.spec(), 'users').readRange({ from: [2], to: [3], limit: 10 });
  await users.delete([2]);
  await openTarget(f.spec(), 'users').writeBatch(page.records, { versionGuard: true });
  expect(await mongoDoc(2)).toBeNull();

  const pgUsers = await dualWriteRouter({}, pgToPg());
  await f.fx.pg.query(`insert into users values (3, 'user 3', 'u3@x.io', 1)`);
  const pgPage3 = await openSource(pgToPg(), 'users').readRange({ from: [3], to: [4], limit: 10 });
  await pgUsers.delete([3]);
  await openTarget(pgToPg(), 'users').writeBatch(pgPage3.records, { versionGuard: true });
  expect(await pgRow(3, 'users_new')).toBeUndefined();
});

test('a direct (in-database) copy of a page taken before the delete does not bring the row back', async () => {
  // The page's source snapshot still holds key 6 at version 1; the delete has reached the target.
  await f.fx.pg.query(`insert into users values (6, 'user 6', 'u6@x.io', 1)`);
  await openTarget(pgToPg(), 'users').deleteKeys([[6]], { upTo: 1 });
  const copier = await openDirectCopy(pgToPg(), 'users');
  const page = await copier!.copyPage({ from: [6], to: [7], limit: 10 }, { versionGuard: true });
  expect(page).toMatchObject({ rows: 1, written: 0, skipped: 1 });
  expect(await pgRow(6, 'users_new')).toBeUndefined();
});

test('a dual write landing on the secondary after the delete does not re-create the row', async () => {
  const { entities, release, arrived } = heldOnNew('update');
  const users = await dualWriteRouter({ entities });
  await (await dualWriteRouter()).insert(user(4));
  const update = users.update(user(4, 2, 'v2@x.io'));
  await arrived;
  // The update reached the primary (version 2); the delete removes it there and on the new side.
  await (await dualWriteRouter()).delete([4]);
  release();
  await update;
  expect(await pgRow(4)).toBeUndefined();
  expect(await mongoDoc(4)).toBeNull();
});

test('a delete reaching the secondary after a racing insert keeps the newer row and queues the key', async () => {
  // Found by the model test: client1 inserts k while client0 deletes k; the old side ended with
  // client1's version, the new side with nothing.
  const plain = await dualWriteRouter();
  await plain.insert(user(5, 2));
  const { entities, release, arrived } = heldOnNew('delete');
  const deleting = (await dualWriteRouter({ entities, secondaryTimeoutMs: 5000 })).delete([5]);
  await arrived;
  await plain.insert(user(5, 3, 'again@x.io'));
  release();
  await deleting;
  expect(await pgRow(5)).toMatchObject({ version: '3' });
  expect(await mongoDoc(5)).toMatchObject({ version: 3 });
  await waitFor(async () => (await readReconcileBatch(f.control, f.migrationId, 'users', 'new', 100)).some((e) => JSON.stringify(e.key) === '[5]'));
});
