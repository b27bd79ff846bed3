import { openSource, openTarget } from '../../lib/connectors';
import type { EntityConnector, MappedRecord } from '../../lib/connectors/types';
import { canonicalJson } from '../../lib/mapping/canonical';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { approveUpdate, backfillWorkflow, verifyWorkflow } from '../../workflows';
import { uniqueName } from '../support/temporal';
import type { DataStack } from './backfill-fixtures';
import { FAST, readingRetired } from './migration-fixtures';
import { holdForReads, readsThroughRouter, startWithRouter } from './widecol-reads';

/**
 * The migration scenarios every wide-column / key-value target passes (DynamoDB in the main
 * suite, Cassandra in its own phase): PostgreSQL products with decimals, microsecond timestamps
 * and jsonb, through the workflow into a table the engine's fixture creates.
 */
export interface WideTarget {
  connection: string;
  /** Creates the target table for a source table of that name; returns the target's table name. */
  table(name: string): Promise<string>;
}

/** Changes made behind switchyard's back, to be found by verification. */
export interface Tamper {
  setQty(table: string, id: number, qty: number): Promise<void>;
  /** Sets name to "tampered" and attrs to a different document. */
  setNameAndAttrs(table: string, id: number): Promise<void>;
  remove(table: string, id: number): Promise<void>;
  /** A row with id 5000 the source does not have. */
  addGhost(table: string): Promise<void>;
  /**
   * The removal leaves a tombstone at or above the row's version (Cassandra: any delete does), so
   * the guarded repair cannot bring the row back and verification keeps reporting it.
   */
  removalIsTombstoned?: boolean;
}

export async function productsSpec(h: DataStack, target: WideTarget, rows: number): Promise<{ spec: MigrationSpec; table: string }> {
  const table = uniqueName('products');
  await h.f.pg.query(
    `create table ${table} (id int primary key, name text not null, qty int not null, price numeric(12,2), at timestamptz, attrs jsonb, version bigint not null)`,
  );
  await h.f.pg.query(
    `insert into ${table} select g, 'product ' || g, g % 97, g * 1.25, '2024-01-01 00:00:00.000123+00'::timestamptz + g * interval '1 minute',
       jsonb_build_object('color', 'c' || (g % 5), 'sizes', jsonb_build_array(g, g + 1), 'gift', g % 2 = 0), 1
     from generate_series(1, $1::int) g`,
    [rows],
  );
  const stored = await target.table(table);
  const parsed = parseSpec({
    id: table.replace(/_/g, '-'),
    source: { connection: h.f.pgConnection },
    target: { connection: target.connection },
    control: { connection: h.f.pgConnection },
    entities: [{ name: table, from: { table, key: ['id'], version: 'version' }, to: { table: stored } }],
    backfill: { batchSize: 50, concurrency: 2 },
    ...FAST,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return { spec: parsed.spec, table: stored };
}

/** Every record of a side by key, in the form the target stores it, as canonical text. */
export async function contents(spec: MigrationSpec, side: 'source' | 'target'): Promise<Record<string, string>> {
  const entity = spec.entities[0].name;
  const target = openTarget(spec, entity);
  const c: EntityConnector = side === 'source' ? openSource(spec, entity) : target;
  const out: Record<string, string> = {};
  let after;
  do {
    const page = await c.readRange({ after, limit: 500 });
    const records: MappedRecord[] = side === 'source' ? await target.storedForm!(page.records) : page.records;
    for (const r of records) out[JSON.stringify(c.keyOf(r))] = canonicalJson(r);
    after = page.lastKey;
  } while (after);
  return out;
}

/**
 * Every phase with the backfill waiting for approval, while the application writes through the
 * spec-generated router: an insert, an update and a delete land on both databases; then it reads
 * through it with shadow reads and at 50 % of the ramp (readsThroughRouter).
 */
export async function migrateWithDualWrites(h: DataStack, target: WideTarget): Promise<void> {
  const { spec } = await productsSpec(h, target, 200);
  spec.approvals = ['backfill'];
  holdForReads(spec);
  const entity = spec.entities[0].name;
  const { handle, router, control } = await startWithRouter(h, spec);
  let retired = spec;
  try {
    const items = router.entity(entity);
    await items.insert({ id: 1001, name: 'new', qty: 1, price: null, at: new Date(Date.UTC(2025, 0, 1)), attrs: { a: [1, 2] }, version: 1 });
    await items.update({ ...(await items.get([5]))!, qty: 555, version: 2 });
    await items.delete([7]);
    const written = await openTarget(spec, entity).fetchByKeys([[1001], [5], [7]]);
    expect(written.records.map((r) => [Number(r.id), Number(r.qty)])).toEqual([
      [1001, 1],
      [5, 555],
    ]);
    // Only the backfill and the ramp ask for approval here: the rest of the phases run on.
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'jest' }] });
    await readsThroughRouter(handle, router, entity, [...Array.from({ length: 200 }, (_, i) => [i + 1]).filter(([id]) => id !== 7), [1001]]);
    const status = await handle.result();
    expect(status.state).toBe('completed');
    expect(status.entities[entity].verify?.result).toMatchObject({ clean: true });
    expect(status.transitions.map((t) => t.to).filter((p) => !p.startsWith('approved'))).toEqual([
      'preflight',
      'dual_write',
      'backfill',
      'verify',
      'shadow_read',
      'read_ramp 50%',
      'paused',
      'resumed',
      'read_ramp 100%',
      'write_switch',
      'complete',
      'decommission',
      'retired the old tables',
      'keep retired tables',
      'completed',
    ]);
    retired = readingRetired(spec, status);
  } finally {
    await router.close();
    await control.end();
  }
  const [source, stored] = await Promise.all([contents(retired, 'source'), contents(spec, 'target')]);
  expect(Object.keys(stored)).toHaveLength(200);
  expect(stored).toEqual(source);
  expect(stored['[7]']).toBeUndefined();
}

