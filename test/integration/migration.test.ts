import { readRoutingLog, readRoutingState, recordWrittenKeys } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { approveSignal, approveUpdate, migrationWorkflow } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { sourceItems, targetItems, useDataStack } from './backfill-fixtures';
import { keepRetired, migrationSpec, retiredTable, startMigration, waitForStatus } from './migration-fixtures';

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
    // The old table, retired at decommission, holds what the new database holds.
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, retiredTable(spec, table)));
    const path = status.transitions.map((t) => t.to);
    expect(path.filter((p) => !p.startsWith('approved'))).toEqual([
      'preflight',
      'dual_write',
      'backfill',
      'verify',
      'shadow_read',
      'read_ramp 50%',
      'read_ramp 100%',
      'write_switch',
      'complete',
      'decommission',
      'retired the old tables',
      'keep retired tables',
      'completed',
    ]);
    const log = await readRoutingLog(pgPool(h.f.pgConnection), spec.id);
    expect(log.map((r) => `${r.phase}:${r.writes}:${r.reads}:${r.readPercent}`)).toEqual([
      'preflight:old:old:0',
      'dual_write:old_then_new:old:0',
      'backfill:old_then_new:old:0',
      'verify:old_then_new:old:0',
      'shadow_read:old_then_new:old_shadow:0',
      'read_ramp:old_then_new:percent:50',
      'read_ramp:old_then_new:percent:100',
      'write_switch:new_then_old:new:100',
      'complete:new:new:100',
      'decommission:new:new:100',
    ]);
    expect(log.find((r) => r.phase === 'write_switch')?.actor).toBe('jest');
    const described = await handle.describe();
    expect(described.searchAttributes).toMatchObject({ MigrationId: [spec.id], MigrationPhase: ['decommission'], MigrationState: ['completed'] });
  });

  it('final verification leaves keys written on the new primary alone, and fails on any other difference', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 30, { approvals: ['decommission'] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission');
    // The application, writing the new primary since the switch: a new key, an update, a delete.
    const items = h.f.mongo.collection(table);
    await items.insertOne({ _id: 9999 as never, name: 'new', qty: 1, note: null, version: 1 });
    await items.updateOne({ _id: 3 as never }, { $set: { qty: 4242, version: 99 } });
    await items.deleteOne({ _id: 5 as never });
    const control = pgPool(h.f.pgConnection);
    const { version } = (await readRoutingState(control, spec.id))!;
    await recordWrittenKeys(control, spec.id, table, version, [[9999], [3], [5]]);
    // A difference nobody wrote: the retiring database must not be declared redundant.
    await items.updateOne({ _id: 7 as never }, { $set: { qty: -1 } });

    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    const failed = await waitForStatus(handle, (s) => s.state === 'failed');
    // History and status carry a count and where the keys are, not the keys (up to 1,000 of them).
    expect(failed.failure).toBe(
      `${table}: source and target differ after verification: 1 row (0 missing, 0 extra, 1 different); reconcile: disabled; ` +
        `the keys: status.entities.${table}.verify.result.remaining.diffs (verify workflow ${failed.entities[table].verify!.workflowId})`,
    );
    expect(failed.entities[table].verify!.result).toMatchObject({ remaining: { diffs: [{ key: [7], kind: 'different', fields: ['qty'] }] } });

    // Written since the switch, as a router writes: a newer version on the primary.
    await items.updateOne({ _id: 7 as never }, { $set: { version: 2 } });
    await recordWrittenKeys(control, spec.id, table, version, [[7]]);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    const done = await keepRetired(handle);
    expect(done.state).toBe('completed');
    expect(done.entities[table].verify?.result).toMatchObject({ clean: true, writtenSinceSwitch: 4 });
    expect(await items.findOne({ _id: 9999 as never })).toMatchObject({ name: 'new' });
    expect(await items.findOne({ _id: 3 as never })).toMatchObject({ qty: 4242, version: 99 });
    expect(await items.findOne({ _id: 5 as never })).toBeNull();
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
      'preflight',
      'dual_write',
      'backfill',
      'verify',
      'shadow_read',
      'read_ramp 50%',
      'read_ramp 100%',
      'write_switch',
      'complete',
      'decommission',
      'retired the old tables',
      'keep retired tables',
      'completed',
    ]);
    const first = await h.temporal.client.workflow.getHandle(spec.id, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, retiredTable(spec, table)));
  });

  it('refuses to run under a workflow id other than spec.id, before publishing anything', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 5, { approvals: [] });
    const workflowId = `${spec.id}-from-the-ui`;
    const handle = await h.temporal.client.workflow.start(migrationWorkflow, { taskQueue: h.worker.taskQueue, workflowId, args: [{ spec }] });
    const failed = await handle.result().catch((e: Error) => e);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    const cause = (failed as WorkflowFailedError).cause as ApplicationFailure;
    expect([cause.type, cause.nonRetryable, cause.message]).toEqual([
      'WorkflowIdMismatch',
      true,
      `workflow id "${workflowId}" differs from spec.id "${spec.id}": start the migration with workflow id "${spec.id}"`,
    ]);
    expect(await readRoutingState(pgPool(h.f.pgConnection), spec.id)).toBeUndefined();
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes || e.upsertWorkflowSearchAttributesEventAttributes)).toEqual([]);
  });
});
