import { createHash } from 'node:crypto';

/**
 * The name decommission retires a table or collection under: `<name>__switchyard_retired_<tag>`,
 * the tag reduced to identifier characters. PostgreSQL cuts identifiers at 63 bytes without a
 * word, which could make two retired names collide or a restore miss its table: a name that would
 * be longer keeps a prefix and a hash of the whole name instead.
 */
export function retiredName(name: string, tag: string, maxLength: number): string {
  const suffix = `__switchyard_retired_${tag.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const full = `${name}${suffix}`;
  if (full.length <= maxLength) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, maxLength - hash.length - 1)}_${hash}`;
}

/**
 * Engines that cannot rename a table (DynamoDB, Cassandra) retire it by marking it instead: a tag
 * or table comment under this name whose value is the migration's tag. Restore removes the mark
 * and drop removes only a table carrying this migration's mark.
 */
export const RETIRED_MARK = 'switchyard-retired';

/** What a table retired by marking is listed as: it keeps its name. */
export function retiredByMark(name: string, tag: string): { name: string; retiredAs: string; mark: string } {
  return { name, retiredAs: name, mark: `${RETIRED_MARK}=${tag}` };
}
