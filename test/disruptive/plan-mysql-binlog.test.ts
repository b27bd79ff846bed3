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
  const [[row]] = await my.sql.query<any[]>('select @@global.binlog_format as f, @@global.binlog_row_image as i, @@global.binlog_row_metadata as m');
  saved = row;
});

afterAll(async () => {
  await my.sql.query(`set global binlog_format = '${saved.f}', global binlog_row_image = '${saved.i}', global binlog_row_metadata = '${saved.m}'`);
  await closeAllClients();
  await my.close();
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
