import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { controlRolesSql, moveStaleIntents, publishRoutingState, readGateFigures, readReconcileBatch, readRouterAcks, routingFor } from '../../lib/control';
import { createRouter, pgRouterControl, Router, specRoutes } from '../../lib/router';
import { databaseUrl, ensureDatabase } from '../../scripts/bench/data-gen';
import { startTestWorker, testClient } from '../support/temporal';
import { createDataFixture, DataStack, sourceItems, targetItems } from './backfill-fixtures';
import { migrationSpec, retiredTable, startMigration, waitForStatus } from './migration-fixtures';

/**
 * The control store's two roles (issue #13 item 8), against the real server: the roles script
 * makes the worker role the schema's owner and lets the router role read routing and append; the
 * router role cannot run DDL, publish routing or remove what the worker drains.
 */
describe('control store roles (switchyard control-roles)', () => {
  // Set up and torn down here, not by useDataStack: the roles are dropped while the database still exists.
  const h = {} as DataStack;
  const suffix = randomUUID().slice(0, 8);
  const roles = { worker: `sy_worker_${suffix}`, router: `sy_router_${suffix}` };
  const pools: Pool[] = [];
  const routers: Router[] = [];
  let worker: Pool;
  let router: Pool;

  /** The test file's database as `role` (password authentication, as a deployment would log in). */
  function loginAs(role: string): { url: string; pool: Pool } {
    const url = new URL(h.f.pgUrl);
    url.username = role;
    url.password = role;
    const pool = new Pool({ connectionString: url.toString(), max: 3 });
    pool.on('error', () => undefined);
    pools.push(pool);
    return { url: url.toString(), pool };
  }

  beforeAll(async () => {
    h.f = await createDataFixture('roles');
    h.worker = await startTestWorker();
    h.temporal = await testClient();
    for (const role of Object.values(roles)) await h.f.pg.query(`create role ${role} login password '${role}'`);
    // Idempotent: a second run (after an upgrade) changes nothing and fails on nothing.
    for (let i = 0; i < 2; i++) await h.f.pg.query(controlRolesSql(roles));
    worker = loginAs(roles.worker).pool;
    router = loginAs(roles.router).pool;
  });

  afterAll(async () => {
    await Promise.allSettled(routers.map((r) => r.close()));
    await Promise.allSettled(pools.map((p) => p.end()));
    await h.f.pg.query(`reassign owned by ${roles.worker} to current_user; drop owned by ${roles.worker}, ${roles.router}`);
    await h.f.pg.query(`drop role ${roles.worker}, ${roles.router}`);
    await h.worker.stop();
    await h.temporal.close();
    await h.f.close();
  });

  it('the router role does everything a router does; the worker role owns the schema and drains', async () => {
    const migrationId = `roles-${suffix}`;
    await publishRoutingState(worker, { ...routingFor('dual_write'), migrationId, version: 2, actor: 'test', reason: 'dual write' });
    const control = pgRouterControl(router, migrationId);

    expect(await control.renewAndRead('r1', 2, 60_000)).toMatchObject({ version: 2, writes: 'old_then_new' });
    expect(await control.renewAndRead('r1', 2, 60_000)).toMatchObject({ version: 2 });
    const intent = (id: string, key: number) => ({ id, entity: 'items', key: [key], routingVersion: 2, target: 'new' as const, newPrimary: true });
    expect(await control.recordIntents('r1', [intent('a', 1), intent('b', 2), intent('c', 3)])).toBe(true);
    await control.finishIntents(['a'], [{ id: 'b', reason: 'secondary timed out' }]);
    await control.enqueueReconcile({ migrationId, entity: 'items', key: [4], target: 'new', reason: 'secondary failed' });
    await control.enqueueReconcile({ migrationId, entity: 'items', key: [4], target: 'new', reason: 'secondary failed again' });
    await control.recordCounters({ migrationId, routingVersion: 2, instanceId: 'r1', comparisons: 5, mismatches: 1, operations: 3 });
    await control.recordCounters({ migrationId, routingVersion: 2, instanceId: 'r1', comparisons: 5, lagSeconds: 0.5 });
    expect(await readRouterAcks(worker, migrationId, 2)).toEqual({ acked: ['r1'], waiting: [] });
    await control.releaseLease('r1');

    // The worker's side: intent c's router is gone, so the intent moves to the queue beside b and key 4.
    expect(await moveStaleIntents(worker, migrationId, 60_000)).toBe(1);
    const queued = await readReconcileBatch(worker, migrationId, 'items', 'new', 10);
    expect(queued.map((e) => e.key)).toEqual([[2], [4], [3]]);
    expect(await readGateFigures(worker, migrationId, 2)).toMatchObject({ comparisons: 10, mismatches: 1, operations: 3, lagSeconds: 0.5, instances: 1 });
  });

  it('the router role cannot run DDL, change routing, or remove or rewrite what the worker drains', async () => {
    const migrationId = `roles-limits-${suffix}`;
    await publishRoutingState(worker, { ...routingFor('dual_write'), migrationId, version: 2, actor: 'test', reason: 'dual write' });
    const refused = /permission denied|must be owner/;
    // ensureControlSchema's CREATE TABLE IF NOT EXISTS: the router role has no CREATE on the schema.
    await expect(publishRoutingState(router, { ...routingFor('write_switch'), migrationId, version: 3, actor: 'app', reason: 'takeover' })).rejects.toThrow(
      refused,
    );
    for (const sql of [
      'create table switchyard.extra (a int)',
      'alter table switchyard.routing_state add column extra int',
      'drop table switchyard.write_intents',
      'create index on switchyard.counters (updated_at)',
      `update switchyard.routing_state set writes = 'new', reads = 'new'`,
      `insert into switchyard.routing_state (migration_id, version, phase, writes, reads, read_percent, actor, reason)
         values ('other', 1, 'complete', 'new', 'new', 100, 'app', 'x')`,
      'delete from switchyard.routing_state',
      'select * from switchyard.routing_log',
      'delete from switchyard.reconcile_queue',
      'update switchyard.reconcile_queue set attempts = 0',
      'truncate switchyard.reconcile_queue',
      'delete from switchyard.written_keys',
      'delete from switchyard.counters',
      'update switchyard.router_leases set migration_id = migration_id',
    ]) {
      await expect(router.query(sql)).rejects.toThrow(refused);
    }
  });

  it('a router on a control store nobody has set up says who sets it up; it creates nothing', async () => {
    const database = `roles_empty_${suffix}`;
    const url = await ensureDatabase(h.f.pgUrl, database);
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      await expect(createRouter({ migrationId: 'nothing', control: pool, entities: {}, pollIntervalMs: 50, initialWaitMs: 500 })).rejects.toThrow(
        /no switchyard schema yet: routers do not create it/,
      );
      expect((await pool.query(`select count(*)::int as n from pg_namespace where nspname = 'switchyard'`)).rows[0].n).toBe(0);
    } finally {
      await pool.end();
      const admin = new Client({ connectionString: databaseUrl(h.f.pgUrl, 'postgres') });
      await admin.connect();
      await admin.query(`drop database if exists "${database}" with (force)`);
      await admin.end();
    }
  });

  it('a migration walks every phase with its worker on the worker role and a writing router on the router role', async () => {
    const connection = `ROLES_WORKER_${suffix.toUpperCase()}`;
    process.env[`SWITCHYARD_CONN_${connection}`] = loginAs(roles.worker).url;
    const table = `items_${suffix}`;
    const spec = { ...(await migrationSpec(h.f, table, 60)), control: { connection } };
    const app = await createRouter({ migrationId: spec.id, control: router, entities: specRoutes(spec), pollIntervalMs: 100 });
    routers.push(app);
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: true });
    let done = false;
    const failures: string[] = [];
    let writes = 0;
    // Until the old database stops taking writes (complete): the source then holds every write the target has.
    const writing = (async () => {
      for (let v = 2; !done && app.routing().writes !== 'new'; v++) {
        const id = 1 + (v % 60);
        await app
          .entity(table)
          .update({ _id: id, name: `item ${id}`, qty: v, note: null, version: v })
          .then(() => writes++)
          .catch((err: Error) => failures.push(err.message));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const status = await waitForStatus(handle, (st) => st.state !== 'running', 90_000).finally(() => (done = true));
    await writing;
    expect({ state: status.state, failure: status.failure }).toEqual({ state: 'completed', failure: null });
    expect(failures).toEqual([]);
    expect(writes).toBeGreaterThan(10);
    // Decommission has retired the old table under its new name.
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, retiredTable(spec, table)));
  });
});
