import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { closeAllClients } from '../../lib/connectors/clients';
import { allBlockers, planMigration } from '../../lib/plan';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { RunningWorker, startTestWorker } from '../support/temporal';
import { createDataFixture, DataFixture } from './backfill-fixtures';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
let fx: DataFixture;
let worker: RunningWorker | undefined;
const role = `sy_reader_${process.pid}`;

beforeAll(async () => {
  fx = await createDataFixture('plan');
  await fx.pg.query(`create table users (id int primary key, email text, updated_at timestamptz)`);
  await fx.pg.query(`insert into users select g, 'e', now() from generate_series(1, 10) g`);
  await fx.pg.query(`create table orders (id int primary key, user_id int)`);
  await fx.pg.query(`create table loose (id int, v int)`);
  await fx.pg.query(`create table users_copy (like users including all)`);
  await fx.pg.query(`create table users_narrow (id int primary key, updated_at timestamptz)`);
  await fx.pg.query(`drop role if exists ${role}; create role ${role} login password 'reader-pw-1'; grant select on all tables in schema public to ${role}`);
  const url = new URL(fx.pgUrl);
  url.username = role;
  url.password = 'reader-pw-1';
  process.env.SWITCHYARD_CONN_READER = url.toString();
});

afterAll(async () => {
  await worker?.stop();
  await closeAllClients();
  await fx.close();
  const admin = new Client({ connectionString: process.env.SWITCHYARD_CONN_PG });
  await admin.connect();
  await admin.query(`drop role if exists ${role}`);
  await admin.end();
});

