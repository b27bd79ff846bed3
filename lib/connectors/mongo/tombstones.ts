import { Collection, Double, Filter, Long } from 'mongodb';
import type { Value } from '../../mapping/values';
import { atomically, Dialect, docName, pointwise } from './by-ids';
import { decodeDocument, escapeKey, idFilter, MICROS_SUFFIX, StoredDoc, unescapeKey } from './codec';

/**
 * Tombstones of a versioned collection, in a switchyard_tombstones collection of the same
 * database: one per deleted key, `_id` naming the collection and the key, with the version the
 * delete removed (`v`, and `us` for a timestamp's microseconds, as codec.ts stores them). A
 * guarded write of that key at or below it is refused. FerretDB has no transactions, so the
 * tombstone is written before the delete, and a guarded insert checks the tombstones before it
 * inserts and again after: a delete racing it has then either removed the inserted document or
 * left a tombstone the second check sees. Tombstones are never purged yet.
 */
interface Stone {
  _id: string;
  /** The collection: a large batch reads all of its tombstones in one scan. */
  c: string;
  v: unknown;
  us?: number;
  deletedAt: Date;
}

/** A stored version: the version field's value and its microseconds sibling (0 when absent). */
interface Version {
  v: unknown;
  us: number;
}

export interface TombstoneContext {
  coll: Collection<StoredDoc>;
  /** The version field as stored (escaped); tombstones exist only for versioned collections. */
  version: string;
  dialect: Dialect;
}

const READ = { useBigInt64: true } as const;
/**
 * Up to this many documents, their tombstones are read by `_id` (FerretDB answers an `_id`
 * equality from its index); a larger batch reads the collection's tombstones in one scan, since
 * FerretDB does not push `$in` down (by-ids.ts).
 */
const POINT_READS = 16;

const stones = (t: TombstoneContext) => t.coll.db.collection<Stone>('switchyard_tombstones');
const stoneId = (t: TombstoneContext, id: unknown) => docName(t.coll.collectionName, id);
const microsField = (t: TombstoneContext) => escapeKey(t.version + MICROS_SUFFIX);
const versionOf = (t: TombstoneContext, doc: StoredDoc): Version => ({
  v: doc[t.version] ?? null,
  us: typeof doc[microsField(t)] === 'number' ? (doc[microsField(t)] as number) : 0,
});

/** Orders two stored versions of one field: numbers, int64, dates (with microseconds) or strings. */
function compare(a: Version, b: Version): number {
  const x = comparable(a.v);
  const y = comparable(b.v);
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  const order =
    typeof x === 'bigint' && typeof y === 'bigint'
      ? x < y
        ? -1
        : x > y
          ? 1
          : 0
      : typeof x === 'string' || typeof y === 'string'
        ? String(x).localeCompare(String(y))
        : Number(x) - Number(y);
  return order !== 0 ? Math.sign(order) : a.us - b.us;
}

function comparable(v: unknown): bigint | number | string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return BigInt(v.getTime());
  if (v instanceof Long) return v.toBigInt();
  if (v instanceof Double) return v.value;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string') return v;
  return String(v);
}

/** The tombstones of these documents' keys, by document `_id` text. */
async function stonesOf(t: TombstoneContext, docs: StoredDoc[]): Promise<Map<string, Version>> {
  if (!docs.length) return new Map();
  const ids = docs.map((d) => stoneId(t, d._id));
  const found =
    ids.length <= POINT_READS
      ? (await pointwise(ids, (id) => stones(t).findOne({ _id: id }, READ))).filter((s): s is Stone => s !== null)
      : await stones(t).find({ c: t.coll.collectionName }, READ).toArray();
  return new Map(found.map((s) => [s._id, { v: s.v, us: s.us ?? 0 }]));
}

/** The version each document id's tombstone records, decoded; undefined where the id has none. Aligned with `ids`. */
export async function tombstonedVersions(t: TombstoneContext, ids: unknown[]): Promise<(Value | undefined)[]> {
  const known = await stonesOf(
    t,
    ids.map((_id) => ({ _id }) as StoredDoc),
  );
  return ids.map((id) => {
    const stone = known.get(stoneId(t, id));
    return stone && decodeVersion(t, { _id: id, [t.version]: stone.v, ...(stone.us ? { [microsField(t)]: stone.us } : {}) } as StoredDoc);
  });
}

