import { Collection, Document, FindOptions } from 'mongodb';
import { idFilter, StoredDoc } from './codec';

/**
 * FerretDB 1.24 does not push `$in` down, so a set look-up scans the whole collection, while an
 * `_id` equality uses the index (docs/BENCHMARKS.md, "FerretDB backend"). So on FerretDB a set
 * of keys is fetched or deleted as concurrent point operations; a real MongoDB answers `$in`
 * from its index in one round trip.
 */
const POINT_CONCURRENCY = 8;

export type Dialect = 'mongodb' | 'ferretdb';

export async function findByIds(coll: Collection<StoredDoc>, ids: unknown[], dialect: Dialect, options: FindOptions): Promise<Document[]> {
  if (!ids.length) return [];
  if (dialect === 'mongodb') return coll.find(idFilter({ $in: ids }), options).toArray();
  const found: Array<Document | null> = await pointwise(ids, (id) => coll.findOne(idFilter(id), options));
  return found.filter((d): d is Document => d !== null);
}

export async function deleteByIds(coll: Collection<StoredDoc>, ids: unknown[], dialect: Dialect): Promise<number> {
  if (!ids.length) return 0;
  if (dialect === 'mongodb') return (await coll.deleteMany(idFilter({ $in: ids }))).deletedCount;
  const results = await pointwise(ids, (id) => coll.deleteOne(idFilter(id)));
  return results.reduce((n, r) => n + r.deletedCount, 0);
}

async function pointwise<T>(ids: unknown[], op: (id: unknown) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      out[i] = await op(ids[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(POINT_CONCURRENCY, ids.length) }, worker));
  return out;
}
