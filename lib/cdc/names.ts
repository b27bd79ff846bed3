import { createHash } from 'node:crypto';

export interface CdcNames {
  slot: string;
  publication: string;
}

/**
 * Slot and publication names derived from the migration id. Slot names may only hold lower-case
 * letters, digits and _ (at most 63); the id's other characters become _, and a hash of the exact
 * id keeps "a-b" and "a_b" apart. Both are still quoted or passed as parameters wherever used.
 */
export function cdcNames(migrationId: string): CdcNames {
  const base = migrationId
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  const hash = createHash('sha256').update(migrationId).digest('hex').slice(0, 8);
  const name = `switchyard_${base}_${hash}`;
  return { slot: name, publication: name };
}
