import { backfillWorkflow, verifyProgress, verifyWorkflow } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { createItems, itemsSpec, useDataStack } from './backfill-fixtures';

/**
 * Verification under live writes accounts for its rows: a suspect whose source record changed
 * between the comparison and the recheck is neither cleared nor confirmed ("unconfirmed", its
 * change still on its way), not "transient" (closed by the writes); the counts are those the
 * comparison saw, so every source row counted was compared.
 */
describe('verification row accounting under live writes', () => {
  const stack = useDataStack('verify_acct');

  it('splits suspects into confirmed, transient and unconfirmed, and counts the rows it compared', async () => {
    const { f } = stack;
    await createItems(f.pg, 'acct', 1000);
    const spec = itemsSpec(f, 'acct', { concurrency: 2 });
    const args = { migrationId: spec.id, spec, entity: 'acct' };
    await stack.temporal.client.workflow.execute(backfillWorkflow, { taskQueue: stack.worker.taskQueue, workflowId: uniqueName('acct-b'), args: [args] });

    // Nothing carries these writes to the target: every touched key differs, and keeps changing.
    const handle = await stack.temporal.client.workflow.start(verifyWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName('acct-v'),
      args: [{ ...args, options: { rowsPerRange: 50, recheckDelaySeconds: 1, maxReconcileRounds: 0 } }],
    });
    let finished = false;
    const result = handle.result().finally(() => (finished = true));
    let next = 1001;
    while (!finished) {
      await f.pg.query(`update acct set qty = qty + 1, version = version + 1 where id <= 20`);
      await f.pg.query(`insert into acct values ($1, 'new', 1, 'n', 1)`, [next++]);
    }
    const report = await result;
    const sourceNow = (await f.pg.query(`select count(*)::int as n from acct`)).rows[0].n;

    // The target never catches up: no difference closed by itself.
    expect(report.transient).toBe(0);
    // The 20 keys kept changing between comparison and recheck: not confirmed either way.
    expect(report.unconfirmed).toBeGreaterThan(0);
    expect(report.found.totals.all + report.transient + report.unconfirmed).toBe(report.suspects);
    expect(report.countsBefore.source).toBe(report.rowsCompared);
    expect(report.countsBefore.source).toBeGreaterThanOrEqual(1000);
    expect(report.countsAfter.source).toBeLessThanOrEqual(sourceNow);
  });

  it('rechecks keys that were still changing later, and confirms them once they settle (issue #13 item 6)', async () => {
    const { f } = stack;
    await createItems(f.pg, 'settle', 500);
    const spec = itemsSpec(f, 'settle', { concurrency: 2 });
    const args = { migrationId: spec.id, spec, entity: 'settle' };
    await stack.temporal.client.workflow.execute(backfillWorkflow, { taskQueue: stack.worker.taskQueue, workflowId: uniqueName('settle-b'), args: [args] });
    const handle = await stack.temporal.client.workflow.start(verifyWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName('settle-v'),
      args: [{ ...args, options: { rowsPerRange: 50, recheckDelaySeconds: 1, maxReconcileRounds: 0 } }],
    });
    // The 10 keys change until every range is compared, then stay put: differences that settle.
    const comparing = async () => ['counting', 'planning', 'comparing'].includes((await handle.query(verifyProgress)).phase);
    while (await comparing()) {
      await f.pg.query(`update settle set qty = qty + 1, version = version + 1 where id <= 10`);
    }
    const report = await handle.result();
    expect(report.unconfirmed).toBe(0);
    expect(report.found.totals).toMatchObject({ different: 10, all: 10 });
    expect(report.found.totals.all + report.transient + report.unconfirmed).toBe(report.suspects);
  });
});
