/**
 * The application router: the data-access wrapper an application uses during a migration. It
 * follows the routing state the workflow publishes and does dual writes, shadow reads,
 * percentage reads with fallback, queues failed secondary writes for reconciliation and reports
 * gate counters. Records are in the target shape on both sides (see types.ts).
 *
 *   const router = await createRouter({ migrationId: spec.id, control: pgPool(spec.control.connection), entities: specRoutes(spec) });
 *   const users = router.entity('users');
 *   await users.update({ _id: 42, name: 'Ada', version: 8 });
 *   const user = await users.get([42]);
 *   // … on shutdown:
 *   await router.close();
 */
export { createRouter } from './create-router';
export type { Router, RouterOptions, RoutedEntity } from './create-router';
export { specRoute, specRoutes, connectorAccess } from './spec-access';
export { pgRouterControl } from './router-control';
export type { RouterControl } from './router-control';
export { RouterFencedError } from './routing-follower';
export { keyBucket, readsNew } from './percent';
export { differingFields } from './shadow-reads';
export type { MismatchSample } from './shadow-reads';
export type { RouterMetrics } from './metrics';
export { routerRegistry, ROUTER_METRIC_NAMES } from './prometheus';
export type { EntityAccess, EntityRoute, RouterRecord, RouterTuning, WriteContext, Side } from './types';
