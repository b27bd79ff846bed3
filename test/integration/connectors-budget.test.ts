import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import type { EntityConnector, Key, ReadRequest } from '../../lib/connectors/types';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { bytesFromPostgres } from './pg-bytes';

/** Pages stop at the byte budget while reading, on PostgreSQL (cursor chunks) and MongoDB (cursor batches). */
const MiB = 1024 * 1024;
const ROWS = 10;
let fx: DataFixture;

beforeAll(async () => {
  fx = await createDataFixture('conn_budget');
  // Ten rows of 1 MiB each (plus a few bytes of id and version): three of them reach 3 MiB.
  await fx.pg.query(`create table blobs (id int primary key, payload text not null, version int not null)`);
  await fx.pg.query(`insert into blobs select g, repeat(chr(64 + g), $1::int), 1 from generate_series(1, $2::int) g`, [MiB, ROWS]);
  // Small parents whose one embedded child each is 1 MiB: the children are what fills the budget.
  await fx.pg.query(`create table owners (id int primary key, name text not null)`);
  await fx.pg.query(`create table parts (id int primary key, owner_id int not null references owners, chunk text not null)`);
  await fx.pg.query(`insert into owners select g, 'owner ' || g from generate_series(1, 6) g`);
  await fx.pg.query(`insert into parts select g, g, repeat('p', $1::int) from generate_series(1, 6) g`, [MiB]);
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function parse(entity: Record<string, unknown>): MigrationSpec {
  const parsed = parseSpec({
    id: 'budget',
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: fx.pgConnection },
    entities: [entity],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

const blobsSpec = () => parse({ name: 'blobs', from: { table: 'blobs', key: ['id'], version: 'version' }, to: { collection: 'blobs' }, fields: { id: '_id' } });

/** Every page of the whole key space: how many records each page held, and every key in order. */
async function pageThrough(side: EntityConnector, request: Omit<ReadRequest, 'after'>) {
  const sizes: number[] = [];
  const keys: Key[] = [];
  let after: Key | undefined;
  do {
    const page = await side.readRange({ ...request, after });
    sizes.push(page.records.length);
    keys.push(...page.records.map((r) => side.keyOf(r)));
    after = page.lastKey;
  } while (after);
  return { sizes, keys };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => [i + 1]);

test('PostgreSQL: 1 MiB rows, limit 100, budget 3 MiB → pages of 3 with a lastKey, only those rows fetched, every row once', async () => {
  const source = openSource(blobsSpec(), 'blobs');
  let first: Awaited<ReturnType<EntityConnector['readRange']>> | undefined;
  const received = await bytesFromPostgres(fx.pgConnection, async () => {
    first = await source.readRange({ limit: 100, maxBytes: 3 * MiB });
  });
  expect(first!.records.map((r) => r._id)).toEqual([1, 2, 3]);
  expect(first!.lastKey).toEqual([3]);
  expect(first!.bytes).toBeGreaterThanOrEqual(3 * MiB);
  // The other seven rows (7 MiB) never left the server.
  expect(received).toBeGreaterThan(3 * MiB);
  expect(received).toBeLessThan(4 * MiB);

  expect(await pageThrough(source, { limit: 100, maxBytes: 3 * MiB })).toEqual({ sizes: [3, 3, 3, 1], keys: ids(ROWS) });
});

test('MongoDB: 1 MiB documents, limit 100, budget 3 MiB → pages of 3 with a lastKey, every document once', async () => {
  const spec = blobsSpec();
  const target = openTarget(spec, 'blobs');
  const source = openSource(spec, 'blobs');
  for (const key of ids(ROWS)) await target.writeBatch((await source.fetchByKeys([key])).records);

  const first = await target.readRange({ limit: 100, maxBytes: 3 * MiB });
  expect(first.records.map((r) => r._id)).toEqual([1, 2, 3]);
  expect(first.lastKey).toEqual([3]);
  expect(await pageThrough(target, { limit: 100, maxBytes: 3 * MiB })).toEqual({ sizes: [3, 3, 3, 1], keys: ids(ROWS) });
  // A page started after a key and bounded by a range ends at the bound, not the budget.
  expect(await pageThrough(target, { from: [4], to: [6], limit: 100, maxBytes: 3 * MiB })).toEqual({ sizes: [2], keys: [[4], [5]] });
  expect(await target.hashRange({})).toEqual(await source.hashRange({}));
});

test('a row larger than the whole budget still comes back, alone, on both sides', async () => {
  const spec = blobsSpec();
  for (const side of [openSource(spec, 'blobs'), openTarget(spec, 'blobs')]) {
    const page = await side.readRange({ after: [4], limit: 100, maxBytes: MiB / 2 });
    expect(page.records.map((r) => r._id)).toEqual([5]);
    expect(page.lastKey).toEqual([5]);
    expect(await pageThrough(side, { limit: 100, maxBytes: MiB / 2 })).toEqual({ sizes: Array(ROWS).fill(1).concat(0), keys: ids(ROWS) });
  }
});

test('embedded children count toward the budget: small parents with 1 MiB children page by 3', async () => {
  const spec = parse({
    name: 'owners',
    mutable: false,
    from: { table: 'owners', key: ['id'] },
    to: { collection: 'owners' },
    fields: { id: '_id' },
    embed: [{ table: 'parts', key: ['id'], foreignKey: 'owner_id', as: 'parts', fields: { owner_id: null } }],
  });
  const source = openSource(spec, 'owners');
  let first: Awaited<ReturnType<EntityConnector['readRange']>> | undefined;
  const received = await bytesFromPostgres(fx.pgConnection, async () => {
    first = await source.readRange({ limit: 100, maxBytes: 3 * MiB });
  });
  expect(first!.records.map((r) => r._id)).toEqual([1, 2, 3]);
  expect(first!.lastKey).toEqual([3]);
  // The children of the parents after the budget were never read.
  expect(received).toBeLessThan(4 * MiB);
  expect(await pageThrough(source, { limit: 100, maxBytes: 3 * MiB })).toEqual({ sizes: [3, 3, 0], keys: ids(6) });
  const [owner] = (await source.fetchByKeys([[2]])).records;
  expect(owner.parts).toEqual([{ id: 2, chunk: 'p'.repeat(MiB) }]);
});
