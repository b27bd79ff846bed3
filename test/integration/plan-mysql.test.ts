import { closeAllClients } from '../../lib/connectors/clients';
import { allBlockers, planMigration } from '../../lib/plan';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { createMysqlFixture, MysqlFixture } from './mysql-fixture';

/** What plan says about MySQL sides: blockers named one per line, a case-insensitive key collation as a warning. */
let my: MysqlFixture;
let pg: DataFixture;
const user = `sy_reader_${process.pid}`;

beforeAll(async () => {
  my = await createMysqlFixture('plan_mysql');
  pg = await createDataFixture('plan_mysql');
  await my.sql.query(`create table users (id varchar(20) not null primary key, email varchar(50), version int not null)`);
  await my.sql.query(`insert into users values ('a', 'x', 1), ('B', 'y', 1)`);
  await my.sql.query(`create table exact (id varchar(20) collate utf8mb4_nopad_bin not null primary key, email varchar(50), version int not null)`);
  await my.sql.query(`create table nopk (id int not null, version int not null)`);
  await pg.pg.query(`create table users (id text primary key, email text, version int not null)`);
  // A user that may read this database and nothing more: no replication grants, no writes.
  await my.sql.query(`create user '${user}'@'127.0.0.1' identified by 'reader-pw-1'`);
  await my.sql.query(`grant select on \`${my.database}\`.* to '${user}'@'127.0.0.1'`);
  const url = new URL(my.url);
  url.username = user;
  url.password = 'reader-pw-1';
  process.env.SWITCHYARD_CONN_MYREADER = url.toString();
});

afterAll(async () => {
  await closeAllClients();
  await my.sql.query(`drop user if exists '${user}'@'127.0.0.1'`);
  await my.close();
  await pg.close();
});

function spec(json: Record<string, unknown>): MigrationSpec {
  const parsed = parseSpec({
    id: 'plan-mysql',
    source: { connection: my.connection },
    target: { connection: pg.pgConnection },
    control: { connection: pg.pgConnection },
    ...json,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

const users = { name: 'users', from: { table: 'users', key: ['id'], version: 'version' }, to: { table: 'users' } };

test('MySQL → PostgreSQL: no blockers; a case-insensitive source key is a warning saying how it is read', async () => {
  const plan = await planMigration(spec({ entities: [users] }));
  expect(allBlockers(plan)).toEqual([]);
  expect(plan.connections).toEqual([
    { role: 'source', connection: my.connection, database: my.database, canRead: true, canWrite: true },
    expect.objectContaining({ role: 'target', canWrite: true }),
  ]);
  expect(plan.entities[0]).toMatchObject({ key: ['id'], estimatedRows: 2 });
  expect(plan.entities[0].warnings).toEqual([
    'source table users: key column id has collation utf8mb4_general_ci; switchyard reads its keys in byte order (as PostgreSQL "C" and MongoDB do), which sorts each page instead of walking the primary key; utf8mb4_nopad_bin avoids the sort',
  ]);
  expect((await planMigration(spec({ entities: [{ ...users, from: { ...users.from, table: 'exact' } }] }))).entities[0].warnings).toEqual([]);
});

test('every MySQL blocker is named: no primary key, a key that is not unique, no write permission, sync "cdc" without binlog grants', async () => {
  const plan = await planMigration(
    spec({
      sync: 'cdc',
      source: { connection: 'MYREADER' },
      target: { connection: 'MYREADER' },
      entities: [
        { name: 'nopk', from: { table: 'nopk', key: ['id'], version: 'version' }, to: { table: 'nopk' } },
        { name: 'byemail', from: { table: 'users', key: ['email'], version: 'version' }, to: { table: 'users' } },
      ],
    }),
  );
  const blockers = allBlockers(plan);
  expect(blockers).toEqual(
    expect.arrayContaining([
      `source MYREADER: the connection's user lacks REPLICATION SLAVE ON *.*, REPLICATION CLIENT ON *.* (BINLOG MONITOR on MariaDB 10.5+), which sync "cdc" needs (GRANT … TO the user)`,
      expect.stringMatching(/^target MYREADER: no write permission \(cannot write: CREATE command denied to user 'sy_reader_\d+'@'127.0.0.1' for table/),
      'entity nopk: source table nopk has no primary key; switchyard reads in key order and writes by key (ALTER TABLE … ADD PRIMARY KEY)',
      'entity byemail: source table users: key column email is nullable (make it NOT NULL)',
      'entity byemail: source table users: key (email) is not unique: neither the primary key nor a unique index (create unique index switchyard_key on `users` (`email`))',
    ]),
  );
  expect(blockers.join('\n')).not.toContain('reader-pw-1');
  // MySQL reads its binlog: sync "cdc" is refused only for what the server lacks.
  expect(blockers.join('\n')).not.toContain('needs a source with change data capture');
});

test('PostgreSQL → MySQL: a case-insensitive target key is a warning saying that colliding keys are quarantined', async () => {
  const plan = await planMigration(spec({ source: { connection: pg.pgConnection }, target: { connection: my.connection }, entities: [users] }));
  expect(allBlockers(plan)).toEqual([]);
  expect(plan.entities[0].warnings).toEqual([
    'target table users: key column id has collation utf8mb4_general_ci, under which keys differing only in case, accents or trailing spaces are one key; switchyard quarantines such a record (switchyard_quarantine, with both keys) instead of overwriting the other; utf8mb4_nopad_bin keeps them apart',
  ]);
});
