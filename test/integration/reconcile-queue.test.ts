import './router/fast-timeouts';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Pool } from 'pg';
import { drainReconcileQueue, DrainReconcileResult } from '../../activities/reconcile-queue';
import { openTarget } from '../../lib/connectors';
import { closeAllClients } from '../../lib/connectors/clients';
import { completeReconcile, enqueueReconcile, ensureControlSchema, readReconcileBatch, ReconcileItem } from '../../lib/control';
import type { MigrationSpec } from '../../lib/spec/schema';
import { uniqueName } from '../support/temporal';
import { createDataFixture, createItems, DataFixture, itemsSpec, sourceItems, targetItems } from './backfill-fixtures';
import { copyAll } from './cdc-fixtures';

let f: DataFixture;
let control: Pool;

beforeAll(async () => {
  f = await createDataFixture('rq');
  control = new Pool({ connectionString: f.pgUrl, max: 2 });
  // The worker's part: routers (which enqueue here) never create the control store.
  await ensureControlSchema(control);
});

afterAll(async () => {
  await control.end();
  await closeAllClients();
  await f.close();
});

/** An items table copied to MongoDB, so both sides start equal. */
async function copiedItems(rows: number): Promise<{ table: string; spec: MigrationSpec }> {
  const table = uniqueName('items');
  await createItems(f.pg, table, rows);
  const spec = itemsSpec(f, table);
  await copyAll(spec, table);
  return { table, spec };
}

const enqueue = (spec: MigrationSpec, table: string, target: ReconcileItem['target'], ids: number[]) =>
  Promise.all(ids.map((id) => enqueueReconcile(control, { migrationId: spec.id, entity: table, key: [id], target, reason: 'test' })));

const queued = async (spec: MigrationSpec, table: string, target: ReconcileItem['target']) =>
  (await readReconcileBatch(control, spec.id, table, target, 100)).map((e) => e.key);

