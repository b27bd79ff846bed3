import './fast-timeouts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Pool } from 'pg';
import { drainReconcileQueue } from '../../../activities/reconcile-queue';
import {
  moveStaleIntents,
  readReconcileBatch,
  readWrittenKeys,
  recordWriteIntents,
  releaseLease,
  renewLeaseAndReadRouting,
  WriteIntent,
} from '../../../lib/control';
import { specRoutes } from '../../../lib/router';
import type { EntityRoute } from '../../../lib/router';
import { tcpProxy, TcpProxy } from '../../support/tcp-proxy';
import { createRouterFixture, RouterFixture, user, waitFor } from './router-fixture';

/**
 * What survives a router's crash or a control-store outage (issue #12 items 1, 2, 5): every
 * acknowledged write has a durable record in the control store before its first database
 * write, a write left half done is reconciled, and a router cut off from the control store
 * stops writing.
 */
let f: RouterFixture;

beforeAll(async () => {
  f = await createRouterFixture('rt_durable');
});

afterAll(async () => {
  await f.close();
});

const mongoDoc = (id: number) => f.fx.mongo.collection('users').findOne({ _id: id as never });
const pgRow = async (id: number) => (await f.fx.pg.query('select * from users where id = $1', [id])).rows[0];

/** A control-store pool through a proxy the test can cut. */
async function cuttableControl(): Promise<{ control: Pool; proxy: TcpProxy; close: () => Promise<void> }> {
  const url = new URL(f.fx.pgUrl);
  const proxy = await tcpProxy(url.hostname, Number(url.port || 5432));
  url.port = String(proxy.port);
  const control = new Pool({ connectionString: url.toString(), connectionTimeoutMillis: 300, query_timeout: 1000, max: 2 });
  control.on('error', () => undefined);
  return {
    control,
    proxy,
    close: async () => {
      await control.end();
      await proxy.close();
    },
  };
}

test('after the write switch a written key is in the control store before the write is acknowledged', async () => {
  const router = await f.router({ flushIntervalMs: 60_000 });
  const version = await f.publish('write_switch');
  await waitFor(() => router.routing().version === version);
  await router.entity('users').insert(user(1001));
  // No flush: the record was made on the request's path.
  expect(await readWrittenKeys(f.control, f.migrationId, 'users', version, undefined, 100)).toContainEqual([1001]);
});

test('with the control store down after the switch a write fails and nothing is written', async () => {
  const cut = await cuttableControl();
  try {
    const version = await f.publish('write_switch');
    const router = await f.router({ control: cut.control });
    expect(router.routing().version).toBe(version);
    cut.proxy.blackhole();
    await expect(router.entity('users').insert(user(1002))).rejects.toThrow(/control store/);
    expect(await mongoDoc(1002)).toBeNull();
    expect(await pgRow(1002)).toBeUndefined();
    expect(await readWrittenKeys(f.control, f.migrationId, 'users', version, undefined, 100)).not.toContainEqual([1002]);
  } finally {
    await cut.close();
  }
});

test('a router that dies between the first and the second write leaves an intent that the drain reconciles', async () => {
  const route = specRoutes(f.spec()).users;
  let release = () => undefined as void;
  const never = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The second (new-side) write never happens: the process "dies" while it is pending.
  const stuck: Record<string, EntityRoute> = { users: { ...route, new: { ...route.new, insert: () => never } } };
  const router = await f.router({ entities: stuck, secondaryTimeoutMs: 60_000 });
  const version = await f.publish('dual_write');
  await waitFor(() => router.routing().version === version);
  const pending = router.entity('users').insert(user(1003));
  await waitFor(async () => (await pgRow(1003)) !== undefined);
  await router.close();
  try {
    expect(await mongoDoc(1003)).toBeNull();
    await new MockActivityEnvironment().run(drainReconcileQueue, { migrationId: f.migrationId, spec: f.spec() });
    expect(await mongoDoc(1003)).toMatchObject({ name: 'user 1003', version: 1 });
  } finally {
    release();
    await pending.catch(() => undefined);
  }
});

