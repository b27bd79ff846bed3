import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Pool } from 'pg';
import { openSource, openTarget } from '../../lib/connectors';
import type { EntityConnector, MappedRecord } from '../../lib/connectors/types';
import { canonicalJson } from '../../lib/mapping/canonical';
import { createRouter, specRoutes } from '../../lib/router';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { approveUpdate, backfillWorkflow, verifyWorkflow } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { dynamoFixture, DynamoFixture } from './dynamodb-fixtures';
import { FAST, startMigration, waitForStatus } from './migration-fixtures';

/** PostgreSQL → DynamoDB (dynalite) through the workflow: backfill, verification, router dual writes, every phase. */
const h = useDataStack('mig_dynamo');
let dyn: DynamoFixture;

beforeAll(() => {
  dyn = dynamoFixture();
});

afterAll(async () => {
  await dyn.close();
});

/** A source table of `rows` products with decimals, timestamps and jsonb, and an empty DynamoDB table keyed by id. */
async function products(rows: number): Promise<{ spec: MigrationSpec; table: string }> {
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
  const target = await dyn.table(table, ['id', 'N']);
  const parsed = parseSpec({
    id: table.replace(/_/g, '-'),
    source: { connection: h.f.pgConnection },
    target: { connection: 'DYNAMO' },
    control: { connection: h.f.pgConnection },
    entities: [{ name: table, from: { table, key: ['id'], version: 'version' }, to: { table: target } }],
    backfill: { batchSize: 50, concurrency: 2 },
    ...FAST,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return { spec: parsed.spec, table: target };
}

/** Every record of a side by key, in the form the target stores it, as canonical text. */
async function contents(spec: MigrationSpec, side: 'source' | 'target'): Promise<Record<string, string>> {
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

test('a migration walks every phase into DynamoDB; dual writes through the router land on both sides', async () => {
  const { spec } = await products(200);
  spec.approvals = ['backfill'];
  const entity = spec.entities[0].name;
  const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
  await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'backfill');

  // The application writes through the spec-generated router while both databases take writes.
  const control = new Pool({ connectionString: h.f.pgUrl, max: 2 });
  const router = await createRouter({ migrationId: spec.id, control, entities: specRoutes(spec), pollIntervalMs: 100, flushIntervalMs: 200 });
  try {
    const items = router.entity(entity);
    await items.insert({ id: 1001, name: 'new', qty: 1, price: null, at: new Date(Date.UTC(2025, 0, 1)), attrs: { a: [1, 2] }, version: 1 });
    await items.update({ ...(await items.get([5]))!, qty: 555, version: 2 });
    await items.delete([7]);
    const target = openTarget(spec, entity);
    expect((await target.fetchByKeys([[1001], [5], [7]])).records.map((r) => [r.id, r.qty])).toEqual([
      [1001, 1],
      [5, 555],
    ]);

    // Only the backfill asks for approval here: the rest of the phases run on.
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'jest' }] });
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
      'read_ramp 100%',
      'write_switch',
      'complete',
      'decommission',
      'completed',
    ]);
  } finally {
    await router.close();
    await control.end();
  }
  const [source, target] = await Promise.all([contents(spec, 'source'), contents(spec, 'target')]);
  expect(Object.keys(target)).toHaveLength(200);
  expect(target).toEqual(source);
  expect(target['[7]']).toBeUndefined();
});

test('verification names injected differences by key and field, and reconcile repairs them', async () => {
  const { spec, table } = await products(600);
  const entity = spec.entities[0].name;
  await h.temporal.client.workflow.execute(backfillWorkflow, {
    taskQueue: h.worker.taskQueue,
    workflowId: uniqueName('backfill-dynamo'),
    args: [{ migrationId: spec.id, spec, entity }],
  });
  await dyn.client.send(
    new UpdateItemCommand({ TableName: table, Key: { id: { N: '10' } }, UpdateExpression: 'SET qty = :q', ExpressionAttributeValues: { ':q': { N: '-1' } } }),
  );
  await dyn.client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { id: { N: '300' } },
      UpdateExpression: 'SET #n = :n, attrs.color = :c',
      ExpressionAttributeNames: { '#n': 'name' },
      ExpressionAttributeValues: { ':n': { S: 'tampered' }, ':c': { S: 'red' } },
    }),
  );
  await dyn.client.send(new DeleteItemCommand({ TableName: table, Key: { id: { N: '20' } } }));
  await dyn.client.send(new PutItemCommand({ TableName: table, Item: { id: { N: '5000' }, name: { S: 'ghost' }, qty: { N: '1' }, version: { N: '1' } } }));

  const run = (options: object) =>
    h.temporal.client.workflow.execute(verifyWorkflow, {
      taskQueue: h.worker.taskQueue,
      workflowId: uniqueName('verify-dynamo'),
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
  expect(fixed).toMatchObject({ clean: true, remaining: { totals: { all: 0 } }, countsAfter: { source: 600, target: 600 } });
  const [source, target] = await Promise.all([contents(spec, 'source'), contents(spec, 'target')]);
  expect(target).toEqual(source);
});
