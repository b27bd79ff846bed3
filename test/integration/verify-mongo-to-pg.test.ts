import { Long, ObjectId } from 'mongodb';
import { backfillWorkflow, verifyWorkflow } from '../../workflows';
import { parseSpec } from '../../lib/spec';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';

/**
 * MongoDB → PostgreSQL verification compares each source document as the target stores it: an
 * embedded array unwound into a child table (absent, empty, out of key order, numbers into numeric)
 * and a jsonb sub-document holding a Date or ObjectId are the same data, not differences.
 */
describe('MongoDB → PostgreSQL verification', () => {
  const stack = useDataStack('verify_m2p');

  it('reports exact data as clean, and a real difference in a child row as different', async () => {
    const { f } = stack;
    await f.pg.query(`create table shops (id text primary key, meta jsonb, tags text[], rev bigint not null)`);
    await f.pg.query(`create table shop_orders (id int primary key, shop_id text not null, total numeric, placed timestamptz)`);
    const at = new Date('2024-01-01T00:00:00.000Z');
    await f.mongo.collection<{ _id: string }>('shops').insertMany([
      {
        _id: 'a',
        rev: Long.fromNumber(1),
        orders: [
          { id: 2, total: 3, placed: at },
          { id: 1, total: '10.50' },
        ],
      },
      { _id: 'b', rev: 1, meta: { at, ref: new ObjectId('65a1b2c3d4e5f6a7b8c9d0e1'), n: [1, { at }] } },
      { _id: 'c', rev: 1, orders: [] },
      { _id: 'd', rev: 1, tags: ['x'], orders: [{ id: 3, total: 1.25 }] },
      { _id: 'e', rev: 1, orders: null },
    ] as never[]);
    const parsed = parseSpec({
      id: 'verify-m2p',
      source: { connection: 'MONGO', database: f.mongoDatabase, dialect: 'ferretdb' },
      target: { connection: f.pgConnection },
      control: { connection: f.pgConnection },
      entities: [
        {
          name: 'shops',
          from: { collection: 'shops', version: 'rev' },
          to: { table: 'shops' },
          fields: { _id: 'id' },
          embed: [{ table: 'shop_orders', key: ['id'], foreignKey: 'shop_id', as: 'orders' }],
        },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const spec = parsed.spec;
    const args = { migrationId: spec.id, spec, entity: 'shops' };
    const copied = await stack.temporal.client.workflow.execute(backfillWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName('m2p-backfill'),
      args: [args],
    });
    expect(copied).toMatchObject({ rowsWritten: 5, rowsQuarantined: 0 });
    expect((await f.pg.query(`select count(*)::int as n from shop_orders`)).rows[0].n).toBe(3);

    const verify = () =>
      stack.temporal.client.workflow.execute(verifyWorkflow, {
        taskQueue: stack.worker.taskQueue,
        workflowId: uniqueName('m2p-verify'),
        args: [{ ...args, options: { rowsPerRange: 2, rangesPerActivity: 2, recheckDelaySeconds: 1, maxReconcileRounds: 0 } }],
      });
    const clean = await verify();
    expect(clean.found.diffs).toEqual([]);
    expect(clean.found.totals).toEqual({ missing: 0, extra: 0, different: 0, undecodable: 0, unlisted: 0, all: 0 });
    expect(clean.clean).toBe(true);

    await f.pg.query(`update shop_orders set total = 11 where id = 1`);
    const dirty = await verify();
    expect(dirty.found.totals).toMatchObject({ different: 1, all: 1 });
    expect(dirty.found.diffs).toEqual([expect.objectContaining({ key: ['a'], kind: 'different', fields: ['orders'] })]);
  });
});
