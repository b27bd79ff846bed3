import { readRoutingLog } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import { ApplicationFailure, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { approveSignal, approveUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { sourceItems, targetItems, useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

describe('migration workflow: forward path', () => {
  const h = useDataStack('mig');

  it('walks every phase with auto-approve, copies the data and logs each routing change', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 120);
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: true });
    const status = await handle.result();
    expect(status.state).toBe('completed');
    expect(status.phase).toBe('decommission');
    expect(status.routing).toMatchObject({ writes: 'new', reads: 'new', readPercent: 100 });
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, table));
    const path = status.transitions.map((t) => t.to);
    expect(path.filter((p) => !p.startsWith('approved'))).toEqual([
      'preflight', 'dual_write', 'backfill', 'verify', 'shadow_read', 'read_ramp 50%', 'read_ramp 100%',
      'write_switch', 'complete', 'decommission', 'completed',
    ]);
    const log = await readRoutingLog(pgPool(h.f.pgConnection), spec.id);
    expect(log.map((r) => `${r.phase}:${r.writes}:${r.reads}:${r.readPercent}`)).toEqual([
      'preflight:old:old:0', 'dual_write:old_then_new:old:0', 'backfill:old_then_new:old:0', 'verify:old_then_new:old:0',
      'shadow_read:old_then_new:old_shadow:0', 'read_ramp:old_then_new:percent:50', 'read_ramp:old_then_new:percent:100',
      'write_switch:new_then_old:new:100', 'complete:new:new:100', 'decommission:new:new:100',
    ]);
    expect(log.find((r) => r.phase === 'write_switch')?.actor).toBe('jest');
    const described = await handle.describe();
    expect(described.searchAttributes).toMatchObject({ MigrationId: [spec.id], MigrationPhase: ['decommission'], MigrationState: ['completed'] });
  });

  it('refuses a "cdc" spec before touching any routing, since the workflow does not stream the WAL yet', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 5, { sync: 'cdc' });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: true });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as ApplicationFailure;
    expect(cause).toMatchObject({ type: 'UnsupportedSync', nonRetryable: true });
    expect(cause.message).toContain('sync "cdc" is not yet run by the migration workflow');
    expect(await readRoutingLog(pgPool(h.f.pgConnection), spec.id)).toEqual([]);
  });

  it('rejects approving a phase that is not pending; takes approvals by update and by signal', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10, { approvals: ['backfill', 'verify'] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    let status = await waitForStatus(handle, (s) => s.state === 'waiting_approval');
    expect(status).toMatchObject({ phase: 'dual_write', pendingApproval: { phase: 'backfill', reason: 'the spec asks for approval' } });

    const wrong = await handle.executeUpdate(approveUpdate, { args: [{ phase: 'verify', by: 'alice' }] }).catch((e: Error) => e);
    expect(wrong).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((wrong as WorkflowUpdateFailedError).cause?.message).toBe('verify is not pending approval; the pending approval is for backfill');

    status = await handle.executeUpdate(approveUpdate, { args: [{ phase: 'backfill', by: 'alice', note: 'copy window ok' }] });
    expect(status.pendingApproval).toBeNull();
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'verify');
    await handle.signal(approveSignal, { by: 'bob', note: 'from the UI' });
    status = await handle.result();

    expect(status.state).toBe('completed');
    const approvals = status.transitions.filter((t) => t.to.startsWith('approved'));
    expect(approvals.map((t) => [t.to, t.by, t.reason])).toEqual([
      ['approved backfill', 'alice', 'copy window ok'],
      ['approved verify', 'bob', 'from the UI'],
    ]);
    const entered = status.transitions.find((t) => t.to === 'backfill');
    expect(entered).toMatchObject({ by: 'alice', reason: 'approved: copy window ok' });
  });

  it('continues as new with all state carried when its history grows', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 10);
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: true, historyLimit: 60 });
    const status = await handle.result();
    expect(status.state).toBe('completed');
    expect(status.transitions.filter((t) => !t.to.startsWith('approved')).map((t) => t.to)).toEqual([
      'preflight', 'dual_write', 'backfill', 'verify', 'shadow_read', 'read_ramp 50%', 'read_ramp 100%',
      'write_switch', 'complete', 'decommission', 'completed',
    ]);
    const first = await h.temporal.client.workflow.getHandle(spec.id, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, table));
  });
});
