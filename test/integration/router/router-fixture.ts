import { Pool } from 'pg';
import { closeAllClients } from '../../../lib/connectors/clients';
import { ensureControlSchema, publishRoutingState, routingFor } from '../../../lib/control';
import { createRouter, Router, RouterOptions, specRoutes } from '../../../lib/router';
import { MigrationSpec, parseSpec } from '../../../lib/spec';
import type { Phase } from '../../../lib/spec/lifecycle';
import { createDataFixture, DataFixture } from '../backfill-fixtures';

/**
 * One PostgreSQL database (the old side's users table and the control store) and one MongoDB
 * database (the new side's users collection) per test file, plus helpers to publish routing.
 */
export interface RouterFixture {
  fx: DataFixture;
  migrationId: string;
  control: Pool;
  spec(target?: string): MigrationSpec;
  publish(phase: Phase, rampPercent?: number): Promise<number>;
  router(options?: Partial<RouterOptions>, spec?: MigrationSpec): Promise<Router>;
  close(): Promise<void>;
}

export async function createRouterFixture(prefix: string): Promise<RouterFixture> {
  const fx = await createDataFixture(prefix);
  await fx.pg.query(`create table users (id int primary key, name text not null, email text, version bigint not null)`);
  const control = new Pool({ connectionString: fx.pgUrl, max: 4 });
  // The worker's (or the roles script's) part: routers never create the control store.
  await ensureControlSchema(control);
  const migrationId = `${prefix}-m`;
  const routers: Router[] = [];
  let version = 0;

  const spec = (target = 'MONGO') => {
    const parsed = parseSpec({
      id: migrationId,
      source: { connection: fx.pgConnection },
      target: { connection: target, database: fx.mongoDatabase, dialect: 'ferretdb' },
      control: { connection: fx.pgConnection },
      entities: [{ name: 'users', from: { table: 'users', key: ['id'], version: 'version' }, to: { collection: 'users' }, fields: { id: '_id' } }],
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return parsed.spec;
  };

  return {
    fx,
    migrationId,
    control,
    spec,
    async publish(phase, rampPercent) {
      version++;
      await publishRoutingState(control, { ...routingFor(phase, rampPercent), migrationId, version, actor: 'test', reason: phase });
      return version;
    },
    async router(options = {}, s = spec()) {
      const r = await createRouter({ migrationId, control, entities: specRoutes(s), pollIntervalMs: 100, flushIntervalMs: 200, ...options });
      routers.push(r);
      return r;
    },
    async close() {
      await Promise.allSettled(routers.map((r) => r.close()));
      await control.end();
      await closeAllClients();
      await fx.close();
    },
  };
}

/** Polls until the condition holds or the time is up; returns the milliseconds it took. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

export const user = (id: number, version = 1, email = `u${id}@x.io`) => ({ _id: id, name: `user ${id}`, email, version });
/** A user as either database holds it once written: its version typed by the source's bigint column. */
export const storedUser = (id: number, version = 1, email?: string) => ({ ...user(id, version, email), version: BigInt(version) });
