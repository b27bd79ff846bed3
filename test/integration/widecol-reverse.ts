import { openSource } from '../../lib/connectors';
import { RETIRED_MARK } from '../../lib/connectors/retired-name';
import { parseSpec } from '../../lib/spec';
import { approveUpdate, backfillWorkflow, rollbackUpdate, verifyWorkflow } from '../../workflows';
import { uniqueName } from '../support/temporal';
import type { DataStack } from './backfill-fixtures';
import { FAST, waitForStatus } from './migration-fixtures';
import { holdForReads, readsThroughRouter, startWithRouter } from './widecol-reads';
import { contents } from './widecol-scenarios';

/** A wide-column / key-value database as the OLD side, migrated back into PostgreSQL. */
export interface WideSource {
  connection: string;
  /** Creates a table (id int key, name text, qty an integer of up to 38 digits, version bigint); returns its name. */
  table(name: string): Promise<string>;
  /** The value of the table's retired mark (RETIRED_MARK), undefined when unmarked. */
  mark(table: string): Promise<string | undefined>;
}

const ROWS = 60;
const TOO_BIG = 10n ** 37n + 7n;

/**
 * DynamoDB or Cassandra → PostgreSQL. Two source records do not fit the PostgreSQL columns (a
 * 38-digit integer into bigint, 40 characters into varchar(20)): the backfill quarantines them
 * with column and reason, never coerced, and verification names them as missing. Once they are
 * fixed at the source, the migration walks every phase with the router writing, shadow-reading and
 * ramping reads; the write switch waits for a human to accept the quarantine. Decommission retires
 * the old table by marking it (it cannot be renamed); a rollback removes the mark.
 */
export async function migrateToPostgres(h: DataStack, source: WideSource): Promise<void> {
  const table = await source.table(uniqueName('wide_back'));
  const target = uniqueName('from_wide');
  await h.f.pg.query(`create table ${target} (id int primary key, name varchar(20) not null, qty bigint not null, version bigint not null)`);
  const parsed = parseSpec({
    id: target.replace(/_/g, '-'),
    source: { connection: source.connection },
    target: { connection: h.f.pgConnection },
    control: { connection: h.f.pgConnection },
    entities: [{ name: table, from: { table, key: ['id'], version: 'version' }, to: { table: target } }],
    backfill: { batchSize: 50, concurrency: 2 },
    ...FAST,
    timers: { ...FAST.timers, retention: '1h' },
    approvals: ['backfill'],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const spec = parsed.spec;
  holdForReads(spec);
  const old = openSource(spec, table);
  const records = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, qty: BigInt(i * 1000), version: 1 }));
  records.push({ id: 61, name: 'n'.repeat(40), qty: 1n, version: 1 }, { id: 62, name: 'big', qty: TOO_BIG, version: 1 });
  expect(await old.writeBatch(records)).toMatchObject({ written: ROWS + 2, quarantined: 0 });

  const child = { taskQueue: h.worker.taskQueue, args: [{ migrationId: spec.id, spec, entity: table }] as const };
  await h.temporal.client.workflow.execute(backfillWorkflow, { ...child, workflowId: uniqueName('backfill-back') });
  const { rows } = await h.f.pg.query(`select key, reason from switchyard_quarantine where entity = $1 order by key`, [table]);
  expect(rows).toEqual([
    { key: [61], reason: expect.stringMatching(/^name: 40 characters; varchar\(20\) holds at most 20/) },
    { key: [62], reason: expect.stringMatching(/^qty: column qty \(bigint\) expects an integer in int8 range/) },
  ]);
  const report = await h.temporal.client.workflow.execute(verifyWorkflow, {
    ...child,
    workflowId: uniqueName('verify-back'),
    args: [{ ...child.args[0], options: { recheckDelaySeconds: 1, maxReconcileRounds: 1 } }],
  });
  expect(report).toMatchObject({ clean: false, remaining: { totals: { missing: 2, all: 2 } } });
  expect(report.remaining.diffs.map((d) => d.key).sort()).toEqual([[61], [62]]);
  // Fixed at the source by a human: new versions that fit.
  await old.writeBatch([
    { id: 61, name: 'n'.repeat(20), qty: 1n, version: 2 },
    { id: 62, name: 'big', qty: 1n, version: 2 },
  ]);

  const { handle, router, control } = await startWithRouter(h, spec);
  try {
    const items = router.entity(table);
    await items.insert({ id: 1001, name: 'new', qty: 5n, version: 1 });
    await items.update({ ...(await items.get([5]))!, qty: 555n, version: 2 });
    await items.delete([7]);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'jest' }] });
    const keys = [...Array.from({ length: ROWS + 2 }, (_, i) => [i + 1]).filter(([id]) => id !== 7), [1001]];
    await readsThroughRouter(handle, router, table, keys);

    // The two quarantine entries stay until a human clears or accepts them.
    const held = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');
    expect(held.pendingApproval).toMatchObject({ confirm: '2' });
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'jest', confirm: '2', note: 'fixed at the source' }] });

    const retired = await waitForStatus(handle, (s) => s.decommission?.state === 'retired');
    expect(retired.decommission!.retired).toEqual([{ name: table, retiredAs: table, mark: `${RETIRED_MARK}=${spec.id}` }]);
    expect(await source.mark(table)).toBe(spec.id);
    const landed = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'the new database misbehaves' }] });
    expect([landed.phase, landed.decommission?.state]).toEqual(['complete', 'restored']);
    expect(await source.mark(table)).toBeUndefined();
    await handle.terminate('end of test');
  } finally {
    await router.close();
    await control.end();
  }
  const [before, stored] = await Promise.all([contents(spec, 'source'), contents(spec, 'target')]);
  expect(Object.keys(stored)).toHaveLength(ROWS + 2);
  expect(stored).toEqual(before);
}
