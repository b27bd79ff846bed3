import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

describe('migration workflow: live child progress in status', () => {
  const h = useDataStack('migprog');

  it('shows rows copied mid-backfill in the parent status, reported by the running child', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 3000, { approvals: [] });
    // 30 s of copying in 10 s slices; the child reports once per round of its 4 concurrent slices (about 10 s), so reports land mid-copy.
    spec.backfill = { ...spec.backfill, maxRowsPerSecond: 100 };
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const mid = await waitForStatus(handle, (s) => (s.entities[table]?.backfill?.progress?.rowsCopied ?? 0) > 0, 60_000);
    const backfill = mid.entities[table].backfill!;
    expect(backfill).toMatchObject({ state: 'running', progress: { entity: table, status: 'copying', rowsTotal: 3000 } });
    expect(backfill.progress!.rowsCopied).toBeLessThan(3000);
    const child = await h.temporal.client.workflow.getHandle(backfill.workflowId).describe();
    expect(child.status.name).toBe('RUNNING');
    await handle.terminate('end of test');
  });

  it("keeps each child's final report once it completes", async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 40, { approvals: [] });
    const status = await startMigration(h.temporal.client, h.worker.taskQueue, spec).then((handle) => handle.result());
    expect(status.entities[table].backfill).toMatchObject({
      state: 'completed',
      progress: { status: 'done', rowsCopied: 40, rowsTotal: 40, etaSeconds: 0 },
    });
    // The decommission's final verification is the last verify child.
    expect(status.entities[table].verify).toMatchObject({
      state: 'completed',
      progress: { phase: 'done', rowsCompared: 40, rowsTotal: 40, suspects: 0 },
    });
  });
});
