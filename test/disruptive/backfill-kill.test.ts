import type { ChildProcess } from 'node:child_process';
import { backfillProgress, backfillWorkflow } from '../../workflows';
import { createDataFixture, createItems, DataFixture, itemsSpec, sourceItems, targetItems } from '../integration/backfill-fixtures';
import { testClient, uniqueName } from '../support/temporal';
import { spawnWorker } from './worker-process';

describe('backfill survives kill -9 of its worker mid-range', () => {
  let f: DataFixture;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    f = await createDataFixture('bfkill');
    temporal = await testClient();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await temporal?.close();
    await f?.close();
  });

  it.each([
    ['a MongoDB collection', 'killed', undefined],
    ['a PostgreSQL table, COPY pages', 'killed_pg', 'killed_pg_copy'],
  ])('resumes the range from its heartbeat on another worker and ends with the exact data: %s', async (_, table, pgTable) => {
    await createItems(f.pg, table, 3000);
    if (pgTable) await f.pg.query(`create table ${pgTable} (like ${table} including all)`);
    const count = async () =>
      pgTable ? Number((await f.pg.query(`select count(*) as n from ${pgTable}`)).rows[0].n) : f.mongo.collection(table).countDocuments();
    // One range, one long slice, throttled: the kill lands in the middle of a single activity.
    const spec = itemsSpec(f, table, { batchSize: 50, concurrency: 1, maxRowsPerSecond: 100 }, pgTable);
    const taskQueue = uniqueName('tq-kill');
    const worker = await spawnWorker(taskQueue, f.env);
    children.push(worker);
    const handle = await temporal.client.workflow.start(backfillWorkflow, {
      taskQueue,
      workflowId: uniqueName('backfill-kill'),
      args: [{ migrationId: spec.id, spec, entity: table, options: { rowsPerRange: 10_000, sliceSeconds: 120 } }],
    });
    // Past 15 s the server holds a throttled heartbeat (every 0.8 × heartbeatTimeout) from mid-range.
    while ((await count()) < 1500) await new Promise((r) => setTimeout(r, 100));
    worker.kill('SIGKILL');
    const atKill = await count();
    expect(atKill).toBeLessThan(3000);

    children.push(await spawnWorker(taskQueue, f.env));
    const result = await handle.result();
    expect(result).toMatchObject({ rowsCopied: 3000, ranges: 1, resumedSlices: 1 });
    // Resumed from the heartbeat: rows read again (skipped by the version guard) are only those
    // written after the last heartbeat, not the range from its start.
    expect(result.rowsWritten + result.rowsSkipped).toBe(3000);
    expect(result.rowsSkipped).toBeLessThan(atKill - 500);
    expect((await handle.query(backfillProgress)).status).toBe('done');
    expect(pgTable ? await sourceItems(f, pgTable) : await targetItems(f, table)).toEqual(await sourceItems(f, table));
  });
});
