import { Collection, Filter, MongoBulkWriteError } from 'mongodb';
import type { WriteOptions, WriteResult } from '../types';
import { Dialect, replaceByIds } from './by-ids';
import { escapeKey, idFilter, MICROS_SUFFIX, StoredDoc } from './codec';
import { clearTombstones, liveDocuments, removeCovered, TombstoneContext } from './tombstones';

const DUPLICATE_KEY = 11000;

type Doc = StoredDoc;

/** A document the server refused on its own (not as a duplicate): its position in the batch and the server's reason. */
export interface Refusal {
  index: number;
  reason: string;
}

/**
 * Version-guarded idempotent write, shaped for FerretDB (no transactions, slow conditional
 * updates, fast insertMany): insertMany first — on a fresh target that is the whole write; a
 * document that already exists (duplicate _id, also one that appeared concurrently) gets a
 * replace conditional on its stored version being older, so a newer or equal version is never
 * overwritten. No read of the stored versions first: the guard in the filter decides, which saves
 * a point read per existing document (the common case for CDC and dual writes). A document deleted
 * between the insert and the replace stays deleted, as if the delete had come after this write.
 * Under the guard a deleted key is inserted only above its tombstone (tombstones.ts); without it
 * the batch is the truth and its keys' tombstones go. `existingOnly` replaces and never inserts.
 * A document the server refuses for what it holds is returned in `refused` for quarantine, and the
 * rest of the batch is still written: a retry of a partially applied batch then finds the written
 * documents as duplicates, which the guarded replace skips.
 */
export async function writeDocuments(
  coll: Collection<StoredDoc>,
  docs: Doc[],
  version: string | undefined,
  options: Required<Pick<WriteOptions, 'versionGuard'>> & WriteOptions,
  dialect: Dialect,
): Promise<Omit<WriteResult, 'quarantined'> & { refused: Refusal[] }> {
  if (!docs.length) return { written: 0, skipped: 0, refused: [] };
  const { versionGuard } = options;
  const stones: TombstoneContext | undefined = version ? { coll, version: escapeKey(version), dialect } : undefined;
  const { live, covered } = versionGuard && stones && !options.existingOnly ? await liveDocuments(stones, docs) : { live: docs, covered: [] };
  const { inserted, raced: existing, refused } = options.existingOnly ? { inserted: [], raced: live, refused: [] } : await insertAbsent(coll, live);
  // A delete that raced the insert past the first check has left its tombstone for this one.
  const undone = versionGuard && stones ? await removeCovered(stones, inserted) : 0;
  // An unversioned entity never overwrites under the guard: there is nothing to replace.
  const replaceable = versionGuard && !version ? [] : existing;
  const replaced = await replaceByIds(coll, replaceable, (doc) => guardFilter(doc, version, versionGuard, !!options.replaceEqual), dialect);
  if (!versionGuard && stones) await clearTombstones(stones, docs);
  const written = inserted.length - undone + replaced;
  return {
    written,
    skipped: covered.length + existing.length - replaced + undone,
    refused: refused.map((r) => ({ index: docs.indexOf(r.doc), reason: r.reason })),
  };
}

/**
 * insertMany(ordered: false); documents that already exist (duplicate _id) are returned for the
 * guarded replace, documents refused for any other reason as refusals.
 */
async function insertAbsent(coll: Collection<StoredDoc>, docs: Doc[]): Promise<{ inserted: Doc[]; raced: Doc[]; refused: { doc: Doc; reason: string }[] }> {
  if (!docs.length) return { inserted: [], raced: [], refused: [] };
  try {
    await coll.insertMany(docs, { ordered: false });
    return { inserted: docs, raced: [], refused: [] };
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    // The driver also wraps a failed command (a dropped connection, a cleared pool) in a
    // MongoBulkWriteError, with no write errors at all: only a reply that accounts for every
    // document, each inserted or refused, says what is stored.
    const accounted = errors.length > 0 && err.insertedCount + errors.length === docs.length;
    if (!accounted) {
      // Counts and codes only: the server's messages quote document values.
      const codes = [...new Set(errors.map((e) => e.code))].join(', ') || 'none';
      throw new Error(
        `insertMany into ${coll.collectionName} failed after storing ${err.insertedCount} of ${docs.length} documents (write error codes: ${codes}); the batch is retried and the stored documents are skipped as duplicates`,
        { cause: err },
      );
    }
    const failed = new Set(errors.map((e) => e.index));
    return {
      inserted: docs.filter((_, i) => !failed.has(i)),
      raced: errors.filter((e) => e.code === DUPLICATE_KEY).map((e) => docs[e.index]),
      refused: errors.filter((e) => e.code !== DUPLICATE_KEY).map((e) => ({ doc: docs[e.index], reason: `${e.errmsg ?? 'refused'} (code ${e.code})` })),
    };
  }
}

function guardFilter(doc: Doc, version: string | undefined, versionGuard: boolean, replaceEqual: boolean): Filter<StoredDoc> {
  if (!versionGuard || !version) return idFilter(doc._id);
  const field = escapeKey(version);
  // null also matches a missing version field: any versioned write beats an unversioned document.
  const older: Filter<StoredDoc>[] = [{ [field]: { $lt: doc[field] } }, { [field]: null }];
  // A timestamp's microseconds beyond the millisecond live in a sibling field (codec.ts), absent
  // when zero: within one millisecond they decide, or a fresher write in that millisecond is lost.
  const microsField = escapeKey(version + MICROS_SUFFIX);
  const micros = doc[microsField];
  const sameMillisecond = (stored: unknown): Filter<StoredDoc> => ({ [field]: doc[field], [microsField]: stored });
  if (typeof micros === 'number') older.push(sameMillisecond({ [replaceEqual ? '$lte' : '$lt']: micros }), sameMillisecond(null));
  else if (replaceEqual) older.push(sameMillisecond(null));
  return idFilter(doc._id, { $or: older });
}
