import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import type { EntityConnector, QuarantineEntry } from '../../lib/connectors/types';
import { Binary, ObjectId } from 'mongodb';
import { canonicalJson } from '../../lib/mapping/canonical';
import { Numeric } from '../../lib/mapping/values';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { createMysqlFixture, MysqlFixture } from './mysql-fixture';

/**
 * Every row of docs/types.md's MySQL table against the real MariaDB: MySQL → MySQL and MySQL →
 * PostgreSQL → MySQL give the same values back; what a side cannot hold is quarantined with its
 * column and reason, never coerced.
 */
const MYSQL_COLUMNS = `id int primary key, flag tinyint(1), ti tinyint, tu tinyint unsigned, si smallint, mu mediumint unsigned,
  iu int unsigned, bi bigint, bu bigint unsigned, dec65 decimal(65,30), fl float, db double, bits bit(10),
  ch char(5), vc3 varchar(20) character set utf8mb3, lat text character set latin1, t4 text, bn binary(4), vb varbinary(10), bl blob,
  d date, dt datetime(6), ts timestamp(6) null default null, tm time(6), yr year, js json, en enum('a','b c','it''s'), st set('x','y','z'),
  gen bigint as (iu + 1) stored, vgen varchar(30) as (concat(ch, '!')) virtual, version int not null`;

const PG_COLUMNS = `id int primary key, flag boolean, ti int2, tu int2, si int2, mu int4, iu int8, bi int8, bu numeric(20,0),
  dec65 numeric(65,30), fl real, db float8, bits bytea, ch text, vc3 text, lat text, t4 text, bn bytea, vb bytea, bl bytea,
  d date, dt timestamp, ts timestamptz, tm text, yr int2, js jsonb, en text, st text, gen int8, vgen text, version int not null`;

const INSERT = `insert into src (id, flag, ti, tu, si, mu, iu, bi, bu, dec65, fl, db, bits, ch, vc3, lat, t4, bn, vb, bl, d, dt, ts, tm, yr, js, en, st, version) values
  (1, 1, -128, 255, -32768, 16777215, 4294967295, -9223372036854775808, 18446744073709551615,
   '12345678901234567890123456789012345.123456789012345678901234567891', 0.123456789, 0.1, b'1000000001',
   'ab', 'ü and ä', 'café €', '😀 emoji 𝄞', x'00ff1000', x'', x'deadbeef',
   '2024-02-29', '2024-03-31 02:30:00.123456', '2024-05-01 10:00:00.654321', '-838:59:59.000001', 2155,
   '{"a": 1, "big": 9007199254740993, "exact": 0.1000000000000000055511151231257827, "n": [1, null, {"d": "x"}]}', 'it''s', 'x,z', 1),
  (2, 0, 0, 0, 0, 0, 0, 9007199254740993, 9223372036854775808, '-0.000000000000000000000000000001', -0.25, 1e300, b'0',
   '', '', '', '', x'00000000', x'41', x'', '1000-01-01', '1970-01-01 00:00:00', '1970-01-01 05:30:01', '00:00:00', 1901,
   '"text"', 'b c', '', 1),
  (3, null, null, null, null, null, null, null, 5, null, null, null, null, null, null, null, null, null, null, null,
   null, null, null, null, null, null, null, null, 1)`;

let my: MysqlFixture;
let pg: DataFixture;

beforeAll(async () => {
  my = await createMysqlFixture('types_mysql');
  pg = await createDataFixture('types_mysql');
  for (const t of ['src', 'copy', 'back']) await my.sql.query(`create table ${t} (${MYSQL_COLUMNS})`);
  await pg.pg.query(`create table mid (${PG_COLUMNS})`);
  await pg.pg.query(`create table mid_int8 (${PG_COLUMNS.replace('bu numeric(20,0)', 'bu int8')})`);
  // timestamp(6) is an instant: written in +05:30 it is read back there the same, whatever the server's zone.
  await my.sql.query(`set session time_zone = '+05:30'`);
  await my.sql.query(INSERT);
  // Zero dates, which MySQL accepts without NO_ZERO_DATE: no date holds them.
  await my.sql.query(`insert into src (id, d, dt, version) values (4, '0000-00-00', '2024-00-10 00:00:00', 1)`);
  await my.sql.query(`set session time_zone = '+00:00'`);
});

afterAll(async () => {
  await closeAllClients();
  await my.close();
  await pg.close();
});

