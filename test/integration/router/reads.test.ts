import './fast-timeouts';
import { readGateFigures, readReconcileBatch } from '../../../lib/control';
import { readsNew, routerRegistry } from '../../../lib/router';
import { createRouterFixture, RouterFixture, user, waitFor } from './router-fixture';

/** Shadow reads, percentage reads and the fallback to the old database. */
let f: RouterFixture;
const KEYS = Array.from({ length: 200 }, (_, i) => i + 1);

beforeAll(async () => {
  f = await createRouterFixture('rt_reads');
  await f.fx.pg.query(`insert into users select g, 'user ' || g, 'u' || g || '@x.io', 1 from generate_series(1, 200) g`);
  await f.fx.mongo.collection('users').insertMany(KEYS.map((id) => user(id)) as never[]);
  // Key 7 differs on the new side in one field: the mismatch the shadow reads must find.
  await f.fx.mongo.collection('users').updateOne({ _id: 7 as never }, { $set: { email: 'wrong@x.io' } });
});

afterAll(async () => {
  await f.close();
});

test('shadow reads serve the old side, compare the new one off the request path and report mismatches', async () => {
  const version = await f.publish('shadow_read');
  const router = await f.router({ shadowSampleRate: 1 });
  expect(router.routing().version).toBe(version);
  const users = router.entity('users');
  for (const id of KEYS.slice(0, 20)) await users.get([id]);
  await waitFor(() => router.metrics().shadow.matches + router.metrics().shadow.mismatches === 20);

  // Key 7's second read is not compared: once found different, it waits in the reconcile queue.
  expect(await users.get([7])).toMatchObject({ email: 'u7@x.io' });
  const m = router.metrics();
  expect(m.reads).toEqual({ old: 21, new: 0 });
  expect(m.shadow).toMatchObject({ matches: 19, mismatches: 1, errors: 0 });
  expect(m.shadow.samples.map((s) => [s.key, s.fields])).toEqual([[[7], ['email']]]);
  // The same figures as the registry an application mounts for Prometheus.
  const scraped = await routerRegistry(router, f.migrationId).metrics();
  expect(scraped).toContain(`switchyard_router_shadow_comparisons_total{migration_id="${f.migrationId}",outcome="mismatches"} 1`);
  expect(scraped).toContain(`switchyard_router_reads_total{migration_id="${f.migrationId}",side="old"} 21`);

  await router.flush();
  // 20 reads of the new side to compare, and key 7's recheck before its difference counted.
  expect(await readGateFigures(f.control, f.migrationId, version)).toMatchObject({ comparisons: 20, mismatches: 1, operations: 21, errors: 0 });
  const { rows } = await f.control.query(`select key, target, reason from switchyard.reconcile_queue where migration_id = $1`, [f.migrationId]);
  expect(rows).toEqual([{ key: [7], target: 'new', reason: 'shadow mismatch: email' }]);
  await f.control.query(`delete from switchyard.reconcile_queue where migration_id = $1`, [f.migrationId]);
});

test('percentage reads send the keys the hash picks to the new side, and only those', async () => {
  await f.fx.mongo.collection('users').updateOne({ _id: 7 as never }, { $set: { email: 'u7@x.io' } });
  const router = await f.router({ shadowSampleRate: 0 });
  const served: Record<number, 'old' | 'new'> = {};
  for (const percent of [5, 25, 50]) {
    const version = await f.publish('read_ramp', percent);
    await waitFor(() => router.routing().version === version);
    for (const id of KEYS) {
      const before = router.metrics().reads.new;
      await router.entity('users').get([id]);
      const side = router.metrics().reads.new > before ? 'new' : 'old';
      expect(side).toBe(readsNew([id], percent) ? 'new' : 'old');
      // Monotone: once on the new side, a key stays there as the percentage grows.
      if (served[id] === 'new') expect(side).toBe('new');
      served[id] = side;
    }
    const onNew = Object.values(served).filter((s) => s === 'new').length;
    expect(Math.abs(onNew / KEYS.length - percent / 100)).toBeLessThan(0.1);
  }
});

test('an error from the new side falls back to the old side and is counted', async () => {
  const version = await f.publish('read_ramp', 100);
  const router = await f.router({ shadowSampleRate: 0 }, f.spec('MONGO_DOWN'));
  expect(router.routing().version).toBe(version);
  expect(await router.entity('users').get([3])).toMatchObject({ email: 'u3@x.io' });
  expect(await router.entity('users').get([4])).toMatchObject({ email: 'u4@x.io' });
  expect(router.metrics()).toMatchObject({ fallbacks: 2, reads: { old: 2, new: 0 } });
  await router.flush();
  expect(await readGateFigures(f.control, f.migrationId, version)).toMatchObject({ operations: 2, errors: 2 });
  expect(await readReconcileBatch(f.control, f.migrationId, 'users', 'new', 10)).toEqual([]);
});

test('a key the new side is known to be behind on is read from the old side until a write reaches the new side', async () => {
  await f.fx.mongo.collection('users').updateOne({ _id: 9 as never }, { $set: { email: 'stale@x.io' } });
  await f.publish('read_ramp', 100);
  const router = await f.router({ shadowSampleRate: 1 });
  const users = router.entity('users');
  // Served from the new side; its shadow comparison finds the difference.
  expect(await users.get([9])).toMatchObject({ email: 'stale@x.io' });
  await waitFor(() => router.metrics().shadow.mismatches === 1);
  expect(await users.get([9])).toMatchObject({ email: 'u9@x.io' });
  expect(router.metrics().reads).toEqual({ old: 1, new: 1 });
  // A dual write that reaches the new side brings it level again.
  await users.update(user(9, 2));
  expect(await users.get([9])).toMatchObject({ email: 'u9@x.io', version: 2n });
  expect(router.metrics().reads).toEqual({ old: 1, new: 2 });
  await f.control.query(`delete from switchyard.reconcile_queue where migration_id = $1`, [f.migrationId]);
});
