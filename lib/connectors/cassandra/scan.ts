import type { Client } from 'cassandra-driver';
import { mapConcurrently } from '../concurrent';
import { ident, qualified, TableShape } from './schema';

const MIN_TOKEN = -(2n ** 63n);
const MAX_TOKEN = 2n ** 63n - 1n;
/** Token ranges scanned at once: each is one paged query. */
const RANGE_CONCURRENCY = 4;
const PAGE_ROWS = 1000;

/** The Murmur3 ring cut into `n` contiguous token ranges, inclusive at both ends. */
export function tokenRanges(n: number): Array<[bigint, bigint]> {
  const span = (MAX_TOKEN - MIN_TOKEN) / BigInt(n);
  return Array.from({ length: n }, (_, i) => {
    const from = i === 0 ? MIN_TOKEN : MIN_TOKEN + span * BigInt(i) + 1n;
    const to = i === n - 1 ? MAX_TOKEN : MIN_TOKEN + span * BigInt(i + 1);
    return [from, to];
  });
}

/**
 * One full scan of the table by token ranges, a few at a time, each paged: rows come in token
 * order within a range, never key order. `each` sees one page at a time.
 */
export async function tokenScan(
  client: Client,
  shape: TableShape,
  columns: string[],
  ranges: number,
  each: (rows: Array<Record<string, unknown>>) => void | Promise<void>,
): Promise<void> {
  const token = `token(${shape.partition.map(ident).join(', ')})`;
  const cql = `SELECT ${columns.map(ident).join(', ')} FROM ${qualified(shape)} WHERE ${token} >= ? AND ${token} <= ?`;
  await mapConcurrently(tokenRanges(ranges), RANGE_CONCURRENCY, async ([from, to]) => {
    let pageState: string | undefined;
    do {
      const result = await client.execute(cql, [from, to], { prepare: true, fetchSize: PAGE_ROWS, pageState });
      await each(result.rows as unknown as Array<Record<string, unknown>>);
      pageState = result.pageState ?? undefined;
    } while (pageState);
  });
}
