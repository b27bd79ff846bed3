import { inSpan } from '../tracing/spans';
import type { EntityConnector } from './types';

/** The calls that reach the database (all return promises). */
const DATABASE_CALLS = [
  'readRange',
  'splitRanges',
  'hashRange',
  'digestRange',
  'bucketRows',
  'fetchByKeys',
  'writeBatch',
  'storedForm',
  'quarantine',
  'quarantined',
  'deleteKeys',
  'count',
  'estimate',
  'retire',
  'restore',
  'drop',
] as const satisfies ReadonlyArray<keyof EntityConnector>;

/**
 * A connector whose database calls are spans (`switchyard.<engine>.<call>`, with the entity and
 * side), so a trace runs from a workflow through its activity to each database call, for every
 * engine alike.
 */
export function tracedConnector(c: EntityConnector): EntityConnector {
  const attributes = { 'switchyard.entity': c.entity, 'switchyard.side': c.side, 'db.system': c.kind };
  const wrapped: Record<string, unknown> = { ...c };
  for (const name of DATABASE_CALLS) {
    const call = c[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (call) wrapped[name] = (...args: unknown[]) => inSpan(`switchyard.${c.kind}.${name}`, attributes, () => call(...args));
  }
  return wrapped as unknown as EntityConnector;
}
