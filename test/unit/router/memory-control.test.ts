import { routingFor } from '../../../lib/control';
import type { Phase } from '../../../lib/spec/lifecycle';
import { createRouter } from '../../../lib/router';
import type { EntityAccess, RouterRecord } from '../../../lib/router';
import { memoryRouterControl } from '../../support/memory-router-control';

/** The router's protocol on the in-memory control store the model-based test drives. */
function memoryAccess(rows: Map<unknown, RouterRecord>, hang?: () => boolean): EntityAccess {
  const write = async (r: RouterRecord) => {
    if (hang?.()) await new Promise(() => undefined);
    rows.set(r._id, r);
  };
  return { get: async (k) => rows.get(k[0]), insert: write, update: write, delete: async (k) => void rows.delete(k[0]) };
}

async function setUp(phase: Phase, hangNew = false) {
  const store = memoryRouterControl('m');
  store.publish({ ...routingFor(phase), migrationId: 'm', version: 1, actor: 't', reason: 't', at: '' });
  const old = new Map<unknown, RouterRecord>();
  const fresh = new Map<unknown, RouterRecord>();
  const router = await createRouter({
    migrationId: 'm',
    control: store.control,
    instanceId: 'r1',
    flushIntervalMs: 60_000,
    secondaryTimeoutMs: 60_000,
    entities: { users: { old: memoryAccess(old), new: memoryAccess(fresh, () => hangNew), keyOf: (r) => [r._id as number] } },
  });
  return { store, old, fresh, router, users: router.entity('users') };
}

test('a dual write is recorded before it is made and forgotten once both sides have it', async () => {
  const { store, old, fresh, router, users } = await setUp('dual_write');
  await users.insert({ _id: 1, version: 1 });
  expect(old.get(1)).toBeDefined();
  expect(fresh.get(1)).toBeDefined();
  await router.flush();
  expect(store.intents.size).toBe(0);
  expect(store.reconcileQueue.size).toBe(0);
  await router.close();
});

test('no record, no write: a control store that fails the recording fails the request', async () => {
  const { store, old, fresh, router, users } = await setUp('write_switch');
  store.control.recordIntents = async () => {
    throw new Error('connection refused');
  };
  await expect(users.insert({ _id: 2, version: 1 })).rejects.toThrow(/control store did not record it/);
  expect(old.size + fresh.size).toBe(0);
  await router.close();
});

test('a write abandoned between its two calls is found by the sweep once its router is gone', async () => {
  const { store, old, router, users } = await setUp('dual_write', true);
  void users.insert({ _id: 3, version: 1 });
  await new Promise((r) => setImmediate(r));
  expect(old.get(3)).toBeDefined();
  expect(store.moveStaleIntents(60_000)).toBe(0);
  await router.close();
  expect(store.moveStaleIntents(60_000)).toBe(1);
  expect([...store.reconcileQueue.values()]).toMatchObject([{ key: [3], target: 'new' }]);
});
