import { closeAllClients } from '../../lib/connectors/clients';
import { openTarget } from '../../lib/connectors';
import { quarantineEntry } from '../../lib/connectors/quarantine-entry';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';

/**
 * What the write switch's quarantine gate counts: each entity's entries in the target database's
 * quarantine, 0 where nothing was ever quarantined (no table or collection yet).
 */
let fx: DataFixture;

beforeAll(async () => {
  fx = await createDataFixture('conn_quar');
  await fx.pg.query('create table src (id int primary key, v bigint not null)');
  await fx.pg.query('create table dst (id int primary key, v bigint not null)');
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function spec(target: 'pg' | 'mongo'): MigrationSpec {
  const parsed = parseSpec({
    id: 'quar',
    source: { connection: fx.pgConnection },
    target: target === 'pg' ? { connection: fx.pgConnection } : { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: fx.pgConnection },
    entities: [
      {
        name: 'a',
        from: { table: 'src', key: ['id'], version: 'v' },
        ...(target === 'pg' ? { to: { table: 'dst' } } : { to: { collection: 'a' }, fields: { id: '_id' } }),
      },
      {
        name: 'b',
        from: { table: 'src', key: ['id'], version: 'v' },
        ...(target === 'pg' ? { to: { table: 'dst' } } : { to: { collection: 'b' }, fields: { id: '_id' } }),
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

const entries = (entity: string, ids: number[]) => ids.map((id) => quarantineEntry(entity, [id], 'test', { id }));

it.each(['pg', 'mongo'] as const)('%s: counts one entity’s quarantined records, 0 before anything was quarantined', async (kind) => {
  const s = spec(kind);
  expect(await openTarget(s, 'a').quarantined()).toBe(0);
  await openTarget(s, 'a').quarantine(entries('a', [1, 2]));
  await openTarget(s, 'b').quarantine(entries('b', [1]));
  expect(await openTarget(s, 'a').quarantined()).toBe(2);
  expect(await openTarget(s, 'b').quarantined()).toBe(1);
});