function spec(source: string, from: string, target: string, to: string): MigrationSpec {
  const parsed = parseSpec({
    id: 'types-mysql',
    source: { connection: source },
    target: { connection: target },
    control: { connection: pg.pgConnection },
    // datetime and PostgreSQL timestamp are wall-clock times in this zone; 02:30 on 2024-03-31 does not exist in it.
    entities: [{ name: 'all', from: { table: from, key: ['id'], version: 'version' }, to: { table: to }, timestampZone: 'America/New_York' }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

async function copyAll(from: EntityConnector, to: EntityConnector): Promise<QuarantineEntry[]> {
  const rejected: QuarantineEntry[] = [];
  let after;
  do {
    const page = await from.readRange({ after, limit: 2, maxBytes: 1024 * 1024 });
    rejected.push(...page.rejected);
    await to.quarantine(page.rejected);
    await to.writeBatch(page.records);
    after = page.lastKey;
  } while (after);
  return rejected;
}

/** Every column as the server prints it (json by value, a float as its double), through a +05:30 session. */
async function mysqlRows(table: string): Promise<unknown[]> {
  await my.sql.query(`set session time_zone = '+05:30'`);
  const [rows] = await my.sql.query(`select id, flag, ti, tu, si, mu, iu, bi, bu, dec65, fl + 0e0 as fl, db, hex(bits) as bits, ch, vc3, lat, t4, hex(bn) as bn,
    hex(vb) as vb, hex(bl) as bl, d, dt, ts, tm, yr, json_extract(js, '$') as js, en, st, gen, vgen, version from ${table} where id <> 4 order by id`);
  await my.sql.query(`set session time_zone = '+00:00'`);
  return rows as unknown[];
}

const canonical = (records: unknown[]) => records.map((r) => canonicalJson(r as never));

test('MySQL → MySQL keeps every value exactly; a zero date is quarantined with its column and reason', async () => {
  const s = spec(my.connection, 'src', my.connection, 'copy');
  const source = openSource(s, 'all');
  const target = openTarget(s, 'all');
  const rejected = await copyAll(source, target);
  expect(rejected.map((r) => [r.key, r.reason])).toEqual([[[4], 'd: zero date "0000-00-00" is not a date']]);
  expect(await mysqlRows('copy')).toEqual(await mysqlRows('src'));
  expect(await target.hashRange({ to: [4] })).toEqual(await source.hashRange({ to: [4] }));
  const [[row]] = await my.sql.query<any[]>(`select bu, dec65, dt, hex(bits) as bits, gen, vgen from copy where id = 1`);
  expect(row).toEqual({
    bu: '18446744073709551615',
    dec65: '12345678901234567890123456789012345.123456789012345678901234567891',
    dt: '2024-03-31 02:30:00.123456',
    bits: '201',
    gen: '4294967296',
    vgen: 'ab!',
  });
  const [quarantined] = await my.sql.query<any[]>(`select key_json, reason from switchyard_quarantine where entity = 'all'`);
  expect(quarantined).toEqual([{ key_json: '[4]', reason: 'd: zero date "0000-00-00" is not a date' }]);
});

test('MySQL → PostgreSQL → MySQL gives the same rows back; bigint unsigned above 2^63 into int8 is quarantined, not wrapped', async () => {
  const there = spec(my.connection, 'src', pg.pgConnection, 'mid');
  await copyAll(openSource(there, 'all'), openTarget(there, 'all'));
  const back = spec(pg.pgConnection, 'mid', my.connection, 'back');
  const rejected = await copyAll(openSource(back, 'all'), openTarget(back, 'all'));
  expect(rejected).toEqual([]);
  expect(await mysqlRows('back')).toEqual(await mysqlRows('src'));
  const src = await openSource(there, 'all').readRange({ limit: 10 });
  expect(canonical((await openTarget(back, 'all').readRange({ limit: 10 })).records)).toEqual(canonical(src.records));
  const { rows } = await pg.pg.query(`select fl::text, dt::text, ts::text, bits, js->>'big' as big from mid where id = 1`);
  // 02:30 New York on the day Europe changes its clocks: one wall-clock time, kept as written.
  expect(rows[0]).toEqual({
    fl: '0.12345679',
    dt: '2024-03-31 02:30:00.123456',
    ts: '2024-05-01 04:30:00.654321+00',
    bits: Buffer.from([2, 1]),
    big: '9007199254740993',
  });

  const narrow = spec(my.connection, 'src', pg.pgConnection, 'mid_int8');
  const target = openTarget(narrow, 'all');
  const page = await openSource(narrow, 'all').readRange({ limit: 10 });
  expect(await target.writeBatch(page.records)).toEqual({ written: 1, skipped: 0, quarantined: 2 });
  const { rows: q } = await pg.pg.query(`select key, reason from switchyard_quarantine where entity = 'all' order by key`);
  expect(q).toEqual([
    { key: [1], reason: 'bu: column bu (bigint) expects an integer in int8 range, got bigint' },
    { key: [2], reason: 'bu: column bu (bigint) expects an integer in int8 range, got bigint' },
    { key: [4], reason: 'd: zero date "0000-00-00" is not a date' },
  ]);
});

test('into MySQL, a value its column cannot hold exactly is quarantined with the column and the reason; the rest of the batch is written', async () => {
  const s = spec(pg.pgConnection, 'mid', my.connection, 'copy');
  const target = openTarget(s, 'all');
  const base = { version: 1 };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ vc3: '😀' }, 'vc3: column vc3 (varchar(20)): character "😀" (U+1F600) is not in utf8mb3'],
    [{ lat: '日本' }, 'lat: column lat (text): character "日" (U+65E5) is not in latin1'],
    [{ ch: 'abcdef' }, 'ch: column ch (char(5)): 6 characters; it holds at most 5'],
    [{ ch: 'ab ' }, 'ch: column ch (char(5)): trailing spaces, which char drops when it is read'],
    [{ st: 'z,x' }, "st: column st (set('x','y','z')): \"z,x\" is not a list of its members in their declared order"],
    [{ en: 'c' }, "en: column en (enum('a','b c','it''s')): \"c\" is not one of its members"],
    [{ ti: 128 }, 'ti: column ti (tinyint(4)) expects an integer in tinyint(4) range, got number'],
    [{ tu: -1 }, 'tu: column tu (tinyint(3) unsigned) expects an integer in tinyint(3) unsigned range, got number'],
    [{ flag: 2 }, "flag: column flag (tinyint(1)) expects a boolean (tinyint(1) is MySQL's boolean) or 0 or 1, got number"],
    [{ fl: 0.1 }, 'fl: column fl (float) expects a number that float holds exactly, got number'],
    [{ db: Number.NaN }, 'db: column db (double) expects a finite number (MySQL has no NaN or infinity), got number'],
    [{ ts: new Date('1960-01-01T00:00:00Z') }, 'ts: column ts (timestamp(6)) expects a date from 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC, got a date'],
    [{ bn: new Binary(Buffer.from([1])) }, 'bn: column bn (binary(4)) expects exactly 4 bytes, got Binary'],
    [{ yr: 1900 }, 'yr: column yr (year(4)) expects a year from 1901 to 2155, got number'],
    [{ gen: 99, flag: true }, ''],
  ];
  const records = cases.map(([fields], i) => ({ id: 100 + i, ...base, ...fields }));
  const result = await target.writeBatch(records as never);
  expect(result).toEqual({ written: 1, skipped: 0, quarantined: cases.length - 1 });
  const [rows] = await my.sql.query<any[]>(`select key_json, reason from switchyard_quarantine where entity = 'all' and key_json like '[1%' order by key_json`);
  expect(rows.map((r) => r.reason)).toEqual(cases.slice(0, -1).map(([, reason]) => reason));
  // A generated column is computed by the server, never written: the record's 99 is not stored.
  const [[written]] = await my.sql.query<any[]>(`select flag, gen from copy where id = ${100 + cases.length - 1}`);
  expect(written).toEqual({ flag: 1, gen: null });
});

test('verification compares a record as MySQL stores it: decimal scale, tinyint(1) 0/1, bit width, json of dates and ids', async () => {
  await my.sql.query(`create table shaped (id int primary key, amount decimal(10,2), flag tinyint(1), bits bit(10), doc json, version int not null)`);
  const s = spec(pg.pgConnection, 'mid', my.connection, 'shaped');
  const target = openTarget(s, 'all');
  const records = [
    {
      id: 1,
      amount: new Numeric('1.5'),
      flag: 1,
      bits: new Binary(Buffer.from([1])),
      doc: { at: new Date('2024-05-01T10:00:00.123Z'), who: new ObjectId('65f0a1b2c3d4e5f6a7b8c9d0') },
      version: 1,
    },
    { id: 2, amount: new Numeric('-0'), flag: 0, bits: new Binary(Buffer.from([3, 255])), doc: [1, 'x', null], version: 1 },
  ];
  expect(await target.writeBatch(records)).toMatchObject({ written: 2, quarantined: 0 });
  const stored = (await target.readRange({ limit: 10 })).records;
  expect(canonical(await target.storedForm!(records))).toEqual(canonical(stored));
  expect(canonical(stored)[0]).toBe(
    '{"amount":{"$decimal":"1.50"},"bits":{"$binary":"AAE="},"doc":{"at":"2024-05-01T10:00:00.123000Z","who":"65f0a1b2c3d4e5f6a7b8c9d0"},"flag":true,"id":{"$int":"1"},"version":{"$int":"1"}}',
  );
});
