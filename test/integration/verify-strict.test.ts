import { Binary, Double, Int32, ObjectId, UUID } from 'mongodb';
import type { MigrationSpec } from '../../lib/spec/schema';
import { backfillWorkflow, verifyWorkflow } from '../../workflows';
import type { VerifyResult } from '../../workflows/verify-api';
import { uniqueName } from '../support/temporal';
import { itemsSpec, useDataStack } from './backfill-fixtures';

/**
 * Verification compares values under their declared types (issue #13 item 6): a value of another
 * type on the target — a missing field for a NULL, an integral double for an integer, 0 for -0, a
 * string for a decimal, an ObjectId or a UUID for its text — is a difference named by key and
 * field, while what the backfill itself wrote compares equal.
 */
describe('verification under declared types', () => {
  const stack = useDataStack('verify_strict');
  const HEX = '65a1b2c3d4e5f6a7b8c9d0e1';
  const UID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
  const BIG = '12345678901234567890.5';

  /** Rows 1–20 of every type the cases touch; row 5 holds a float -0, every row a NULL and a jsonb null. */
  async function createSource(table: string, like = table) {
    await stack.f.pg.query(`create table ${table} (id int primary key, qty int not null, score float8, amount numeric(10,2), ref text,
      uid uuid, note text, attrs jsonb, version int not null)`);
    if (like !== table) return;
    await stack.f.pg.query(
      `insert into ${table} select g, 5, case when g = 5 then '-0'::float8 else 2 end, 1.5, $1, $2::uuid, null,
         jsonb_build_object('a', null, 'b', 1, 'big', $3::numeric), 1 from generate_series(1, 20) g`,
      [HEX, UID, BIG],
    );
  }

  const run = async (spec: MigrationSpec, entity: string) => {
    const args = { migrationId: spec.id, spec, entity };
    await stack.temporal.client.workflow.execute(backfillWorkflow, { taskQueue: stack.worker.taskQueue, workflowId: uniqueName('strict-b'), args: [args] });
    return () =>
      stack.temporal.client.workflow.execute(verifyWorkflow, {
        taskQueue: stack.worker.taskQueue,
        workflowId: uniqueName('strict-v'),
        args: [{ ...args, options: { recheckDelaySeconds: 1, maxReconcileRounds: 0 } }],
      });
  };

  /** The expected differences the report does not name as `different` in exactly that field. */
  function unreported(report: VerifyResult, expected: Record<number, string>): string[] {
    const named = new Map(report.found.diffs.map((d) => [JSON.stringify(d.key), d]));
    return Object.entries(expected)
      .filter(([id, field]) => {
        const d = named.get(JSON.stringify([Number(id)]));
        return !(d?.kind === 'different' && d.fields?.length === 1 && d.fields[0] === field);
      })
      .map(([id, field]) => `${id}:${field}`);
  }

  it('PostgreSQL → FerretDB: each wrong-type value on the target is named by key and field', async () => {
    await createSource('strict_f');
    const verify = await run(itemsSpec(stack.f, 'strict_f'), 'strict_f');
    const clean = await verify();
    expect(clean.found.diffs).toEqual([]);

    const coll = stack.f.mongo.collection<{ _id: number }>('strict_f');
    await coll.updateOne({ _id: 1 }, { $unset: { note: '' } });
    await coll.updateOne({ _id: 2 }, { $unset: { 'attrs.a': '' } });
    await coll.updateOne({ _id: 3 }, { $set: { qty: new Double(5) } });
    await coll.updateOne({ _id: 4 }, { $set: { score: new Int32(2) } });
    await coll.updateOne({ _id: 5 }, { $set: { score: new Double(0) } });
    await coll.updateOne({ _id: 6 }, { $set: { ref: new ObjectId(HEX) } });
    await coll.updateOne({ _id: 7 }, { $set: { uid: new UUID(UID) as Binary } });
    const expected = { 1: 'note', 2: 'attrs', 3: 'qty', 4: 'score', 5: 'score', 6: 'ref', 7: 'uid' };
    const report = await verify();
    expect(unreported(report, expected)).toEqual([]);
    expect(report.found.totals).toMatchObject({ different: 7, all: 7 });
  });

  it('PostgreSQL → PostgreSQL: each wrong-type value on the target is named by key and field', async () => {
    await createSource('strict_s');
    await createSource('strict_t', 'strict_s');
    const verify = await run(itemsSpec(stack.f, 'strict_s', {}, 'strict_t'), 'strict_s');
    const clean = await verify();
    expect(clean.found.diffs).toEqual([]);

    await stack.f.pg.query(`update strict_t set attrs = attrs - 'a' where id = 2`);
    await stack.f.pg.query(`update strict_t set attrs = jsonb_set(attrs, '{big}', to_jsonb($1::text)) where id = 3`, [BIG]);
    await stack.f.pg.query(`update strict_t set score = 0 where id = 5`);
    const expected = { 2: 'attrs', 3: 'attrs', 5: 'score' };
    const report = await verify();
    expect(unreported(report, expected)).toEqual([]);
    expect(report.found.totals).toMatchObject({ different: 3, all: 3 });
  });
});
