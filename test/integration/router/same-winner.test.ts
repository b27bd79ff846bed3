import { createRouterFixture, RouterFixture, user, waitFor } from './router-fixture';

/**
 * Two application instances writing one key: both databases end with the same winner (issue #12,
 * item 6). The secondary refuses a version that is not newer than the one it holds, so the
 * primary must refuse it too, or the two databases keep different records under one version.
 */
let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('rt_winner');
});

afterAll(async () => {
  await f.close();
});

const mongoDoc = (id: number) => f.fx.mongo.collection('users').findOne({ _id: id as never });
const pgRow = async (id: number) => (await f.fx.pg.query('select * from users where id = $1', [id])).rows[0];

async function instances(phase: 'dual_write' | 'write_switch') {
  const [a, b] = [await f.router(), await f.router()];
  const version = await f.publish(phase);
  await waitFor(() => a.routing().version === version && b.routing().version === version);
  return [a.entity('users'), b.entity('users')];
}

test.each(['dual_write', 'write_switch'] as const)('two instances updating a key from the same version: one wins on both databases (%s)', async (phase) => {
  const id = phase === 'dual_write' ? 1 : 2;
  const [a, b] = await instances(phase);
  await a.insert(user(id));
  // Both read version 1 and write version 2 (a read-modify-write without a lock between instances).
  await a.update(user(id, 2, 'from-a@x.io'));
  await expect(b.update(user(id, 2, 'from-b@x.io'))).rejects.toThrow(/users \[\d\].*not older/);
  expect(await pgRow(id)).toMatchObject({ email: 'from-a@x.io', version: '2' });
  expect(await mongoDoc(id)).toMatchObject({ email: 'from-a@x.io', version: 2 });
});
