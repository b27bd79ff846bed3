import { createHash } from 'node:crypto';
import { canonicalJson } from '../mapping/canonical';
import type { Value } from '../mapping/values';
import { keyText } from './keys';
import type { BucketDigests, DigestSummarizer, FetchResult, Key, KeyRange, MappedRecord, ReadRequest, ReadResult, RowHash } from './types';

const MASK = (1n << 64n) - 1n;

/** A row's hash in the canonical form: the first 8 bytes of md5 over its canonical text, 16 hex digits. */
export function rowHash(record: Value): string {
  return createHash('md5').update(canonicalJson(record)).digest('hex').slice(0, 16);
}

/** A key's bucket: the first 4 bytes of md5 over its key text, modulo `buckets` (a power of two). */
export function bucketOf(key: Key, buckets: number): number {
  return createHash('md5').update(keyText(key)).digest().readUInt32BE(0) & (buckets - 1);
}

/** Empty digests; `add` folds in one row, `result` gives the sums as 16 hex digits. */
export function digestAccumulator(buckets: number) {
  checkBuckets(buckets);
  const counts = new Array<number>(buckets).fill(0);
  const sums = new Array<bigint>(buckets).fill(0n);
  let rows = 0;
  return {
    add(bucket: number, hash: bigint) {
      counts[bucket]++;
      sums[bucket] = (sums[bucket] + hash) & MASK;
      rows++;
    },
    result: (): BucketDigests => ({ rows, counts, sums: sums.map(hex64) }),
  };
}

/** A sum modulo 2^64 as 16 hex digits; `value` may be negative (a database's signed sum). */
export function hex64(value: bigint): string {
  return (value & MASK).toString(16).padStart(16, '0');
}

export function checkBuckets(buckets: number): void {
  if (!Number.isInteger(buckets) || buckets < 1 || (buckets & (buckets - 1)) !== 0 || buckets > 1 << 20)
    throw new Error(`buckets must be a power of two up to 2^20, got ${buckets}`);
}

/** Records of a range in any order, a batch at a time (a full scan where the engine has nothing better). */
export type RangeScan = (range: KeyRange, each: (batch: FetchResult) => void) => Promise<void>;

/** A RangeScan through the connector's keyset reader, page by page. */
export function pagedScan(read: (request: ReadRequest) => Promise<ReadResult>, pageSize = 5000): RangeScan {
  return async (range, each) => {
    let after: Key | undefined;
    for (;;) {
      const page = await read({ from: range.from, to: range.to, after, limit: pageSize });
      each(page);
      if (!page.lastKey) return;
      after = page.lastKey;
    }
  };
}

/**
 * The worker-side summarizer any connector with a full scan has: one streaming pass over the
 * range, hashing each record's canonical text (the text range hashes and diffs use, the same on
 * every engine), so digests of PostgreSQL, MongoDB or any other connector's records compare
 * directly. The order of the scan does not matter; memory is one batch plus the bucket sums. An
 * undecodable record counts under its key with its quarantine document as the row.
 */
export function streamingDigests(scan: RangeScan, keyOf: (record: MappedRecord) => Key): DigestSummarizer {
  const hashed = (range: KeyRange, each: (key: Key, hash: string) => void) =>
    scan(range, (batch) => {
      for (const r of batch.records) each(keyOf(r), rowHash(r));
      for (const r of batch.rejected) each(r.key, rowHash({ $rejected: r.document }));
    });
  return {
    async digestRange(request) {
      const acc = digestAccumulator(request.buckets);
      await hashed(request, (key, hash) => acc.add(bucketOf(key, request.buckets), BigInt(`0x${hash}`)));
      return acc.result();
    },
    async bucketRows(request) {
      checkBuckets(request.buckets);
      const only = new Set(request.only);
      const rows: RowHash[] = [];
      await hashed(request, (key, hash) => {
        if (only.has(bucketOf(key, request.buckets))) rows.push({ key, hash });
      });
      return rows;
    },
  };
}
