import { closeAllClients } from '../../lib/connectors/clients';
import { openDirectCopy, openSource, openTarget } from '../../lib/connectors';
import type { DirectCopier, Key, KeyRange } from '../../lib/connectors/types';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { bytesFromPostgres } from './pg-bytes';
import { expectBalanced } from './split-balance';

/** PostgreSQL as source and target: keys, version guard, deletes, ranges, hostile names. */
let fx: DataFixture;

beforeAll(async () => {
  fx = await createDataFixture('conn_pg');
  await fx.pg.query(`create table accounts (tenant text not null, id bigint not null, name text, note text, version int not null, primary key (tenant, id))`);
  await fx.pg.query(`create table accounts_copy (like accounts including all)`);
  await fx.pg.query(`insert into accounts select t, g, 'n' || g, case g % 3 when 0 then null when 1 then '' else 'x' end, 1
                       from unnest(array['acme', 'Zeta', 'beta', 'Ä']) t, generate_series(1, 50) g`);
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function spec(from: string, to: string, mapping: Record<string, unknown> = {}): MigrationSpec {
  const parsed = parseSpec({
    id: 'pg',
    source: { connection: fx.pgConnection },
    target: { connection: fx.pgConnection },
    control: { connection: fx.pgConnection },
    entities: [{ name: 'accounts', from: { table: from, key: ['tenant', 'id'], version: 'version' }, to: { table: to }, ...mapping }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

test('composite text+bigint keys: pages in byte order, ranges cover everything once, copy hashes equal', async () => {
  const s = spec('accounts', 'accounts_copy');
  const source = openSource(s, 'accounts');
  const target = openTarget(s, 'accounts');
  const ranges = await source.splitRanges(4);
  expect(await expectBalanced(source, ranges, 200)).toEqual([50, 50, 50, 50]);
  const seen: string[] = [];
  for (const range of ranges) {
    let after;
    do {
      const page = await source.readRange({ ...range, after, limit: 17 });
      seen.push(...page.records.map((r) => JSON.stringify(source.keyOf(r))));
      expect(await target.writeBatch(page.records)).toMatchObject({ written: page.records.length, skipped: 0 });
      after = page.lastKey;
    } while (after);
  }
  expect(seen.length).toBe(200);
  expect(new Set(seen).size).toBe(200);
  expect(seen[0]).toBe('["Zeta",{"$numberLong":"1"}]');
  expect(await target.hashRange({})).toEqual(await source.hashRange({}));
  expect(await target.hashRange(ranges[2])).toEqual(await source.hashRange(ranges[2]));
  const { rows } = await fx.pg.query(`select count(*) filter (where note is null) as nulls, count(*) filter (where note = '') as empties from accounts_copy`);
  expect(rows[0]).toEqual({ nulls: '64', empties: '68' });
});

test('version guard: a stale batch after a fresh write keeps the fresh row; a re-run is a no-op; deletes', async () => {
  const s = spec('accounts', 'accounts_copy');
  const source = openSource(s, 'accounts');
  const target = openTarget(s, 'accounts');
  const key = [['acme', { $numberLong: '7' }]];
  const [stale] = (await source.fetchByKeys(key)).records;
  await fx.pg.query(`update accounts_copy set name = 'fresh', version = 5 where tenant = 'acme' and id = 7`);
  expect(await target.writeBatch([stale])).toEqual({ written: 0, skipped: 1, quarantined: 0 });
  expect((await target.fetchByKeys(key)).records[0]).toMatchObject({ name: 'fresh', version: 5 });
  expect(await target.writeBatch([{ ...stale, name: 'newer', version: 6 }])).toMatchObject({ written: 1 });
  const page = await source.readRange({ limit: 1000 });
  expect(await target.writeBatch(page.records)).toMatchObject({ written: 0, skipped: 200 });
  expect((await target.deleteKeys(key)).deleted).toBe(1);
  expect(await target.count()).toBe(199);
  expect(await target.count({ from: ['acme', 0], to: ['acme', 10] })).toBe(8);
});

test('hostile identifiers are rejected by validation and quoted harmlessly if they ever reach SQL', async () => {
  const parsed = parseSpec({
    id: 'x',
    source: { connection: 'A' },
    target: { connection: 'B' },
    control: { connection: 'A' },
    entities: [{ name: 'x', from: { table: 'users; drop table accounts', key: ['id"; drop table accounts; --'], version: 'v' }, to: { table: 't' } }],
  });
  expect(parsed.ok).toBe(false);
  expect(!parsed.ok && parsed.problems).toEqual([
    expect.stringMatching(/^entities\[0\]\.from\.table: /),
    expect.stringMatching(/^entities\[0\]\.from\.key\[0\]: /),
  ]);
  // Bypassing validation: the name is quoted as one identifier, so it names a missing table.
  const s = spec('accounts', 'accounts_copy');
  s.entities[0].from.table = 'accounts"; drop table accounts_copy; --';
  await expect(openSource(s, 'accounts').count()).rejects.toThrow(/does not exist/);
  const { rows } = await fx.pg.query(`select count(*) as n from accounts_copy`);
  expect(Number(rows[0].n)).toBeGreaterThan(0);
});

/** Every page of a range through the direct (COPY) path; the cursors it hands back, in order. */
async function copyDirect(copier: DirectCopier, range: KeyRange, limit: number) {
  const totals = { rows: 0, written: 0, skipped: 0 };
  const cursors: Key[] = [];
  let after: Key | undefined;
  do {
    const page = await copier.copyPage({ ...range, after, limit });
    totals.rows += page.rows;
    totals.written += page.written;
    totals.skipped += page.skipped;
    after = page.lastKey;
    if (after) cursors.push(after);
  } while (after);
  return { ...totals, cursors };
}

test('direct COPY path: the same cursors as readRange, the version guard holds, a re-run is a no-op', async () => {
  await fx.pg.query(`create table accounts_direct (like accounts including all)`);
  // Dual writes that landed first: one newer than the source (must stay), one older (must be replaced).
  await fx.pg.query(`insert into accounts_direct values ('acme', 7, 'fresh', null, 5), ('beta', 3, 'stale', null, 0)`);
  const s = spec('accounts', 'accounts_direct');
  const source = openSource(s, 'accounts');
  const copier = (await openDirectCopy(s, 'accounts'))!;
  expect(copier).toBeDefined();
  const totals = { rows: 0, written: 0, skipped: 0 };
  for (const range of await source.splitRanges(4)) {
    const copied = await copyDirect(copier, range, 17);
    const read: Key[] = [];
    for (let page = await source.readRange({ ...range, limit: 17 }); page.lastKey; page = await source.readRange({ ...range, after: page.lastKey, limit: 17 }))
      read.push(page.lastKey);
    expect(copied.cursors).toEqual(read);
    totals.rows += copied.rows;
    totals.written += copied.written;
    totals.skipped += copied.skipped;
  }
  expect(totals).toEqual({ rows: 200, written: 199, skipped: 1 });
  const row = async (tenant: string, id: number) =>
    (await fx.pg.query(`select name, version from accounts_direct where tenant = $1 and id = $2`, [tenant, id])).rows[0];
  expect(await row('acme', 7)).toEqual({ name: 'fresh', version: 5 });
  expect(await row('beta', 3)).toEqual({ name: 'n3', version: 1 });

  expect(await copyDirect(copier, {}, 1000)).toMatchObject({ rows: 200, written: 0, skipped: 200, cursors: [] });
  await fx.pg.query(`update accounts set name = 'newest', version = 6 where tenant = 'acme' and id = 7`);
  expect(await copyDirect(copier, {}, 64)).toMatchObject({ rows: 200, written: 1, skipped: 199 });
  expect(await row('acme', 7)).toEqual({ name: 'newest', version: 6 });
});

test('direct COPY path: renames and drops columns; anything else copies row by row', async () => {
  await fx.pg.query(`create table accounts_renamed (tenant text not null, id bigint not null, title text, version int not null, primary key (tenant, id))`);
  // COPY takes no parameters, so key bounds travel as literals: quotes and backslashes must stay data.
  const hostile = `it's \\ "q"; drop table accounts; --`;
  await fx.pg.query(`insert into accounts values ($1, 1, 'h', null, 1)`, [hostile]);
  const renamed = spec('accounts', 'accounts_renamed', { fields: { name: 'title', note: null } });
  const copier = (await openDirectCopy(renamed, 'accounts'))!;
  expect(copier).toBeDefined();
  expect(await copyDirect(copier, {}, 50)).toMatchObject({ rows: 201, written: 201 });
  // From the hostile key on: that row and the 50 'Ä' rows after it in byte order, paged by 10.
  const tail = await copyDirect(copier, { from: [hostile, { $numberLong: '1' }] }, 10);
  expect(tail).toMatchObject({ rows: 51, skipped: 51 });
  expect(tail.cursors[0]).toEqual(['Ä', { $numberLong: '9' }]);
  expect(await openTarget(renamed, 'accounts').hashRange({})).toEqual(await openSource(renamed, 'accounts').hashRange({}));

  await fx.pg.query(
    `create table accounts_wider (tenant text not null, id bigint not null, name text, note text, version bigint not null, primary key (tenant, id))`,
  );
  await fx.pg.query(`create table accounts_required (like accounts including all, region text not null)`);
  const rowByRow = [
    spec('accounts', 'accounts_wider'),
    spec('accounts', 'accounts_required'),
    spec('accounts', 'accounts_renamed'),
    spec('accounts', 'accounts_renamed', { fields: { name: 'title', note: null }, transforms: [{ cast: 'version', from: 'number', to: 'string' }] }),
    spec('accounts', 'accounts_renamed', { fields: { name: 'title', note: null }, defaults: { title: 'none' } }),
  ];
  for (const s of rowByRow) expect(await openDirectCopy(s, 'accounts')).toBeUndefined();
});

test('PostgreSQL → PostgreSQL into narrower modifiers: no direct COPY; misfits quarantined with the limit, the rest written', async () => {
  await fx.pg.query(
    `create table accounts_wide (tenant text not null, id bigint not null, name varchar(10), note numeric(12,3), version int not null, primary key (tenant, id))`,
  );
  await fx.pg.query(
    `create table accounts_narrow (tenant text not null, id bigint not null, name varchar(3), note numeric(6,2), version int not null, primary key (tenant, id))`,
  );
  await fx.pg.query(
    `insert into accounts_wide values ('t', 1, 'abc', 1.5, 1), ('t', 2, 'abcdefg', 1, 1), ('t', 3, 'ab', 1.125, 1), ('t', 4, null, 123456.5, 1)`,
  );
  const s = spec('accounts_wide', 'accounts_narrow');
  expect(await openDirectCopy(s, 'accounts')).toBeUndefined();
  const page = await openSource(s, 'accounts').readRange({ limit: 10 });
  expect(await openTarget(s, 'accounts').writeBatch(page.records)).toEqual({ written: 1, skipped: 0, quarantined: 3 });
  expect((await fx.pg.query(`select id::int, name, note::text from accounts_narrow`)).rows).toEqual([{ id: 1, name: 'abc', note: '1.50' }]);
  const { rows } = await fx.pg.query(`select key::text, reason from switchyard_quarantine where entity = 'accounts' order by key`);
  expect(rows).toEqual([
    { key: '["t", {"$numberLong": "2"}]', reason: 'name: 7 characters; varchar(3) holds at most 3' },
    { key: '["t", {"$numberLong": "3"}]', reason: 'note: 1.125 has 3 decimal places; numeric(6,2) keeps 2' },
    { key: '["t", {"$numberLong": "4"}]', reason: 'note: 123456.500 has 6 integer digits; numeric(6,2) holds 4' },
  ]);
});

test('split of a never-analysed table above the exact-read limit: counted, then sampled, ranges of similar size', async () => {
  // Autovacuum off, so the statistics stay unknown (reltuples = -1) for the whole test.
  await fx.pg.query(`create table fresh (id int primary key, filler text not null, version int not null) with (autovacuum_enabled = false)`);
  await fx.pg.query(`insert into fresh select g, repeat('f', 100), 1 from generate_series(1, 210000) g`);
  const { rows } = await fx.pg.query(`select reltuples from pg_class where relname = 'fresh'`);
  expect(rows[0].reltuples).toBe(-1);
  const parsed = parseSpec({
    id: 'fresh',
    source: { connection: fx.pgConnection },
    target: { connection: fx.pgConnection },
    control: { connection: fx.pgConnection },
    entities: [{ name: 'fresh', from: { table: 'fresh', key: ['id'], version: 'version' }, to: { table: 'fresh_copy' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const source = openSource(parsed.spec, 'fresh');
  let ranges: KeyRange[] = [];
  const received = await bytesFromPostgres(fx.pgConnection, async () => {
    ranges = await source.splitRanges(4);
  });
  // Every key is ~3.5 MB of protocol; the sample is a few thousand keys.
  expect(received).toBeLessThan(500_000);
  expect(ranges).toHaveLength(4);
  await expectBalanced(source, ranges, 210000);
});

test('fetchByKeys: children under their parents, quoted keys, and a failing key leaves no open transaction behind', async () => {
  await fx.pg.query(`create table owners (name text primary key, note text, version int not null)`);
  await fx.pg.query(`create table pets (id bigint primary key, owner text not null, kind text)`);
  await fx.pg.query(`insert into owners values ('o''brien', 'a', 1), ('x', 'b', 1), ('y', 'c', 1)`);
  await fx.pg.query(`insert into pets values (10, 'o''brien', 'cat'), (11, 'o''brien', 'dog'), (12, 'y', 'eel')`);
  const parsed = parseSpec({
    id: 'pg-children',
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: fx.pgConnection },
    entities: [
      {
        name: 'owners',
        from: { table: 'owners', key: ['name'], version: 'version' },
        to: { collection: 'owners' },
        embed: [{ table: 'pets', key: ['id'], foreignKey: 'owner', as: 'pets' }],
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const source = openSource(parsed.spec, 'owners');
  const found = await source.fetchByKeys([['y'], ["o'brien"], ['nobody']]);
  expect(found.records.map((r) => [r.name, r.note, (r.pets as { kind: string }[]).map((p) => p.kind)])).toEqual([
    ["o'brien", 'a', ['cat', 'dog']],
    ['y', 'c', ['eel']],
  ]);

  // A statement failing inside the one-query transaction must not leave its pooled session in it.
  await fx.pg.query('alter table pets rename to pets_away');
  await expect(source.fetchByKeys([['y']])).rejects.toThrow(/pets/);
  await fx.pg.query('alter table pets_away rename to pets');
  const again = await Promise.all(Array.from({ length: 12 }, () => source.fetchByKeys([['y']])));
  expect(again.every((r) => r.records.length === 1 && (r.records[0].pets as unknown[]).length === 1)).toBe(true);
});
