/**
 * The demo's scenario as a test (examples/shop, scripts/demo.ts), CI-sized: the shop service serves
 * live traffic through the router while its users (orders embedded) move from PostgreSQL to
 * MongoDB. Scenario 1 kills the worker twice and restarts the Temporal server; scenario 2 cuts the
 * new database off mid-ramp. Each ends with the test's own comparison of every row and document
 * (shop-compare.ts).
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startShopApp, ShopApp } from '../../examples/shop/app';
import { reconcileBacklog } from '../../examples/shop/backlog';
import { Load, LoadStats, startLoad } from '../../examples/shop/load';
import { createShopTables, seedShop, SeedResult } from '../../examples/shop/schema';
import { shopSpec } from '../../examples/shop/spec';
import { closeAllClients, pgPool } from '../../lib/connectors/clients';
import type { MigrationSpec } from '../../lib/spec/schema';
import type { MigrationSpecInput } from '../../workflows/migration-types';
import { approveUpdate, MigrationStatus, statusQuery } from '../../workflows';
import type { VerifyResult } from '../../workflows/verify-api';
import { createDataFixture, DataFixture } from '../integration/backfill-fixtures';
import { startMigration, waitForStatus } from '../integration/migration-fixtures';
import { tcpProxy, TcpProxy } from '../support/tcp-proxy';
import { testClient, uniqueName } from '../support/temporal';
import { compareShop } from './shop-compare';
import { spawnWorker } from './worker-process';

const ROOT = join(__dirname, '..', '..');
const stack = (...args: string[]) => execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), ...args], { stdio: 'pipe', timeout: 120_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const alive = (w: ChildProcess) => w.exitCode === null && w.signalCode === null;

/** Polls until `ok` holds; past `timeoutMs` fails with what `explain` says. */
async function until(ok: () => boolean | Promise<boolean>, timeoutMs: number, explain: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(await explain());
    await sleep(200);
  }
}

/** Every phase of the playbook, in the order a clean run enters them. */
const PHASES = ['preflight', 'dual_write', 'backfill', 'verify', 'shadow_read', 'read_ramp', 'write_switch', 'complete', 'decommission'];

const FAST: Partial<MigrationSpecInput> = {
  timers: { dualWriteSoak: '3s', shadowReadSoak: '3s', rampStepBake: '3s', rollbackWindow: '3s', gateInterval: '1s' },
  ramp: [25, 100],
  // Enough samples that one shadow read racing a write cannot roll back, few enough for short bakes.
  gates: { maxMismatchRate: 0.02, maxErrorRate: 0.05, minSamples: 50, maxLagSeconds: 5 },
};

interface Shop {
  f: DataFixture;
  seeded: SeedResult;
  spec: MigrationSpec;
  taskQueue: string;
  workers: ChildProcess[];
  app: ShopApp;
  load: Load;
  close(): Promise<void>;
}

/**
 * A seeded shop in its own databases, a worker process, the service and its load. `target` names
 * the MongoDB connection both the router and the worker use, so a proxy in it cuts off both.
 */
async function openShop(
  prefix: string,
  users: number,
  target: string,
  overrides: Partial<MigrationSpecInput>,
  workerEnv: Record<string, string> = {},
): Promise<Shop> {
  const f = await createDataFixture(prefix);
  await createShopTables(f.pg);
  const seeded = await seedShop(f.pg, users);
  const spec = shopSpec({
    id: uniqueName(prefix).replace(/_/g, '-'),
    source: f.pgConnection,
    target,
    database: f.mongoDatabase,
    overrides: { ...FAST, ...overrides },
  });
  const taskQueue = uniqueName(`tq-${prefix}`);
  const workers = [await spawnWorker(taskQueue, { ...f.env, ...workerEnv })];
  const app = await startShopApp(spec, seeded.maxOrderId + 1);
  const load = startLoad({ baseUrl: app.url, ratePerSecond: 40, durationMs: 10 * 60_000, seededUsers: users, maxInFlight: 2000 });
  return {
    f,
    seeded,
    spec,
    taskQueue,
    workers,
    app,
    load,
    async close() {
      await load.stop();
      await app.close();
      for (const w of workers) if (alive(w)) w.kill('SIGKILL');
      await closeAllClients();
      await f.close();
    },
  };
}

