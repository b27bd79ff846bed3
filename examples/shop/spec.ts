import { MigrationSpec, parseSpec } from '../../lib/spec/schema';
import type { MigrationSpecInput } from '../../workflows/migration-types';

export interface ShopSpecOptions {
  id: string;
  /** Connection names (resolved from SWITCHYARD_CONN_<NAME> by the worker and the service). */
  source: string;
  target: string;
  /** The MongoDB database the users collection goes to. */
  database: string;
  /** Lifecycle and backfill overrides (timers, ramp, gates, backfill throttle). */
  overrides?: Partial<MigrationSpecInput>;
}

/**
 * PostgreSQL users with their orders → one MongoDB document per user with the orders embedded.
 * Timers are short (a demo walks every phase in a couple of minutes) and the gates are loose
 * enough for a shadow read that races a write now and then, yet a broken database breaches them.
 */
export function shopSpec(o: ShopSpecOptions): MigrationSpec {
  const parsed = parseSpec({
    id: o.id,
    source: { connection: o.source },
    target: { connection: o.target, database: o.database, dialect: 'ferretdb' },
    control: { connection: o.source },
    entities: [
      {
        name: 'users',
        from: { table: 'public.users', key: ['id'], version: 'version' },
        to: { collection: 'users' },
        fields: { id: '_id' },
        embed: [{ table: 'public.orders', key: ['id'], foreignKey: 'user_id', as: 'orders', fields: { user_id: null } }],
      },
    ],
    backfill: { batchSize: 500, concurrency: 2 },
    timers: { dualWriteSoak: '10s', shadowReadSoak: '10s', rampStepBake: '8s', rollbackWindow: '10s', gateInterval: '2s', retention: '10s' },
    ramp: [5, 25, 50, 100],
    gates: { maxMismatchRate: 0.02, maxErrorRate: 0.05, minSamples: 50 },
    approvals: ['write_switch', 'complete', 'decommission'],
    ...o.overrides,
  });
  if (!parsed.ok) throw new Error(`shop spec: ${parsed.problems.join('; ')}`);
  return parsed.spec;
}
