import { copyKeys } from '../../../activities/copy-keys';
import { reconcileSides } from '../../../activities/reconcile';
import { openSource, openTarget } from '../../../lib/connectors';
import type { EntityConnector } from '../../../lib/connectors/types';
import { createRouterFixture, RouterFixture, storedUser, user, waitFor } from './router-fixture';

/**
 * The reconcile queue's copy (copyKeys) racing the application it reconciles for: the copy finds
 * a key absent on the old database, and before it deletes the key on the new one, an application
 * re-creates it through the router on both databases. The copy must not take that acknowledged
 * write away from the new database, which serves the key at 100 % new reads (torture seed 14
 * read "absent" after its own acknowledged write in the read ramp, CI on ba50342).
 * Old side PostgreSQL, new side FerretDB.
 */
let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('rt_reconcile_race');
});

afterAll(async () => {
  await f.close();
});

/** A side that runs `meanwhile` right after its `nth` fetch answered. */
function afterFetch(side: EntityConnector, nth: number, meanwhile: () => Promise<void>): EntityConnector {
  let calls = 0;
  return {
    ...side,
    async fetchByKeys(keys) {
      const result = await side.fetchByKeys(keys);
      if (++calls === nth) await meanwhile();
      return result;
    },
  };
}

/** A router in the read ramp at 100 %, and key `id` deleted before: both databases lack it, the new one keeps its tombstone. */
async function rampWithDeletedKey(id: number) {
  const router = await f.router();
  const version = await f.publish('read_ramp', 100);
  await waitFor(() => router.routing().version === version);
  const users = router.entity('users');
  await users.insert(user(id, 1));
  await users.delete([id]);
  return users;
}

const fresh = () => openTarget(f.spec(), 'users');

test('a reconcile copy keeps a record re-created after it found the key absent on old (read-your-writes at 100 % new reads)', async () => {
  const users = await rampWithDeletedKey(1);
  const old = afterFetch(openSource(f.spec(), 'users'), 1, () => users.insert(user(1, 2)));
  await copyKeys(old, fresh(), [[1]], 'version');
  expect(await users.get([1])).toEqual(storedUser(1, 2));
  expect((await fresh().fetchByKeys([[1]])).records).toEqual([storedUser(1, 2)]);
});

// The copy's delete is bounded by the version it read from new: unbounded, it would remove this record too.
test('a reconcile copy keeps a record re-created after its second look at old, just before its delete', async () => {
  const users = await rampWithDeletedKey(2);
  await fresh().writeBatch([user(2, 2)], { versionGuard: false });
  const old = afterFetch(openSource(f.spec(), 'users'), 2, () => users.insert(user(2, 3)));
  await copyKeys(old, fresh(), [[2]], 'version');
  expect(await users.get([2])).toEqual(storedUser(2, 3));
});

test('a reconcile copy still deletes from new a key old lacks', async () => {
  await fresh().writeBatch([user(3, 1)], { versionGuard: false });
  expect(await copyKeys(openSource(f.spec(), 'users'), fresh(), [[3]], 'version')).toMatchObject({ deleted: 1 });
  expect((await fresh().fetchByKeys([[3]])).records).toEqual([]);
});

// Verification's repair (reconcileKeys) deletes the extras it found in the same way: same race.
test('a verification repair keeps a record re-created after it found the key absent on old', async () => {
  const users = await rampWithDeletedKey(4);
  await fresh().writeBatch([user(4, 2)], { versionGuard: false });
  const old = afterFetch(openSource(f.spec(), 'users'), 1, () => users.insert(user(4, 3)));
  const ref = { migrationId: 'rt_reconcile_race', spec: f.spec(), entity: 'users' };
  await reconcileSides({ source: old, target: fresh() }, { ...ref, diffs: [{ key: [4], kind: 'extra', source: 'absent' }] });
  expect(await users.get([4])).toEqual(storedUser(4, 3));
  expect((await fresh().fetchByKeys([[4]])).records).toEqual([storedUser(4, 3)]);
});
