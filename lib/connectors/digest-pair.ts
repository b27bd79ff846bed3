import { log } from '../log';
import type { MigrationSpec } from '../spec/schema';
import { comparedSource } from './compared';
import { plainPgPair } from './direct';
import { openSource, openTarget } from './open';
import { pgDigestPair } from './pg/digest';
import type { DigestSummarizer } from './types';

/** The two sides' summarizers verification compares; `form` names the row text both hash. */
export interface DigestPair {
  source: DigestSummarizer;
  target: DigestSummarizer;
  form: 'in-database' | 'canonical';
}

/**
 * Both sides summarized inside their databases where both can print the same row text there
 * (pg/digest.ts); otherwise every connector's worker-side streaming form over canonical records,
 * the source's in the form the target stores them (compared.ts).
 */
export async function openDigestPair(spec: MigrationSpec, entityName: string): Promise<DigestPair> {
  const plain = plainPgPair(spec, entityName);
  const inDatabase = typeof plain === 'string' ? plain : await pgDigestPair(plain.source, plain.target, plain.rename);
  if (typeof inDatabase !== 'string') return { ...inDatabase, form: 'in-database' };
  log.debug({ migrationId: spec.id, phase: 'verify', entity: entityName, why: inDatabase }, 'digests computed in the worker, not in the databases');
  const target = openTarget(spec, entityName);
  return { source: comparedSource(openSource(spec, entityName), target), target, form: 'canonical' };
}
