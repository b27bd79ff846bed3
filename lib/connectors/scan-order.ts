import { recordHasher } from '../mapping/canonical';
import { compareKeys, keyInRange } from './key-order';
import type { FetchResult, HashResult, Key, KeyRange, ReadRequest } from './types';

/** A full scan of a table in the engine's own order (hash or token), a batch at a time. */
export type UnorderedScan<T> = (each: (items: T[]) => void) => Promise<void>;

/**
 * A key-ordered page from one unordered scan, for engines that cannot read a key range in order
 * (DynamoDB, Cassandra): the `limit` smallest keys of the range after `after` are kept while the
 * scan streams by (memory: about two pages), then sorted. Each page costs a full scan, so this
 * serves the few ranges a diff or a copy-back reads; verification summarizes a table in one scan.
 */
export async function orderedPage<T>(scan: UnorderedScan<T>, keyOf: (item: T) => Key, request: ReadRequest): Promise<{ items: T[]; lastKey?: Key }> {
  const limit = Math.max(1, Math.floor(request.limit));
  let kept: Array<{ key: Key; item: T }> = [];
  let more = false;
  const trim = () => {
    kept.sort((a, b) => compareKeys(a.key, b.key));
    if (kept.length > limit) more = true;
    kept = kept.slice(0, limit);
  };
  await scan((items) => {
    for (const item of items) {
      const key = keyOf(item);
      if (keyInRange(key, request)) kept.push({ key, item });
    }
    if (kept.length > 2 * limit) trim();
  });
  trim();
  return { items: kept.map((k) => k.item), lastKey: more && kept.length ? kept[kept.length - 1].key : undefined };
}

/** The key-ordered hash of a range (HashResult) from one unordered scan: the range's records are sorted in memory. */
export async function orderedHash(
  scan: (range: KeyRange, each: (batch: FetchResult) => void) => Promise<void>,
  keyOf: (record: FetchResult['records'][number]) => Key,
  range: KeyRange,
): Promise<HashResult> {
  const all: Array<{ key: Key; record: object }> = [];
  await scan(range, (batch) => {
    for (const r of batch.records) all.push({ key: keyOf(r), record: r });
    for (const r of batch.rejected) all.push({ key: r.key, record: { $rejected: r.document } });
  });
  all.sort((a, b) => compareKeys(a.key, b.key));
  const hasher = recordHasher();
  for (const r of all) hasher.add(r.record as FetchResult['records'][number]);
  return hasher.result();
}
