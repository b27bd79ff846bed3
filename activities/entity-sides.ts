import { ApplicationFailure } from '@temporalio/common';
import { openSource, openTarget } from '../lib/connectors';
import { compileMapping } from '../lib/mapping/entity';
import type { EntityConnector } from '../lib/connectors/types';
import type { MigrationSpec } from '../lib/spec/schema';

/** What every data-plane activity receives: the spec names connections, never URLs. */
export interface EntityRef {
  migrationId: string;
  spec: MigrationSpec;
  entity: string;
}

export interface EntitySides {
  source: EntityConnector;
  target: EntityConnector;
}

/** Opens both sides of one entity; an entity the spec does not have is bad input, not a retry. */
export function openSides(ref: EntityRef): EntitySides {
  if (!ref.spec.entities.some((e) => e.name === ref.entity)) {
    throw ApplicationFailure.nonRetryable(
      `migration ${ref.migrationId}: entity ${JSON.stringify(ref.entity)} is not in the spec (entities: ${ref.spec.entities.map((e) => e.name).join(', ')})`,
      'UnknownEntity',
    );
  }
  return { source: openSource(ref.spec, ref.entity), target: openTarget(ref.spec, ref.entity) };
}

/** The version field under its target-shape name (the mapping may rename it); undefined for an unversioned entity. */
export function versionFieldOf(ref: EntityRef): string | undefined {
  const entity = ref.spec.entities.find((e) => e.name === ref.entity);
  return entity ? compileMapping(entity).targetVersion : undefined;
}
