import './fast-timeouts';
import { Pool } from 'pg';
import { readReconcileBatch } from '../../../lib/control';
import { specRoutes } from '../../../lib/router';
import type { EntityAccess, EntityRoute } from '../../../lib/router';
import { tcpProxy } from '../../support/tcp-proxy';
import { createRouterFixture, RouterFixture, user, waitFor } from './router-fixture';

/** Dual writes: order per routing state, primary failures, secondary failures and the reconcile queue. */
let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('rt_writes');
});

afterAll(async () => {
  await f.close();
});

/** The spec's real data access, with each call logged as "side:operation:role" once it has finished. */
function recorded(calls: string[]): Record<string, EntityRoute> {
  const route = specRoutes(f.spec()).users;
  const wrap = (side: string, a: EntityAccess): EntityAccess => ({
    get: a.get,
    insert: async (r, ctx) => {
      await a.insert(r, ctx);
      calls.push(`${side}:insert:${ctx.role}`);
    },
    update: async (r, ctx) => {
      await a.update(r, ctx);
      calls.push(`${side}:update:${ctx.role}`);
    },
    delete: async (k, ctx) => {
      await a.delete(k, ctx);
      calls.push(`${side}:delete:${ctx.role}`);
    },
  });
  return { users: { ...route, old: wrap('old', route.old), new: wrap('new', route.new) } };
}

const mongoDoc = (id: number) => f.fx.mongo.collection('users').findOne({ _id: id as never });
const pgRow = async (id: number) => (await f.fx.pg.query('select * from users where id = $1', [id])).rows[0];

test('writes go to the databases in the order the routing state says', async () => {
  const calls: string[] = [];
  const router = await f.router({ entities: recorded(calls) });
  const users = router.entity('users');
  const expectations: [Parameters<RouterFixture['publish']>[0], string[]][] = [
    ['preflight', ['old:insert:primary']],
    ['dual_write', ['old:insert:primary', 'new:insert:secondary']],
    ['write_switch', ['new:insert:primary', 'old:insert:secondary']],
    ['complete', ['new:insert:primary']],
  ];
  let id = 100;
  for (const [phase, expected] of expectations) {
    const version = await f.publish(phase);
    await waitFor(() => router.routing().version === version);
    calls.length = 0;
    await users.insert(user(++id));
    expect(calls).toEqual(expected);
  }
  await users.update(user(id, 2, 'changed@x.io'));
  await users.delete([id]);
  expect(calls.slice(1)).toEqual(['new:update:primary', 'new:delete:primary']);

  const version = await f.publish('dual_write');
  await waitFor(() => router.routing().version === version);
  await users.insert(user(200));
  await users.update(user(200, 2, 'v2@x.io'));
  expect(await pgRow(200)).toMatchObject({ email: 'v2@x.io' });
  expect(await mongoDoc(200)).toMatchObject({ email: 'v2@x.io' });
  await users.delete([200]);
  expect(await pgRow(200)).toBeUndefined();
  expect(await mongoDoc(200)).toBeNull();
});

test('a failed primary write fails the request and the secondary is not written', async () => {
  const router = await f.router();
  const version = await f.publish('dual_write');
  await waitFor(() => router.routing().version === version);
  // name is NOT NULL in PostgreSQL (the old, primary side); the connector refuses the record.
  await expect(router.entity('users').insert({ ...user(300), name: null })).rejects.toThrow(/users \[300\].*cannot be stored/);
  expect(await mongoDoc(300)).toBeNull();
  expect(router.metrics().secondaryFailures).toBe(0);
});

test('a failed secondary write succeeds for the user and queues the key for reconciliation', async () => {
  const router = await f.router({ secondaryTimeoutMs: 2000 }, f.spec('MONGO_DOWN'));
  const version = await f.publish('dual_write');
  await waitFor(() => router.routing().version === version);
  await router.entity('users').insert(user(400));
  expect(await pgRow(400)).toMatchObject({ name: 'user 400' });
  expect(router.metrics().secondaryFailures).toBe(1);
  await waitFor(async () => (await readReconcileBatch(f.control, f.migrationId, 'users', 'new', 10)).some((e) => JSON.stringify(e.key) === '[400]'));
  await router.flush();
  const { rows } = await f.control.query(`select errors, operations from switchyard.counters where migration_id = $1 and routing_version = $2`, [
    f.migrationId,
    version,
  ]);
  expect(rows[0]).toMatchObject({ errors: '1', operations: '1' });
});

test('a secondary write whose connection drops is queued, never taken as written', async () => {
  const mongo = new URL(process.env.SWITCHYARD_CONN_MONGO as string);
  const proxy = await tcpProxy(mongo.hostname, Number(mongo.port || 27017));
  process.env.SWITCHYARD_CONN_MONGO_CUT = `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`;
  try {
    const router = await f.router({ secondaryTimeoutMs: 5000 }, f.spec('MONGO_CUT'));
    const version = await f.publish('dual_write');
    await waitFor(() => router.routing().version === version);
    const users = router.entity('users');
    await users.insert(user(700));
    expect(await mongoDoc(700)).toMatchObject({ version: 1 });
    // Drops the connected driver's sockets: its insert fails as a command, not with write errors.
    proxy.blackhole();
    await users.update(user(700, 2, 'v2@x.io'));
    await users.insert(user(701));
    expect(await pgRow(701)).toMatchObject({ name: 'user 701' });
    expect(router.metrics().secondaryFailures).toBe(2);
    expect(await mongoDoc(700)).toMatchObject({ version: 1 });
    expect(await mongoDoc(701)).toBeNull();
    await waitFor(
      async () =>
        (await readReconcileBatch(f.control, f.migrationId, 'users', 'new', 100)).filter((e) => ['[700]', '[701]'].includes(JSON.stringify(e.key))).length ===
        2,
    );
  } finally {
    await proxy.close();
  }
});

test('with the control store also down, a dual write is refused, and once it is back a failed secondary write is queued', async () => {
  const url = new URL(f.fx.pgUrl);
  const proxy = await tcpProxy(url.hostname, Number(url.port || 5432));
  url.port = String(proxy.port);
  const control = new Pool({ connectionString: url.toString(), connectionTimeoutMillis: 300, max: 2 });
  control.on('error', () => undefined);
  try {
    const version = await f.publish('dual_write');
    const router = await f.router({ control, secondaryTimeoutMs: 2000 }, f.spec('MONGO_DOWN'));
    expect(router.routing().version).toBe(version);
    proxy.blackhole();
    await expect(router.entity('users').insert(user(501))).rejects.toThrow(/control store did not record it/);
    expect(await pgRow(501)).toBeUndefined();

    proxy.restore();
    await waitFor(() => router.metrics().controlStore.reachable, 5000);
    await router.entity('users').insert(user(501));
    expect(await pgRow(501)).toMatchObject({ name: 'user 501' });
    await waitFor(async () => (await readReconcileBatch(f.control, f.migrationId, 'users', 'new', 100)).some((e) => JSON.stringify(e.key) === '[501]'));
    await router.close();
  } finally {
    await control.end();
    await proxy.close();
  }
});
