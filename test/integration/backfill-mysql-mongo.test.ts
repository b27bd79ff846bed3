import { openSource, openTarget } from '../../lib/connectors';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { backfillWorkflow } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { byteOrder, keysInOrder } from './key-order';
import { createMysqlFixture, MysqlFixture } from './mysql-fixture';

/** MySQL ↔ MongoDB (FerretDB) through the backfill workflow: key order across engines, quarantined documents. */
const CODES = ['acme', 'Acme', 'ACME', 'Zeta', 'beta', 'Ä', 'é', 'e', 'a ', 'a', 'a\t', '日本'];

describe('backfill between MySQL and MongoDB', () => {
  let my: MysqlFixture;
  afterAll(async () => my?.close());
  const stack = useDataStack('bfmy');
  beforeAll(async () => {
    my = await createMysqlFixture('bfmy');
  });

  function spec(source: 'mysql' | 'mongo', table: string, fields: Record<string, string>): MigrationSpec {
    const mongo = { connection: 'MONGO', database: stack.f.mongoDatabase, dialect: 'ferretdb' };
    const mysql = { connection: my.connection };
    const [from, to] =
      source === 'mysql' ? [{ table, key: ['code'], version: 'version' }, { collection: table }] : [{ collection: table, version: 'version' }, { table }];
    const parsed = parseSpec({
      id: table.replace(/_/g, '-'),
      source: source === 'mysql' ? mysql : mongo,
      target: source === 'mysql' ? mongo : mysql,
      control: { connection: stack.f.pgConnection },
      entities: [{ name: table, from, to, fields }],
      backfill: { batchSize: 5, concurrency: 2 },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return parsed.spec;
  }

  const backfill = (s: MigrationSpec, entity: string) =>
    stack.temporal.client.workflow
      .start(backfillWorkflow, {
        taskQueue: stack.worker.taskQueue,
        workflowId: uniqueName(`backfill-${entity}`),
        args: [{ migrationId: s.id, spec: s, entity, options: { rowsPerRange: 4 } }],
      })
      .then((h) => h.result());

  it('MySQL → MongoDB: every row copied, both engines list the text keys in the same byte order, hashes equal', async () => {
    const table = uniqueName('codes');
    await my.sql.query(`create table ${table} (code varchar(20) collate utf8mb4_nopad_bin not null primary key, label text, version int not null)`);
    await my.sql.query(`insert into ${table} values ?`, [CODES.map((c, i) => [c, `label ${i}`, 1])]);
    const s = spec('mysql', table, { code: '_id' });
    expect(await backfill(s, table)).toMatchObject({ rowsCopied: CODES.length, rowsQuarantined: 0 });
    const source = openSource(s, table);
    const target = openTarget(s, table);
    const keys = await keysInOrder(source);
    expect(keys.map((k) => k[0])).toEqual([...CODES].sort(byteOrder));
    expect(await keysInOrder(target)).toEqual(keys);
    expect(await target.hashRange({})).toEqual(await source.hashRange({}));
    expect(await target.hashRange({ from: ['a'], to: ['b'] })).toEqual(await source.hashRange({ from: ['a'], to: ['b'] }));
  });

  it('MongoDB → MySQL: documents that do not fit are quarantined with the field and the reason; the others are copied', async () => {
    const table = uniqueName('people');
    await stack.f.mongo.collection(table).insertMany([
      { _id: 1, name: 'ann', age: 30, tags: ['a', 'b'], version: 1 },
      { _id: 2, name: 'a name far too long', age: 40, tags: [], version: 1 },
      { _id: 3, name: 'cat', age: 'forty', tags: null, version: 1 },
      { _id: 4, name: 'dan', age: 300, version: 1 },
      { _id: 5, name: 'eve 😀', age: 25, tags: [{ x: 1 }], version: 1 },
    ] as never[]);
    await my.sql.query(
      `create table ${table} (id int primary key, name varchar(8) character set utf8mb3, age tinyint unsigned, tags json, version int not null)`,
    );
    const s = spec('mongo', table, { _id: 'id' });
    expect(await backfill(s, table)).toMatchObject({ rowsCopied: 5, rowsQuarantined: 4 });
    const [rows] = await my.sql.query<any[]>(`select id, name, age, tags, version from ${table}`);
    expect(rows).toEqual([{ id: 1, name: 'ann', age: 30, tags: ['a', 'b'], version: 1 }]);
    const [quarantined] = await my.sql.query<any[]>(`select key_json, reason from switchyard_quarantine where entity = ? order by key_json`, [table]);
    expect(quarantined).toEqual([
      { key_json: '[2]', reason: 'name: column name (varchar(8)): 19 characters; it holds at most 8' },
      { key_json: '[3]', reason: 'age: column age (tinyint(3) unsigned) expects an integer in tinyint(3) unsigned range, got string' },
      { key_json: '[4]', reason: 'age: column age (tinyint(3) unsigned) expects an integer in tinyint(3) unsigned range, got number' },
      { key_json: '[5]', reason: 'name: column name (varchar(8)): character "😀" (U+1F600) is not in utf8mb3' },
    ]);
  });
});
