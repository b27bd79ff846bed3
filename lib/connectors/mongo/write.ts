import { AnyBulkWriteOperation, Collection, Filter, Long, MongoBulkWriteError } from 'mongodb';
import { canonicalJson } from '../../mapping/canonical';
import type { Value } from '../../mapping/values';
import type { WriteResult } from '../types';
import { Dialect, findByIds } from './by-ids';
import { idFilter, StoredDoc } from './codec';

/**
 * FerretDB holds one backend connection per operation of a write command until the command ends,
 * and deadlocks above ~40 conditional operations; 25 stays clear of that on MongoDB too.
 */
export const CONDITIONAL_CHUNK = 25;
const DUPLICATE_KEY = 11000;

type Doc = StoredDoc;

/**
 * Version-guarded idempotent write, shaped for FerretDB (no transactions, slow conditional
 * updates and lookups, fast insertMany): insertMany first — on a fresh target that is the whole
 * write; only documents that already exist cost a find of their stored versions, and only the
 * stale ones a conditional replaceOne. Newer or equal versions are skipped.
 */
export async function writeDocuments(
  coll: Collection<StoredDoc>,
  docs: Doc[],
  version: string | undefined,
  versionGuard: boolean,
  dialect: Dialect,
): Promise<Omit<WriteResult, 'quarantined'>> {
  if (!docs.length) return { written: 0, skipped: 0 };
  const { inserted, raced: existing } = await insertAbsent(coll, docs);
  const stale = versionGuard ? await staleOnes(coll, existing, version, dialect) : existing;
  const replaced = await replaceStale(coll, stale, version, versionGuard);
  return { written: inserted + replaced, skipped: existing.length - replaced };
}

/** The documents whose stored version is older than theirs (an unversioned entity never overwrites). */
async function staleOnes(coll: Collection<StoredDoc>, docs: Doc[], version: string | undefined, dialect: Dialect): Promise<Doc[]> {
  if (!docs.length || !version) return [];
  const stored = new Map<string, unknown>();
  const found = await findByIds(coll, docs.map((d) => d._id), dialect, { projection: { _id: 1, [version]: 1 }, useBigInt64: true });
  for (const d of found) stored.set(idText(d._id), d[version]);
  return docs.filter((d) => isOlder(stored.get(idText(d._id)), d[version]));
}

/** insertMany(ordered: false); documents that already exist (duplicate _id) are returned for the version check. */
async function insertAbsent(coll: Collection<StoredDoc>, docs: Doc[]): Promise<{ inserted: number; raced: Doc[] }> {
  if (!docs.length) return { inserted: 0, raced: [] };
  try {
    const r = await coll.insertMany(docs, { ordered: false });
    return { inserted: r.insertedCount, raced: [] };
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    const other = errors.find((e) => e.code !== DUPLICATE_KEY);
    if (other) throw err;
    return { inserted: err.insertedCount ?? docs.length - errors.length, raced: errors.map((e) => docs[e.index]) };
  }
}

async function replaceStale(coll: Collection<StoredDoc>, docs: Doc[], version: string | undefined, versionGuard: boolean): Promise<number> {
  let replaced = 0;
  for (let i = 0; i < docs.length; i += CONDITIONAL_CHUNK) {
    const ops: AnyBulkWriteOperation<StoredDoc>[] = docs.slice(i, i + CONDITIONAL_CHUNK).map((doc) => ({
      replaceOne: { filter: guardFilter(doc, version, versionGuard), replacement: doc },
    }));
    const r = await coll.bulkWrite(ops, { ordered: false });
    replaced += r.modifiedCount;
  }
  return replaced;
}

function guardFilter(doc: Doc, version: string | undefined, versionGuard: boolean): Filter<StoredDoc> {
  if (!versionGuard) return idFilter(doc._id);
  if (!version) return idFilter(doc._id, { _switchyard_never: true });
  // null also matches a missing version field: any versioned write beats an unversioned document.
  return idFilter(doc._id, { $or: [{ [version]: { $lt: doc[version] } }, { [version]: null }] });
}

function idText(id: unknown): string {
  return canonicalJson(id as Value);
}

/** Whether a stored version is older than an incoming one (dates at millisecond precision). */
export function isOlder(stored: unknown, incoming: unknown): boolean {
  if (incoming === null || incoming === undefined) return false;
  if (stored === null || stored === undefined) return true;
  const a = comparable(stored);
  const b = comparable(incoming);
  if (typeof a === 'string' || typeof b === 'string') return String(a) < String(b);
  return a < b;
}

function comparable(v: unknown): number | bigint | string {
  if (v instanceof Date) return v.getTime();
  if (v instanceof Long) return v.toBigInt();
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v;
  return String(v);
}
