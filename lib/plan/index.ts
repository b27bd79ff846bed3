export { allBlockers, planMigration } from './plan';
export type { EntityPlan, MigrationPlan } from './plan';
