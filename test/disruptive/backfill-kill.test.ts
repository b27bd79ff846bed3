import type { ChildProcess } from 'node:child_process';
import { paginateScan } from '@aws-sdk/client-dynamodb';
import { parseSpec } from '../../lib/spec/schema';
import type { MigrationSpec } from '../../lib/spec/schema';
import { backfillProgress, backfillWorkflow } from '../../workflows';
import { createDataFixture, createItems, DataFixture, itemsSpec, sourceItems, targetItems } from '../integration/backfill-fixtures';
import { dynamoFixture, DynamoFixture } from '../integration/dynamodb-fixtures';
import { testClient, uniqueName } from '../support/temporal';
import { spawnWorker } from './worker-process';

/** What a target holds: how many rows, and every row as [id, version, qty] in id order. */
interface TargetView {
  count(): Promise<number>;
  rows(): Promise<[number, number, number][]>;
}

const THROTTLE = { batchSize: 50, concurrency: 1, maxRowsPerSecond: 100 };

describe('backfill survives kill -9 of its worker mid-range', () => {
  let f: DataFixture;
  let dyn: DynamoFixture;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    f = await createDataFixture('bfkill');
    dyn = dynamoFixture();
    temporal = await testClient();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await temporal?.close();
    await dyn?.close();
    await f?.close();
  });

  /** One range, one long slice, throttled: the kill lands in the middle of a single activity. */
  async function killMidRange(table: string, spec: MigrationSpec, target: TargetView): Promise<void> {
    const taskQueue = uniqueName('tq-kill');
    const worker = await spawnWorker(taskQueue, f.env);
    children.push(worker);
    const handle = await temporal.client.workflow.start(backfillWorkflow, {
      taskQueue,
      workflowId: uniqueName('backfill-kill'),
      args: [{ migrationId: spec.id, spec, entity: table, options: { rowsPerRange: 10_000, sliceSeconds: 120 } }],
    });
    // Past 15 s the server holds a throttled heartbeat (every 0.8 × heartbeatTimeout) from mid-range.
    while ((await target.count()) < 1500) await new Promise((r) => setTimeout(r, 100));
    worker.kill('SIGKILL');
    const atKill = await target.count();
    expect(atKill).toBeLessThan(3000);

    children.push(await spawnWorker(taskQueue, f.env));
    const result = await handle.result();
    expect(result).toMatchObject({ rowsCopied: 3000, ranges: 1, resumedSlices: 1 });
    // Resumed from the heartbeat: rows read again (skipped by the version guard) are only those
    // written after the last heartbeat, not the range from its start.
    expect(result.rowsWritten + result.rowsSkipped).toBe(3000);
    expect(result.rowsSkipped).toBeLessThan(atKill - 500);
    expect((await handle.query(backfillProgress)).status).toBe('done');
    expect(await target.rows()).toEqual(await sourceItems(f, table));
  }

  it.each([
    ['a MongoDB collection', 'killed', undefined],
    ['a PostgreSQL table, COPY pages', 'killed_pg', 'killed_pg_copy'],
  ])('resumes the range from its heartbeat on another worker and ends with the exact data: %s', async (_, table, pgTable) => {
    await createItems(f.pg, table, 3000);
    if (pgTable) await f.pg.query(`create table ${pgTable} (like ${table} including all)`);
    await killMidRange(table, itemsSpec(f, table, THROTTLE, pgTable), {
      count: async () => (pgTable ? Number((await f.pg.query(`select count(*) as n from ${pgTable}`)).rows[0].n) : f.mongo.collection(table).countDocuments()),
      rows: () => (pgTable ? sourceItems(f, pgTable) : targetItems(f, table)),
    });
  });

  it('resumes the range from its heartbeat on another worker and ends with the exact data: a DynamoDB table', async () => {
    const table = 'killed_dyn';
    await createItems(f.pg, table, 3000);
    const stored = await dyn.table('killed', ['id', 'N']);
    const parsed = parseSpec({
      id: uniqueName('kill-dyn'),
      source: { connection: f.pgConnection },
      target: { connection: 'DYNAMO' },
      control: { connection: f.pgConnection },
      entities: [{ name: table, from: { table, key: ['id'], version: 'version' }, to: { table: stored } }],
      backfill: THROTTLE,
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    // Read with the SDK's own pages, not the connector under test.
    const scan = async () => {
      const items: Record<string, { N?: string }>[] = [];
      for await (const page of paginateScan({ client: dyn.client }, { TableName: stored, ConsistentRead: true })) items.push(...(page.Items ?? []));
      return items;
    };
    const count = async () => {
      let n = 0;
      for await (const page of paginateScan({ client: dyn.client }, { TableName: stored, Select: 'COUNT', ConsistentRead: true })) n += page.Count ?? 0;
      return n;
    };
    await killMidRange(table, parsed.spec, {
      count,
      rows: async () =>
        (await scan()).map((i) => [Number(i.id.N), Number(i.version.N), Number(i.qty.N)] as [number, number, number]).sort((a, b) => a[0] - b[0]),
    });
  });
});
