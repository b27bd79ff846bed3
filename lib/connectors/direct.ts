import { log } from '../log';
import { renamer } from '../mapping/rename';
import type { MigrationSpec } from '../spec/schema';
import { findEntity, openSide } from './open';
import { pgDirectCopy } from './pg/direct';
import { pgEngine, pgEntityOptions } from './pg/engine';
import type { DirectCopier } from './types';

/**
 * A DirectCopier for this entity when one gives the same result as reading records and writing
 * them: PostgreSQL on both sides and a mapping that only renames or drops columns (transforms,
 * defaults and embedded children need each value in Node). Otherwise undefined, and the caller
 * copies row by row.
 */
export async function openDirectCopy(spec: MigrationSpec, entityName: string): Promise<DirectCopier | undefined> {
  const entity = findEntity(spec, entityName);
  const source = openSide(spec, entityName, 'source');
  const target = openSide(spec, entityName, 'target');
  let why: string;
  if (source.conn.kind !== pgEngine.kind || target.conn.kind !== pgEngine.kind) why = 'not PostgreSQL on both sides';
  else if (entity.transforms.length || Object.keys(entity.defaults).length || entity.embed.length) why = 'transforms, defaults or embeds';
  else {
    const copier = await pgDirectCopy(pgEntityOptions(source), pgEntityOptions(target), renamer(entity.fields).forwardName);
    if (typeof copier !== 'string') return copier;
    why = copier;
  }
  // Only the backfill copies in bulk, so that is the phase of this line.
  log.debug({ migrationId: spec.id, phase: 'backfill', entity: entityName, why }, 'copying row by row, not with COPY');
  return undefined;
}
