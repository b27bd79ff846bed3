import { Pool } from 'pg';
import { approveUpdate } from '../../workflows';
import { openSource, openTarget } from '../../lib/connectors';
import { createRouter, Router, specRoutes } from '../../lib/router';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { FAST, readingRetired, startMigration, waitForStatus } from './migration-fixtures';
import { byteOrder, keysInOrder } from './key-order';
import { createMysqlFixture, MysqlFixture } from './mysql-fixture';

/**
 * Whole migrations with MySQL on one side, through the workflow (backfill, verification, the
 * router's dual writes while it runs), over text keys that a case- or accent-insensitive
 * collation would order or equate differently from their bytes.
 */
const TENANTS = ['acme', 'Acme', 'ACME', 'Zeta', 'beta', 'Ä', 'é', 'e', 'a ', 'a', 'a\t'];

describe('migrations with MySQL', () => {
  let my: MysqlFixture;
  let control: Pool;
  const routers: Router[] = [];
  // Declared before the data stack's, so routers and their control pool close before its databases are dropped.
  afterAll(async () => {
    await Promise.allSettled(routers.map((r) => r.close()));
    await control?.end();
    await my?.close();
  });
  const h = useDataStack('migmy');
  beforeAll(async () => {
    my = await createMysqlFixture('migmy');
    control = new Pool({ connectionString: h.f.pgUrl, max: 2 });
  });

  function spec(table: string, source: string, target: string): MigrationSpec {
    const parsed = parseSpec({
      id: table.replace(/_/g, '-'),
      source: { connection: source },
      target: { connection: target },
      control: { connection: h.f.pgConnection },
      entities: [{ name: table, from: { table, key: ['tenant', 'id'], version: 'version' }, to: { table } }],
      backfill: { batchSize: 40, concurrency: 2 },
      ...FAST,
      approvals: ['backfill'],
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return parsed.spec;
  }

  const rows = TENANTS.flatMap((t) => Array.from({ length: 15 }, (_, i) => [t, i + 1, `${t}-${i + 1}`, 1]));

  /** Runs the migration to its end; while it waits to backfill, the application writes through a router. */
  async function migrateWithDualWrites(s: MigrationSpec, table: string) {
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, s, { autoApprove: false });
    await waitForStatus(handle, (st) => st.pendingApproval?.phase === 'backfill');
    const router = await createRouter({ migrationId: s.id, control, entities: specRoutes(s), pollIntervalMs: 100 });
    routers.push(router);
    const users = router.entity(table);
    await users.insert({ tenant: 'Ö', id: 1, name: 'inserted during dual writes', version: 1 });
    await users.update({ tenant: 'Acme', id: 2, name: 'updated during dual writes', version: 2 });
    await users.delete(['a ', 3]);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'jest' }] });
    const status = await handle.result();
    expect(status.state).toBe('completed');
    expect(status.entities[table].verify?.result).toMatchObject({ clean: true });
    expect(status.decommission?.state).toBe('kept');
    // Decommission has retired the old table: it is read under the name it was renamed to.
    const source = openSource(readingRetired(s, status), table);
    const target = openTarget(s, table);
    const keys = await keysInOrder(source);
    expect(keys).toHaveLength(TENANTS.length * 15);
    expect(await keysInOrder(target)).toEqual(keys);
    expect(await target.hashRange({})).toEqual(await source.hashRange({}));
    expect((await target.fetchByKeys([['Acme', 2]])).records[0]).toMatchObject({ name: 'updated during dual writes', version: 2n });
    expect((await target.fetchByKeys([['a ', 3]])).records).toEqual([]);
    expect((await target.fetchByKeys([['Ö', 1]])).records).toHaveLength(1);
    return keys;
  }

  it('MySQL → PostgreSQL: backfill, verification and dual writes; both sides list the keys in the same byte order', async () => {
    const table = uniqueName('acc');
    await my.sql.query(
      `create table ${table} (tenant varchar(20) collate utf8mb4_nopad_bin not null, id int not null, name varchar(50), version bigint not null, primary key (tenant, id))`,
    );
    await my.sql.query(`insert into ${table} values ?`, [rows]);
    await h.f.pg.query(`create table ${table} (tenant text not null, id int not null, name text, version bigint not null, primary key (tenant, id))`);
    const keys = await migrateWithDualWrites(spec(table, my.connection, h.f.pgConnection), table);
    expect([...new Set(keys.map((k) => k[0]))]).toEqual([...TENANTS, 'Ö'].filter((t, i, all) => all.indexOf(t) === i).sort(byteOrder));
  });

  it('MySQL → MySQL (an upgrade or a move to another server): backfill, verification and dual writes', async () => {
    const table = uniqueName('acc');
    const other = await createMysqlFixture('migmy_to');
    try {
      for (const db of [my, other])
        await db.sql.query(
          `create table ${table} (tenant varchar(20) collate utf8mb4_nopad_bin not null, id int not null, name varchar(50), version bigint not null, primary key (tenant, id))`,
        );
      await my.sql.query(`insert into ${table} values ?`, [rows]);
      await migrateWithDualWrites(spec(table, my.connection, other.connection), table);
    } finally {
      await other.close();
    }
  });

  it('PostgreSQL → MySQL: backfill, verification and dual writes into a byte-ordered MySQL key', async () => {
    const table = uniqueName('acc');
    await h.f.pg.query(`create table ${table} (tenant text not null, id int not null, name text, version bigint not null, primary key (tenant, id))`);
    await h.f.pg.query(`insert into ${table} select t, i, t || '-' || i, 1 from unnest($1::text[]) t, generate_series(1, 15) i`, [TENANTS]);
    await my.sql.query(
      `create table ${table} (tenant varchar(20) collate utf8mb4_nopad_bin not null, id int not null, name varchar(50), version bigint not null, primary key (tenant, id))`,
    );
    await migrateWithDualWrites(spec(table, h.f.pgConnection, my.connection), table);
    const [[row]] = await my.sql.query<any[]>(`select count(*) as n, sum(binary tenant = 'a ') as spaced from ${table}`);
    expect(row).toEqual({ n: String(TENANTS.length * 15), spaced: '14' });
  });
});
