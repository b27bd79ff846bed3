import { WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { Client } from 'pg';
import { APPROVABLE_PHASES, Phase } from '../../lib/spec/lifecycle';
import { pgPool } from '../../lib/connectors/clients';
import { readRoutingLog, readRoutingState, recordCounters, recordWrittenKeys, routingFor } from '../../lib/control';
import { abortUpdate, approveUpdate, MigrationStatus, rollbackUpdate, throttleUpdate } from '../../workflows';
import { verifyProgress, VerifyProgress } from '../../workflows/verify-api';
import { uniqueName } from '../support/temporal';
import { createItems, itemsSpec, targetItems, useDataStack } from './backfill-fixtures';
import { FAST, migrationSpec, startMigration, startSlowBackfill, waitForStatus } from './migration-fixtures';

const label = (s: MigrationStatus) => (s.phase === 'read_ramp' ? `read_ramp ${s.rampPercent}%` : s.phase);

describe('migration workflow: rollback, gates, abort', () => {
  const h = useDataStack('migrb');

  it('rolls back from every phase to the documented one, and copies back keys written after the write switch', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 20, { approvals: [...APPROVABLE_PHASES] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const approve = (by = 'ops') => handle.executeUpdate(approveUpdate, { args: [{ by }] });
    const cases: Array<[string, string, string]> = [
      // [where it waits, where rollback lands, the phase it then waits to re-enter]
      ['dual_write', 'preflight', 'dual_write'],
      ['backfill', 'dual_write', 'backfill'],
      ['verify', 'backfill', 'verify'],
      ['shadow_read', 'verify', 'shadow_read'],
      ['read_ramp 100%', 'read_ramp 50%', 'read_ramp'],
      ['write_switch', 'read_ramp 100%', 'write_switch'],
      ['complete', 'write_switch', 'complete'],
    ];
    for (const [i, [from, to, pending]] of cases.entries()) {
      await waitForStatus(handle, (s) => label(s) === from && s.state === 'waiting_approval');
      if (from === 'write_switch') {
        // An application wrote key 3 to the new primary after the switch; the old database must get it back.
        const { version } = (await readRoutingState(pgPool(h.f.pgConnection), spec.id))!;
        await h.f.mongo.collection(table).updateOne({ _id: 3 as never }, { $set: { qty: 4242, version: 99 } });
        await recordWrittenKeys(pgPool(h.f.pgConnection), spec.id, table, version, [[3]]);
      }
      const landed = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: `test from ${from}` }] });
      expect([label(landed), landed.state, landed.pendingApproval?.phase]).toEqual([to, 'waiting_approval', pending]);
      const phase = to.split(' ')[0] as Phase;
      expect(landed.routing).toMatchObject(routingFor(phase, landed.rampPercent ?? 0));
      if (from === 'write_switch') {
        const { rows } = await h.f.pg.query(`select qty, version from ${table} where id = 3`);
        expect(rows[0]).toEqual({ qty: 4242, version: '99' });
      }
      // Back to where it was, then on to the next phase (but not into decommission, which cannot be aborted).
      while (label(await waitForStatus(handle, (s) => s.state === 'waiting_approval')) !== from) await approve();
      if (i < cases.length - 1) await approve();
    }
    const undo = ((await handle.query('status')) as MigrationStatus).transitions.filter((t) => t.to.startsWith('rollback'));
    expect(undo.map((t) => t.to)).toEqual(cases.map(([, to]) => `rollback to ${to}`));
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('rolls back by itself when a health gate breaches, records the figures and waits for a human', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10, {
      approvals: [],
      timers: { dualWriteSoak: '1s', shadowReadSoak: '1h', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s' },
    });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const shadow = await waitForStatus(handle, (s) => s.phase === 'shadow_read' && s.gates.latest?.verdict === 'green');
    await recordCounters(pgPool(h.f.pgConnection), {
      migrationId: spec.id,
      routingVersion: shadow.routing!.version,
      instanceId: 'app-1',
      comparisons: 200,
      mismatches: 9,
      operations: 100,
      errors: 0,
    });
    const landed = await waitForStatus(handle, (s) => s.state === 'waiting_approval');
    expect(landed).toMatchObject({ phase: 'verify', pendingApproval: { phase: 'shadow_read', reason: 'resume after rollback' } });
    expect(landed.routing).toMatchObject({ phase: 'verify', reads: 'old' });
    expect(landed.gates.latest).toMatchObject({
      verdict: 'breach',
      figures: { comparisons: 200, mismatches: 9 },
      reasons: ['mismatch rate 4.50% (9/200) above 1.00%'],
    });
    const rollback = landed.transitions.find((t) => t.to === 'rollback to verify');
    expect(rollback).toMatchObject({ from: 'shadow_read', by: 'health-gate', reason: 'gate breach: mismatch rate 4.50% (9/200) above 1.00%' });
    // It does not loop: nothing moves without a human.
    await new Promise((r) => setTimeout(r, 2500));
    const later = (await handle.query('status')) as MigrationStatus;
    expect([later.phase, later.state, later.transitions.length]).toEqual(['verify', 'waiting_approval', landed.transitions.length]);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('aborts: rolls everything back to the old database and ends', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10, { approvals: ['shadow_read'] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'shadow_read');
    const aborted = await handle.executeUpdate(abortUpdate, { args: [{ by: 'carol', reason: 'wrong table' }] });
    expect(aborted).toMatchObject({ state: 'aborted', phase: 'preflight', routing: { writes: 'old', reads: 'old' } });
    const result = await handle.result();
    expect(result.state).toBe('aborted');
    expect(result.transitions.slice(-5).map((t) => t.to)).toEqual(['abort', 'backfill', 'dual_write', 'preflight', 'aborted']);
    expect(result.transitions.at(-1)).toMatchObject({ by: 'carol', reason: 'wrong table' });
    const rejected = await handle.executeUpdate(abortUpdate, { args: [{ by: 'carol', reason: 'again' }] }).catch((e: Error) => e);
    expect(rejected).toBeInstanceOf(Error);
  });

  it('rolls back from a running ramp step: the first to shadow_read, a later one to the step before', async () => {
    const table = uniqueName('items');
    // Gates need samples, so every gated step holds until the test reports green figures for it.
    const spec = await migrationSpec(h.f, table, 10, { approvals: [], ramp: [5, 50, 100], gates: { ...FAST.gates, minSamples: 5 } });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const green = (s: MigrationStatus) =>
      recordCounters(pgPool(h.f.pgConnection), {
        migrationId: spec.id,
        routingVersion: s.routing!.version,
        instanceId: 'app-1',
        comparisons: 10,
        mismatches: 0,
        operations: 10,
        errors: 0,
      });
    const rollBackFrom = async (from: string) => {
      await waitForStatus(handle, (s) => label(s) === from && s.state === 'running');
      return handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: `test from ${from}` }] });
    };

    await green(await waitForStatus(handle, (s) => s.phase === 'shadow_read'));
    const first = await rollBackFrom('read_ramp 5%');
    expect([label(first), first.state, first.pendingApproval?.phase]).toEqual(['shadow_read', 'waiting_approval', 'read_ramp']);
    expect(first.routing).toMatchObject(routingFor('shadow_read'));

    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    await green(await waitForStatus(handle, (s) => label(s) === 'read_ramp 5%'));
    const later = await rollBackFrom('read_ramp 50%');
    expect([label(later), later.state, later.pendingApproval?.phase]).toEqual(['read_ramp 5%', 'waiting_approval', 'read_ramp']);
    expect(later.routing).toMatchObject(routingFor('read_ramp', 5));
    expect(await readRoutingState(pgPool(h.f.pgConnection), spec.id)).toMatchObject({ ...routingFor('read_ramp', 5), version: later.routing!.version });
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('rolls back while a backfill child is copying: the child is cancelled and the migration lands on dual_write', async () => {
    const { table, handle, child } = await startSlowBackfill(h);
    const landed = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'copy hurts the source' }] });
    expect([landed.phase, landed.state, landed.pendingApproval?.phase]).toEqual(['dual_write', 'waiting_approval', 'backfill']);
    expect(landed.routing).toMatchObject(routingFor('dual_write'));
    expect(landed.entities[table].backfill).toMatchObject({ state: 'cancelled' });
    expect((await child.describe()).status.name).toBe('CANCELLED');
    const copied = (await targetItems(h.f, table)).length;
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(4000);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('rolls back while verification compares a segment: the comparison is cancelled and the rollback lands in seconds', async () => {
    const table = uniqueName('items');
    await createItems(h.f.pg, table, 4000);
    await h.f.pg.query(`create table ${table}_copy (like ${table} including all)`);
    // One segment at a time, so a segment is still to come when the first one reports.
    const spec = { ...itemsSpec(h.f, table, { concurrency: 1 }, `${table}_copy`), ...FAST, approvals: ['verify' as const] };
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.phase === 'backfill' && s.state === 'waiting_approval');
    // 200 rows/s: segments of 1,000 rows, each compared then paced for 5 s.
    await handle.executeUpdate(throttleUpdate, { args: [{ by: 'ops', rowsPerSecond: 200 }] });
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    const running = await waitForStatus(handle, (s) => s.entities[table]?.verify?.state === 'running');
    const child = h.temporal.client.workflow.getHandle(running.entities[table].verify!.workflowId);
    await waitForVerify(child, (p) => p.phase === 'comparing' && p.rowsCompared > 0);
    // A segment comparison that does not end: the next segment waits for a lock on the source table.
    const blocker = new Client({ connectionString: h.f.pgUrl });
    await blocker.connect();
    try {
      await blocker.query(`begin; lock table ${table} in access exclusive mode`);
      await waitForLockWaiter(h.f.pg, table);
      const landed = await Promise.race([
        handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'verification hurts the source' }] }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the rollback did not land within 30 s')), 30_000)),
      ]);
      expect([landed.phase, landed.state, landed.pendingApproval?.phase]).toEqual(['backfill', 'waiting_approval', 'verify']);
      expect(landed.entities[table].verify).toMatchObject({ state: 'cancelled' });
      // The blocked comparison itself ends too, told by its heartbeat, instead of holding its worker slot until the lock goes.
      await waitUntil(() => h.worker.worker.getStatus().numInFlightActivities === 0, 30_000, 'the worker still runs an activity 30 s after the rollback');
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('a rollback that cancels a blocked routing publish lands where it says: store, log and status agree', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 5, { approvals: ['backfill'] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'backfill');
    const control = pgPool(h.f.pgConnection);
    const before = (await readRoutingLog(control, spec.id)).length;

    // Hold the routing row, so the publish that enters backfill waits on it.
    const locker = new Client({ connectionString: h.f.pgUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('select 1 from switchyard.routing_state where migration_id = $1 for update', [spec.id]);
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
      await waitFor(async () => (await lockWaiters(locker)) > 0);
      const rollback = await handle.startUpdate(rollbackUpdate, {
        args: [{ by: 'ops', reason: 'wrong window' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      await locker.query('commit');
      const landed = await rollback.result();

      expect([landed.phase, landed.state]).toEqual(['preflight', 'waiting_approval']);
      const stored = await readRoutingState(control, spec.id);
      expect(stored).toMatchObject({ ...routingFor('preflight'), version: landed.routing!.version });
      const log = (await readRoutingLog(control, spec.id)).slice(before);
      // The blocked publish did land; the rollback undid it instead of being ignored beneath it.
      expect(log.map((r) => r.phase)).toEqual(['backfill', 'dual_write', 'preflight']);
      expect(log.at(-1)!.version).toBe(stored!.version);
      expect(landed.transitions.slice(-4).map((t) => t.to)).toEqual(['backfill', 'rollback to preflight', 'dual_write', 'preflight']);
    } finally {
      await locker.query('rollback').catch(() => undefined);
      await locker.end();
    }
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('an abort accepted while the migration is still being prepared ends it; a rollback then is refused', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 5, { approvals: [] });
    const control = pgPool(h.f.pgConnection);
    await readRoutingState(control, spec.id); // creates the control schema, so the lock below has a table to take

    // Preparation reads the stored routing; with the table locked it waits there.
    const locker = new Client({ connectionString: h.f.pgUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table switchyard.routing_state in access exclusive mode');
      const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
      await waitFor(async () => (await lockWaiters(locker)) > 0);
      const rollback = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'too early' }] }).catch((e: Error) => e);
      expect((rollback as WorkflowUpdateFailedError).cause?.message).toBe('nothing to roll back: the migration has not passed preflight');
      const abort = await handle.startUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'wrong spec' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      await locker.query('commit');

      const aborted = await abort.result();
      expect(aborted).toMatchObject({ state: 'aborted', phase: null, routing: null });
      expect(aborted.transitions.map((t) => [t.to, t.by, t.reason])).toEqual([
        ['abort', 'ops', 'wrong spec'],
        ['aborted', 'ops', 'wrong spec'],
      ]);
      expect((await handle.result()).state).toBe('aborted');
      expect(await readRoutingState(control, spec.id)).toBeUndefined();
      expect(await targetItems(h.f, table)).toEqual([]);
    } finally {
      await locker.query('rollback').catch(() => undefined);
      await locker.end();
    }
  });
});

/** Backends of the locker's database waiting on a lock (the locker itself never waits). */
async function lockWaiters(locker: Client): Promise<number> {
  const { rows } = await locker.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
  return rows[0].n;
}

async function waitFor(ok: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForVerify(child: WorkflowHandle, ok: (p: VerifyProgress) => boolean, timeoutMs = 60_000): Promise<VerifyProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await child.query(verifyProgress);
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`verification progress never matched: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Until another session waits for a lock on `table`. */
async function waitForLockWaiter(pg: Client, table: string): Promise<void> {
  const waiting = async () => (await pg.query(`select 1 from pg_locks where relation = $1::regclass and not granted`, [table])).rows.length > 0;
  await waitUntil(waiting, 30_000, `no session waited for a lock on ${table}`);
}

async function waitUntil(ok: () => boolean | Promise<boolean>, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((r) => setTimeout(r, 100));
  }
}
