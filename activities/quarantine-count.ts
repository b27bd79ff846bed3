import { openTarget } from '../lib/connectors';
import type { MigrationSpec } from '../lib/spec/schema';

export interface QuarantineCount {
  count: number;
  /** Per entity with entries. */
  entities: Record<string, number>;
}

/** Records the new database's quarantine holds, per entity: records it does not have in its tables. */
export async function countQuarantine(input: { migrationId: string; spec: MigrationSpec }): Promise<QuarantineCount> {
  const entities: Record<string, number> = {};
  for (const entity of input.spec.entities) {
    const n = await openTarget(input.spec, entity.name).quarantined();
    if (n) entities[entity.name] = n;
  }
  return { count: Object.values(entities).reduce((a, b) => a + b, 0), entities };
}