function spec(json: Record<string, unknown>): MigrationSpec {
  const parsed = parseSpec({
    id: 'plan',
    source: { connection: fx.pgConnection },
    target: { connection: fx.pgConnection },
    control: { connection: fx.pgConnection },
    ...json,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

test('a good PostgreSQL → MongoDB spec has no blockers and lists the child index to create', async () => {
  const plan = await planMigration(
    spec({
      sync: 'cdc',
      target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
      entities: [
        {
          name: 'users',
          from: { table: 'users', key: ['id'], version: 'updated_at' },
          to: { collection: 'users' },
          fields: { id: '_id' },
          embed: [{ table: 'orders', key: ['id'], foreignKey: 'user_id', as: 'orders' }],
        },
      ],
    }),
  );
  expect(allBlockers(plan)).toEqual([]);
  expect(plan.entities[0]).toMatchObject({ key: ['id'], version: 'updated_at', estimatedRows: 10, indexes: ['create index on "orders" ("user_id")'] });
});

test('every blocker is named: missing table/column, nullable or non-unique key, no write permission, FerretDB dialect', async () => {
  const plan = await planMigration(
    spec({
      target: { connection: 'READER' },
      entities: [
        { name: 'missing', from: { table: 'nope', key: ['id'], version: 'v' }, to: { table: 'users_copy' } },
        { name: 'nocol', from: { table: 'users', key: ['id'], version: 'version' }, to: { table: 'users_copy' } },
        { name: 'loose', from: { table: 'loose', key: ['id'], version: 'v' }, to: { table: 'users_copy' }, fields: { v: 'updated_at' } },
      ],
    }),
  );
  const blockers = allBlockers(plan);
  expect(blockers).toEqual(
    expect.arrayContaining([
      'entity missing: source table nope does not exist',
      'entity nocol: source table users has no column version',
      'entity loose: source table loose: key column id is nullable (add NOT NULL)',
      expect.stringContaining('entity loose: source table loose: key (id) is not unique'),
      "entity loose: target table users_copy: no write permission (INSERT, UPDATE and DELETE needed) for the connection's user",
    ]),
  );
  expect(blockers.join('\n')).not.toContain('reader-pw-1');
  const ferret = await planMigration(
    spec({
      target: { connection: 'MONGO', database: 'x' },
      entities: [{ name: 'u', from: { table: 'users', key: ['id'], version: 'updated_at' }, to: { collection: 'u' } }],
    }),
  );
  expect(allBlockers(ferret)).toEqual([expect.stringContaining('set target.dialect to "ferretdb"')]);
});

test('every column the spec maps is checked: mapped and transformed source columns, embedded child fields, the PostgreSQL target columns written', async () => {
  const users = { table: 'users', key: ['id'], version: 'updated_at' };
  const plan = await planMigration(
    spec({
      entities: [
        { name: 'typo', from: users, to: { table: 'users_copy' }, fields: { emial: 'email', legacy: null } },
        {
          name: 'split',
          from: users,
          to: { table: 'users_copy' },
          transforms: [{ split: 'full_name', into: ['first', 'last'], separator: ' ' }],
          fields: { first: 'email', last: null },
        },
        { name: 'narrow', from: users, to: { table: 'users_narrow' } },
        { name: 'renamed', from: users, to: { table: 'users_copy' }, fields: { email: 'mail' }, defaults: { plan_tier: 'free' } },
      ],
    }),
  );
  expect(allBlockers(plan).sort()).toEqual([
    'entity narrow: target table users_narrow has no column email',
    'entity renamed: target table users_copy has no column mail',
    'entity renamed: target table users_copy has no column plan_tier',
    'entity split: source table users has no column full_name',
    'entity typo: source table users has no column emial',
    'entity typo: source table users has no column legacy',
  ]);
  const embedded = await planMigration(
    spec({
      target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
      entities: [
        {
          name: 'users',
          from: users,
          to: { collection: 'users' },
          fields: { id: '_id' },
          embed: [{ table: 'orders', key: ['id'], foreignKey: 'user_id', as: 'orders', fields: { id: 'id', total: 'total' } }],
        },
      ],
    }),
  );
  expect(allBlockers(embedded)).toEqual(['entity users: embedded child table orders has no column total']);
});

test("plan proves writing to a MongoDB target in target.database, not the URL's default database", async () => {
  const database = `${fx.mongoDatabase}_probe`;
  const probed = fx.mongo.client.db(database);
  try {
    const plan = await planMigration(
      spec({
        target: { connection: 'MONGO', database, dialect: 'ferretdb' },
        entities: [{ name: 'users', from: { table: 'users', key: ['id'], version: 'updated_at' }, to: { collection: 'users' }, fields: { id: '_id' } }],
      }),
    );
    expect(allBlockers(plan)).toEqual([]);
    expect(plan.connections.find((c) => c.role === 'target')).toEqual({ role: 'target', connection: 'MONGO', database, canRead: true, canWrite: true });
    // The probe cleans up after itself: nothing of preflight stays in the user's database.
    expect((await probed.listCollections().toArray()).map((c) => c.name).filter((n) => n.startsWith('_switchyard_preflight'))).toEqual([]);
  } finally {
    await probed.dropDatabase();
  }
});

test('CLI: validate and plan exit 2 with one line per problem; plan checks the databases through the worker, which alone resolves connection names', async () => {
  worker = await startTestWorker();
  const file = join(tmpdir(), `plan-${process.pid}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      id: 'p',
      source: { connection: fx.pgConnection },
      target: { connection: fx.pgConnection },
      control: { connection: fx.pgConnection },
      entities: [
        { name: 'm', from: { table: 'nope', key: ['id'], version: 'v' }, to: { table: 'users_copy' } },
        { name: 'n', from: { table: 'users', key: ['id'], version: 'updated_at' }, to: { table: 'users_narrow' }, fields: { nick: 'nick' } },
      ],
    }),
  );
  // The CLI process knows no connection URL: the worker (in this process) resolves them.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SWITCHYARD_CONN_'))),
    SWITCHYARD_TASK_QUEUE: worker.taskQueue,
  };
  await expect(run('node', ['scripts/switchyard.js', 'validate', file], { cwd: ROOT, env })).resolves.toMatchObject({
    stdout: expect.stringContaining('valid'),
  });
  const failed = await run('node', ['scripts/switchyard.js', 'plan', file], { cwd: ROOT, env }).catch((e) => e);
  expect(failed.code).toBe(2);
  expect(
    failed.stderr
      .split('\n')
      .filter((line: string) => line.startsWith('blocker: '))
      .sort(),
  ).toEqual([
    'blocker: entity m: source table nope does not exist',
    'blocker: entity m: target table users_copy has no column v',
    'blocker: entity n: source table users has no column nick',
    'blocker: entity n: target table users_narrow has no column email',
  ]);
  writeFileSync(file, '{"id": "BAD", "bogus": 1}');
  const invalid = await run('node', ['scripts/switchyard.js', 'validate', file], { cwd: ROOT, env }).catch((e) => e);
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toContain('bogus: unknown field');
});