describe('drainReconcileQueue', () => {
  it('copies each queued key from the side that has the write, never over a newer version, and empties the queue', async () => {
    const { table, spec } = await copiedItems(10);
    const docs = f.mongo.collection(table);
    // Missed by the new database: an update, an insert, a delete; and a key it already holds newer.
    await f.pg.query(`update ${table} set qty = 500, version = 2 where id = 1`);
    await f.pg.query(`insert into ${table} values (11, 'item 11', 11, 'n', 1)`);
    await f.pg.query(`delete from ${table} where id = 2`);
    await docs.updateOne({ _id: 3 as never }, { $set: { qty: 333, version: 5 } });
    await enqueue(spec, table, 'new', [1, 11, 2, 3]);
    // Missed by the old database: the same three kinds, from the new side.
    await docs.updateOne({ _id: 4 as never }, { $set: { qty: 444, version: 2 } });
    await docs.insertOne({ _id: 12 as never, name: 'item 12', qty: 12, note: 'n', version: 1 });
    await docs.deleteOne({ _id: 5 as never });
    await f.pg.query(`update ${table} set qty = 666, version = 9 where id = 6`);
    await enqueue(spec, table, 'old', [4, 12, 5, 6]);

    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result: DrainReconcileResult = await env.run(drainReconcileQueue, { migrationId: spec.id, spec });

    expect(result).toEqual({ drained: 8, copied: 4, deleted: 2, quarantined: 0, remaining: 0 });
    expect(beats).toHaveLength(2);
    const untouched = (id: number) => [id, 1, id % 97] as [number, number, number];
    expect(await targetItems(f, table)).toEqual([
      [1, 2, 500],
      [3, 5, 333],
      [4, 2, 444],
      [6, 1, 6],
      untouched(7),
      untouched(8),
      untouched(9),
      untouched(10),
      [11, 1, 11],
      [12, 1, 12],
    ]);
    expect(await sourceItems(f, table)).toEqual([
      [1, 2, 500],
      [3, 1, 3],
      [4, 2, 444],
      [6, 9, 666],
      untouched(7),
      untouched(8),
      untouched(9),
      untouched(10),
      [11, 1, 11],
      [12, 1, 12],
    ]);
    expect(await queued(spec, table, 'new')).toEqual([]);
    expect(await queued(spec, table, 'old')).toEqual([]);

    // Idempotent: a retry of a finished drain finds nothing to do.
    expect(await new MockActivityEnvironment().run(drainReconcileQueue, { migrationId: spec.id, spec })).toEqual({
      drained: 0,
      copied: 0,
      deleted: 0,
      quarantined: 0,
      remaining: 0,
    });
  });

  it.each(['mongo', 'pg'] as const)(
    'after a rollback, an entry for the old database (the primary again) removes only what the new one deleted, never a write made since (%s target)',
    async (kind) => {
      // Torture seed 102 (CDC, rolled back from write_switch): a key the new database had deleted during the
      // switch was written again on the old one; the drain deleted it there, bounded by the version the old one held.
      const table = uniqueName('items');
      await createItems(f.pg, table, 10);
      const spec = kind === 'pg' ? itemsSpec(f, table, {}, `${table}_new`) : itemsSpec(f, table);
      if (kind === 'pg') await f.pg.query(`create table ${table}_new (like ${table} including all)`);
      await copyAll(spec, table);
      const fresh = openTarget(spec, table);
      // During the switch, on the new database through switchyard (tombstones at version 1); the old one missed both deletes.
      await fresh.deleteKeys([[7], [8]]);
      // Deleted behind switchyard's back: no tombstone says which version went.
      if (kind === 'pg') await f.pg.query(`delete from ${table}_new where id = 9`);
      else await f.mongo.collection(table).deleteOne({ _id: 9 as never });
      // Since the rollback, on the old database (the primary again): key 7 written anew.
      await f.pg.query(`update ${table} set qty = 77, version = 3 where id = 7`);
      await enqueue(spec, table, 'old', [7, 8, 9]);

      const result: DrainReconcileResult = await new MockActivityEnvironment().run(drainReconcileQueue, {
        migrationId: spec.id,
        spec,
        phase: 'read_ramp' as const,
      });

      expect(result).toMatchObject({ drained: 3, deleted: 1, remaining: 0 });
      const untouched = (id: number) => [id, 1, id % 97] as [number, number, number];
      expect(await sourceItems(f, table)).toEqual([...[1, 2, 3, 4, 5, 6].map(untouched), [7, 3, 77], untouched(9), untouched(10)]);
    },
  );

  it('fails retryably while the missing side is down, keeping the keys queued with their attempts counted', async () => {
    const { table, spec } = await copiedItems(3);
    const down: MigrationSpec = { ...spec, target: { ...spec.target, connection: 'MONGO_DOWN' } };
    await f.pg.query(`update ${table} set qty = 70, version = 2 where id = 1`);
    await enqueue(spec, table, 'new', [1]);

    const err = await new MockActivityEnvironment().run(drainReconcileQueue, { migrationId: spec.id, spec: down }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'ReconcileCopyFailed', nonRetryable: false });
    expect(await readReconcileBatch(control, spec.id, table, 'new', 10)).toMatchObject([{ key: [1], attempts: 1 }]);

    expect(await new MockActivityEnvironment().run(drainReconcileQueue, { migrationId: spec.id, spec })).toMatchObject({ drained: 1, copied: 1, remaining: 0 });
    expect((await targetItems(f, table))[0]).toEqual([1, 2, 70]);
  });
});

describe('the reconcile queue store', () => {
  it('keeps an entry queued again after it was read, so a failure during the copy is not lost', async () => {
    const migrationId = uniqueName('race');
    const item = { migrationId, entity: 'items', target: 'new' as const, reason: 'timeout' };
    await enqueueReconcile(control, { ...item, key: [1] });
    await enqueueReconcile(control, { ...item, key: [2] });
    const read = await readReconcileBatch(control, migrationId, 'items', 'new', 10);
    // While the drain copies [1] and [2], the router's secondary write of [2] fails again.
    await enqueueReconcile(control, { ...item, key: [2], reason: 'timeout again' });
    await completeReconcile(control, migrationId, 'items', 'new', read);
    const left = await readReconcileBatch(control, migrationId, 'items', 'new', 10);
    expect(left.map((e) => e.key)).toEqual([[2]]);
    expect(left[0].enqueuedAt > read[1].enqueuedAt).toBe(true);
    await completeReconcile(control, migrationId, 'items', 'new', left);
    expect(await readReconcileBatch(control, migrationId, 'items', 'new', 10)).toEqual([]);
  });
});