/**
 * What both scenarios end with: the migration completed through every phase, no user request
 * failed, this file's own comparison finds the two databases alike and no key waits for reconciling.
 */
async function expectCleanEnd(shop: Shop, status: MigrationStatus, traffic: LoadStats): Promise<void> {
  expect(status.state).toBe('completed');
  const entered = status.transitions.map((t) => t.to.split(' ')[0]);
  expect(PHASES.filter((p) => entered.includes(p))).toEqual(PHASES);
  expect({ failed: traffic.failed, failures: traffic.failures }).toEqual({ failed: 0, failures: [] });
  const control = pgPool(shop.spec.control.connection);
  const comparison = await compareShop(shop.f, control, shop.spec.id);
  expect(comparison).toMatchObject({ missing: 0, extra: 0, different: 0, stale: 0, examples: [] });
  // The load ran on after the old database stopped taking writes.
  expect(comparison.writtenAfterSwitch).toBeGreaterThan(0);
  expect(await reconcileBacklog(control, shop.spec.id)).toBe(0);
  // The service's /metrics reports what its router did, as an operator's Prometheus would scrape it.
  const scraped = await (await fetch(`${shop.app.url}/metrics`)).text();
  const writes = /^switchyard_router_writes_total\{migration_id="[^"]+"\} (\d+)$/m.exec(scraped);
  expect(Number(writes?.[1])).toBe(shop.app.router.metrics().writes);
  expect(Number(writes?.[1])).toBeGreaterThan(0);
}

/** A failed test must not leave its migration running (waiting forever for a worker that is gone). */
async function stopMigration(workflowId: string): Promise<void> {
  const temporal = await testClient();
  await temporal.client.workflow
    .getHandle(workflowId)
    .terminate('the test ended')
    .catch(() => undefined);
  await temporal.close();
}

