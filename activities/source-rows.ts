import type { EntityConnector } from '../lib/connectors/types';

/** Counting a big table costs a full scan; statistics are good enough for progress and ETA there. */
const EXACT_COUNT_BELOW = 1_000_000;

/** The source's rows for progress: exact below EXACT_COUNT_BELOW rows, otherwise the statistics estimate. */
export async function sourceRows(source: EntityConnector): Promise<number> {
  const estimate = await source.estimate();
  return estimate > 0 && estimate >= EXACT_COUNT_BELOW ? estimate : source.count();
}
