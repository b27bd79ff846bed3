import { WorkflowUpdateFailedError } from '@temporalio/client';
import { openTarget } from '../../lib/connectors';
import { quarantineEntry } from '../../lib/connectors/quarantine-entry';
import { readRoutingState } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import type { MigrationSpec } from '../../lib/spec/schema';
import { approveUpdate, MigrationStatus } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

/**
 * A quarantined record is one the new database does not hold. The write switch makes the new
 * database the primary, so it waits until the quarantine is empty, or until a human accepts the
 * quarantine in an approval that names its count (issue #13 item 1); --auto-approve never does.
 */
describe('migration workflow: the write switch waits for an empty quarantine', () => {
  const h = useDataStack('migqg');

  /** Two records the backfill could not store (say a value the target cannot hold), left in the target's quarantine. */
  async function quarantined(spec: MigrationSpec, table: string) {
    const entries = [101, 102].map((id) => quarantineEntry(table, [id], 'qty: test value the target cannot hold', { _id: id }));
    await openTarget(spec, table).quarantine(entries);
  }

  const heldOrPast = (s: MigrationStatus) => s.pendingApproval?.phase === 'write_switch' || s.phase === 'write_switch' || s.state === 'completed';

  it('--auto-approve holds before the switch with an approval naming the count; only that count releases it', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 30);
    spec.timers.retention = '1s';
    await quarantined(spec, table);
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: true });
    const held = await waitForStatus(handle, heldOrPast);

    expect([held.phase, held.rampPercent, held.state]).toEqual(['read_ramp', 100, 'waiting_approval']);
    expect(held.pendingApproval).toMatchObject({ phase: 'write_switch', confirm: '2' });
    expect(held.pendingApproval!.reason).toMatch(/2 records are quarantined/);
    expect(held.quarantine).toMatchObject({ count: 2, entities: { [table]: 2 } });
    expect(await readRoutingState(pgPool(h.f.pgConnection), spec.id)).toMatchObject({ phase: 'read_ramp', writes: 'old_then_new' });

    const approve = (args: object) => handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', ...args }] });
    const refusal = (args: object) =>
      approve(args).then(
        () => 'accepted',
        (e: WorkflowUpdateFailedError) => e.cause?.message,
      );
    expect(await refusal({})).toMatch(/--confirm 2/);
    expect(await refusal({ confirm: '1' })).toMatch(/--confirm 2/);
    await approve({ confirm: '2', note: 'two test rows, fixed by hand later' });
    const done = await handle.result();
    expect(done.state).toBe('completed');
    expect(done.transitions).toContainEqual(expect.objectContaining({ to: 'accepted 2 quarantined records', by: 'ops' }));
  });

  it('goes on by itself once the quarantine is emptied', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 30, { approvals: [] });
    spec.timers.retention = '1s';
    await quarantined(spec, table);
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: true });
    await waitForStatus(handle, heldOrPast);
    await h.f.mongo.collection('switchyard_quarantine').deleteMany({ entity: table });
    const done = await handle.result();
    expect(done.state).toBe('completed');
    expect(done.transitions.some((t) => /accepted/.test(t.to))).toBe(false);
    expect(done.quarantine).toMatchObject({ count: 0 });
  });
});
