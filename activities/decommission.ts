import { openSource } from '../lib/connectors';
import type { EntityConnector, RetiredName } from '../lib/connectors/types';
import { log } from '../lib/log';
import type { MigrationSpec } from '../lib/spec/schema';

export interface OldSideInput {
  migrationId: string;
  spec: MigrationSpec;
  /** What retired names carry (lib/connectors/retired-name.ts): the migration id, so restore and drop find exactly what retire renamed. */
  tag: string;
}

/** Each entity's old side (the source: the new database is the primary by decommission), one after another. */
async function eachOldSide(input: OldSideInput, act: (side: EntityConnector) => Promise<RetiredName[]>): Promise<RetiredName[]> {
  const names: RetiredName[] = [];
  for (const entity of input.spec.entities) names.push(...(await act(openSource(input.spec, entity.name))));
  return names;
}

function logged(input: OldSideInput, what: string, names: RetiredName[]): RetiredName[] {
  log.info({ migrationId: input.migrationId, names }, `${what}: ${names.map((n) => `${n.name} as ${n.retiredAs}`).join(', ') || 'nothing'}`);
  return names;
}

/** Renames the old tables or collections out of the applications' way: a writer still using the old names fails instead of writing unseen. Idempotent. */
export async function retireOld(input: OldSideInput): Promise<RetiredName[]> {
  return logged(input, 'retired', await eachOldSide(input, (side) => side.retire(input.tag)));
}

/** A rollback within the retention period: renames them back. Idempotent. */
export async function restoreOld(input: OldSideInput): Promise<RetiredName[]> {
  return logged(input, 'restored', await eachOldSide(input, (side) => side.restore(input.tag)));
}

/** Drops what retire renamed, and only that; returns what was dropped. */
export async function dropRetired(input: OldSideInput): Promise<RetiredName[]> {
  return logged(input, 'dropped', await eachOldSide(input, (side) => side.drop(input.tag)));
}
