import { APPROVABLE_PHASES, Phase } from '../../lib/spec/lifecycle';
import { pgPool } from '../../lib/connectors/clients';
import { readRoutingState, recordCounters, recordWrittenKeys, routingFor } from '../../lib/control';
import { abortUpdate, approveUpdate, MigrationStatus, rollbackUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

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
    const undo = (await handle.query('status') as MigrationStatus).transitions.filter((t) => t.to.startsWith('rollback'));
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
      migrationId: spec.id, routingVersion: shadow.routing!.version, instanceId: 'app-1', comparisons: 200, mismatches: 9, operations: 100, errors: 0,
    });
    const landed = await waitForStatus(handle, (s) => s.state === 'waiting_approval');
    expect(landed).toMatchObject({ phase: 'verify', pendingApproval: { phase: 'shadow_read', reason: 'resume after rollback' } });
    expect(landed.routing).toMatchObject({ phase: 'verify', reads: 'old' });
    expect(landed.gates.latest).toMatchObject({
      verdict: 'breach', figures: { comparisons: 200, mismatches: 9 }, reasons: ['mismatch rate 4.50% (9/200) above 1.00%'],
    });
    const rollback = landed.transitions.find((t) => t.to === 'rollback to verify');
    expect(rollback).toMatchObject({ from: 'shadow_read', by: 'health-gate', reason: 'gate breach: mismatch rate 4.50% (9/200) above 1.00%' });
    // It does not loop: nothing moves without a human.
    await new Promise((r) => setTimeout(r, 2500));
    const later = await handle.query('status') as MigrationStatus;
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
});
