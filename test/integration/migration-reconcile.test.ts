import { enqueueReconcile, readReconcileBatch } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import { approveUpdate } from '../../workflows';
import type { MigrationStatus } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { sourceItems, targetItems, useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

describe('migration workflow: the reconcile queue', () => {
  const h = useDataStack('migrq');

  it('drains queued keys before verify and during soaks, so verification finds nothing to reconcile', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 20, { approvals: ['verify', 'shadow_read', 'read_ramp'] });
    const control = pgPool(h.f.pgConnection);
    const missedByNew = async (sql: string, id: number) => {
      await h.f.pg.query(sql);
      await enqueueReconcile(control, { migrationId: spec.id, entity: table, key: [id], target: 'new', reason: 'timeout' });
    };
    const queued = async () => (await readReconcileBatch(control, spec.id, table, 'new', 100)).map((e) => e.key);
    const approve = (phase: 'verify' | 'shadow_read' | 'read_ramp') => handle.executeUpdate(approveUpdate, { args: [{ phase, by: 'jest' }] });
    const waitingFor = (phase: string) => (s: MigrationStatus) => s.pendingApproval?.phase === phase;

    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, waitingFor('verify'));
    // Secondary writes the routers failed during the backfill: the copy has already passed these keys.
    await missedByNew(`update ${table} set qty = 900, version = 2 where id = 1`, 1);
    await missedByNew(`insert into ${table} values (21, 'item 21', 21, 'n', 1)`, 21);
    await missedByNew(`delete from ${table} where id = 2`, 2);
    expect(await targetItems(h.f, table)).not.toEqual(await sourceItems(h.f, table));

    await approve('verify');
    let status = await waitForStatus(handle, waitingFor('shadow_read'));
    const verified = status.entities[table].verify?.result as { clean: boolean; found: { totals: { all: number } } };
    expect(verified).toMatchObject({ clean: true, found: { totals: { all: 0 } } });
    expect(status.reconcileQueue).toMatchObject({ depth: 0 });
    expect(await queued()).toEqual([]);
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, table));

    // Queued after the drain: only the shadow-read soak's periodic drain can copy it before the ramp.
    await missedByNew(`update ${table} set qty = 901, version = 3 where id = 1`, 1);
    await approve('shadow_read');
    status = await waitForStatus(handle, waitingFor('read_ramp'));
    expect(await queued()).toEqual([]);
    expect(await targetItems(h.f, table)).toEqual(await sourceItems(h.f, table));

    await approve('read_ramp');
    status = await handle.result();
    expect(status).toMatchObject({ state: 'completed', reconcileQueue: { depth: 0 } });
  });
});
