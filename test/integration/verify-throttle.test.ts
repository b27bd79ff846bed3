import { verifyProgress, verifyWorkflow } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { createItems, itemsSpec, useDataStack } from './backfill-fixtures';

/**
 * A throttled verification delivers the rate it names (maxRowsPerSecond is shared by the chunks
 * actually in flight, and there are enough chunks to fill `concurrency`), and its progress moves
 * while it runs instead of jumping from 0 to done.
 */
describe('throttled verification', () => {
  const stack = useDataStack('verify_rate');

  it('gives its chunks shares of maxRowsPerSecond that add up to it, and its progress moves', async () => {
    const rows = 3000;
    await createItems(stack.f.pg, 'rated', rows);
    // PostgreSQL → PostgreSQL: FerretDB's side is verified in one segment (wholeScans), paced as a whole.
    await stack.f.pg.query(`create table rated_copy (like rated including all)`);
    await stack.f.pg.query(`insert into rated_copy select * from rated`);
    const spec = itemsSpec(stack.f, 'rated', { concurrency: 4, maxRowsPerSecond: 1000 }, 'rated_copy');
    const handle = await stack.temporal.client.workflow.start(verifyWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName('rate-verify'),
      args: [{ migrationId: spec.id, spec, entity: 'rated', options: { rowsPerRange: 50, recheckDelaySeconds: 1 } }],
    });
    const seen = new Set<number>();
    const result = handle.result();
    let finished = false;
    void result.finally(() => (finished = true));
    while (!finished) {
      seen.add((await handle.query(verifyProgress)).rowsCompared);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const report = await result;
    expect(report).toMatchObject({ clean: true, rowsCompared: rows });

    // The rate each compare activity was given, in the order they were scheduled (the shared CPU
    // makes wall time no measure here; the shares are what the activities pace themselves to).
    const shares = ((await handle.fetchHistory()).events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'compareDigests')
      .map((a) => JSON.parse(Buffer.from(a!.input!.payloads![0].data!).toString()).rowsPerSecond as number);
    // 60 ranges of 50 rows: 4 rounds of 4 chunks, not one chunk of 100 ranges at 1000 / 4 rows/s.
    expect(shares.length).toBeGreaterThanOrEqual(16);
    expect(shares.slice(0, 4)).toEqual([250, 250, 250, 250]);
    // Fewer chunks left than slots: each gets a larger share, never more than the whole rate.
    expect(shares.every((r) => r >= 250 && r <= 1000)).toBe(true);
    expect([...seen].filter((n) => n > 0 && n < rows).length).toBeGreaterThanOrEqual(2);
  });
});
