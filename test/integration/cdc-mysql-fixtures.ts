import { parseSpec, MigrationSpec } from '../../lib/spec/schema';
import type { DataFixture } from './backfill-fixtures';
import type { MysqlFixture } from './mysql-fixture';

/** accounts(id, name, note, version) on MySQL, and its empty copy of the same name on PostgreSQL. */
export async function createAccounts(my: MysqlFixture, f: DataFixture, table: string, rows: number): Promise<void> {
  await my.sql.query(`create table ${table} (id int primary key, name varchar(100) not null, note text, version bigint not null)`);
  await my.sql.query(`insert into ${table} select seq, concat('account ', seq), repeat('n', seq % 50), 1 from seq_1_to_${rows}`);
  await f.pg.query(`create table ${table} (id integer primary key, name text not null, note text, version bigint not null)`);
}

/** MySQL → PostgreSQL under CDC sync, the control store in the PostgreSQL database. */
export function mysqlCdcSpec(my: MysqlFixture, f: DataFixture, id: string, table: string, extra: Record<string, unknown> = {}): MigrationSpec {
  const parsed = parseSpec({
    id,
    sync: 'cdc',
    source: { connection: my.connection },
    target: { connection: f.pgConnection },
    control: { connection: f.pgConnection },
    entities: [{ name: table, from: { table, key: ['id'], version: 'version' }, to: { table } }],
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.spec;
}

type AccountRow = { id: number; name: string; note: string | null; version: number };

/** Every row, read with plain SQL on each side: a comparison that does not trust the product's hashing. */
export async function mysqlAccounts(my: MysqlFixture, table: string): Promise<AccountRow[]> {
  const [rows] = await my.sql.query(`select id, name, note, cast(version as signed) as version from ${table} order by id`);
  return (rows as AccountRow[]).map((r) => ({ ...r, version: Number(r.version) }));
}

export async function pgAccounts(f: DataFixture, table: string): Promise<AccountRow[]> {
  const { rows } = await f.pg.query(`select id, name, note, version::int as version from ${table} order by id`);
  return rows;
}

/** Random single-statement writes (inserts, updates, deletes, key changes) on MySQL until stopped; returns how many ran. */
export async function mysqlWriteLoad(my: MysqlFixture, table: string, stop: () => boolean, pauseMs = 0): Promise<number> {
  const [[{ n }]] = (await my.sql.query(`select coalesce(max(id), 0) + 1 as n from ${table}`)) as unknown as [[{ n: number }]];
  let next = Number(n);
  let count = 0;
  const pick = () => 1 + Math.floor(Math.random() * next);
  while (!stop()) {
    const r = Math.random();
    if (r < 0.25) await my.sql.query(`insert into ${table} values (?, 'u', null, 1)`, [next++]);
    else if (r < 0.8) await my.sql.query(`update ${table} set name = md5(rand()), version = version + 1 where id = ?`, [pick()]);
    else if (r < 0.95) await my.sql.query(`delete from ${table} where id = ?`, [pick()]);
    else await my.sql.query(`update ignore ${table} set id = ?, version = version + 1 where id = ?`, [next++, pick()]);
    count++;
    if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return count;
}
