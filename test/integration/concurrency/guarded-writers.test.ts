import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openTarget } from '../../../lib/connectors';
import { closeAllClients } from '../../../lib/connectors/clients';
import { MigrationSpec, parseSpec } from '../../../lib/spec';
import { createDataFixture, DataFixture } from '../backfill-fixtures';

/**
 * Several processes (routers, workers) writing the same keys under the version guard against the
 * real FerretDB: whatever the interleaving, every key ends with its highest version (issue #12,
 * item 6). FerretDB evaluates a replace's filter and writes by _id with nothing in between, so
 * without a cross-process guard two racing replaces both match and the older may land last.
 */
let fx: DataFixture;
let spec: MigrationSpec;
const WRITERS = 6;
const ROUNDS = 80;
const KEYS = 1;

beforeAll(async () => {
  fx = await createDataFixture('guarded_writers');
  await fx.pg.query(`create table users (id int primary key, name text not null, email text, version bigint not null)`);
  const parsed = parseSpec({
    id: 'guarded-writers',
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: fx.pgConnection },
    entities: [{ name: 'users', from: { table: 'users', key: ['id'], version: 'version' }, to: { collection: 'users' }, fields: { id: '_id' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  spec = parsed.spec;
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function writer(index: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'guarded-writer-main.ts')], {
    env: {
      ...process.env,
      ...fx.env,
      SPEC: JSON.stringify(spec),
      INDEX: String(index),
      WRITERS: String(WRITERS),
      ROUNDS: String(ROUNDS),
      KEYS: String(KEYS),
      SWITCHYARD_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${index} exited with ${code}`)))));
}

test('guarded writes of the same keys from several processes leave each key at its highest version', async () => {
  const target = openTarget(spec, 'users');
  // Every key exists, so every write is a guarded replace (an insert cannot race this way).
  await target.writeBatch(Array.from({ length: KEYS }, (_, k) => ({ _id: k + 1, name: 'seed', email: 'v0@x.io', version: 0 })));
  await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));
  const highest = ROUNDS * WRITERS + WRITERS - 1;
  const docs = await fx.mongo.collection('users').find({}).sort({ _id: 1 }).toArray();
  const regressed = docs.filter((d) => Number(d.version) !== highest || d.email !== `v${highest}@x.io`).map((d) => `${d._id}: v${d.version}`);
  expect(regressed).toEqual([]);
});
