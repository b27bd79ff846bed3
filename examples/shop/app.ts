import { pgPool } from '../../lib/connectors/clients';
import { ensureControlSchema } from '../../lib/control';
import { createRouter, Router, routerRegistry, specRoutes } from '../../lib/router';
import type { MigrationSpec } from '../../lib/spec/schema';
import { startShopService } from './service';
import { shopUsers } from './users';

export interface ShopApp {
  url: string;
  router: Router;
  close(): Promise<void>;
}

/**
 * The shop as a team would run it during the migration: its HTTP service on top of a router that
 * follows the migration's routing state. Half the reads are shadow-compared, so a few minutes of
 * modest load give the gates enough samples.
 */
export async function startShopApp(spec: MigrationSpec, firstOrderId: number, port = 0): Promise<ShopApp> {
  const control = pgPool(spec.control.connection);
  // The service may start before the migration has created switchyard's tables.
  await ensureControlSchema(control);
  const router = await createRouter({
    migrationId: spec.id,
    control,
    entities: specRoutes(spec),
    shadowSampleRate: 0.5,
  });
  // GET /metrics: the router's figures for Prometheus, which only the application's process has.
  const service = await startShopService(shopUsers(router.entity('users'), firstOrderId), port, routerRegistry(router, spec.id));
  return {
    url: service.url,
    router,
    async close() {
      await service.close();
      await router.close();
    },
  };
}
