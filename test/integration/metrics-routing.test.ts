import { Pool } from 'pg';
import { controlPool } from '../../activities/control-pool';
import { closeAllClients } from '../../lib/connectors/clients';
import { publishRoutingState, routingFor } from '../../lib/control';
import { registry } from '../../lib/metrics';
import { createDataFixture, DataFixture } from './backfill-fixtures';

/**
 * Two workers serve one migration; one publishes its routing. Every worker's /metrics must tell
 * the phase, read percentage and routing version the control store holds, not what this process
 * last published. The other worker is a pool of its own here; this process only used the store.
 */
let fx: DataFixture;
let otherWorker: Pool;

beforeAll(async () => {
  fx = await createDataFixture('metricsrt');
  otherWorker = new Pool({ connectionString: fx.pgUrl, max: 1 });
});

afterAll(async () => {
  await otherWorker.end();
  await closeAllClients();
  await fx.close();
});

const series = async (name: string, migrationId: string) =>
  (await registry.metrics())
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(`migration_id="${migrationId}"`))
    .sort();

test('a worker reports the routing another worker published, as the control store holds it', async () => {
  const id = `metrics-${Date.now()}`;
  const publish = (version: number, routing: ReturnType<typeof routingFor>) =>
    publishRoutingState(otherWorker, { ...routing, migrationId: id, version, actor: 'workflow', reason: 'test' });
  controlPool(fx.pgConnection);
  await publish(1, routingFor('backfill'));
  expect(await series('switchyard_migration_phase', id)).toEqual([`switchyard_migration_phase{migration_id="${id}",phase="backfill"} 1`]);

  await publish(2, routingFor('read_ramp', 25));
  expect(await series('switchyard_migration_phase', id)).toEqual([`switchyard_migration_phase{migration_id="${id}",phase="read_ramp"} 1`]);
  expect(await series('switchyard_read_percent', id)).toEqual([`switchyard_read_percent{migration_id="${id}"} 25`]);
  expect(await series('switchyard_routing_version', id)).toEqual([`switchyard_routing_version{migration_id="${id}"} 2`]);
});