test('an application process killed (SIGKILL) between its two writes: the drain reconciles the key once its lease lapses', async () => {
  const mongo = new URL(process.env.SWITCHYARD_CONN_MONGO as string);
  const proxy = await tcpProxy(mongo.hostname, Number(mongo.port || 27017));
  proxy.blackhole();
  await f.publish('dual_write');
  // node itself (not the tsx launcher, which would survive as an orphan) so SIGKILL hits the application.
  const app = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-writer-main.ts')], {
    env: {
      ...process.env,
      SWITCHYARD_CONN_MONGO_HOLE: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
      SWITCHYARD_CONNECT_TIMEOUT_MS: '600000',
      CRASH_SPEC: JSON.stringify(f.spec('MONGO_HOLE')),
      CRASH_CONTROL_URL: f.fx.pgUrl,
      CRASH_RECORD: JSON.stringify(user(1010)),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitFor(async () => (await pgRow(1010)) !== undefined, 30_000);
    app.kill('SIGKILL');
    await once(app, 'exit');
    expect(await mongoDoc(1010)).toBeNull();
    await waitFor(async () => {
      await new MockActivityEnvironment().run(drainReconcileQueue, { migrationId: f.migrationId, spec: f.spec() });
      return (await mongoDoc(1010)) !== null;
    }, 10_000);
    expect(await mongoDoc(1010)).toMatchObject({ name: 'user 1010', version: 1 });
  } finally {
    if (app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
    await proxy.close();
  }
});

test('a router whose lease expired refuses writes until it renews it', async () => {
  const cut = await cuttableControl();
  try {
    const version = await f.publish('backfill');
    const router = await f.router({ control: cut.control, leaseTtlMs: 800 });
    expect(router.routing().version).toBe(version);
    await router.entity('users').insert(user(1004));
    cut.proxy.blackhole();
    await waitFor(() => router.metrics().controlStore.stalenessMs > 1000, 5000);
    await expect(router.entity('users').insert(user(1005))).rejects.toThrow(/lease .*expired/);
    expect(await pgRow(1005)).toBeUndefined();
    cut.proxy.restore();
    await waitFor(() => router.metrics().controlStore.reachable, 5000);
    await router.entity('users').insert(user(1005));
    expect(await pgRow(1005)).toMatchObject({ name: 'user 1005' });
  } finally {
    await cut.close();
  }
});

test('an intent stays while its router may still finish it, and is queued once its router lapsed, moved on or took too long', async () => {
  const migrationId = `${f.migrationId}-stale`;
  const renew = (following: number) => renewLeaseAndReadRouting(f.control, { migrationId, routerId: 'r1', following, ttlMs: 60_000 });
  const intent = (id: string, key: number, routingVersion: number): WriteIntent => ({
    id: `${migrationId}-${id}`,
    entity: 'users',
    key: [key],
    routingVersion,
    target: 'new',
    newPrimary: false,
  });
  const queued = async () => (await readReconcileBatch(f.control, migrationId, 'users', 'new', 100)).map((e) => e.key);

  await renew(3);
  expect(await recordWriteIntents(f.control, migrationId, 'r1', [intent('a', 1, 3)])).toBe(true);
  expect(await recordWriteIntents(f.control, migrationId, 'no-lease', [intent('x', 9, 3)])).toBe(false);
  expect(await moveStaleIntents(f.control, migrationId, 60_000)).toBe(0);
  // The router acknowledges version 4: its write under version 3 has ended, its outcome was lost.
  await renew(4);
  expect(await moveStaleIntents(f.control, migrationId, 60_000)).toBe(1);
  expect(await queued()).toEqual([[1]]);
  // Older than the staleness window, its router live and on that version.
  await recordWriteIntents(f.control, migrationId, 'r1', [intent('b', 2, 4)]);
  expect(await moveStaleIntents(f.control, migrationId, 0)).toBe(1);
  // Its router closed (or its lease expired).
  await recordWriteIntents(f.control, migrationId, 'r1', [intent('c', 3, 4)]);
  expect(await moveStaleIntents(f.control, migrationId, 60_000)).toBe(0);
  await releaseLease(f.control, migrationId, 'r1');
  expect(await moveStaleIntents(f.control, migrationId, 60_000)).toBe(1);
  expect(await queued()).toEqual(expect.arrayContaining([[1], [2], [3]]));
  expect(await queued()).not.toContainEqual([9]);
});
