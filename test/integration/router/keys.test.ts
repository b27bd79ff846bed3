import './fast-timeouts';
import type { Key } from '../../../lib/connectors/types';
import { createRouterFixture, RouterFixture, user } from './router-fixture';

/** Keys come from the application: an operator object must never reach a MongoDB filter. */
let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('rt_keys');
  await f.fx.pg.query(`insert into users select g, 'user ' || g, 'u' || g || '@x.io', 1 from generate_series(1, 3) g`);
  await f.fx.mongo.collection('users').insertMany([1, 2, 3].map((id) => user(id)) as never[]);
});

afterAll(async () => {
  await f.close();
});

test('a key part that is not a key value ({"$gt": ""}, a malformed $numberLong, a nested array) is refused before any database sees it', async () => {
  await f.publish('complete');
  const users = (await f.router()).entity('users');
  const hostile = [[{ $ne: null }], [{ $gt: '' }], [{ $numberLong: '12; drop' }], [[1]], [], 'x'] as unknown as Key[];
  for (const key of hostile) {
    await expect(users.get(key)).rejects.toThrow(/^users: key .* is not a key: /);
    await expect(users.delete(key)).rejects.toThrow(/^users: key .* is not a key: /);
  }
  expect(await f.fx.mongo.collection('users').countDocuments()).toBe(3);
  expect(await users.get([2])).toMatchObject({ _id: 2, name: 'user 2' });
});
