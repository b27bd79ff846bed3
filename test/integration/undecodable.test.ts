import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import { applyEntityChanges } from '../../lib/cdc/apply';
import { copyKeys } from '../../activities/copy-keys';
import { reconcileKeys } from '../../activities/reconcile';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';

/**
 * A source record that cannot be decoded (here a timestamptz of 'infinity', which no date holds)
 * is not a deletion: every path that re-reads by key leaves the target's copy alone and
 * quarantines the record instead (issue #13, item 1).
 */
let fx: DataFixture;
let spec: MigrationSpec;

beforeAll(async () => {
  fx = await createDataFixture('undecodable');
  await fx.pg.query(`create table events (id int primary key, title text, at timestamptz not null, version bigint not null)`);
  const parsed = parseSpec({
    id: 'undecodable',
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: fx.pgConnection },
    entities: [{ name: 'events', from: { table: 'events', key: ['id'], version: 'version' }, to: { collection: 'events' }, fields: { id: '_id' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  spec = parsed.spec;
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

/** Row `id` copied to the target, then made undecodable on the source. */
async function undecodableRow(id: number) {
  await fx.pg.query(`insert into events values ($1, 'launch', '2024-05-01T10:00:00Z', 1)`, [id]);
  const source = openSource(spec, 'events');
  const target = openTarget(spec, 'events');
  const { records } = await source.readRange({ from: [id], to: [id + 1], limit: 1 });
  await target.writeBatch(records);
  await fx.pg.query(`update events set at = 'infinity', version = 2 where id = $1`, [id]);
  return { source, target };
}

const targetDoc = (id: number) => fx.mongo.collection('events').findOne({ _id: id as never });
const quarantined = (id: number) => fx.mongo.collection('switchyard_quarantine').findOne({ _id: JSON.stringify(['events', [id]]) as never });

test('fetchByKeys returns the records it cannot decode as rejected, with their keys', async () => {
  const { source } = await undecodableRow(1);
  const fetched = await source.fetchByKeys([[1]]);
  expect(fetched.records).toEqual([]);
  expect(fetched.rejected.map((r) => r.key)).toEqual([[1]]);
});

test('CDC apply: an undecodable source row keeps its target copy and is quarantined', async () => {
  const { source, target } = await undecodableRow(2);
  const counters = await applyEntityChanges(
    source,
    target,
    { keys: new Map([['[2]', { key: [2], guard: 'newer' as const }]]), truncated: false },
    () => undefined,
  );
  expect(counters.deleted).toBe(0);
  expect(counters.quarantined).toBe(1);
  expect(await targetDoc(2)).toMatchObject({ title: 'launch', version: 1 });
  expect(await quarantined(2)).toMatchObject({ entity: 'events' });
});

test('copy by key (queue drain, copy-back): an undecodable row keeps its copy and is quarantined', async () => {
  const { source, target } = await undecodableRow(3);
  const result = await copyKeys(source, target, [[3]]);
  expect(result).toMatchObject({ deleted: 0, quarantined: 1 });
  expect(await targetDoc(3)).toMatchObject({ title: 'launch', version: 1 });
  expect(await quarantined(3)).toMatchObject({ entity: 'events' });
});

test('verification reconcile: an undecodable row keeps its copy, is quarantined and counted', async () => {
  await undecodableRow(4);
  const result = await reconcileKeys({ migrationId: 'undecodable', spec, entity: 'events', diffs: [{ key: [4], kind: 'different', source: 'x' }] });
  expect(result).toMatchObject({ deleted: 0, undecodable: 1 });
  expect(await targetDoc(4)).toMatchObject({ title: 'launch', version: 1 });
  expect(await quarantined(4)).toMatchObject({ entity: 'events' });
});