describe('e2e: the shop moves to MongoDB under live load', () => {
  let shop: Shop | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    if (shop) await stopMigration(shop.spec.id);
    await shop?.close();
    await proxy?.close();
    shop = undefined;
    proxy = undefined;
  });

  it('survives two worker kills and a Temporal restart, and ends with both sides identical', async () => {
    const users = 1000;
    // Throttled so that there is a backfill and a verification to kill the worker in.
    shop = await openShop('e2eshop', users, 'MONGO', { backfill: { batchSize: 100, concurrency: 1, maxRowsPerSecond: 150 } });
    let temporal = await testClient();
    try {
      const handle = await startMigration(temporal.client, shop.taskQueue, shop.spec, { autoApprove: true });
      const spawn = async () => shop!.workers.push(await spawnWorker(shop!.taskQueue, shop!.f.env));
      const killWorker = () => shop!.workers.filter(alive).forEach((w) => w.kill('SIGKILL'));

      const docs = shop.f.mongo.collection('users');
      const killAt = Math.floor(users * between(0.15, 0.6));
      await waitForStatus(handle, (s) => s.phase === 'backfill', 60_000);
      while ((await docs.countDocuments()) < killAt) await sleep(100);
      killWorker();
      expect(await docs.countDocuments()).toBeLessThan(users);
      await spawn();

      await waitForStatus(handle, (s) => s.phase === 'verify', 90_000);
      await sleep(between(500, 4000));
      expect((await handle.query(statusQuery)).phase).toBe('verify');
      killWorker();
      await spawn();

      await waitForStatus(handle, (s) => s.phase === 'read_ramp', 120_000);
      await temporal.close();
      stack('down', 'temporal');
      stack('up', 'temporal');
      temporal = await testClient();
      // The worker reconnects on its own; one that gave up while the server was away is replaced.
      if (!shop.workers.some(alive)) await spawn();

      const h = temporal.client.workflow.getHandle(shop.spec.id);
      // Live load to the end: through the final verification, while the old database is retired.
      // A gate that rolls back leaves the migration waiting for a human: fail then, naming the mismatches.
      const end = await waitForStatus(h, (s) => s.state === 'completed' || s.state === 'waiting_approval', 150_000);
      expect({ state: end.state, mismatches: shop.app.router.metrics().shadow.samples }).toMatchObject({ state: 'completed' });
      const status = (await h.result()) as MigrationStatus;
      const traffic = await shop.load.stop();
      await shop.app.router.flush();

      await expectCleanEnd(shop, status, traffic);
      expect(status.transitions.filter((t) => t.to.startsWith('rollback'))).toEqual([]);
      expect(traffic.served).toBeGreaterThan(1000);
    } finally {
      await temporal.close();
    }
  }, 180_000);

  it('rolls the read ramp back when the new database breaks, keeps serving, then drains and verifies clean', async () => {
    const mongo = new URL(process.env.SWITCHYARD_CONN_MONGO as string);
    proxy = await tcpProxy(mongo.hostname, Number(mongo.port || 27017));
    // The router (this process) and the worker reach MongoDB only through the proxy.
    const target = uniqueName('E2E_PROXY').toUpperCase();
    const via = { [`SWITCHYARD_CONN_${target}`]: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true` };
    Object.assign(process.env, via);
    // A step stays baking while its gate is inconclusive, so a short bake cannot outrun the breach.
    shop = await openShop('e2ebreak', 600, target, { timers: { ...FAST.timers!, rampStepBake: '5s' }, ramp: [25, 50, 100] }, via);
    const temporal = await testClient();
    try {
      const handle = await startMigration(temporal.client, shop.taskQueue, shop.spec, { autoApprove: true });
      await waitForStatus(handle, (s) => s.phase === 'read_ramp' && s.rampPercent === 50 && s.state === 'running', 90_000);
      const before = shop.load.stats();
      proxy.blackhole();

      // The rollback is recorded first, then the step's routing is published again.
      const rolledBack = await waitForStatus(handle, (s) => s.transitions.some((t) => t.to.startsWith('rollback')) && s.routing?.readPercent !== 50, 30_000);
      const rollback = rolledBack.transitions.find((t) => t.to.startsWith('rollback'))!;
      expect(rollback).toMatchObject({ from: 'read_ramp 50%', by: 'health-gate' });
      expect(rollback.reason).toMatch(/new-database error rate/);
      expect(rolledBack.routing?.readPercent).toBeLessThan(50);
      // Requests kept being served while the new database was gone.
      await sleep(3000);
      const during = shop.load.stats();
      expect(during.served - before.served).toBeGreaterThan(50);
      expect({ failed: during.failed, failures: during.failures }).toEqual({ failed: 0, failures: [] });

      // Writes the new database missed while it was gone wait in the reconcile queue.
      const control = pgPool(shop.spec.control.connection);
      expect(await reconcileBacklog(control, shop.spec.id)).toBeGreaterThan(0);
      proxy.restore();
      // "Back" as the service sees it: its driver finds the server again only at its next heartbeat.
      const servedNew = shop.app.router.metrics().reads.new;
      await until(
        () => shop!.app.router.metrics().reads.new >= servedNew + 5,
        30_000,
        () => `the service did not read the new database again: ${JSON.stringify(shop!.app.router.metrics())}`,
      );

      // The rollback waits for a human; once approved, the ramp's soak drains the queue.
      await waitForStatus(handle, (s) => s.state === 'waiting_approval');
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', note: 'new database is back' }] });
      // It empties at some point; under live load a new entry may arrive right after (checked again at the end).
      const backlog = () => reconcileBacklog(control, shop!.spec.id);
      await until(
        async () => (await backlog()) === 0,
        30_000,
        async () => `the reconcile queue did not drain: ${await backlog()} keys left`,
      );
      const ended = await waitForStatus(handle, (s) => ['completed', 'failed', 'aborted'].includes(s.state), 90_000);
      expect({ state: ended.state, last: ended.transitions.at(-1) }).toMatchObject({ state: 'completed' });
      const status = await handle.result();
      const traffic = await shop.load.stop();
      await shop.app.router.flush();

      await expectCleanEnd(shop, status, traffic);
      expect((status.entities.users.verify?.result as VerifyResult).clean).toBe(true);
    } finally {
      await temporal.close();
    }
  }, 150_000);
});