/** Backfill, four differences made behind switchyard's back, then verification names them and reconcile repairs them (see Tamper.removalIsTombstoned). */
export async function verifyInjectedDifferences(h: DataStack, target: WideTarget, tamper: Tamper): Promise<void> {
  const { spec, table } = await productsSpec(h, target, 600);
  const entity = spec.entities[0].name;
  await h.temporal.client.workflow.execute(backfillWorkflow, {
    taskQueue: h.worker.taskQueue,
    workflowId: uniqueName('backfill-wide'),
    args: [{ migrationId: spec.id, spec, entity }],
  });
  await tamper.setQty(table, 10, -1);
  await tamper.setNameAndAttrs(table, 300);
  await tamper.remove(table, 20);
  await tamper.addGhost(table);

  const run = (options: object) =>
    h.temporal.client.workflow.execute(verifyWorkflow, {
      taskQueue: h.worker.taskQueue,
      workflowId: uniqueName('verify-wide'),
      args: [{ migrationId: spec.id, spec, entity, options: { rowsPerRange: 100, recheckDelaySeconds: 1, ...options } }],
    });
  const report = await run({ maxReconcileRounds: 0 });
  expect(report.clean).toBe(false);
  expect(report.found.totals).toEqual({ missing: 1, extra: 1, different: 2, undecodable: 0, unlisted: 0, all: 4 });
  const byKey = Object.fromEntries(report.found.diffs.map((d) => [JSON.stringify(d.key), d]));
  expect(byKey['[10]']).toMatchObject({ kind: 'different', fields: ['qty'] });
  expect(byKey['[300]']).toMatchObject({ kind: 'different', fields: ['attrs', 'name'] });
  expect(byKey['[20]']).toMatchObject({ kind: 'missing' });
  expect(byKey['[5000]']).toMatchObject({ kind: 'extra' });

  const fixed = await run({});
  const [source, stored] = await Promise.all([contents(spec, 'source'), contents(spec, 'target')]);
  if (tamper.removalIsTombstoned) {
    expect(fixed).toMatchObject({ clean: false, remaining: { totals: { missing: 1, all: 1 } }, countsAfter: { source: 600, target: 599 } });
    expect(stored).toEqual(Object.fromEntries(Object.entries(source).filter(([k]) => k !== '[20]')));
    return;
  }
  expect(fixed).toMatchObject({ clean: true, remaining: { totals: { all: 0 } }, countsAfter: { source: 600, target: 600 } });
  expect(stored).toEqual(source);
}
