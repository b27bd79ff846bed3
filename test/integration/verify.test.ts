import { backfillWorkflow, verifyProgress, verifyWorkflow, VerifyOptions } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { createItems, itemsSpec, sourceItems, targetItems, useDataStack } from './backfill-fixtures';

describe('verify workflow against the real stack', () => {
  const stack = useDataStack('verify');

  /** A source table of `rows` items, backfilled into the target. */
  async function copied(table: string, rows: number) {
    await createItems(stack.f.pg, table, rows);
    const spec = itemsSpec(stack.f, table);
    await stack.temporal.client.workflow.execute(backfillWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName(`backfill-${table}`),
      args: [{ migrationId: spec.id, spec, entity: table }],
    });
    return spec;
  }

  const start = (spec: ReturnType<typeof itemsSpec>, table: string, options: VerifyOptions) =>
    stack.temporal.client.workflow.start(verifyWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName(`verify-${table}`),
      args: [{ migrationId: spec.id, spec, entity: table, options: { rowsPerRange: 50, rangesPerActivity: 4, recheckDelaySeconds: 1, ...options } }],
    });

  it('finds each kind of injected difference, names keys and fields, and reconcile fixes them', async () => {
    const spec = await copied('diffs', 1000);
    const coll = stack.f.mongo.collection<{ _id: number }>('diffs');
    await coll.updateOne({ _id: 10 }, { $set: { qty: -1 } });
    await coll.updateOne({ _id: 500 }, { $set: { name: 'tampered', note: 'x' } });
    await coll.deleteOne({ _id: 20 });
    await coll.deleteOne({ _id: 999 });
    await coll.insertOne({ _id: 5000, name: 'ghost', qty: 1, note: null, version: 1 } as never);
    // A target row at an older version: the source moved on, the target missed it.
    await stack.f.pg.query('update diffs set version = 2, qty = 4242 where id = 700');

    const report = await (await start(spec, 'diffs', { maxReconcileRounds: 0 })).result();
    expect(report.clean).toBe(false);
    expect(report.countsBefore).toEqual({ source: 1000, target: 999 });
    expect(report.found.totals).toEqual({ missing: 2, extra: 1, different: 3, undecodable: 0, unlisted: 0, all: 6 });
    const byKey = Object.fromEntries(report.found.diffs.map((d) => [JSON.stringify(d.key), d]));
    expect(byKey['[10]']).toMatchObject({ key: [10], kind: 'different', fields: ['qty'] });
    expect(byKey['[500]']).toMatchObject({ key: [500], kind: 'different', fields: ['name', 'note'] });
    expect(byKey['[700]']).toMatchObject({ key: [700], kind: 'different', fields: ['qty', 'version'] });
    expect(byKey['[20]']).toMatchObject({ kind: 'missing' });
    expect(byKey['[999]']).toMatchObject({ kind: 'missing' });
    expect(byKey['[5000]']).toMatchObject({ kind: 'extra' });
    expect(report.reconcile.outcome).toBe('disabled');
    // Only the differing ranges (of 50 rows) were read again, plus the recheck.
    expect(report.rowsReread).toBeLessThan(6 * 2 * 51 + 12);

    const fixed = await (await start(spec, 'diffs', {})).result();
    expect(fixed.found.totals.all).toBe(6);
    expect(fixed).toMatchObject({ clean: true, remaining: { totals: { all: 0 } }, countsAfter: { source: 1000, target: 1000 } });
    expect(fixed.reconcile).toMatchObject({ outcome: 'clean', rounds: 1 });
    expect(fixed.reconcile.results[0]).toMatchObject({ copied: 3, overwritten: 2, deleted: 1, newerInTarget: 0 });
    expect(await targetItems(stack.f, 'diffs')).toEqual(await sourceItems(stack.f, 'diffs'));
  });

  it('does not report a difference that live traffic closes before the recheck', async () => {
    const spec = await copied('lagging', 300);
    // The source changed; the target's copy of the change is still in flight.
    await stack.f.pg.query('update lagging set version = 2, qty = 7 where id = 42');
    const handle = await start(spec, 'lagging', { recheckDelaySeconds: 4, maxReconcileRounds: 0 });
    for (;;) {
      const p = await handle.query(verifyProgress);
      if (p.phase === 'rechecking') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await stack.f.mongo.collection<{ _id: number }>('lagging').updateOne({ _id: 42 }, { $set: { version: 2, qty: 7 } });
    const report = await handle.result();
    expect(report).toMatchObject({ clean: true, transient: 1, found: { totals: { all: 0 } } });
    expect(report.rowsCompared).toBe(300);
  });

  it('verifies a 0-row table as clean', async () => {
    const spec = await copied('nothing', 0);
    const report = await (await start(spec, 'nothing', {})).result();
    expect(report).toMatchObject({ clean: true, rowsCompared: 0, countsBefore: { source: 0, target: 0 } });
    expect(report.reconcile.outcome).toBe('not_needed');
  });
});
