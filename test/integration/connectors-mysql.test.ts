import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import type { Key } from '../../lib/connectors/types';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { byteOrder } from './key-order';
import { createMysqlFixture, MysqlFixture } from './mysql-fixture';
import { expectBalanced } from './split-balance';

/** MySQL (the local stack's MariaDB) as source and target: key order, version guard, deletes, quarantine, retire. */
let fx: MysqlFixture;

/** Tenants that a case- and accent-insensitive collation would order (or even equate) differently from their bytes. */
const TENANTS = ['acme', 'Acme', 'ACME', 'Zeta', 'beta', 'Ä', 'é', 'e', 'a ', 'a', 'a\t'];

beforeAll(async () => {
  fx = await createMysqlFixture('conn_mysql');
  // utf8mb4_nopad_bin: the source holds keys that differ only in case, accents or trailing spaces.
  await fx.sql.query(`create table accounts (tenant varchar(20) collate utf8mb4_nopad_bin not null, id bigint not null, name text, note varchar(10),
                        version int not null, primary key (tenant, id))`);
  await fx.sql.query(`create table accounts_copy like accounts`);
  // The server's default collation: case- and accent-insensitive, PAD SPACE.
  await fx.sql.query(
    `create table accounts_ci (tenant varchar(20) not null, id bigint not null, name text, note varchar(10), version int not null, primary key (tenant, id))`,
  );
  const rows = TENANTS.flatMap((t) => Array.from({ length: 20 }, (_, i) => [t, i + 1, `n${i + 1}`, i % 3 === 0 ? null : i % 3 === 1 ? '' : 'x', 1]));
  await fx.sql.query('insert into accounts values ?', [rows]);
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function spec(from: string, to: string): MigrationSpec {
  const parsed = parseSpec({
    id: 'mysql',
    source: { connection: fx.connection },
    target: { connection: fx.connection },
    control: { connection: 'PG' },
    entities: [{ name: 'accounts', from: { table: from, key: ['tenant', 'id'], version: 'version' }, to: { table: to } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

test('composite text+bigint keys: pages in byte order (case, accents, trailing spaces), ranges cover everything once, copy hashes equal', async () => {
  const s = spec('accounts', 'accounts_copy');
  const source = openSource(s, 'accounts');
  const target = openTarget(s, 'accounts');
  const ranges = await source.splitRanges(4);
  expect(await expectBalanced(source, ranges, TENANTS.length * 20)).toHaveLength(4);
  const seen: Key[] = [];
  for (const range of ranges) {
    let after;
    do {
      const page = await source.readRange({ ...range, after, limit: 17, maxBytes: 600 });
      seen.push(...page.records.map((r) => source.keyOf(r)));
      expect(await target.writeBatch(page.records)).toMatchObject({ written: page.records.length, skipped: 0 });
      after = page.lastKey;
    } while (after);
  }
  expect(new Set(seen.map((k) => JSON.stringify(k))).size).toBe(TENANTS.length * 20);
  const tenants = [...new Set(seen.map((k) => k[0] as string))];
  expect(tenants).toEqual([...TENANTS].sort(byteOrder));
  expect(await target.hashRange({})).toEqual(await source.hashRange({}));
  expect(await target.hashRange(ranges[2])).toEqual(await source.hashRange(ranges[2]));
  expect(await target.count({ from: ['a', 0], to: ['a\t', 0] })).toBe(20);
  const [[nulls]] = await fx.sql.query<any[]>(`select sum(note is null) as nulls, sum(note = '') as empties from accounts_copy`);
  expect(nulls).toEqual({ nulls: '77', empties: '77' });
});

test('a page stops at its byte budget and resumes after its last key', async () => {
  const source = openSource(spec('accounts', 'accounts_copy'), 'accounts');
  const page = await source.readRange({ limit: 1000, maxBytes: 300 });
  expect(page.records.length).toBeGreaterThan(0);
  expect(page.records.length).toBeLessThan(40);
  expect(page.bytes).toBeGreaterThanOrEqual(300);
  const next = await source.readRange({ limit: 1, after: page.lastKey });
  const all = await source.readRange({ limit: 1000 });
  expect(next.records[0]).toEqual(all.records[page.records.length]);
});

test('version guard: a stale batch keeps the fresh row, a re-run is a no-op, a delete leaves a tombstone no older write passes', async () => {
  const s = spec('accounts', 'accounts_copy');
  const source = openSource(s, 'accounts');
  const target = openTarget(s, 'accounts');
  const key: Key[] = [['acme', { $numberLong: '7' }]];
  const [stale] = (await source.fetchByKeys(key)).records;
  await fx.sql.query(`update accounts_copy set name = 'fresh', version = 5 where tenant = 'acme' and id = 7`);
  expect(await target.writeBatch([stale])).toEqual({ written: 0, skipped: 1, quarantined: 0 });
  expect((await target.fetchByKeys(key)).records[0]).toMatchObject({ name: 'fresh', version: 5 });
  expect(await target.writeBatch([{ ...stale, name: 'newer', version: 6 }])).toMatchObject({ written: 1 });
  expect((await target.fetchByKeys(key)).records[0]).toMatchObject({ name: 'newer', version: 6 });
  const all = await source.readRange({ limit: 1000 });
  expect(await target.writeBatch(all.records)).toMatchObject({ written: 0, skipped: TENANTS.length * 20 });
  expect(await target.deleteKeys(key)).toEqual({ deleted: 1, kept: [], removedVersion: 6 });
  expect(await target.writeBatch([{ ...stale, version: 6 }])).toMatchObject({ written: 0, skipped: 1 });
  expect(await target.writeBatch([{ ...stale, version: 7 }])).toMatchObject({ written: 1 });
  expect(await target.deleteKeys(key, { upTo: 6 })).toMatchObject({ deleted: 0, kept: key });
  expect(await target.writeBatch([{ ...stale, version: 9 }], { versionGuard: false })).toMatchObject({ written: 1 });
  expect(await target.writeBatch([{ ...stale, tenant: 'nobody', version: 9 }], { existingOnly: true })).toMatchObject({ written: 0, skipped: 1 });
  expect((await target.fetchByKeys([['nobody', 7]])).records).toEqual([]);
});

test('into a case-insensitive key: a key equal only under the collation is quarantined with the reason, never written over another row', async () => {
  const s = spec('accounts', 'accounts_ci');
  const source = openSource(s, 'accounts');
  const target = openTarget(s, 'accounts');
  const { records } = await source.readRange({ limit: 1000 });
  const result = await target.writeBatch(records);
  // acme/Acme/ACME are one key under utf8mb4_general_ci, as are e/é and a/a (trailing space).
  expect(result.written + result.quarantined).toBe(records.length);
  expect(result.quarantined).toBeGreaterThan(0);
  const [quarantined] = await fx.sql.query<any[]>(`select key_json, reason from switchyard_quarantine where entity = 'accounts' order by key_json`);
  expect(quarantined.length).toBe(result.quarantined);
  expect(quarantined.find((q: any) => q.key_json === '["Acme",{"$numberLong":"1"}]').reason).toBe(
    'key ["Acme",{"$numberLong":"1"}] is the key ["ACME",{"$numberLong":"1"}] of the same batch under the key\'s collation (utf8mb4_general_ci, bigint(20)); writing both would keep one',
  );
  // Written again on its own (a retry, a dual write): the stored ACME is found under the collation.
  const acme = records.find((r) => r.tenant === 'Acme' && r.id === 1n)!;
  expect(await target.writeBatch([acme])).toEqual({ written: 0, skipped: 0, quarantined: 1 });
  const [[again]] = await fx.sql.query<any[]>(`select reason from switchyard_quarantine where key_json = '["Acme",{"$numberLong":"1"}]'`);
  expect(again.reason).toMatch(/^key \["Acme",\{"\$numberLong":"1"\}\] matches the stored key \["ACME","1"\] under the key's collation \(utf8mb4_general_ci/);
  // ACME sorts first in byte order, so its rows are the ones stored, untouched by Acme and acme.
  const [[row]] = await fx.sql.query<any[]>(`select count(*) as n, sum(binary tenant = 'ACME') as acme from accounts_ci where tenant = 'acme'`);
  expect(row).toEqual({ n: '20', acme: '20' });
});

test('retire renames the table, restore brings it back, drop removes only what is retired; estimate counts a fresh table', async () => {
  await fx.sql.query(`create table gone (id int primary key, version int not null)`);
  await fx.sql.query(`insert into gone values (1, 1), (2, 1)`);
  const parsed = parseSpec({
    id: 'retire',
    source: { connection: fx.connection },
    target: { connection: fx.connection },
    control: { connection: 'PG' },
    entities: [{ name: 'gone', from: { table: 'gone', key: ['id'], version: 'version' }, to: { table: 'gone_copy' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const side = openSource(parsed.spec, 'gone');
  expect(await side.estimate()).toBe(2);
  expect(await side.retire('m-1')).toEqual([{ name: 'gone', retiredAs: 'gone__switchyard_retired_m_1' }]);
  expect(await side.retire('m-1')).toEqual([{ name: 'gone', retiredAs: 'gone__switchyard_retired_m_1' }]);
  await side.restore('m-1');
  expect(await side.count()).toBe(2);
  await side.retire('m-1');
  expect(await side.drop('m-1')).toEqual([{ name: 'gone', retiredAs: 'gone__switchyard_retired_m_1' }]);
  expect(await side.drop('m-1')).toEqual([]);
});
