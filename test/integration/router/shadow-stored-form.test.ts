import { Pool } from 'pg';
import { closeAllClients } from '../../../lib/connectors/clients';
import { publishRoutingState, routingFor } from '../../../lib/control';
import { createRouter, specRoutes } from '../../../lib/router';
import { parseSpec } from '../../../lib/spec';
import { createDataFixture, DataFixture } from '../backfill-fixtures';
import { waitFor } from './router-fixture';

/**
 * MongoDB → PostgreSQL: a jsonb column holds what JSON can, so a Date inside an embedded object
 * is read back as its ISO text and a Decimal128 as its digits. The shadow comparison must compare
 * the old record in the form the new database stores it (as verification does), or every such
 * record is a mismatch although both databases hold the same data.
 */
let fx: DataFixture;
let control: Pool;

beforeAll(async () => {
  fx = await createDataFixture('shadowform');
  await fx.pg.query(`create table profiles (id int primary key, name text not null, details jsonb, born timestamptz, version bigint not null)`);
  control = new Pool({ connectionString: fx.pgUrl, max: 2 });
});

afterAll(async () => {
  await control.end();
  await closeAllClients();
  await fx.close();
});

test('a shadow read of a MongoDB record whose embedded Date the PostgreSQL jsonb stores as text is a match', async () => {
  const parsed = parseSpec({
    id: 'shadowform-m',
    source: { connection: 'MONGO', database: fx.mongoDatabase },
    target: { connection: fx.pgConnection },
    control: { connection: fx.pgConnection },
    entities: [{ name: 'profiles', from: { collection: 'profiles', key: ['_id'], version: 'version' }, to: { table: 'profiles' }, fields: { _id: 'id' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  await publishRoutingState(control, { ...routingFor('shadow_read'), migrationId: 'shadowform-m', version: 1, actor: 'test', reason: 'shadow_read' });
  const router = await createRouter({
    migrationId: 'shadowform-m',
    control,
    entities: specRoutes(parsed.spec),
    pollIntervalMs: 100,
    flushIntervalMs: 200,
    shadowSampleRate: 1,
  });
  try {
    const profiles = router.entity('profiles');
    const when = new Date('2024-03-01T10:20:30.123Z');
    await profiles.insert({ id: 1, name: 'ada', details: { since: when, tags: ['a'] }, born: when, version: 1 });
    await profiles.get([1]);
    await waitFor(() => router.metrics().shadow.matches + router.metrics().shadow.mismatches === 1, 10_000);
    expect(router.metrics().shadow.samples).toEqual([]);
    expect(router.metrics().shadow).toMatchObject({ matches: 1, mismatches: 0, errors: 0 });
  } finally {
    await router.close();
  }
});
