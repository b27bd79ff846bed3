import { recordCounters } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import { abortUpdate, approveUpdate, MigrationStatus } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { FAST, migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

/** Health gates over a sliding window, through the write switch, with a bounded wait for samples. */
describe('migration workflow: health gates', () => {
  const h = useDataStack('miggt');
  const report = (spec: { id: string }, s: MigrationStatus, instanceId: string, comparisons: number, mismatches: number) =>
    recordCounters(pgPool(h.f.pgConnection), {
      migrationId: spec.id,
      routingVersion: s.routing!.version,
      instanceId,
      comparisons,
      mismatches,
      operations: comparisons,
      errors: 0,
    });

  it('a late burst of mismatches breaches although hours of green came before it (not diluted)', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10, {
      approvals: [],
      timers: { ...FAST.timers, shadowReadSoak: '1h' },
      gates: { ...FAST.gates, minSamples: 10 },
    });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const shadow = await waitForStatus(handle, (s) => s.phase === 'shadow_read');
    // Long green history: 10 000 clean comparisons.
    await report(spec, shadow, 'app-1', 10_000, 0);
    await waitForStatus(handle, (s) => (s.gates.latest?.cumulative?.comparisons ?? 0) >= 10_000);
    // Then half of the new reads mismatch: cumulatively 50/10 100 = 0.5%, under the 1% threshold.
    await report(spec, shadow, 'app-2', 100, 50);
    const landed = await waitForStatus(handle, (s) => s.state === 'waiting_approval', 20_000);
    expect(landed.transitions.find((t) => t.by === 'health-gate')).toMatchObject({ from: 'shadow_read', to: 'rollback to verify' });
    expect(landed.gates.latest).toMatchObject({ verdict: 'breach', figures: { comparisons: 100, mismatches: 50 } });
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('gates run after the write switch: a breach there holds and offers rollback to a human', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10, {
      approvals: [],
      timers: { ...FAST.timers, rollbackWindow: '1h' },
      gates: { ...FAST.gates, minSamples: 10 },
    });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const green = (s: MigrationStatus) => report(spec, s, 'app-1', 20, 0);
    await green(await waitForStatus(handle, (s) => s.phase === 'shadow_read'));
    await green(await waitForStatus(handle, (s) => s.phase === 'read_ramp' && s.rampPercent === 50));
    await green(await waitForStatus(handle, (s) => s.phase === 'read_ramp' && s.rampPercent === 100));
    const switched = await waitForStatus(handle, (s) => s.phase === 'write_switch');
    await report(spec, switched, 'app-1', 100, 30);
    const held = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch', 20_000);
    expect(held).toMatchObject({ phase: 'write_switch', routing: { writes: 'new_then_old' }, pendingApproval: { choices: ['approve', 'rollback'] } });
    expect(held.pendingApproval!.reason).toMatch(/mismatch rate 30\.0%/);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('a gate that never gets minSamples asks a human after a bounded wait instead of soaking forever', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10, {
      approvals: [],
      timers: { ...FAST.timers, maxSampleWait: '3s' },
      gates: { ...FAST.gates, minSamples: 10 },
    });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const asked = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'shadow_read', 30_000);
    expect(asked).toMatchObject({
      phase: 'shadow_read',
      gates: { latest: { verdict: 'inconclusive' } },
      pendingApproval: { choices: ['approve', 'rollback'] },
    });
    expect(asked.pendingApproval!.reason).toMatch(/0 shadow comparisons, need 10/);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', note: 'rarely read; logs checked' }] });
    await waitForStatus(handle, (s) => s.phase === 'read_ramp');
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });
});
