import { openSource, openTarget } from '../../lib/connectors';
import { comparedSource } from '../../lib/connectors/compared';
import { bucketOf } from '../../lib/connectors/digest';
import { openDigestPair } from '../../lib/connectors/digest-pair';
import { mongoClient } from '../../lib/connectors/clients';
import { MockActivityEnvironment } from '@temporalio/testing';
import { compareDigests, differingBuckets, differingKeys } from '../../activities/verify-digests';
import type { CompareRangesResult } from '../../activities/verify';
import { backfillWorkflow, verifyWorkflow, VerifyOptions } from '../../workflows';
import type { MigrationSpec } from '../../lib/spec/schema';
import { uniqueName } from '../support/temporal';
import { createItems, itemsSpec, useDataStack } from './backfill-fixtures';

/**
 * Verification by bucket digests (issue #16): each side summarized in one scan, inside
 * PostgreSQL when both sides are PostgreSQL tables of the same column types, in the worker over
 * canonical records otherwise; only the differing buckets' keys are read again.
 */
describe('verification by bucket digests', () => {
  const stack = useDataStack('verify_digests');

  const verify = (spec: MigrationSpec, entity: string, options: VerifyOptions = {}) =>
    stack.temporal.client.workflow.execute(verifyWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName(`verify-${entity}`),
      args: [{ migrationId: spec.id, spec, entity, options: { recheckDelaySeconds: 1, maxReconcileRounds: 0, ...options } }],
    });

  const backfill = (spec: MigrationSpec, entity: string) =>
    stack.temporal.client.workflow.execute(backfillWorkflow, {
      taskQueue: stack.worker.taskQueue,
      workflowId: uniqueName(`backfill-${entity}`),
      args: [{ migrationId: spec.id, spec, entity }],
    });

  /** A PostgreSQL table of every common type and its exact copy in another table. */
  async function pgPair(source: string, target: string, rows: number) {
    const columns = `id bigint primary key, uid uuid, name text not null, balance numeric(14,2), score double precision,
      active boolean, tags text[], attrs jsonb, at timestamptz, version bigint not null`;
    await stack.f.pg.query(`create table ${source} (${columns})`);
    await stack.f.pg.query(`create table ${target} (${columns})`);
    await stack.f.pg.query(
      `insert into ${source} select g, md5(g::text)::uuid, 'user ' || g, g * 1.37, case when g % 10 = 0 then null else g / 7.0 end,
         g % 2 = 0, array['t' || (g % 5)], jsonb_build_object('plan', g % 3, 'x', g / 3.0), timestamptz '2024-01-01' + g * interval '1.000001 second', 1
       from generate_series(1, $1::int) g`,
      [rows],
    );
    await stack.f.pg.query(`insert into ${target} select * from ${source}`);
    return itemsSpec(stack.f, source, {}, target);
  }

  it('computes PostgreSQL ↔ PostgreSQL digests inside the databases, equal for equal tables, one bucket apart for one changed row', async () => {
    const spec = await pgPair('twin_a', 'twin_b', 3000);
    const pair = await openDigestPair(spec, 'twin_a');
    expect(pair.form).toBe('in-database');
    const request = { buckets: 64 };
    const [s, t] = await Promise.all([pair.source.digestRange(request), pair.target.digestRange(request)]);
    expect(s).toEqual(t);
    expect(s.rows).toBe(3000);

    await stack.f.pg.query(`update twin_b set score = score + 1e-12 where id = 1234`);
    const changed = await pair.target.digestRange(request);
    const only = differingBuckets(s, changed);
    expect(only).toHaveLength(1);
    const [sRows, tRows] = await Promise.all([pair.source.bucketRows({ ...request, only }), pair.target.bucketRows({ ...request, only })]);
    expect(differingKeys(sRows, tRows)).toEqual([[{ $numberLong: '1234' }]]);

    // Another column type on one side: the databases would print differently, so the worker compares.
    await stack.f.pg.query(`alter table twin_b alter column balance type numeric(16,2)`);
    expect((await openDigestPair(spec, 'twin_a')).form).toBe('canonical');
  });

  it('gives the same worker-side digests for the same data on PostgreSQL and FerretDB, bit for bit', async () => {
    await createItems(stack.f.pg, 'canon', 2000);
    const spec = itemsSpec(stack.f, 'canon');
    await backfill(spec, 'canon');
    const pair = await openDigestPair(spec, 'canon');
    expect(pair.form).toBe('canonical');
    const target = openTarget(spec, 'canon');
    const source = comparedSource(openSource(spec, 'canon'), target);
    const request = { buckets: 128, from: [100], to: [1900] };
    const [s, t] = await Promise.all([source.digestRange(request), target.digestRange(request)]);
    expect(s.rows).toBe(1800);
    expect(s).toEqual(t);

    await stack.f.mongo.collection<{ _id: number }>('canon').updateOne({ _id: 777 }, { $set: { qty: '5' } });
    const changed = await target.digestRange(request);
    expect(differingBuckets(s, changed)).toEqual([bucketOf([777], 128)]);
  });

  it('names 10 injected differences in a PostgreSQL ↔ PostgreSQL table by key and field, re-reading under 2 % of its rows', async () => {
    const rows = 20_000;
    const spec = await pgPair('big_src', 'big_dst', rows);
    const clean = await verify(spec, 'big_src');
    expect(clean).toMatchObject({ clean: true, rowsCompared: rows, rowsReread: 0 });

    await stack.f.pg.query(`update big_dst set name = name || ' (changed)' where id in (100, 5000)`);
    await stack.f.pg.query(`update big_dst set attrs = attrs || '{"plan": 9}', active = not active where id = 12000`);
    await stack.f.pg.query(`update big_dst set tags = null where id = 19999`);
    await stack.f.pg.query(`delete from big_dst where id in (1, 7777, 20000)`);
    await stack.f.pg.query(
      `insert into big_dst select id + ${rows}, uid, name, balance, score, active, tags, attrs, at, version from big_src where id in (1, 2, 3)`,
    );
    const report = await verify(spec, 'big_src');
    expect(report.found.totals).toEqual({ missing: 3, extra: 3, different: 4, undecodable: 0, unlisted: 0, all: 10 });
    const byKey = Object.fromEntries(report.found.diffs.map((d) => [d.key.map((k) => (k as { $numberLong: string }).$numberLong).join(), d]));
    expect(byKey['100']).toMatchObject({ kind: 'different', fields: ['name'] });
    expect(byKey['5000']).toMatchObject({ kind: 'different', fields: ['name'] });
    expect(byKey['12000']).toMatchObject({ kind: 'different', fields: ['active', 'attrs'] });
    expect(byKey['19999']).toMatchObject({ kind: 'different', fields: ['tags'] });
    for (const k of ['1', '7777', '20000']) expect(byKey[k]).toMatchObject({ kind: 'missing' });
    for (const k of ['20001', '20002', '20003']) expect(byKey[k]).toMatchObject({ kind: 'extra' });
    expect(report.rowsReread).toBeLessThan(rows * 0.02);
  });

  it('names changed, missing, extra and wrong-type documents in FerretDB by key and field through worker-side digests', async () => {
    await createItems(stack.f.pg, 'ferret', 3000);
    const spec = itemsSpec(stack.f, 'ferret');
    await backfill(spec, 'ferret');
    const coll = stack.f.mongo.collection<{ _id: number }>('ferret');
    await coll.updateOne({ _id: 10 }, { $set: { name: 'tampered' } });
    await coll.updateOne({ _id: 2500 }, { $set: { qty: String(2500 % 97) } });
    await coll.deleteOne({ _id: 1500 });
    await coll.insertOne({ _id: 9000, name: 'ghost', qty: 1, note: null, version: 1 } as never);
    const report = await verify(spec, 'ferret');
    expect(report.found.totals).toEqual({ missing: 1, extra: 1, different: 2, undecodable: 0, unlisted: 0, all: 4 });
    const byKey = Object.fromEntries(report.found.diffs.map((d) => [JSON.stringify(d.key), d]));
    expect(byKey['[10]']).toMatchObject({ kind: 'different', fields: ['name'] });
    expect(byKey['[2500]']).toMatchObject({ kind: 'different', fields: ['qty'] });
    expect(byKey['[1500]']).toMatchObject({ kind: 'missing' });
    expect(byKey['[9000]']).toMatchObject({ kind: 'extra' });
    expect(report.rowsReread).toBeLessThan(3000 * 0.02);
  });

  it('reads a FerretDB collection once per clean verification: the row counts come from the digest pass', async () => {
    await createItems(stack.f.pg, 'once', 2000);
    const plain = itemsSpec(stack.f, 'once');
    await backfill(plain, 'once');
    // The target through a connection of its own, whose client reports every command the worker sends.
    const url = new URL(process.env.SWITCHYARD_CONN_MONGO as string);
    url.searchParams.set('monitorCommands', 'true');
    process.env.SWITCHYARD_CONN_MONGO_WATCHED = url.toString();
    const spec = { ...plain, target: { ...plain.target, connection: 'MONGO_WATCHED' } };
    const reads: string[] = [];
    (await mongoClient('MONGO_WATCHED')).on('commandStarted', (e) => {
      if (e.databaseName === stack.f.mongoDatabase && e.command[e.commandName] === 'once' && ['find', 'aggregate', 'count'].includes(e.commandName))
        reads.push(`${e.commandName} ${JSON.stringify(e.command.filter ?? e.command.pipeline ?? e.command.query)}`);
    });
    const report = await verify(spec, 'once');
    expect(report).toMatchObject({
      clean: true,
      rowsCompared: 2000,
      countsBefore: { source: 2000, target: 2000 },
      countsAfter: { source: 2000, target: 2000 },
    });
    expect(reads).toEqual(['find {}']);
  });

  it('continues a retried compare (a killed worker) with the segment after its last heartbeat, not from the start', async () => {
    const spec = await pgPair('resume_a', 'resume_b', 3000);
    const long = (n: number) => [{ $numberLong: String(n) }];
    const ranges = [{ to: long(1001) }, { from: long(1001), to: long(2001) }, { from: long(2001) }];
    await stack.f.pg.query(`update resume_b set name = 'x' where id in (5, 2900)`);
    const input = { migrationId: spec.id, spec, entity: 'resume_a', ranges, maxListed: 100, buckets: 256 };
    const first = new MockActivityEnvironment();
    const beats: CompareRangesResult[] = [];
    // Copied as Temporal does when it encodes them: the details share arrays with the running attempt.
    first.on('heartbeat', (d: CompareRangesResult) => beats.push(structuredClone(d)));
    const whole: CompareRangesResult = await first.run(compareDigests, input);
    expect(whole.suspects.map((d) => d.key)).toEqual([long(5), long(2900)]);

    // The attempt died after its first segment; meanwhile a row of that segment changed.
    const afterFirst = beats.find((b) => b.next === 1)!;
    await stack.f.pg.query(`update resume_b set name = 'y' where id = 6`);
    const retried: CompareRangesResult = await new MockActivityEnvironment({ heartbeatDetails: afterFirst }).run(compareDigests, input);
    expect(retried.suspects.map((d) => d.key)).toEqual([long(5), long(2900)]);
    expect(retried).toMatchObject({ next: 3, rowsCompared: 3000, targetRows: 3000, differingRanges: [0, 2] });
  });
});
