import { log } from '../log';
import { renamer } from '../mapping/rename';
import type { MigrationSpec } from '../spec/schema';
import { findEntity, openSide } from './open';
import type { PgEntityOptions } from './pg/context';
import { pgDirectCopy } from './pg/direct';
import { pgEngine, pgEntityOptions } from './pg/engine';
import type { DirectCopier } from './types';

/** Both sides of an entity stored in PostgreSQL tables, and how a source column is named in the target (null: dropped). */
export interface PlainPgPair {
  source: PgEntityOptions;
  target: PgEntityOptions;
  rename: (field: string) => string | null;
}

/**
 * The entity's two PostgreSQL sides when its mapping only renames or drops columns (transforms,
 * defaults and embedded children need each value in Node), so its rows can be handled as the
 * databases print them; otherwise why not.
 */
export function plainPgPair(spec: MigrationSpec, entityName: string): PlainPgPair | string {
  const entity = findEntity(spec, entityName);
  const source = openSide(spec, entityName, 'source');
  const target = openSide(spec, entityName, 'target');
  if (source.conn.kind !== pgEngine.kind || target.conn.kind !== pgEngine.kind) return 'not PostgreSQL on both sides';
  if (entity.transforms.length || Object.keys(entity.defaults).length || entity.embed.length) return 'transforms, defaults or embeds';
  return { source: pgEntityOptions(source), target: pgEntityOptions(target), rename: renamer(entity.fields).forwardName };
}

/**
 * A DirectCopier for this entity when one gives the same result as reading records and writing
 * them (plainPgPair, and columns of the same types: pg/direct-columns.ts). Otherwise undefined,
 * and the caller copies row by row.
 */
export async function openDirectCopy(spec: MigrationSpec, entityName: string): Promise<DirectCopier | undefined> {
  const pair = plainPgPair(spec, entityName);
  let why: string;
  if (typeof pair === 'string') why = pair;
  else {
    const copier = await pgDirectCopy(pair.source, pair.target, pair.rename);
    if (typeof copier !== 'string') return copier;
    why = copier;
  }
  // Only the backfill copies in bulk, so that is the phase of this line.
  log.debug({ migrationId: spec.id, phase: 'backfill', entity: entityName, why }, 'copying row by row, not with COPY');
  return undefined;
}
