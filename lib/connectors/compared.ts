import { pagedScan, streamingDigests } from './digest';
import { hashByPages } from './hash';
import type { EntityConnector, ReadRequest } from './types';

/**
 * The source side as verification compares it: each record in the form the target stores it
 * (EntityConnector.storedForm), so a value written exactly — a Date inside a jsonb column, an
 * embedded array unwound into a child table — hashes and diffs equal to what the target reads.
 * Copies keep reading the source itself.
 */
export function comparedSource(source: EntityConnector, target: EntityConnector): EntityConnector {
  const stored = target.storedForm;
  if (!stored) return source;
  const readRange = async (request: ReadRequest) => {
    const page = await source.readRange(request);
    return { ...page, records: await stored(page.records) };
  };
  return {
    ...source,
    readRange,
    hashRange: (range) => hashByPages(readRange, range),
    ...streamingDigests(pagedScan(readRange), source.keyOf),
    fetchByKeys: async (keys) => {
      const found = await source.fetchByKeys(keys);
      return { ...found, records: await stored(found.records) };
    },
  };
}
