import { heldWritesRouting, routingFor, RoutingState } from '../../../lib/control';
import { createRouter, EntityAccess, Router, RouterRecord } from '../../../lib/router';
import { memoryRouterControl } from '../../support/memory-router-control';

/**
 * A CDC read ramp as one router sees it: the router writes the old database alone and the stream
 * (here: the test) copies to the new one later. Read-your-writes and the write switch's hold.
 */

type Db = Map<number, RouterRecord>;

function access(db: Db, served: string[], name: string): EntityAccess {
  return {
    get: async (key) => {
      served.push(name);
      return db.get(key[0] as number);
    },
    insert: async (r) => void db.set(r._id as number, r),
    update: async (r) => void db.set(r._id as number, r),
    delete: async (key) => void db.delete(key[0] as number),
  };
}

const state = (version: number, routing: ReturnType<typeof routingFor>): RoutingState => ({
  ...routing,
  migrationId: 'm',
  version,
  actor: 't',
  reason: 't',
  at: new Date().toISOString(),
});

let router: Router | undefined;
afterEach(() => router?.close());

/** The store's control with a counter of answered polls: `polled()` resolves once two polls sent after the call have answered. */
function counted(store: ReturnType<typeof memoryRouterControl>) {
  let answered = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const control = {
    ...store.control,
    renewAndRead: async (...args: Parameters<typeof store.control.renewAndRead>) => {
      const r = await store.control.renewAndRead(...args);
      answered++;
      for (const w of waiters.filter((w) => answered >= w.at)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      return r;
    },
  };
  // One poll may be in flight already, sent before the call: the second one answered after it was sent after.
  const polled = () => new Promise<void>((resolve) => waiters.push({ at: answered + 2, resolve }));
  return { control, polled };
}

async function setUp() {
  const store = memoryRouterControl('m');
  const { control, polled } = counted(store);
  const old: Db = new Map([[1, { _id: 1, v: 1 }]]);
  const fresh: Db = new Map([[1, { _id: 1, v: 1 }]]);
  const served: string[] = [];
  store.publish(state(1, routingFor('read_ramp', 100, 'cdc')));
  router = await createRouter({
    migrationId: 'm',
    control,
    entities: { kv: { old: access(old, served, 'old'), new: access(fresh, served, 'new'), keyOf: (r) => [r._id as number] } },
    pollIntervalMs: 10,
    shadowSampleRate: 0,
  });
  return { store, old, fresh, served, kv: router.entity('kv'), polled };
}

test('during a CDC ramp a router reads its own write from the old database until the stream has applied it', async () => {
  const { store, old, fresh, served, kv, polled } = await setUp();
  await kv.update({ _id: 1, v: 2 });
  expect(old.get(1)).toEqual({ _id: 1, v: 2 });
  expect(fresh.get(1)).toEqual({ _id: 1, v: 1 });
  // The new database still has v1 (the stream is behind): the read must not return it.
  expect(await kv.get([1])).toEqual({ _id: 1, v: 2 });
  await polled();
  expect(await kv.get([1])).toEqual({ _id: 1, v: 2 });
  // The stream applies it and publishes a watermark taken after the router's first poll since the write.
  fresh.set(1, { _id: 1, v: 2 });
  store.streamedThrough(Date.now() + 1);
  await polled();
  served.length = 0;
  expect(await kv.get([1])).toEqual({ _id: 1, v: 2 });
  expect(served).toEqual(['new']);
});

test('a watermark taken before the write ended does not release the key', async () => {
  const { store, served, kv, polled } = await setUp();
  const before = Date.now() - 1;
  await kv.update({ _id: 1, v: 2 });
  store.streamedThrough(before);
  await polled();
  served.length = 0;
  expect(await kv.get([1])).toEqual({ _id: 1, v: 2 });
  expect(served).toEqual(['old']);
});

test('writes held for the CDC write switch wait for the switch and then go to the new database first', async () => {
  const { store, old, fresh, kv, polled } = await setUp();
  store.publish(state(2, heldWritesRouting()));
  await polled();
  const write = kv.update({ _id: 1, v: 3 });
  await polled();
  expect([old.get(1)?.v, fresh.get(1)?.v]).toEqual([1, 1]);
  store.publish(state(3, routingFor('write_switch')));
  await write;
  expect([old.get(1)?.v, fresh.get(1)?.v]).toEqual([3, 3]);
  expect(router!.routing().writes).toBe('new_then_old');
});

test('a write held past heldWriteTimeoutMs fails and touches neither database', async () => {
  const store = memoryRouterControl('m');
  const old: Db = new Map();
  const fresh: Db = new Map();
  store.publish(state(2, heldWritesRouting()));
  router = await createRouter({
    migrationId: 'm',
    control: store.control,
    entities: { kv: { old: access(old, [], 'old'), new: access(fresh, [], 'new'), keyOf: (r) => [r._id as number] } },
    pollIntervalMs: 10,
    heldWriteTimeoutMs: 50,
  });
  await expect(router.entity('kv').insert({ _id: 1, v: 1 })).rejects.toThrow(
    /writes are held for the write switch \(routing v2\) and were still held after 50 ms/,
  );
  expect([old.size, fresh.size]).toEqual([0, 0]);
});
