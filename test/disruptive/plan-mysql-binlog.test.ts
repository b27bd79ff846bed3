import { closeAllClients } from '../../lib/connectors/clients';
import { allBlockers, planMigration } from '../../lib/plan';
import { parseSpec } from '../../lib/spec';
import { createMysqlFixture, MysqlFixture } from '../integration/mysql-fixture';

/**
 * A binlog that is not ROW with full images and full metadata is named by plan for sync "cdc".
 * Changes the server's global settings (restored after), so it runs with the disruptive tests,
 * alone. log_bin itself cannot change without a restart; its check is the same comparison.
 */
let my: MysqlFixture;
let saved: Record<string, string>;

beforeAll(async () => {
  my = await createMysqlFixture('plan_binlog');
  await my.sql.query(`create table users (id int primary key, version int not null)`);
  const [[row]] = await my.sql.query<any[]>(
    'select @@global.binlog_format as f, @@global.binlog_row_image as i, @@global.binlog_row_metadata as m, @@global.binlog_expire_logs_seconds as e',
  );
  saved = row;
});

afterAll(async () => {
  await my.sql.query(
    `set global binlog_format = '${saved.f}', global binlog_row_image = '${saved.i}', global binlog_row_metadata = '${saved.m}', global binlog_expire_logs_seconds = ${Number(saved.e)}`,
  );
  await closeAllClients();
  await my.close();
});

const cdcSpec = (table: string, maxRowsPerSecond: number) => {
  const parsed = parseSpec({
    id: `plan-binlog-${table}`,
    sync: 'cdc',
    source: { connection: my.connection },
    target: { connection: my.connection },
    control: { connection: 'PG' },
    entities: [{ name: table, from: { table, key: ['id'], version: 'version' }, to: { table } }],
    backfill: { maxRowsPerSecond },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
};

test('sync "cdc" from MySQL: binlogs purged sooner than twice the expected backfill time are a blocker naming both and the setting', async () => {
  await my.sql.query(`create table accounts (id int primary key, version int not null)`);
  await my.sql.query(`insert into accounts select seq, 1 from seq_1_to_20000`);
  // information_schema's row count is InnoDB's estimate: made exact for the figures below.
  await my.sql.query(`analyze table accounts`);
  await my.sql.query(`set global binlog_expire_logs_seconds = 100`);
  const retention = (maxRowsPerSecond: number) =>
    planMigration(cdcSpec('accounts', maxRowsPerSecond)).then((p) => allBlockers(p).filter((b) => /purged/.test(b)));
  // About 20,000 rows (the server's estimate) at 200 rows/s: about 100 s expected, twice that needed.
  const [blocker, ...others] = await retention(200);
  expect(others).toEqual([]);
  const m = blocker?.match(
    /^source (\S+): binlogs are purged after 100 s \(binlog_expire_logs_seconds\), but the backfill of about (\d+) rows at 200 rows\/s is expected to take (\d+) s, and the stream reads the binlog only after it; keep them at least (\d+) s \(SET GLOBAL binlog_expire_logs_seconds = (\d+), and in the server's configuration\)$/,
  );
  expect(m).toBeTruthy();
  const [, source, rows, expected, needed, setting] = m!;
  expect(source).toBe(my.connection);
  expect(Math.abs(Number(rows) - 20_000)).toBeLessThan(2_000);
  expect(Number(expected)).toBe(Math.ceil(Number(rows) / 200));
  expect([Number(needed), Number(setting)]).toEqual([2 * Number(expected), 2 * Number(expected)]);
  // At 1,000 rows/s the backfill takes 20 s: 100 s of binlogs cover it twice over.
  expect(await retention(1000)).toEqual([]);
  // 0 keeps binlogs until someone purges them.
  await my.sql.query(`set global binlog_expire_logs_seconds = 0`);
  expect(await retention(200)).toEqual([]);
});

test('sync "cdc" from MySQL: binlog_format, binlog_row_image and binlog_row_metadata other than ROW/FULL/FULL are blockers', async () => {
  const parsed = parseSpec({
    id: 'plan-binlog',
    sync: 'cdc',
    source: { connection: my.connection },
    target: { connection: my.connection },
    control: { connection: 'PG' },
    entities: [{ name: 'users', from: { table: 'users', key: ['id'], version: 'version' }, to: { table: 'users' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const before = allBlockers(await planMigration(parsed.spec));
  expect(before.filter((b) => /binlog/.test(b))).toEqual([]);
  await my.sql.query(`set global binlog_format = 'MIXED', global binlog_row_image = 'MINIMAL', global binlog_row_metadata = 'MINIMAL'`);
  const source = `source ${my.connection}`;
  expect(allBlockers(await planMigration(parsed.spec)).filter((b) => /binlog/.test(b))).toEqual([
    `${source}: binlog_format is MIXED; sync "cdc" needs ROW (SET GLOBAL binlog_format = 'ROW', and in the server's configuration)`,
    `${source}: binlog_row_image is MINIMAL; sync "cdc" needs FULL, so that every event carries whole rows`,
    `${source}: binlog_row_metadata is MINIMAL; sync "cdc" needs FULL, or events recorded before an ALTER TABLE are read with today's column names`,
  ]);
});
