import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import type { EntityConnector, Key, KeyRange } from '../../lib/connectors/types';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { comparedSource } from '../../lib/connectors/compared';

/** uuid, composite and text keys: the same order, pages and range hashes on PostgreSQL and MongoDB. */
let fx: DataFixture;

/** Mixed case, accents, a combining mark, 2-, 3- and 4-byte UTF-8, the empty string, quotes and a backslash. */
const HOSTILE = `it's \\ "q"; drop table words; --`;
const WORDS = ['Zebra', 'zebra', 'apple', 'A', 'a', 'Äpfel', 'ß', 'é', 'e\u0301', 'Ω', '中文', '\uFFFD', '😀', '', HOSTILE];

beforeAll(async () => {
  fx = await createDataFixture('conn_keys');
  await fx.pg.query(`create table tokens (id uuid primary key, label text not null, version int not null)`);
  await fx.pg.query(`insert into tokens select md5(g::text)::uuid, 'token ' || g, 1 from generate_series(1, 300) g`);
  await fx.pg.query(`create table tokens_copy (like tokens including all)`);
  await fx.pg.query(
    `create table ledger (tenant text not null, seq bigint not null, amount numeric not null, version int not null, primary key (tenant, seq))`,
  );
  // seq crosses 2^53 and zero, so a double anywhere on the way would merge or misorder keys.
  await fx.pg.query(`insert into ledger select t, s, s % 1000 * 1.5, 1
                       from unnest(array['Zeta', 'acme', 'Äbc', '😀']) t,
                            unnest(array[-5, 0, 7, 9007199254740992, 9007199254740993, 9007199254740994]::bigint[] || array(select generate_series(100, 130)::bigint)) s`);
  await fx.pg.query(`create table words (word text primary key, n int not null, version int not null)`);
  await fx.pg.query(`insert into words select w || coalesce(s::text, ''), coalesce(s, 0), 1 from unnest($1::text[]) w, unnest(array[null, 1, 2, 10]) s`, [
    WORDS,
  ]);
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function parse(target: 'mongo' | 'pg', entity: Record<string, unknown>): MigrationSpec {
  const parsed = parseSpec({
    id: 'keys',
    source: { connection: fx.pgConnection },
    target: target === 'mongo' ? { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' } : { connection: fx.pgConnection },
    control: { connection: fx.pgConnection },
    entities: [entity],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

/** Every key of a range, page by page, in the order the side returns them. */
async function pagedKeys(side: EntityConnector, range: KeyRange, limit: number): Promise<Key[]> {
  const keys: Key[] = [];
  let after: Key | undefined;
  do {
    const page = await side.readRange({ ...range, after, limit });
    keys.push(...page.records.map((r) => side.keyOf(r)));
    after = page.lastKey;
  } while (after);
  return keys;
}

async function copyAll(source: EntityConnector, target: EntityConnector): Promise<number> {
  let written = 0;
  let after: Key | undefined;
  do {
    const page = await source.readRange({ after, limit: 64 });
    written += (await target.writeBatch(page.records)).written;
    after = page.lastKey;
  } while (after);
  return written;
}

/** Both sides page the whole key space and every range either side splits it into alike, and hash each range equally. */
async function expectSameOrderAndHashes(source: EntityConnector, target: EntityConnector, total: number): Promise<Key[]> {
  const all = await pagedKeys(source, {}, 23);
  expect(all).toHaveLength(total);
  expect(await pagedKeys(target, {}, 17)).toEqual(all);
  const ranges = [...(await source.splitRanges(3)), ...(await target.splitRanges(2))];
  expect(ranges).toHaveLength(5);
  for (const range of ranges) {
    expect(await pagedKeys(target, range, 11)).toEqual(await pagedKeys(source, range, 11));
    expect(await target.hashRange(range)).toEqual(await comparedSource(source, target).hashRange(range));
  }
  expect(await target.hashRange({})).toEqual({ ...(await comparedSource(source, target).hashRange({})), count: total });
  return all;
}

/** UTF-8 byte order: PostgreSQL text keys compare under COLLATE "C", MongoDB compares strings bytewise. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

test('uuid primary key PostgreSQL → MongoDB: pages in uuid order on both sides, equal range hashes', async () => {
  const spec = parse('mongo', {
    name: 'tokens',
    from: { table: 'tokens', key: ['id'], version: 'version' },
    to: { collection: 'tokens' },
    fields: { id: '_id' },
  });
  const source = openSource(spec, 'tokens');
  const target = openTarget(spec, 'tokens');
  expect(await copyAll(source, target)).toBe(300);
  const keys = await expectSameOrderAndHashes(source, target, 300);
  const { rows } = await fx.pg.query(`select id::text from tokens order by id`);
  expect(keys).toEqual(rows.map((r) => [r.id]));
  expect(await target.fetchByKeys([keys[5], keys[250]])).toEqual(await source.fetchByKeys([keys[5], keys[250]]));
});

test('uuid primary key PostgreSQL → PostgreSQL: pages in uuid order on both sides, equal range hashes', async () => {
  const spec = parse('pg', { name: 'tokens', from: { table: 'tokens', key: ['id'], version: 'version' }, to: { table: 'tokens_copy' } });
  const source = openSource(spec, 'tokens');
  const target = openTarget(spec, 'tokens');
  expect(await copyAll(source, target)).toBe(300);
  await expectSameOrderAndHashes(source, target, 300);
});

test('composite key (text, bigint) on MongoDB as an _id sub-document: read in key order, hashes equal to PostgreSQL', async () => {
  const spec = parse('mongo', { name: 'ledger', from: { table: 'ledger', key: ['tenant', 'seq'], version: 'version' }, to: { collection: 'ledger' } });
  const source = openSource(spec, 'ledger');
  const target = openTarget(spec, 'ledger');
  expect(await copyAll(source, target)).toBe(148);
  const stored = await fx.mongo.collection('ledger').findOne({ tenant: 'acme', seq: 9007199254740993n } as never, { useBigInt64: true });
  expect(stored!._id).toEqual({ tenant: 'acme', seq: 9007199254740993n });

  const keys = await expectSameOrderAndHashes(source, target, 148);
  const seqs = [-5, 0, 7, 100, 101].map(String);
  expect(keys.slice(0, 5)).toEqual(seqs.map((s) => ['Zeta', { $numberLong: s }]));
  expect(keys.slice(34, 37)).toEqual(['9007199254740992', '9007199254740993', '9007199254740994'].map((s) => ['Zeta', { $numberLong: s }]));
  expect([...new Set(keys.map((k) => k[0]))]).toEqual(['Zeta', 'acme', 'Äbc', '😀']);
  // A range bounded inside one tenant, across 2^53, on both sides.
  const range = { from: ['acme', { $numberLong: '9007199254740993' }], to: ['Äbc', { $numberLong: '0' }] };
  expect(await pagedKeys(target, range, 2)).toEqual(await pagedKeys(source, range, 2));
  expect(await target.count(range)).toBe(3);
  expect(await target.hashRange(range)).toEqual(await comparedSource(source, target).hashRange(range));
});

test('text keys with mixed case and non-ASCII: the same byte order and range hashes on PostgreSQL and MongoDB', async () => {
  const spec = parse('mongo', {
    name: 'words',
    from: { table: 'words', key: ['word'], version: 'version' },
    to: { collection: 'words' },
    fields: { word: '_id' },
  });
  const source = openSource(spec, 'words');
  const target = openTarget(spec, 'words');
  const total = WORDS.length * 4;
  expect(await copyAll(source, target)).toBe(total);
  const keys = await expectSameOrderAndHashes(source, target, total);
  const words = keys.map((k) => k[0] as string);
  expect(words).toEqual([...words].sort(byteOrder));
  const bases = words.filter((w) => WORDS.includes(w));
  expect(bases).toEqual(['', 'A', 'Zebra', 'a', 'apple', 'e\u0301', HOSTILE, 'zebra', 'Äpfel', 'ß', 'é', 'Ω', '中文', '\uFFFD', '😀']);
  // Bounds on non-ASCII keys (U+FFFD sorts before U+1F600 in UTF-8 although not in UTF-16) and on
  // one with quotes and a backslash, which reaches PostgreSQL as an escaped literal.
  for (const range of [{ from: ['Äpfel'], to: ['😀'] }, { from: ['\uFFFD'] }, { to: ['ß'] }, { from: [HOSTILE], to: ['zebra'] }]) {
    expect(await pagedKeys(target, range, 3)).toEqual(await pagedKeys(source, range, 3));
    expect(await target.hashRange(range)).toEqual(await comparedSource(source, target).hashRange(range));
  }
  expect(await source.count({ from: ['\uFFFD'] })).toBe(8);
  expect(await pagedKeys(source, { from: [HOSTILE], to: ['zebra'] }, 2)).toEqual([HOSTILE, `${HOSTILE}1`, `${HOSTILE}10`, `${HOSTILE}2`].map((w) => [w]));
});