/** Splits documents into those newer than their tombstone (or without one) and those it covers. */
export async function liveDocuments(t: TombstoneContext, docs: StoredDoc[]): Promise<{ live: StoredDoc[]; covered: StoredDoc[] }> {
  const known = await stonesOf(t, docs);
  const covered = (d: StoredDoc) => {
    const stone = known.get(stoneId(t, d._id));
    return stone !== undefined && compare(versionOf(t, d), stone) <= 0;
  };
  return { live: docs.filter((d) => !covered(d)), covered: docs.filter(covered) };
}

/** After inserting: removes the inserted documents a delete has tombstoned meanwhile; returns how many. */
export async function removeCovered(t: TombstoneContext, inserted: StoredDoc[]): Promise<number> {
  const { covered } = await liveDocuments(t, inserted);
  const removed = await pointwise(covered, (d) => atomically(t.coll, d._id, t.dialect, () => t.coll.deleteOne(idFilter(d._id, atMost(t, versionOf(t, d))))));
  return removed.reduce((n, r) => n + r.deletedCount, 0);
}

/** An unguarded write is the truth about its keys (a re-created record may carry a lower version): their tombstones go. */
export async function clearTombstones(t: TombstoneContext, docs: StoredDoc[]): Promise<void> {
  await pointwise(docs, (d) => stones(t).deleteOne({ _id: stoneId(t, d._id) }));
}

export interface DocDelete {
  removed?: Value;
  kept: boolean;
}

/**
 * Deletes one document, its tombstone written first. Without `upTo`, the stored version is read,
 * tombstoned, and the document deleted if it still holds that version (else read again: a
 * concurrent write moved it on). With `upTo` (DeleteOptions), the tombstone records `upTo`, only a
 * version at most `upTo` is deleted, and a newer one is kept and reported.
 */
export async function deleteDocument(t: TombstoneContext, id: unknown, upTo: StoredDoc | null | undefined): Promise<DocDelete> {
  return atomically(t.coll, id, t.dialect, async () => {
    if (upTo !== undefined) {
      let removed: Value | undefined;
      if (upTo !== null) {
        await tombstone(t, id, versionOf(t, upTo));
        if ((await t.coll.deleteOne(idFilter(id, atMost(t, versionOf(t, upTo))))).deletedCount) removed = decodeVersion(t, upTo);
      }
      const left = await t.coll.findOne(idFilter(id), { ...READ, projection: { _id: 1 } });
      return { kept: left !== null, ...(removed !== undefined ? { removed } : {}) };
    }
    for (;;) {
      const doc = await t.coll.findOne(idFilter(id), READ);
      if (!doc) return { kept: false };
      const version = versionOf(t, doc);
      await tombstone(t, id, version);
      const { deletedCount } = await t.coll.deleteOne(idFilter(id, exactly(t, version)));
      if (deletedCount) return { kept: false, removed: decodeVersion(t, doc) };
    }
  });
}

/** Writes or raises the tombstone of `id` to `version`; a newer tombstone stays. */
async function tombstone(t: TombstoneContext, id: unknown, version: Version): Promise<void> {
  const _id = stoneId(t, id);
  const stone: Stone = { _id, c: t.coll.collectionName, v: version.v, ...(version.us ? { us: version.us } : {}), deletedAt: new Date() };
  const existing = await stones(t).findOne({ _id }, READ);
  if (!existing) {
    try {
      await stones(t).insertOne(stone);
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }
  // One writer per document holds its lock here (deleteDocument), so read-compare-replace is safe.
  const now = await stones(t).findOne({ _id }, READ);
  if (now && compare({ v: now.v, us: now.us ?? 0 }, version) < 0) await stones(t).replaceOne({ _id }, stone);
}

function decodeVersion(t: TombstoneContext, doc: StoredDoc): Value {
  const field = t.version;
  return (
    decodeDocument({ [field]: doc[field] ?? null, ...(doc[microsField(t)] !== undefined ? { [microsField(t)]: doc[microsField(t)] } : {}) })[
      unescapeKey(field)
    ] ?? null
  );
}

/** Filter: the stored version is at most `v`. */
function atMost(t: TombstoneContext, { v, us }: Version): Filter<StoredDoc> {
  const field = t.version;
  const micros = microsField(t);
  const older: Filter<StoredDoc>[] = [{ [field]: { $lt: v } }, { [field]: null }, { [field]: v, [micros]: null }];
  if (us) older.push({ [field]: v, [micros]: { $lte: us } });
  return { $or: older } as Filter<StoredDoc>;
}

/** Filter: the stored version is exactly `v`. */
function exactly(t: TombstoneContext, { v, us }: Version): Filter<StoredDoc> {
  return { [t.version]: v, [microsField(t)]: us ? us : null } as Filter<StoredDoc>;
}
