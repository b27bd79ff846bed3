import { BSON, Collection, Document, Filter, FindOptions } from 'mongodb';
import { idFilter, StoredDoc } from './codec';
import { withDocLock } from './doc-lock';
import { mapConcurrently } from '../concurrent';

/**
 * FerretDB 1.24 does not push `$in` down, so a set look-up scans the whole collection, while an
 * `_id` equality uses the index (docs/BENCHMARKS.md, "FerretDB backend"). So on FerretDB a set
 * of keys is fetched, replaced or deleted as concurrent point operations; a real MongoDB answers
 * `$in` from its index in one round trip.
 */
const POINT_CONCURRENCY = 8;

/**
 * Runs a conditional write of one document atomically. MongoDB applies a filtered write
 * atomically itself; FerretDB 1.24 evaluates the filter on a document it has read and then writes
 * by `_id` with no lock in between, so there the document's lock (doc-lock.ts) is held around it,
 * across processes.
 */
export function atomically<T>(coll: Collection<StoredDoc>, id: unknown, dialect: Dialect, work: () => Promise<T>): Promise<T> {
  if (dialect === 'mongodb') return work();
  return withDocLock(coll.db, docName(coll.collectionName, id), work);
}

/** A document's name across collections, as a string FerretDB can store (no NUL: its jsonb refuses it). */
export function docName(collection: string, id: unknown): string {
  return JSON.stringify([collection, BSON.EJSON.stringify({ id }, { relaxed: false })]);
}

/**
 * FerretDB holds one backend connection per operation of a write command until the command ends,
 * and deadlocks above ~40 conditional operations (also spread over concurrent commands); 25 stays
 * clear of that on MongoDB too.
 */
export const CONDITIONAL_CHUNK = 25;

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

/**
 * Replaces each document where `filterOf(doc)` (an `_id` equality plus a guard) matches; returns
 * how many were replaced. FerretDB runs the operations of one command one after another (~4–6 ms
 * each at 100k documents), so there each is its own command, a few in flight: about twice as fast
 * as chunked bulkWrites, and never more conditional operations in flight than POINT_CONCURRENCY.
 */
export async function replaceByIds(
  coll: Collection<StoredDoc>,
  docs: StoredDoc[],
  filterOf: (doc: StoredDoc) => Filter<StoredDoc>,
  dialect: Dialect,
): Promise<number> {
  if (dialect === 'ferretdb') {
    const results = await pointwise(docs, (doc) => atomically(coll, doc._id, dialect, () => coll.replaceOne(filterOf(doc), doc)));
    return results.reduce((n, r) => n + r.modifiedCount, 0);
  }
  let replaced = 0;
  for (let i = 0; i < docs.length; i += CONDITIONAL_CHUNK) {
    const ops = docs.slice(i, i + CONDITIONAL_CHUNK).map((doc) => ({ replaceOne: { filter: filterOf(doc), replacement: doc } }));
    replaced += (await coll.bulkWrite(ops, { ordered: false })).modifiedCount;
  }
  return replaced;
}

export function pointwise<T, R>(items: T[], op: (item: T) => Promise<R>): Promise<R[]> {
  return mapConcurrently(items, POINT_CONCURRENCY, op);
}
