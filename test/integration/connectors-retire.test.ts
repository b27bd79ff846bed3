import { closeAllClients } from '../../lib/connectors/clients';
import { openSource, openTarget } from '../../lib/connectors';
import { MigrationSpec, parseSpec } from '../../lib/spec';
import { createDataFixture, DataFixture } from './backfill-fixtures';

/**
 * Decommission's connector operations: retire renames a side's tables (parent and embedded
 * children) or collection out of the applications' way, restore renames them back, drop removes
 * only what was retired. Each is idempotent, so a retried activity finds less to do.
 */
let fx: DataFixture;

beforeAll(async () => {
  fx = await createDataFixture('conn_retire');
  await fx.pg.query('create table shops (id int primary key, name text not null, version bigint not null)');
  await fx.pg.query('create table shop_items (id int primary key, shop_id int not null, sku text)');
  await fx.pg.query(`insert into shops select g, 'shop ' || g, 1 from generate_series(1, 5) g`);
  await fx.pg.query("insert into shop_items select g, 1 + g % 5, 'sku' || g from generate_series(1, 10) g");
  await fx.mongo.collection('shops').insertMany([{ _id: 1 as never, name: 'shop 1', version: 1 }]);
});

afterAll(async () => {
  await closeAllClients();
  await fx.close();
});

function spec(): MigrationSpec {
  const parsed = parseSpec({
    id: 'retire',
    control: { connection: fx.pgConnection },
    source: { connection: fx.pgConnection },
    target: { connection: 'MONGO', database: fx.mongoDatabase, dialect: 'ferretdb' },
    entities: [
      {
        name: 'shops',
        from: { table: 'shops', key: ['id'], version: 'version' },
        to: { collection: 'shops' },
        fields: { id: '_id' },
        embed: [{ as: 'items', table: 'shop_items', key: ['id'], foreignKey: 'shop_id' }],
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.spec;
}

const pgTables = async () =>
  (await fx.pg.query(`select tablename from pg_tables where schemaname = 'public' and tablename like 'shop%' order by tablename`)).rows.map((r) => r.tablename);
const collections = async () =>
  (await fx.mongo.listCollections().toArray())
    .map((c) => c.name)
    .filter((n) => n.startsWith('shops'))
    .sort();

describe('connectors: retire, restore, drop', () => {
  it('PostgreSQL: renames the parent and child tables, renames them back, drops only the retired ones', async () => {
    const side = openSource(spec(), 'shops');
    const retired = await side.retire('m1');
    expect(retired).toEqual([
      { name: 'shops', retiredAs: 'shops__switchyard_retired_m1' },
      { name: 'shop_items', retiredAs: 'shop_items__switchyard_retired_m1' },
    ]);
    expect(await pgTables()).toEqual(['shop_items__switchyard_retired_m1', 'shops__switchyard_retired_m1']);
    expect(await side.retire('m1')).toEqual(retired);

    expect(await side.restore('m1')).toEqual(retired);
    expect(await pgTables()).toEqual(['shop_items', 'shops']);
    expect((await fx.pg.query('select count(*)::int as n from shop_items')).rows[0].n).toBe(10);

    // Dropping what is not retired drops nothing.
    expect(await side.drop('m1')).toEqual([]);
    expect(await pgTables()).toEqual(['shop_items', 'shops']);
    await side.retire('m1');
    expect(await side.drop('m1')).toEqual(retired);
    expect(await pgTables()).toEqual([]);
  });

  it('MongoDB: renames the collection, renames it back, drops only the retired one', async () => {
    const side = openTarget(spec(), 'shops');
    const retired = await side.retire('m1');
    expect(retired).toEqual([{ name: 'shops', retiredAs: 'shops__switchyard_retired_m1' }]);
    expect(await collections()).toEqual(['shops__switchyard_retired_m1']);
    expect(await side.retire('m1')).toEqual(retired);
    expect(await side.restore('m1')).toEqual(retired);
    expect(await collections()).toEqual(['shops']);
    expect(await side.drop('m1')).toEqual([]);
    await side.retire('m1');
    expect(await side.drop('m1')).toEqual(retired);
    expect(await collections()).toEqual([]);
  });

  it('a name too long for PostgreSQL keeps a unique retired name within 63 characters', async () => {
    const { retiredName } = await import('../../lib/connectors/retired-name');
    const long = `t${'x'.repeat(60)}`;
    const a = retiredName(long, 'items-0123456789ab', 63);
    const b = retiredName(`${long.slice(0, 60)}yy`, 'items-0123456789ab', 63);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toEqual(b);
    expect(retiredName('shops', 'items-0123456789ab', 63)).toBe('shops__switchyard_retired_items_0123456789ab');
  });
});
