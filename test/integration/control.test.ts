import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  completeReconcile,
  enqueueReconcile,
  publishRoutingState,
  readGateFigures,
  readReconcileBatch,
  readRoutingLog,
  readRoutingState,
  recordCounters,
  readWrittenKeys,
  recordWrittenKeys,
  routingFor,
} from '../../lib/control';

const uniqueName = (prefix: string) => `${prefix}_${randomUUID()}`;

describe('control store (PostgreSQL)', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool({ connectionString: process.env.SWITCHYARD_CONN_PG });
  });
  afterAll(() => pool.end());

  it('publishes versioned routing states, ignores replays of an old version and logs every change', async () => {
    const migrationId = uniqueName('ctl');
    const publish = (version: number, phase: 'preflight' | 'dual_write', actor: string) =>
      publishRoutingState(pool, { migrationId, version, ...routingFor(phase), actor, reason: `to ${phase}` });
    await publish(1, 'preflight', 'alice');
    const second = await publish(2, 'dual_write', 'bob');
    expect(second).toMatchObject({ migrationId, version: 2, phase: 'dual_write', writes: 'old_then_new', reads: 'old', actor: 'bob' });
    // A retried activity publishing version 1 again changes nothing.
    expect(await publish(1, 'preflight', 'alice')).toMatchObject({ version: 2, phase: 'dual_write' });
    expect(await readRoutingState(pool, migrationId)).toMatchObject({ version: 2 });
    const log = await readRoutingLog(pool, migrationId);
    expect(log.map((r) => [r.version, r.phase, r.actor, r.reason])).toEqual([
      [1, 'preflight', 'alice', 'to preflight'],
      [2, 'dual_write', 'bob', 'to dual_write'],
    ]);
    expect(log[0].at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await readRoutingState(pool, uniqueName('none'))).toBeUndefined();
  });

  it('adds up counters per routing version across router instances', async () => {
    const migrationId = uniqueName('ctl');
    await recordCounters(pool, { migrationId, routingVersion: 3, instanceId: 'a', comparisons: 100, mismatches: 1, operations: 50, errors: 0 });
    await recordCounters(pool, { migrationId, routingVersion: 3, instanceId: 'a', comparisons: 100, mismatches: 1 });
    await recordCounters(pool, { migrationId, routingVersion: 3, instanceId: 'b', comparisons: 50, operations: 50, errors: 2, lagSeconds: 1.5 });
    await recordCounters(pool, { migrationId, routingVersion: 4, instanceId: 'a', comparisons: 7 });
    expect(await readGateFigures(pool, migrationId, 3)).toEqual({ comparisons: 250, mismatches: 2, operations: 100, errors: 2, lagSeconds: 1.5, instances: 2 });
    expect(await readGateFigures(pool, migrationId, 9)).toEqual({ comparisons: 0, mismatches: 0, operations: 0, errors: 0, lagSeconds: null, instances: 0 });
  });

  it('pages written keys since a version in key order, and queues keys for reconciliation', async () => {
    const migrationId = uniqueName('ctl');
    await recordWrittenKeys(pool, migrationId, 'items', 5, [[3], [1], [2]]);
    await recordWrittenKeys(pool, migrationId, 'items', 4, [[9]]);
    expect(await readWrittenKeys(pool, migrationId, 'items', 5, undefined, 2)).toEqual([[1], [2]]);
    expect(await readWrittenKeys(pool, migrationId, 'items', 5, [2], 10)).toEqual([[3]]);
    expect(await readWrittenKeys(pool, migrationId, 'items', 4, undefined, 10)).toEqual([[1], [2], [3], [9]]);

    await enqueueReconcile(pool, { migrationId, entity: 'items', key: [7], target: 'new', reason: 'timeout' });
    await enqueueReconcile(pool, { migrationId, entity: 'items', key: [7], target: 'new', reason: 'timeout again' });
    await enqueueReconcile(pool, { migrationId, entity: 'items', key: [8], target: 'new', reason: 'refused' });
    const batch = await readReconcileBatch(pool, migrationId, 'items', 'new', 10);
    expect(batch.map((e) => e.key)).toEqual([[7], [8]]);
    await completeReconcile(pool, migrationId, 'items', 'new', batch.slice(0, 1));
    expect((await readReconcileBatch(pool, migrationId, 'items', 'new', 10)).map((e) => e.key)).toEqual([[8]]);
  });
});
